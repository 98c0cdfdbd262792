#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temporary folder, started on a
# free loopback port, TEST_DATABASE_URL exported to the command, stopped and removed at exit.
#
#   scripts/with-postgres.sh npm test           # the suite on SQLite, then again on PostgreSQL
#   scripts/with-postgres.sh npm run bench -- --db postgres
#
# Uses Debian's `postgresql` package (binaries under /usr/lib/postgresql/<version>/bin); installs
# it with apt when missing. initdb refuses to run as root, so as root the cluster runs as the
# `postgres` user the package creates. FSYNC=off (the default for tests) skips flushes a
# throwaway cluster does not need; the bench passes FSYNC=on so its figures mean something.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args…]" >&2
  exit 2
fi

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin)" ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(pg_bin)"

DIR="$(mktemp -d -t idgraph-pg-XXXXXX)"
AS=()
if [ "$(id -u)" = "0" ]; then
  chown postgres "$DIR"
  AS=(runuser -u postgres --)
fi

# A free loopback port: bind port 0 and read back what the kernel chose.
PORT="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"

stop() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -A trust -U idgraph --no-sync -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
# Connections: every test file opens a small pool; the bench runs several servers.
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=${FSYNC:-off} -c max_connections=200" start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 1; }

export TEST_DATABASE_URL="postgres://idgraph@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (TEST_DATABASE_URL=$TEST_DATABASE_URL)" >&2
# Not exec: the trap stops the cluster when the command ends.
set +e
"$@"
status=$?
set -e
exit $status
