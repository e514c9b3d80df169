#!/usr/bin/env bash
# Start the IndexTTS WebUI: set up what is missing, stop a stale instance, prepare and warm the model, serve.
#
# Usage: ./start_app.sh [--host H] [--port P] [--share] [--auth USER:PASS] [--allow-no-auth] [--engine NAME]
#                       [--lang zh|en] [--inbrowser] [--model-dir DIR] [--online] [other webui.py flags]
#        ./start_app.sh --stop      stop the running instance (or replica set)
#        ./start_app.sh --replicas N [--port P] [--workers W] [--join HOST:PORT ...] [other webui.py flags]
#                   Redis, N replicas on ports P+1..P+N and HAProxy on P (docs/replicas.md)
#        ./start_app.sh --stop --replica NAME   take one replica out of rotation, let it finish, stop it
#        ./start_app.sh --make-bundle DIR   write an offline folder (app, wheelhouse, checkpoints, guide) for a USB stick
#        ./start_app.sh --make-bundle DIR --with-indextts2 [--model-dir CKPT]   ... with IndexTTS2 and its checkpoints
# With --engine indextts2 it also installs requirements-indextts2.txt (torch and the upstream code).
# Output goes to the terminal and to logs/webui.log.
set -euo pipefail
CALLER_DIR="$PWD"  # a relative --make-bundle DIR is meant from where the command was typed
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
RUN_DIR="${INDEX_TTS_RUN_DIR:-$ROOT/run}"  # tests point this elsewhere so they never touch a real instance
PID_FILE="$RUN_DIR/webui.pid"
WEBUI="$ROOT/webui.py"

# True if PID is alive and is this folder's webui.py (never trust a PID file alone: PIDs get reused).
is_our_webui() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF "$WEBUI"
}

stop_running() {
  [ -f "$PID_FILE" ] || { echo "[start_app] no running instance recorded in $PID_FILE"; return 0; }
  local pid
  pid="$(tr -dc '0-9' < "$PID_FILE")"
  if ! is_our_webui "$pid"; then
    echo "[start_app] removing stale $PID_FILE (PID ${pid:-?} is not this app's webui.py)"
    rm -f "$PID_FILE"
    return 0
  fi
  echo "[start_app] stopping webui.py (PID $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do  # up to 10 s
    is_our_webui "$pid" || { rm -f "$PID_FILE"; echo "[start_app] stopped"; return 0; }
    sleep 0.1
  done
  echo "[start_app] PID $pid did not stop within 10 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 50); do is_our_webui "$pid" || break; sleep 0.1; done
  rm -f "$PID_FILE"
}

