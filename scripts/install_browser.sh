#!/usr/bin/env bash
# Install Debian's chromium (and CJK fonts for readable screenshots) for the browser test, if missing.
# Playwright drives this system browser; it never downloads a browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "[setup] installing chromium from Debian"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
