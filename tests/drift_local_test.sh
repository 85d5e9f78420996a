#!/usr/bin/env bash
# cairn drift with two agents on this machine (unix sockets) and the SQLite
# store: a hand edit and a chmod reported with their diff within 5 s,
# --exit-code, --json, --notify-command once per new event, --watch live
# and nothing twice, on_drift = "heal", events kept across an agent
# restart, plan naming the drift, an unreachable agent.
#
# Usage: drift_local_test.sh CAIRN CAIRN_AGENT (from Bazel). Needs root.
set -uo pipefail
export LC_ALL=C

cairn="$(realpath "$1")"
agent_bin="$(realpath "$2")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hosts/testlib.sh
source "$here/hosts/testlib.sh"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (the agent's socket is root's)"

# Short: unix socket paths are limited to about 100 bytes.
work="$(mktemp -d /tmp/cairn-drift.XXXXXX)"
declare -A agent_pid
watch_pid=""
cleanup() {
  [[ -n "$watch_pid" ]] && kill "$watch_pid" 2>/dev/null
  for p in "${agent_pid[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

start_agent() { # NAME
  rm -f "$work/$1.sock"
  # A full check every second: what a watch misses is found soon.
  "$agent_bin" --unix "$work/$1.sock" --state-dir "$work/state-$1" \
    --drift-check-ms 1000 >>"$work/agent-$1.log" 2>&1 &
  agent_pid[$1]=$!
  wait_for 10 test -S "$work/$1.sock" || fatal "agent $1 did not start"
}
stop_agent() { # NAME
  kill "${agent_pid[$1]}"
  wait "${agent_pid[$1]}" 2>/dev/null
  unset "agent_pid[$1]"
}
start_agent a
start_agent b

config="$work/config"
cp -r "$here/drift_local" "$config"
c() { "$cairn" "$1" "$config" -p "dir=$work" "${@:2}"; }
conf="$work/root-a/conf"

# Runs `c drift ARGS...` every 0.2 s until its output holds NEEDLE and its
# status is RC, for up to SECONDS; leaves the last output in $out and
# status in $rc, and says how long it took.
poll_drift() { # NAME SECONDS RC NEEDLE ARGS...
  local name="$1" seconds="$2" want_rc="$3" needle="$4" t0
  shift 4
  t0="$(now)"
  while true; do
    out="$(c drift "$@" 2>&1)"
    rc=$?
    if [[ $rc -eq $want_rc && "$out" == *"$needle"* ]]; then
      pass "$name (after $(elapsed "$t0" "$(now)") s)"
      return 0
    fi
    if awk -v a="$t0" -v b="$(now)" -v s="$seconds" 'BEGIN { exit !(b - a > s) }'; then
      fail "$name: no '$needle' with status $want_rc within $seconds s (status $rc):"
      printf '    %s\n' "${out//$'\n'/$'\n'    }"
      return 1
    fi
    sleep 0.2
  done
}
# Prints what python3 prints for the JSON on stdin, `report` being it.
json() { python3 -c "import json, sys; report = json.load(sys.stdin); $1"; }

out="$(c drift 2>&1)"
expect_eq "before any apply: exits 0" 0 "$?"
expect_contains "before any apply: not watching" \
  "host a (unix:$work/a.sock): not watching (nothing applied yet)" "$out"

out="$(c apply --yes 2>&1)"
expect_eq "apply exits 0" 0 "$?"
poll_drift "no drift after the apply" 5 0 "no drift" --exit-code

# A hand edit: reported with its diff, --exit-code says 2.
echo hand >"$conf"
poll_drift "a hand edit is reported within 5 s" 5 2 \
  "! file $conf: drifted" --exit-code
expect_contains "... with its diff (the host's side)" "      -hand" "$out"
expect_contains "... and the desired side" "      +a" "$out"
expect_contains "... noticed by the watch" "(noticed by watch)" "$out"
expect_contains "... and a summary" "Drift: 1 resource drifted on 1 of 2 hosts." "$out"
out="$(c drift 2>&1)"
expect_eq "without --exit-code, drift exits 0" 0 "$?"
expect_lacks "an event is listed once only" "events since the last look" "$out"

# A chmod.
chmod 0640 "$work/root-a/key"
poll_drift "a chmod is reported within 5 s" 5 2 "mode: 0640 -> 0600" --exit-code
expect_contains "... of the right file" "! file $work/root-a/key: drifted" "$out"

# --json: the documented report, with every event the agent kept (--all).
out="$(c drift --json --all 2>/dev/null)"
expect_eq "--json --all exits 0" 0 "$?"
got="$(json '
print(report["format_version"])
for h in report["hosts"]:
    print(h["host"], h["status"], h["watching"], len(h["current"]))
    for e in h["events"]:
        print(" ", e["state"], e["diff"]["resource"]["id"].split("/")[-1])
' <<<"$out")"
expect_contains "--json: format 1" $'1\n' "$got"
expect_contains "--json: a drifted twice, now" "a PLAN_STATUS_OK True 2" "$got"
expect_contains "--json: the edit's event" "  STATE_DRIFTED conf" "$got"
expect_contains "--json: the chmod's event" "  STATE_DRIFTED key" "$got"
expect_contains "--json: b is fine" "b PLAN_STATUS_OK True 0" "$got"
got="$(json 'print([c["field"] for h in report["hosts"] for e in h["current"]
                   for c in e["diff"]["changes"] if e["diff"]["resource"]["id"].endswith("key")])' <<<"$out")"
expect_eq "--json: the chmod's field" "['mode']" "$got"