# Build the offline bundle with this app's own environment, then stop: nothing is served.
make_bundle() {
  [ -n "${1:-}" ] || { echo "usage: ./start_app.sh --make-bundle DIR [--with-indextts2 [--model-dir CKPT]]" >&2; exit 2; }
  local dest="$1" extra=() requirements=requirements.txt
  shift
  [[ "$dest" = /* ]] || dest="$CALLER_DIR/$dest"
  while [ $# -gt 0 ]; do
    case "$1" in
      --with-indextts2) extra+=(--with-indextts2); requirements=requirements-indextts2.txt ;;
      --model-dir) local dir="${2:?--model-dir needs a folder}"; [[ "$dir" = /* ]] || dir="$CALLER_DIR/$dir"
                   extra+=(--indextts2-dir "$dir"); shift ;;
      *) echo "unknown option for --make-bundle: $1" >&2; exit 2 ;;
    esac
    shift
  done
  source scripts/setup_env.sh
  ensure_venv "$requirements"
  if [ "$requirements" = requirements-indextts2.txt ]; then ensure_cpu_torchaudio_wheel; fi
  python -m index_tts prepare
  python -m index_tts.ops.page_font || echo "the bundle carries no page font: Chinese then needs a CJK font on the exhibition machine" >&2
  exec python -m index_tts.ops.bundle "$dest" "${extra[@]}"
}

case "${1:-}" in
  --make-bundle) shift; make_bundle "$@" ;;
  --make-bundle=*) first="${1#--make-bundle=}"; shift; make_bundle "$first" "$@" ;;
esac

# A replica set (--replicas N) is run by its supervisor, which records its own PIDs under run/replicas/.
replica_set() {
  source scripts/setup_env.sh
  PYTHONPATH="$ROOT" python3 -m index_tts.ops.replicas "$@"
}

for arg in "$@"; do
  if [ "$arg" = --stop ]; then
    shift_args=()
    for a in "$@"; do [ "$a" = --stop ] || shift_args+=("$a"); done
    if [ ${#shift_args[@]} -gt 0 ]; then replica_set stop "${shift_args[@]}"; exit $?; fi
    stop_running
    if [ -f "$RUN_DIR/replicas/replicas.json" ]; then replica_set stop; fi
    exit 0
  fi
done

ONLINE=0
REPLICAS=0
ARGS=()
REQUIREMENTS=requirements.txt
previous=""
for arg in "$@"; do
  case "$arg" in
    --online) ONLINE=1 ;;
    --replicas|--replicas=*) REPLICAS=1; ARGS+=("$arg") ;;
    *) ARGS+=("$arg") ;;
  esac
  # IndexTTS2 needs torch and the upstream code on top of the app's own requirements
  if [ "$arg" = "--engine=indextts2" ] || { [ "$previous" = "--engine" ] && [ "$arg" = indextts2 ]; }; then
    REQUIREMENTS=requirements-indextts2.txt
  fi
  previous="$arg"
done

# refuse a public link or a network address without a password before touching the running instance
PYTHONPATH="$ROOT" python3 -m index_tts.ops.exposure "${ARGS[@]}" || exit 2
stop_running
source scripts/setup_env.sh
if [ "$ONLINE" = 1 ]; then export HF_HUB_OFFLINE=0; else export HF_HUB_OFFLINE=1; fi
# Two malloc arenas instead of one per thread (up to 8 per core): the server runs many threads (HTTP
# handlers, engine workers), and their idle arenas held ~100 MB at 16 users (BENCHMARKS.md, memory).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
ensure_venv "$REQUIREMENTS"
# the page's Chinese font (npm @fontsource-variable/noto-sans-sc), fetched once; without it the page uses system fonts
[ -f cache_hub/fonts/noto-sans-sc/index.css ] || python -m index_tts.ops.page_font || true
# Kokoro's Mandarin and English voice packs (npm kokoro-js), fetched once: voices of their own, and the house
# voices borrow part of their timbre for clearer Mandarin; without them the app still runs (prepare warns and
# goes on). A bundle has them. A file from an older version lacks the British packs (the last one checked).
# The speaker encoder that matches a voice reference by timbre (PyPI resemblyzer, turned into ONNX) likewise.
DONORS="${INDEX_TTS_MODEL_DIR:-checkpoints}/kokoro-v1.0/donor_voices.npz"
ENCODER="${INDEX_TTS_MODEL_DIR:-checkpoints}/speaker-encoder/speaker_encoder.onnx"
if [ ! -d wheelhouse ] && { [ ! -f "$ENCODER" ] || ! python -c 'import sys, zipfile; sys.exit("bm_lewis.npy" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$DONORS" 2>/dev/null; }; then
  python -m index_tts prepare || true
fi
# checkpoints/ is prepared (first start) and verified by webui.py as it loads the engine
mkdir -p logs "$RUN_DIR"
if [ "$REPLICAS" = 1 ]; then
  ensure_replica_tools
  [ -f "$RUN_DIR/replicas/replicas.json" ] && python -m index_tts.ops.replicas stop  # a stale set of this folder's
  exec > >(tee -a logs/replicas.log) 2>&1
  echo "[start_app] $(date '+%F %T') starting a replica set: ${ARGS[*]//--auth [^ ]*/--auth ***}"
  exec python -m index_tts.ops.replicas start "${ARGS[@]}"
fi
exec > >(tee -a logs/webui.log) 2>&1
SHOWN="${ARGS[*]:-}"
echo "[start_app] $(date '+%F %T') starting webui.py ${SHOWN//--auth [^ ]*/--auth ***}"
exec python "$WEBUI" "${ARGS[@]}"
