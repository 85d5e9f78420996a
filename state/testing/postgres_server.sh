# shellcheck shell=bash
# A throwaway PostgreSQL server for tests: initdb into a fresh directory,
# listening only on a unix socket there, one database. Source it, then
#
#   pg_start DBNAME     # sets PG_URL (a postgresql:// URL) and PG_DIR
#   pg_stop             # stops the server and removes PG_DIR (call in a trap)
#
# pg_start fails (never skips) when PostgreSQL is not installed.

pg_start() {
  local db="$1"
  # Bazel's strict environment leaves the sbin directories (runuser) out.
  export PATH="$PATH:/usr/sbin:/sbin"
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d \
    2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
    echo "FAIL: PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb," \
      "pg_ctl) are missing; run tools/setup" >&2
    return 1
  fi
  if ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
    echo "FAIL: need the postgres user and runuser (initdb refuses root)" >&2
    return 1
  fi
  # Short, under /tmp: a unix socket's path is limited to about 100 bytes.
  PG_DIR=$(mktemp -d /tmp/cairn-pg.XXXXXX)
  chown postgres: "$PG_DIR"
  chmod 0700 "$PG_DIR"
  if ! _pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
    -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2
    echo "FAIL: initdb" >&2
    return 1
  fi
  # fsync off: a test server, thrown away afterwards.
  if ! _pg "$PG_BIN/pg_ctl" start -D "$PG_DIR/data" -w -t 60 \
    -l "$PG_DIR/server.log" \
    -o "-k $PG_DIR -c listen_addresses='' -c fsync=off" >/dev/null; then
    cat "$PG_DIR/server.log" >&2
    echo "FAIL: the server did not start" >&2
    return 1
  fi
  _pg "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "$db" || return 1
  # shellcheck disable=SC2034  # for the caller
  PG_URL="postgresql:///$db?host=$PG_DIR&user=postgres"
}

pg_stop() {
  [[ -n "${PG_DIR:-}" ]] || return 0
  _pg "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m immediate -w \
    >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

_pg() { runuser -u postgres -- "$@"; }
