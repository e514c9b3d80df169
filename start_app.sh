#!/usr/bin/env bash
# Start the app: set up what is missing, prepare the model, then run the WebUI.
# Usage: ./start_app.sh [webui flags...]
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup_env.sh
ensure_venv requirements.txt
python -m index_tts prepare
mkdir -p logs
python webui.py "$@" 2>&1 | tee -a logs/webui.log
