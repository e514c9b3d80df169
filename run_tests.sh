#!/usr/bin/env bash
# Set up (if needed) and run everything CI runs: lint, the import contracts, pytest, and the two offline
# bundle tests (the USB bundle installed and served with no network, plain and with IndexTTS2).
# Usage: ./run_tests.sh [--no-bundle] [pytest args...]
#   pytest runs in two passes: the tests that do not time the app, two at a time (pytest-xdist, a test
#   file per worker), while the bundle tests run beside them; then the tests that time the app or start
#   it (marked serial in tests/conftest.py), with nothing else running.
#   --no-bundle: leave the bundle tests out (quicker local runs; CI runs them).
#   haproxy and redis-server (Debian) are installed beside the set-up, chromium beside the first pass: only the
#   second opens a browser.
set -euo pipefail
cd "$(dirname "$0")"
bundles=1
if [ "${1:-}" = "--no-bundle" ]; then bundles=0; shift; fi
setup_started=$(date +%s)
source scripts/setup_env.sh
# Debian's packages, installed beside the set-up, one apt-get after the other: haproxy and redis-server for the
# replica tests (first pass), then chromium for the browser tests (Playwright never downloads one), which
# only the second pass needs
mkdir -p logs
rm -f logs/.replica-tools-ready
(ensure_replica_tools && touch logs/.replica-tools-ready; scripts/install_browser.sh) > logs/install-debian.log 2>&1 &
debian_pid=$!
ensure_venv requirements-dev.txt
python -m index_tts prepare
python -m index_tts.ops.page_font || true  # the page's Chinese font (npm); its tests skip without it
python -m ruff check .
lint-imports --no-cache  # the folder layers and no import cycles (pyproject.toml)
while [ ! -f logs/.replica-tools-ready ] && kill -0 "$debian_pid" 2>/dev/null; do sleep 1; done
[ -f logs/.replica-tools-ready ] || { echo "[run_tests] installing haproxy and redis-server FAILED:"; cat logs/install-debian.log; }
echo "[run_tests] set-up and lint took $(( $(date +%s) - setup_started )) s"

bundle_log=logs/bundle-tests.log
if [ "$bundles" = 1 ]; then
  # mostly installs (disk and decompression): they overlap with the first pass, not with the timed tests
  (scripts/test_bundle_offline.sh && scripts/test_bundle_offline.sh --with-indextts2) > "$bundle_log" 2>&1 &
  bundle_pid=$!
fi

failed=0
pass_status() {  # pytest's exit code 5 is "no test selected in this pass": not a failure
  local code="$1"
  if [ "$code" != 0 ] && [ "$code" != 5 ]; then failed=1; fi
}
started=$(date +%s)
code=0; python -m pytest -n 2 --dist loadfile -p testkit.pytest_cores -m "not serial" --durations=25 "$@" || code=$?
pass_status "$code"
echo "[run_tests] first pass (two at a time) took $(( $(date +%s) - started )) s"
if [ "$bundles" = 1 ]; then
  code=0; wait "$bundle_pid" || code=$?
  grep "^\[bundle-test\]" "$bundle_log" || true
  if [ "$code" != 0 ]; then failed=1; echo "[run_tests] bundle tests FAILED; the end of $bundle_log:"; tail -30 "$bundle_log"; fi
fi
code=0; wait "$debian_pid" || code=$?
cat logs/install-debian.log
if [ "$code" != 0 ]; then echo "[run_tests] installing chromium FAILED"; exit 1; fi
started=$(date +%s)
code=0; python -m pytest -m serial --durations=25 "$@" || code=$?
pass_status "$code"
echo "[run_tests] second pass (alone) took $(( $(date +%s) - started )) s"
exit "$failed"
