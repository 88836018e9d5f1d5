#!/usr/bin/env bash
# A throwaway PostgreSQL cluster from the machine's Debian packages, for tests and benchmarks.
#   scripts/pg-throwaway.sh start <dir> [fsync on|off]   prints a connection URL on stdout
#   scripts/pg-throwaway.sh stop <dir>
# PG_THROWAWAY_OPTS adds server options to the start, e.g. "-c shared_buffers=2GB -c max_wal_size=16GB".
# Installs the `postgresql` package when no server binaries are present. Runs the server as the `postgres` user
# when invoked as root (PostgreSQL refuses to run as root).
set -euo pipefail

cmd=${1:?start|stop}
dir=${2:?directory}

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    fsync=${3:-on}
    bin=$(find_bin)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
      echo "installing PostgreSQL from Debian packages..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
      bin=$(find_bin)
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=$fsync -c shared_buffers=256MB ${PG_THROWAWAY_OPTS:-}" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(find_bin)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop <dir>" >&2
    exit 2
    ;;
esac
