#!/usr/bin/env bash
# The listener tests talk to PostgreSQL (5432), RabbitMQ (5672) and NATS (4222)
# on this machine. For each: if its port answers, nothing to do; else if its
# server is installed, start it and wait (bounded) until the port answers;
# else, as root with apt-get, install and start it; else print one line
# saying what is missing and how to get it. Always exits 0: test files whose
# service is missing are skipped, each with one line saying so
# (test/helpers/services.ts).
set -uo pipefail

WAIT_SECONDS="${AEROSTAT_SERVICE_WAIT:-60}"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port="$1" deadline=$((SECONDS + WAIT_SECONDS))
  while ! answers "$port"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.5
  done
}

start_postgres() {
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  wait_for 5432 || return 1
  # The tests use database "test" as user postgres with trust on 127.0.0.1 (the machine's set-up).
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\"" 2>/dev/null | grep -q 1 ||
    su postgres -c "createdb test" >/dev/null 2>&1 || true
}

start_rabbitmq() {
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for 5672
}

start_nats() {
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log >/dev/null 2>&1 || true
  wait_for 4222
}

# name port binary package start-function
ensure() {
  local name="$1" port="$2" binary="$3" package="$4" start="$5"
  answers "$port" && return 0
  if ! command -v "$binary" >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "aerostat: $name is not running on 127.0.0.1:$port and not installed; install it ('sudo apt-get install $package') and start it, or its listener tests are skipped." >&2
      return 0
    fi
    echo "aerostat: installing $name for the listener tests (apt-get install $package)..." >&2
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1; }
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; then
      echo "aerostat: installing $name (apt-get install $package) failed; its listener tests are skipped." >&2
      return 0
    fi
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "aerostat: $name is installed but not running on 127.0.0.1:$port; start it (as root: see scripts/ensure-services.sh), or its listener tests are skipped." >&2
    return 0
  fi
  if ! "$start"; then
    echo "aerostat: $name was started but 127.0.0.1:$port did not answer within ${WAIT_SECONDS} s; its listener tests are skipped." >&2
  fi
}

ensure PostgreSQL 5432 pg_ctlcluster postgresql start_postgres
ensure RabbitMQ 5672 rabbitmq-server rabbitmq-server start_rabbitmq
ensure NATS 4222 nats-server nats-server start_nats
exit 0
