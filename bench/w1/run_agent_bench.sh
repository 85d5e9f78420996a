#!/usr/bin/env bash
# W1 (README.md) with Cairn on this machine: cairn-agent on a unix socket,
# driven by `cairn agent apply|check` the way a user would run it. Prints,
# per phase, the median of RUNS of:
#   agent   the agent's own time: the sum of its per-resource times
#   call    the Apply (or Check) call as the client sees it, catalog given
#           precompiled with --catalog (transfer + agent)
#   command the whole command a user types: compile + call, wall time
# and the agent's idle and peak RSS. Then, when bench/peers/run.sh exists
# and PEERS is not "none", the peers on the same work, and the ratios.
#
#   sudo bench/w1/run_agent_bench.sh            # RUNS=5
#   RUNS=3 PEERS="puppet cfengine" sudo bench/w1/run_agent_bench.sh
#
# Needs root: it creates the users w1u01..w1u20 and W1_ROOT (/srv/w1), and
# removes them when done.
set -euo pipefail
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RUNS="${RUNS:-5}"
W1_ROOT="${W1_ROOT:-/srv/w1}"
W1_USER_PREFIX="${W1_USER_PREFIX:-w1u}"
export W1_ROOT W1_USER_PREFIX
[[ $(id -u) -eq 0 ]] || { echo "run_agent_bench.sh: needs root" >&2; exit 2; }

