#!/usr/bin/env bash
# Runs state_test's PostgreSQL cases against a throwaway PostgreSQL server:
# initdb into a fresh directory, listening only on a unix socket there, one
# database; stopped and removed on the way out. Fails (does not skip) when
# PostgreSQL is not installed.
set -euo pipefail

state_test="$1"
# Bazel's strict environment leaves the sbin directories (runuser) out.
export PATH="$PATH:/usr/sbin:/sbin"

bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d \
  2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" || ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
  echo "FAIL: PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb," \
    "pg_ctl) are missing; run tools/setup" >&2
  exit 1
fi
if ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
  echo "FAIL: need the postgres user and runuser (initdb refuses root)" >&2
  exit 1
fi

# Short, under /tmp: a unix socket's path is limited to about 100 bytes.
dir=$(mktemp -d /tmp/cairn-pg.XXXXXX)
as_postgres() { runuser -u postgres -- "$@"; }
cleanup() {
  as_postgres "$bin/pg_ctl" stop -D "$dir/data" -m immediate -w \
    >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
chown postgres: "$dir"
chmod 0700 "$dir"

if ! as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
  -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  echo "FAIL: initdb" >&2
  exit 1
fi
# fsync off: a test server, thrown away afterwards.
if ! as_postgres "$bin/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" \
  -o "-k $dir -c listen_addresses='' -c fsync=off" >/dev/null; then
  cat "$dir/server.log" >&2
  echo "FAIL: the server did not start" >&2
  exit 1
fi
as_postgres "$bin/createdb" -h "$dir" -U postgres cairn_test

export CAIRN_TEST_POSTGRES="postgresql:///cairn_test?host=$dir&user=postgres"
set +e
"$state_test" --gtest_filter='*/Postgres' 2>&1 | tee "$dir/test.log"
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
  echo "--- server log" >&2
  tail -n 50 "$dir/server.log" >&2
  exit "$status"
fi
# A filter that matched nothing would pass: make sure the cases ran.
if ! grep -qE '^\[  PASSED  \] [1-9][0-9]* test' "$dir/test.log"; then
  echo "FAIL: no PostgreSQL case ran" >&2
  exit 1
fi
