#!/usr/bin/env bash
# Build the USB bundle, then, in a network namespace with no network at all, install it into a
# fresh .venv from its wheelhouse, start it and synthesize through the HTTP API.
# Usage: scripts/test_bundle_offline.sh [BUNDLE_DIR]   (CI runs it; needs root for unshare -n)
set -euo pipefail

if [ "${1:-}" = "--inside" ]; then
  # ---- inside the namespace: only loopback exists ----
  bundle="$2"
  ip link set lo up
  links="$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
  [ "$links" = "lo " ] || { echo "[bundle-test] FAIL: the namespace has interfaces besides lo: $links" >&2; exit 1; }
  if python3 -c "import socket; socket.create_connection(('151.101.0.223', 443), timeout=3)" 2>/dev/null; then
    echo "[bundle-test] FAIL: the namespace can reach the internet" >&2; exit 1
  fi
  echo "[bundle-test] no network: a connection to the package registry fails, as intended"
  # only the bundle may supply packages: drop the machine's pip settings (indexes, local wheel folders)
  for name in $(compgen -e | grep '^PIP_' || true); do unset "$name"; done
  export PIP_CONFIG_FILE=/dev/null
  export HOME="$bundle/.home" && mkdir -p "$HOME"
  export INDEX_TTS_RUN_DIR="$bundle/run"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  cd "$bundle"
  [ ! -e .venv ] || { echo "[bundle-test] FAIL: the bundle already has a .venv" >&2; exit 1; }
  started=$(date +%s)
  ./start_app.sh --port "$port" > "$bundle/start.log" 2>&1 &
  for _ in $(seq 600); do  # install + prepare + warm-up, up to 10 minutes
    if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/health', timeout=2)" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "[bundle-test] installed offline and serving after $(( $(date +%s) - started )) s"
  python3 - "$port" <<'EOF'
import array, io, json, math, sys, urllib.request, wave
port = sys.argv[1]
body = json.dumps({"text": "欢迎来到展会现场，这段语音完全离线合成。", "voice": "jf_alpha"}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/api/tts", data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=120) as response:
    data = response.read()
with wave.open(io.BytesIO(data)) as w:
    rate, frames, width = w.getframerate(), w.getnframes(), w.getsampwidth()
    samples = array.array("h", w.readframes(frames))
seconds = frames / rate
rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
level = 20 * math.log10(max(rms, 1e-9))
print(f"[bundle-test] /api/tts: {rate} Hz, {seconds:.2f} s, {level:.1f} dBFS RMS, {len(data)} bytes")
assert rate == 24000 and width == 2, "expected 24 kHz 16-bit WAV"
assert 1.5 < seconds < 15, "duration is not that of the sentence"
assert -35 < level < -3, "level is not that of speech"
EOF
  ./start_app.sh --stop
  [ ! -e "$INDEX_TTS_RUN_DIR/webui.pid" ] || { echo "[bundle-test] FAIL: PID file left behind" >&2; exit 1; }
  if grep -q "Traceback" "$bundle/start.log"; then
    echo "[bundle-test] FAIL: traceback in the log" >&2; tail -40 "$bundle/start.log" >&2; exit 1
  fi
  exit 0
fi

# ---- outside: build the bundle, then run this script again inside a network namespace ----
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
bundle="${1:-$work/usb}"
trap 'status=$?; [ $status -eq 0 ] || { echo "--- start.log ---" >&2; tail -60 "$bundle/start.log" >&2 2>/dev/null || true; }; rm -rf "$work"' EXIT
./start_app.sh --make-bundle "$bundle" 2>&1 | grep -v "is ignored: it is neither"
test -f "$bundle/EXHIBITION_GUIDE.md" && test -d "$bundle/wheelhouse" && test -f "$bundle/bundle.json"
unshare --net bash "$(pwd)/scripts/test_bundle_offline.sh" --inside "$bundle"
echo "[bundle-test] ok: bundle built, installed and served with no network"