(cd "$repo" && bazel build -c opt //cli:cairn //agent:cairn-agent >/dev/null 2>&1) ||
  { echo "run_agent_bench.sh: bazel build failed" >&2; exit 1; }
cairn="$repo/bazel-bin/cli/cairn"
agent_bin="$repo/bazel-bin/agent/cairn-agent"

work="$(mktemp -d /tmp/w1bench.XXXXXX)"
agent_pid=""
reset_host() {
  rm -rf --one-file-system "$W1_ROOT"
  for n in $(seq -w 1 20); do
    if id "$W1_USER_PREFIX$n" >/dev/null 2>&1; then
      userdel -r "$W1_USER_PREFIX$n" >/dev/null 2>&1 || true
    fi
  done
}
cleanup() {
  [[ -z "$agent_pid" ]] || kill "$agent_pid" 2>/dev/null || true
  reset_host
  # AGENT_LOG=FILE keeps the agent's log: one line per resource and run.
  [[ -z "${AGENT_LOG:-}" ]] || cp "$work/agent.log" "$AGENT_LOG"
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/gen_cairn.py" -o "$work/config" --root "$W1_ROOT"
"$cairn" compile --dump=none --out "$work/catalogs" "$work/config" >/dev/null
catalog="$work/catalogs/bench.catalog.pb"
[[ -s "$catalog" ]] || { echo "no catalog in $work/catalogs" >&2; ls "$work/catalogs" >&2; exit 1; }

reset_host
mkdir -p "$W1_ROOT"
printf '# main\nfoo = bar\n' >"$W1_ROOT/main.conf"

sock="$work/agent.sock"
"$agent_bin" --unix "$sock" --state-dir "$work/state" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 50); do [[ -S "$sock" ]] && break; sleep 0.1; done
sleep 0.3
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent_pid/status"; }
idle_start_kb="$(rss VmRSS)"

ms() { echo "$(( ($(date +%s%N) - $1) / 1000 ))"; }   # microseconds since $1
# One run of `cairn agent VERB`; sets agent_us, call_us (from its summary
# line) and cmd_us (wall). MODE: "catalog" (precompiled) or "config".
run() {  # VERB MODE
  local t0 out
  t0="$(date +%s%N)"
  if [[ $2 == catalog ]]; then
    out="$("$cairn" agent "$1" --agent "unix:$sock" --catalog "$catalog")"
  else
    out="$("$cairn" agent "$1" --agent "unix:$sock" --host bench "$work/config")"
  fi
  cmd_us="$(ms "$t0")"
  last="$(tail -n 1 <<<"$out")"
  agent_us="$(sed -n 's/.*(agent \([0-9.]*\) ms.*/\1/p' <<<"$last" | awk '{ printf "%d", $1 * 1000 }')"
  call_us="$(sed -n 's/.*[ (]\([0-9.]*\) ms)$/\1/p' <<<"$last" | awk '{ printf "%d", $1 * 1000 }')"
  agent_us="${agent_us:-0}"
  summary="$last"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
edit10() {
  for i in $(seq 0 9); do
    printf '# edited by hand\n' >>"$W1_ROOT/d$(printf %02d $((i % 20 + 1)))/file$(printf %04d "$i").conf"
  done
}
declare -A results
record() {  # PHASE values...
  results["$1"]="$2 $3 $4"
  printf '%-14s agent %8.1f ms   call %8.1f ms   command %8.1f ms   (%s)\n' "$1" \
    "$(awk -v v="$2" 'BEGIN { print v / 1000 }')" "$(awk -v v="$3" 'BEGIN { print v / 1000 }')" \
    "$(awk -v v="$4" 'BEGIN { print v / 1000 }')" "$summary"
}
phase() {  # NAME VERB PREPARE RESET_EACH
  local name="$1" verb="$2" prepare="$3" a=() c=() w=()
  for _ in $(seq "$RUNS"); do
    $prepare
    run "$verb" config
    w+=("$cmd_us")
    $prepare
    run "$verb" catalog
    a+=("$agent_us"); c+=("$call_us")
  done
  record "$name" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${c[@]}" | median)" \
    "$(printf '%s\n' "${w[@]}" | median)"
}
first_prepare() {
  reset_host
  mkdir -p "$W1_ROOT"
  printf '# main\nfoo = bar\n' >"$W1_ROOT/main.conf"
}
nothing() { :; }

echo "W1 on $(nproc) cores, RUNS=$RUNS, W1_ROOT=$W1_ROOT"
phase "first apply" apply first_prepare
phase "no-op apply" apply nothing
phase "after 10 edits" apply edit10
# The check phase: the 10 edits are there and stay there.
edit10
phase "check" check nothing
peak_kb="$(rss VmHWM)"
idle_after_kb="$(rss VmRSS)"
# Verify: once the 10 edits are repaired, the state is W1's.
"$cairn" agent apply --agent "unix:$sock" --catalog "$catalog" >/dev/null
"$cairn" agent apply --agent "unix:$sock" --catalog "$catalog" | tail -n 1 |
  grep -q ' 0 changed, 1041 unchanged, 0 failed' ||
  { echo "run_agent_bench.sh: the host did not converge to W1" >&2; exit 1; }
echo "agent RSS: idle at start $((idle_start_kb / 1024)) MB, idle after the runs $((idle_after_kb / 1024)) MB, peak $((peak_kb / 1024)) MB"
echo "CAIRN first ${results[first apply]}"
echo "CAIRN noop ${results[no-op apply]}"
echo "CAIRN edits ${results[after 10 edits]}"
echo "CAIRN check ${results[check]}"
echo "CAIRN rss_kb $idle_start_kb $idle_after_kb $peak_kb"

# The peers, on the same machine in the same run, and the ratios of their
# whole command to Cairn's.
PEERS="${PEERS:-puppet cfengine ansible}"
[[ "$PEERS" != none && -x "$here/../peers/run.sh" ]] || exit 0
kill "$agent_pid" 2>/dev/null || true
agent_pid=""
reset_host
peer_file="$work/peers.txt"
# shellcheck disable=SC2086  # PEERS is a list of words. Ansible needs a UTF-8 locale.
LC_ALL=C.UTF-8 PEER_RESULTS="$peer_file" "$here/../peers/run.sh" $PEERS >"$work/peers.log" 2>&1 ||
  { tail -n 30 "$work/peers.log" >&2; echo "run_agent_bench.sh: peers failed" >&2; exit 1; }
echo
echo "whole command, median; ratio = peer / cairn"
printf '%-9s %-6s %12s %10s %8s\n' tool phase seconds rss_MB ratio
for phase in first noop edits check; do
  key="$phase"
  case $phase in
    first) key="first apply" ;; noop) key="no-op apply" ;; edits) key="after 10 edits" ;;
  esac
  read -r _ _ cairn_cmd_us <<<"${results[$key]}"
  printf '%-9s %-6s %12.3f %10s %8s\n' cairn "$phase" \
    "$(awk -v v="$cairn_cmd_us" 'BEGIN { print v / 1e6 }')" "$((peak_kb / 1024))" 1
  while read -r _ tool p secs rss _; do
    [[ $p == "$phase" ]] || continue
    printf '%-9s %-6s %12.3f %10s %8.0f\n' "$tool" "$phase" "$secs" "$((rss / 1024))" \
      "$(awk -v a="$secs" -v b="$cairn_cmd_us" 'BEGIN { print a * 1e6 / b }')"
  done <"$peer_file"
done