# --notify-command: one JSON object per new event, and nothing for old ones.
notify="cat >>'$work/notes'; echo \"\$CAIRN_HOST|\$CAIRN_RESOURCE|\$CAIRN_DRIFT_STATE\" >>'$work/env'"
c drift --notify-command "$notify" >/dev/null 2>&1
expect_fails "--notify-command: no new event, nothing run" test -e "$work/notes"
echo edited >"$work/root-b"
poll_drift "b's edit is reported" 5 2 "! file $work/root-b: drifted" \
  --exit-code --notify-command "$notify"
expect_eq "--notify-command: one line for one event" 1 "$(wc -l <"$work/notes")"
got="$(json 'print(report["host"], report["state"], report["diff"]["resource"]["id"])' <"$work/notes")"
expect_eq "--notify-command: the event as JSON" "b STATE_DRIFTED $work/root-b" "$got"
expect_eq "--notify-command: its environment" "b|file $work/root-b|drifted" "$(cat "$work/env")"
c drift --notify-command "$notify" >/dev/null 2>&1
expect_eq "--notify-command: nothing on a second run" 1 "$(wc -l <"$work/notes")"
echo b >"$work/root-b"
poll_drift "b repaired by hand is resolved" 5 0 \
  "= file $work/root-b: resolved" --notify-command "echo failing >&2; exit 3"
expect_contains "a failing --notify-command is reported" "failed: exit status 3" "$out"
expect_contains "... with its output" "failing" "$out"

# --watch: an edit made while it runs, within 2 s, printed once; Ctrl-C ends it.
# Directly, not through c(): the signal must reach cairn, not a subshell.
"$cairn" drift "$config" -p "dir=$work" --watch >"$work/watch.out" 2>&1 &
watch_pid=$!
wait_for 5 grep -q "^a: watching" "$work/watch.out" || fail "--watch did not start"
echo hand2 >"$conf"
if wait_for 2 grep -qF "a: ! file $conf: drifted" "$work/watch.out"; then
  pass "--watch prints an edit within 2 s"
else
  fail "--watch printed no event within 2 s:"
  cat "$work/watch.out"
fi
wait_for 2 grep -qF "a:       +a" "$work/watch.out" || fail "--watch shows no diff"
# The agent's restart: said once, and followed again.
stop_agent a
wait_for 5 grep -q "^a: the watch ended" "$work/watch.out" || fail "--watch did not notice the agent went"
echo hand3 >"$conf"
start_agent a
if wait_for 10 grep -q "^a: back" "$work/watch.out"; then pass "--watch reconnects"; else
  fail "--watch did not reconnect:"
  cat "$work/watch.out"
fi
wait_for 5 grep -qF "a:       -hand3" "$work/watch.out" || fail "--watch: no event after the restart"
kill -INT "$watch_pid"
# Gone, or a zombie waiting for `wait`.
if wait_for 5 bash -c "[[ ! -e /proc/$watch_pid ]] || grep -q ') Z ' /proc/$watch_pid/stat"; then
  pass "Ctrl-C stops --watch"
  wait "$watch_pid"
  expect_eq "--watch exits 0 after Ctrl-C" 0 "$?"
else
  fail "--watch still runs after Ctrl-C"
  kill -KILL "$watch_pid"
fi
watch_pid=""
expect_eq "--watch: the agent going away said once" 1 "$(grep -c "the watch ended" "$work/watch.out")"
expect_eq "--watch: each event printed once" 1 "$(grep -cF -- "a:       -hand2" "$work/watch.out")"
out="$(c drift 2>&1)"
expect_lacks "what --watch printed is not new to the next run" "-hand2" "$out"
expect_contains "... the current drift still is" "      -hand3" "$out"

# on_drift = "heal": the agent puts the file back and says so.
echo sick >"$work/root-a/healme"
poll_drift "a healed file is reported" 5 0 "* file $work/root-a/healme: healed"
expect_eq "... and is back" "healthy" "$(cat "$work/root-a/healme")"

# The queue is on disk: a restarted agent still has its events.
stop_agent a
start_agent a
out="$(c drift --json --all 2>/dev/null)"
got="$(json '
for h in report["hosts"]:
    if h["host"] == "a":
        print(h["queue_restarted"], sorted({e["state"] + " " + e["diff"]["resource"]["id"].split("/")[-1] for e in h["events"]}))
' <<<"$out")"
expect_contains "after a restart: the heal is still kept" "'STATE_HEALED healme'" "$got"
expect_contains "... the first edit too" "'STATE_DRIFTED conf'" "$got"
expect_contains "... and the queue did not start over" "False" "$got"
poll_drift "after a restart: the drift is still reported" 5 2 \
  "host a (unix:$work/a.sock): 2 resources drifted" --exit-code

# plan names the drift the store knows of.
out="$(c plan 2>&1)"
expect_contains "plan mentions the drift" \
  "host a (unix:$work/a.sock): 2 changes, 2 as declared"$'\n'"  (2 resources drifted since the last apply, last seen" "$out"
expect_contains "... and the command" ": cairn drift)" "$out"
c apply --yes >/dev/null 2>&1
expect_eq "apply puts it back" "a" "$(cat "$conf")"
poll_drift "after the apply: no drift" 5 0 "Drift: 0 resources drifted on 0 of 2 hosts." --exit-code
out="$(c plan 2>&1)"
expect_lacks "plan no longer mentions drift" "drifted since the last apply" "$out"

# An agent that does not answer: an error, with or without --exit-code.
stop_agent b
out="$(c drift 2>&1)"
expect_eq "unreachable: exits 1" 1 "$?"
expect_contains "unreachable: b is listed" "host b (unix:$work/b.sock): UNREACHABLE" "$out"
c drift --exit-code >/dev/null 2>&1
expect_eq "unreachable: --exit-code exits 1" 1 "$?"

summary
