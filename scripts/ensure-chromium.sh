#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through playwright-core. This
# installs it when it is missing (as root, with apt-get); otherwise it says
# what to do. AEROSTAT_CHROMIUM points the tests at another Chromium.
set -euo pipefail
chromium="${AEROSTAT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${AEROSTAT_CHROMIUM:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "aerostat: the browser tests need Chromium at $chromium." >&2
  echo "  Install it with 'sudo apt-get install chromium', or set AEROSTAT_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
echo "aerostat: installing Chromium for the browser tests (apt-get install chromium)..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "aerostat: $("$chromium" --version)"
