#!/usr/bin/env bash
# cairn plan/apply/history/lock with agents on this machine (unix sockets),
# once with the embedded SQLite store and once with a real PostgreSQL
# server, as a team would share it: removals in dependency order, keep,
# after, history read from another directory, no confirmation without a
# terminal, an unreachable agent.
#
# Usage: fleet_local_test.sh CAIRN CAIRN_AGENT POSTGRES_SERVER_SH (Bazel).
set -uo pipefail
export LC_ALL=C

cairn="$(realpath "$1")"
agent_bin="$(realpath "$2")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hosts/testlib.sh
source "$here/hosts/testlib.sh"
# shellcheck source=../state/testing/postgres_server.sh
source "$(realpath "$3")"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (the agent's socket is root's)"

# Short: unix socket paths are limited to about 100 bytes.
work="$(mktemp -d /tmp/cairn-local.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  pg_stop
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

start_agent() { # NAME
  "$agent_bin" --unix "$work/$1.sock" --state-dir "$work/state-$1" \
    >"$work/agent-$1.log" 2>&1 &
  pids+=($!)
  wait_for 10 test -S "$work/$1.sock" || fatal "agent $1 did not start"
}
start_agent a
start_agent b
pg_start cairn_fleet || fatal "PostgreSQL did not start"

config="$work/config"
cp -r "$here/fleet_local" "$config"

scenario() { # STORE_NAME STATE_URL
  local name="$1" url="$2" out rc
  rm -rf "${work:?}/root-a" "$work/root-b" "$config/.cairn"
  c() { "$cairn" "$1" "$config" -p "dir=$work" -p "state_url=$url" "${@:2}"; }

  out="$(c apply --yes 2>&1)"
  rc=$?
  expect_eq "$name: first apply exits 0" 0 "$rc"
  expect_eq "$name: a's file" "a" "$(cat "$work/root-a/conf")"
  expect_eq "$name: b's file" "b" "$(cat "$work/root-b")"
  if [[ "$out" == *"[1/2] a:"*"[2/2] b:"* ]]; then
    pass "$name: b comes after a"
  else
    fail "$name: b should come after a: $out"
  fi

  c plan --detailed-exitcode >/dev/null 2>&1
  expect_eq "$name: nothing left to do" 0 "$?"

  out="$(c plan -p with_extra=false 2>&1)"
  expect_contains "$name: the file in sub is removed" "- file $work/root-a/sub/x" "$out"
  expect_contains "$name: sub is removed" "- directory $work/root-a/sub" "$out"
  expect_contains "$name: legacy is released" "= file $work/root-a/legacy (keep = true" "$out"
  out="$(c apply -p with_extra=false --yes 2>&1)"
  rc=$?
  expect_eq "$name: apply of the removals exits 0" 0 "$rc"
  expect_fails "$name: sub is gone" test -e "$work/root-a/sub"
  expect_eq "$name: legacy stays on the host" "legacy" "$(cat "$work/root-a/legacy")"
  c plan -p with_extra=false --detailed-exitcode >/dev/null 2>&1
  expect_eq "$name: converged, legacy no longer managed" 0 "$?"

  out="$(c apply -p with_extra=false </dev/null 2>&1)"
  expect_contains "$name: no apply without confirmation" "no changes" "$out"
  echo hand-edit >"$work/root-b"
  out="$(c apply </dev/null 2>&1)"
  rc=$?
  expect_eq "$name: apply without a terminal nor --yes: usage" 2 "$rc"
  expect_contains "$name: ... says why" "pass --yes" "$out"
  expect_eq "$name: ... and changes nothing" "hand-edit" "$(cat "$work/root-b")"
}

scenario sqlite ".cairn/state.db"
if [[ -s "$config/.cairn/state.db" ]]; then
  pass "sqlite: the store is beside the configuration"
else
  fail "sqlite: no $config/.cairn/state.db"
fi
out="$("$cairn" history "$config" --host a 2>&1)"
expect_contains "sqlite: history shows the removal" "file $work/root-a/sub/x: removed" "$out"

scenario postgresql "$PG_URL"
written="$(find "$config" -newer "$config/fleet.cairn" -type f | grep -v '/tls/')"
expect_eq "postgresql: nothing written beside the configuration" "" "$written"
# Another operator, elsewhere, reads the same truth.
out="$(cd / && "$cairn" history --state "$PG_URL" 2>&1)"
expect_contains "postgresql: history from another directory" "root@" "$out"
count="$(grep -c '^#' <<<"$out")"
expect_eq "postgresql: three applies recorded" 3 "$count"
out="$("$cairn" lock status --state "$PG_URL" 2>&1)"
expect_contains "postgresql: no lock left" "not locked" "$out"

# An agent that is down: planned as unreachable, its apply fails, the other
# host still applies.
kill "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
echo drift >"$work/root-a/conf"
out="$("$cairn" apply "$config" -p "dir=$work" --yes 2>&1)"
rc=$?
expect_eq "unreachable: apply exits 1" 1 "$rc"
expect_contains "unreachable: b is listed" "host b (unix:$work/b.sock): UNREACHABLE" "$out"
expect_eq "unreachable: a still converged" "a" "$(cat "$work/root-a/conf")"
expect_contains "unreachable: the table says so" "b                       unreachable" "$out"

summary
