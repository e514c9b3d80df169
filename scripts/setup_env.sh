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

# A bundle's wheels fit one Python version and platform; say so plainly instead of failing in pip.
check_bundle_python() {
  local wanted have
  [ -f wheelhouse/PYTHON_VERSION ] || return 0
  wanted="$(cat wheelhouse/PYTHON_VERSION)"
  have="$(python -c 'import sys, sysconfig; print(f"{sys.version_info.major}.{sys.version_info.minor} {sysconfig.get_platform()}")')"
  if [ "$wanted" != "$have" ]; then
    echo "[setup] error: this bundle's wheelhouse is for Python $wanted, but this machine has Python $have." >&2
    echo "[setup] Make the bundle on a machine with the same Python (./start_app.sh --make-bundle DIR)." >&2
    echo "[setup] 错误：本包的依赖是为 Python $wanted 准备的，本机是 Python $have，无法安装。" >&2
    exit 1
  fi
}

# Installing the wheelhouse unpacks it to 3.3-3.9 times its size (measured: a 1191 MB .venv from the
# 364 MB wheelhouse, 3335 MB from the 856 MB IndexTTS2 one); 4.5 times leaves pip some room. pip out of
# space leaves a broken .venv and a long traceback, so say it first.
check_bundle_disk() {
  local wheels_mb needed_mb free_mb
  wheels_mb="$(du -sm wheelhouse | cut -f1)"
  needed_mb=$(( wheels_mb * 9 / 2 ))
  free_mb="$(df -Pm . | awk 'NR == 2 {print $4}')"
  if [ "$free_mb" -lt "$needed_mb" ]; then
    echo "[setup] error: installing this bundle needs about ${needed_mb} MB free on this disk; it has ${free_mb} MB." >&2
    echo "[setup] Free some space (or copy the bundle to a disk with more room) and start again." >&2
    echo "[setup] 错误：磁盘空间不足，安装本包约需 ${needed_mb} MB，本机只剩 ${free_mb} MB。请清理空间或换一个磁盘后重试。" >&2
    exit 1
  fi
}

ensure_venv() {
  local req="$1" stamp
  if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv"
    python3 -m venv .venv
  fi
  # shellcheck disable=SC1091
  source .venv/bin/activate
  stamp=".venv/.installed-$(basename "$req")"
  local files f stale=0
  files="$(included_requirements "$req")"
  [ -f "$stamp" ] || stale=1
  for f in $files; do [ "$f" -nt "$stamp" ] && stale=1; done
  if [ "$stale" = 1 ]; then
    echo "[setup] installing $req"
    if [ -d wheelhouse ]; then
      check_bundle_python
      check_bundle_disk
      # --no-compile: byte-compiling every installed module took 60 of the 104 CPU seconds of the IndexTTS2
      # bundle's install; Python compiles what it imports at the first start instead (6 s, then kept)
      pip install --quiet --disable-pip-version-check --no-compile --no-index --find-links wheelhouse -r "$req"
    else
      if echo "$files" | grep -qw requirements-indextts2.txt; then ensure_cpu_torchaudio_wheel; fi
      pip install --quiet --disable-pip-version-check -r "$req"
    fi
    touch "$stamp"
    # a file that includes others (-r) has installed them as well
    for f in $files; do touch ".venv/.installed-$(basename "$f")"; done
  fi
}

# The IndexTTS2 requirements pin a CPU torchaudio that is made from the registry's wheel into wheels/
# (ignored by git): made when missing, for an install and for a bundle made from an installed .venv.
ensure_cpu_torchaudio_wheel() {
  if ! compgen -G "wheels/torchaudio-*+cpu-*.whl" > /dev/null; then python scripts/torchaudio_cpu_wheel.py; fi
}

# A requirements file and every file it includes with -r, one per line.
included_requirements() {
  local req="$1" inc
  echo "$req"
  for inc in $(sed -n 's/^-r[[:space:]]*//p' "$req"); do included_requirements "$inc"; done
}

# Replicas (start_app.sh --replicas N) run behind HAProxy and share a Redis: Debian's packages (haproxy 2.6,
# redis-server 7.0 on Debian 12), installed when missing if this is root; otherwise say what to run.
ensure_replica_tools() {
  command -v haproxy > /dev/null && command -v redis-server > /dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "[setup] installing haproxy and redis-server (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy redis-server > /dev/null
  else
    echo "[setup] error: replicas need haproxy and redis-server: sudo apt-get install haproxy redis-server" >&2
    return 1
  fi
}
