#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests: initdb into a temporary folder, listen on
# 127.0.0.1 (a free port) and a unix socket inside that folder, trust auth (loopback only, the
# data is generated). CTest runs `start` as a fixture setup and `stop` as its cleanup.
#
#   scripts/pg-test-cluster.sh start STATE_DIR   writes STATE_DIR/url (postgresql://...) or, when
#                                                the PostgreSQL binaries are absent, STATE_DIR/absent
#   scripts/pg-test-cluster.sh stop STATE_DIR    stops the server and removes the data folder
set -euo pipefail
cmd=${1:-}
state=${2:-}
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

# initdb refuses to run as root: run the server tools as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 20000) + 30000 ))
    # Nothing answering on it: bash's /dev/tcp fails to connect.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

case "$cmd" in
start)
  mkdir -p "$state"
  rm -f "$state/url" "$state/absent"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install the postgresql package)" \
      | tee "$state/absent" >&2
    exit 0
  fi
  if [ -f "$state/datadir" ]; then "$0" stop "$state" || true; fi  # a previous run that was not cleaned up
  tmp=$(mktemp -d /tmp/sg-pg-XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$tmp"
  chmod 700 "$tmp"
  echo "$tmp" > "$state/datadir"
  as_pg "$bindir/initdb" -D "$tmp/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
    || { cat "$state/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_pg "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$tmp -c fsync=off" start >/dev/null; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres" > "$state/url"
      echo "pg test cluster: $(cat "$state/url") (data in $tmp)"
      exit 0
    fi
    echo "pg test cluster: start on port $port failed (attempt $attempt)" >&2
  done
  cat "$tmp/server.log" >&2 || true
  exit 1
  ;;
stop)
  [ -f "$state/datadir" ] || exit 0
  tmp=$(cat "$state/datadir")
  if [ -n "$bindir" ] && [ -d "$tmp/data" ]; then
    as_pg "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  case "$tmp" in /tmp/sg-pg-*) rm -rf "$tmp" ;; esac
  rm -f "$state/datadir" "$state/url"
  ;;
*)
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
  ;;
esac
