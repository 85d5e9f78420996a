#!/usr/bin/env bash
# Runs the postgres_role and postgres_database cases of
# postgres_server_test.cc against a throwaway PostgreSQL server
# (//state:testing/postgres_server.sh), stopped and removed on the way out.
# Fails (does not skip) when PostgreSQL is not installed. Needs root.
#
# Usage: postgres_server_test.sh CASES POSTGRES_SERVER_SH (Bazel).
set -euo pipefail

cases="$(realpath "$1")"
# shellcheck source=../../state/testing/postgres_server.sh
source "$(realpath "$2")"
trap pg_stop EXIT
pg_start cairn_test

# What the cases need: the providers' socket directory, and the data
# directory and log, to switch pg_hba.conf to passwords and to look for a
# password in what the server was sent.
export CAIRN_PG_SOCKET_DIR="$PG_DIR"
export CAIRN_TEST_PG_DATA="$PG_DIR/data"
export CAIRN_TEST_PG_LOG="$PG_DIR/server.log"
set +e
"$cases" 2>&1 | tee "$PG_DIR/test.log"
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
  echo "--- server log" >&2
  tail -n 50 "$PG_DIR/server.log" >&2
  exit "$status"
fi
if ! grep -qE '^\[  PASSED  \] [1-9][0-9]* test' "$PG_DIR/test.log"; then
  echo "FAIL: no case ran" >&2
  exit 1
fi
