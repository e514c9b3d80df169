#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, then pytest.
# Usage: ./run_tests.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
ensure_venv requirements-dev.txt
python -m index_tts prepare
python -m ruff check .
python -m pytest "$@"
