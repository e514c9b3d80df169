#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, the import contracts, then pytest.
# Usage: ./run_tests.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
ensure_venv requirements-dev.txt
python -m index_tts prepare
python -m index_tts.ops.page_font || true  # the page's Chinese font (npm); its tests skip without it
python -m ruff check .
lint-imports --no-cache  # the folder layers and no import cycles (pyproject.toml)
python -m pytest "$@"
