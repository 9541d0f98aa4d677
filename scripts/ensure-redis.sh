#!/usr/bin/env bash
# The redis engine's tests start private redis-servers (Debian's redis-server
# package, which brings redis-cli too). This installs it when it is missing
# (as root, with apt-get); otherwise it says what to do. AEROSTAT_REDIS_SERVER
# points the tests at another redis-server.
set -euo pipefail
server="${AEROSTAT_REDIS_SERVER:-/usr/bin/redis-server}"
if [ -x "$server" ] && [ -x "$(dirname "$server")/redis-cli" ]; then
  exit 0
fi
if [ -n "${AEROSTAT_REDIS_SERVER:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "aerostat: the redis engine tests need redis-server and redis-cli at $(dirname "$server"); install them with 'sudo apt-get install redis-server', or set AEROSTAT_REDIS_SERVER to a redis-server binary." >&2
  exit 1
fi
echo "aerostat: installing Redis for the engine tests (apt-get install redis-server)..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
echo "aerostat: $("$server" --version)"
