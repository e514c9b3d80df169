# Sourced by start_app.sh and run_tests.sh: create .venv and install pinned requirements when needed.
# Installs from ./wheelhouse with --no-index when that folder exists (offline USB bundle).

export HF_HOME="${HF_HOME:-$PWD/cache_hub}"
export HF_HUB_CACHE="${HF_HUB_CACHE:-$HF_HOME/hub}"
export TRANSFORMERS_CACHE="${TRANSFORMERS_CACHE:-$HF_HOME/hub}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"  # nothing is downloaded at run time
export HF_HUB_DISABLE_TELEMETRY=1
export ORT_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False
export PYTHONUNBUFFERED=1

ensure_venv() {
  local req="$1" stamp
  if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv"
    python3 -m venv .venv
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
  stamp=".venv/.installed-$(basename "$req")"
  if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
    echo "[setup] installing $req"
    if [ -d wheelhouse ]; then
      pip install --quiet --no-index --find-links wheelhouse -r "$req"
    else
      pip install --quiet --disable-pip-version-check -r "$req"
    fi
    touch "$stamp"
    # a file that includes requirements.txt (-r) has installed it as well
    if grep -qxF -- "-r requirements.txt" "$req"; then touch .venv/.installed-requirements.txt; fi
  fi
}
