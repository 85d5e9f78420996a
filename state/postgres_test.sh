#!/usr/bin/env bash
# Runs state_test's PostgreSQL cases against a throwaway PostgreSQL server
# (testing/postgres_server.sh), stopped and removed on the way out. Fails
# (does not skip) when PostgreSQL is not installed.
set -euo pipefail

state_test="$1"
# shellcheck source=testing/postgres_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/testing/postgres_server.sh"
trap pg_stop EXIT
pg_start cairn_test

export CAIRN_TEST_POSTGRES="$PG_URL"
set +e
"$state_test" --gtest_filter='*/Postgres' 2>&1 | tee "$PG_DIR/test.log"
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
  echo "--- server log" >&2
  tail -n 50 "$PG_DIR/server.log" >&2
  exit "$status"
fi
# A filter that matched nothing would pass: make sure the cases ran.
if ! grep -qE '^\[  PASSED  \] [1-9][0-9]* test' "$PG_DIR/test.log"; then
  echo "FAIL: no PostgreSQL case ran" >&2
  exit 1
fi
