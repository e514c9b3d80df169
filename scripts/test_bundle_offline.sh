#!/usr/bin/env bash
# Build the USB bundle, then, in a network namespace with no network at all, install it into a
# fresh .venv from its wheelhouse, start it and synthesize through the HTTP API.
# Usage: scripts/test_bundle_offline.sh [--with-indextts2] [BUNDLE_DIR]   (CI runs it; needs root for unshare -n)
#   --with-indextts2: the bundle carries IndexTTS2 (tiny random-weight checkpoints) and serves with it
set -euo pipefail

if [ "${1:-}" = "--inside" ]; then
  # ---- inside the namespace: only loopback exists ----
  bundle="$2"
  engine="$3"
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
  flags=()
  # random weights never stop by themselves: short segments; and no hang watchdog, which a busy machine (the tests
  # run beside this one) can trip during the first render of the model: this test is about installing and serving
  [ "$engine" = kokoro ] || flags=(--engine "$engine" --max-mel-tokens 50 --segment-timeout 900)
  ./start_app.sh --port "$port" "${flags[@]}" > "$bundle/start.log" 2>&1 &
  app=$!
  serving=0
  for _ in $(seq 600); do  # install + prepare + warm-up, up to 10 minutes
    if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/health', timeout=2)" 2>/dev/null; then serving=1; break; fi
    kill -0 "$app" 2>/dev/null || break  # start_app.sh ended without serving: no use waiting
    sleep 1
  done
  if [ "$serving" = 0 ]; then
    echo "[bundle-test] FAIL: not serving after $(( $(date +%s) - started )) s; ./start_app.sh $(kill -0 "$app" 2>/dev/null && echo 'is still starting' || echo 'has exited')" >&2
    grep -m3 -i "error" "$bundle/start.log" >&2 || true
    exit 1
  fi
  echo "[bundle-test] installed offline and serving after $(( $(date +%s) - started )) s; .venv is $(du -sm .venv | cut -f1) MB"
  python3 - "$port" "$engine" <<'EOF'
import array, base64, io, json, math, sys, urllib.parse, urllib.request, wave
port, engine = sys.argv[1], sys.argv[2]
body = json.dumps({"text": "欢迎来到展会现场，这段语音完全离线合成。", "voice": "jf_alpha"}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/api/tts", data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=300) as response:
    data = response.read()
    served_by = response.headers["X-Engine"]
with wave.open(io.BytesIO(data)) as w:
    rate, frames, width = w.getframerate(), w.getnframes(), w.getsampwidth()
    samples = array.array("h", w.readframes(frames))
seconds = frames / rate
rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
level = 20 * math.log10(max(rms, 1e-9))
print(f"[bundle-test] /api/tts by {served_by}: {rate} Hz, {seconds:.2f} s, {level:.1f} dBFS RMS, {len(data)} bytes")
assert rate == 24000 and width == 2, "expected 24 kHz 16-bit WAV"
assert served_by == engine, f"served by {served_by}, not {engine}"
if engine == "kokoro":
    assert 1.5 < seconds < 15, "duration is not that of the sentence"
    assert -35 < level < -3, "level is not that of speech"
else:  # random weights: noise, at most 50 speech tokens (about 1 s) per segment
    assert 0.3 < seconds < 10, "duration is not within the token cap"
    assert -60 < level < 0, "silent or clipped"
if engine == "kokoro":  # the native voices travel with the bundle
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/audio/voices", timeout=30) as response:
        listing = json.loads(response.read())
    groups = {language: len(voices) for language, voices in listing["by_language"].items()}
    print(f"[bundle-test] voices by language: {groups}")
    assert groups == {"ja": 5, "zh": 8, "en-us": 20, "en-gb": 8, "es": 3, "fr-fr": 1, "it": 2, "pt-br": 3}, groups
    # the speaker encoder travels too: a clip of zf_xiaoyi is matched to zf_xiaoyi by timbre, offline
    body = json.dumps({"text": "我们下午三点在图书馆门口集合，记得带上笔记本。", "voice": "zf_xiaoyi"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/tts", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        clip = base64.b64encode(response.read()).decode()
    body = json.dumps({"text": "你好，欢迎光临。", "reference_audio": clip}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/tts", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        notice = urllib.parse.unquote(response.headers["X-TTS-Notice"])
    print(f"[bundle-test] voice reference of zf_xiaoyi: {notice}")
    assert "Voice match by timbre: closest is zf_xiaoyi" in notice, notice
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
engine=kokoro
if [ "${1:-}" = "--with-indextts2" ]; then engine=indextts2; shift; fi
work="$(mktemp -d)"
echo "[bundle-test] $(df -Pm "$work" | awk 'NR == 2 {printf "%.1f GB free", $4 / 1024}') for the bundle and its install"
bundle="${1:-$work/usb}"
trap 'status=$?; [ $status -eq 0 ] || { echo "--- start.log ---" >&2; tail -60 "$bundle/start.log" >&2 2>/dev/null || true; }; rm -rf "$work"' EXIT
if [ "$engine" = indextts2 ]; then
  .venv/bin/python -m index_tts indextts2-random --out "$work/indextts2" --size tiny 2>&1 | grep -v "Warning\|transformers"
  ./start_app.sh --make-bundle "$bundle" --with-indextts2 --model-dir "$work/indextts2" 2>&1 | grep -v "is ignored: it is neither"
else
  ./start_app.sh --make-bundle "$bundle" 2>&1 | grep -v "is ignored: it is neither"
fi
test -f "$bundle/EXHIBITION_GUIDE.md" && test -d "$bundle/wheelhouse" && test -f "$bundle/bundle.json"
rm -rf "$work/indextts2"  # the bundle has its own copy; the disk is shared with the install that follows
python3 -c "import json, sys; m = json.load(open(sys.argv[1])); print(f'[bundle-test] size: {m[\"bytes\"] / 1e6:.0f} MB in all, wheels {m[\"wheelhouse_bytes\"] / 1e6:.0f} MB, IndexTTS2 checkpoints', round(m['indextts2']['bytes'] / 1e6) if m['indextts2'] else 0, 'MB')" "$bundle/bundle.json"
unshare --net bash "$(pwd)/scripts/test_bundle_offline.sh" --inside "$bundle" "$engine"
echo "[bundle-test] ok: bundle built, installed and served by $engine with no network"
