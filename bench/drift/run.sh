#!/usr/bin/env bash
# Drift on the agent (README.md): with W1 (bench/w1) applied, what
# cairn-agent costs while it watches and nothing happens, how long an edit
# of a managed file takes to reach a controller as a drift event, and what
# hostile changes (a huge file, a storm of writes, 10,000 files coming and
# going) cost it.
#
#   sudo bench/drift/run.sh                       # ~8 min
#   IDLE_SECONDS=20 N=20 sudo bench/drift/run.sh  # a quick try
#
# Needs root: W1 creates 20 users (W1_USER_PREFIX, "w1dr" here so that a
# bench/w1 run beside this one keeps its own) and root-owned files, here
# under a temporary W1_ROOT. Everything is removed on exit.
set -euo pipefail
export LC_ALL=C
umask 022
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
IDLE_SECONDS="${IDLE_SECONDS:-60}"        # each idle window
FULL_CHECK_MS="${FULL_CHECK_MS:-60000}"   # the --drift-check-ms idle run
N="${N:-100}"                             # edits per write style
HUGE_SIZE="${HUGE_SIZE:-2G}"              # (a) at a file's path
LINE_SIZE="${LINE_SIZE:-16M}"             # (a2) at the line's path: lines
LINE_SPARSE_SIZE="${LINE_SPARSE_SIZE:-256M}"  # (a2) and a sparse file
HAMMER_SECONDS="${HAMMER_SECONDS:-10}"
HAMMER_RATE="${HAMMER_RATE:-5000}"        # (b) paced; also run unpaced
CHURN="${CHURN:-10000}"                   # (d) files created and deleted
W1_USER_PREFIX="${W1_USER_PREFIX:-w1dr}"
export W1_USER_PREFIX
die() { echo "run.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "run.sh: needs root" >&2; exit 2; }

# Build. cli/ may be mid-edit in a shared tree: the agent and the probe
# must build; an older `cairn` (it only compiles and sends W1) will do.
(cd "$repo" && bazel build -c opt //agent:cairn-agent //bench/drift:latency >/dev/null 2>&1) ||
  die "bazel build of //agent:cairn-agent //bench/drift:latency failed"
if ! (cd "$repo" && bazel build -c opt //cli:cairn >/dev/null 2>&1); then
  [[ -x "$repo/bazel-bin/cli/cairn" || -n "${CAIRN:-}" ]] || die "bazel build //cli:cairn failed"
  echo "run.sh: warning: //cli:cairn does not build now; using the cairn built before" >&2
fi
cairn="${CAIRN:-$repo/bazel-bin/cli/cairn}"
agent_bin="${CAIRN_AGENT:-$repo/bazel-bin/agent/cairn-agent}"
probe="$repo/bazel-bin/bench/drift/latency"

work="$(mktemp -d /tmp/driftbench.XXXXXX)"
W1_ROOT="$work/w1"
export W1_ROOT
# bench/w1's own reset (remove W1_ROOT, the users and their homes), taken
# from its script rather than copied.
reset_src="$(sed -n '/^reset_host() {$/,/^}$/p' "$repo/bench/w1/run_agent_bench.sh")"
[[ -n "$reset_src" ]] || die "no reset_host() in bench/w1/run_agent_bench.sh"
eval "$reset_src"
agent_pid=""
sock="$work/agent.sock"
stop_agent() {
  [[ -n "$agent_pid" ]] || return 0
  kill "$agent_pid" 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}
cleanup() {
  stop_agent
  reset_host
  # AGENT_LOG=FILE keeps the agent's log.
  [[ -z "${AGENT_LOG:-}" ]] || cp "$work/agent.log" "$AGENT_LOG"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

python3 "$repo/bench/w1/gen_cairn.py" -o "$work/config" --root "$W1_ROOT"
reset_host
mkdir -p "$W1_ROOT"
printf '# main\nfoo = bar\n' >"$W1_ROOT/main.conf"

start_agent() {  # extra flags...
  rm -f "$sock"
  "$agent_bin" --unix "$sock" --state-dir "$work/state" "$@" 2>>"$work/agent.log" &
  agent_pid=$!
  for _ in $(seq 100); do [[ -S "$sock" ]] && break; sleep 0.1; done
  [[ -S "$sock" ]] || die "the agent did not start (see $work/agent.log)"
}
status() { "$probe" --agent "unix:$sock" --status; }
field() {  # NAME: from status
  status | tr ' ' '\n' | sed -n "s/^$1=//p"
}
wait_full_check_after() {  # MS: until a full check ended after it
  for _ in $(seq 600); do
    (($(field last_full_check_ms) > $1)) && return 0
    sleep 0.1
  done
  die "no full check within 60 s"
}
now_ms() { echo "$(($(date +%s%N) / 1000000))"; }
now_ns() { date +%s%N; }
ticks() { sed 's/.*) //' "/proc/$agent_pid/stat" | awk '{ print $12 + $13 }'; }
hz="$(getconf CLK_TCK)"
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent_pid/status"; }
mb() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1024 }'; }
reset_peak() { echo 5 >"/proc/$agent_pid/clear_refs"; }  # VmHWM := VmRSS
# CPU of the agent between two samples, in % of one core.
cpu_pct() {  # TICKS0 TICKS1 NS0 NS1
  awk -v t="$(($2 - $1))" -v hz="$hz" -v ns="$(($4 - $3))" \
    'BEGIN { printf "%.2f", 100 * t / hz / (ns / 1e9) }'
}
cpu_s() { awk -v t="$(($2 - $1))" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'; }

declare -A R  # the figures, for the summary

# Idle: IDLE_SECONDS of nothing happening.
idle() {  # KEY DESCRIPTION
  local c0 c1 t0 t1 f0 f1 checks
  f0="$(field last_full_check_ms)"
  c0="$(ticks)"; t0="$(now_ns)"
  sleep "$IDLE_SECONDS"
  c1="$(ticks)"; t1="$(now_ns)"
  f1="$(field last_full_check_ms)"
  checks="none"
  ((f1 == f0)) || checks="one ended at +$(((f1 - t0 / 1000000) / 1000)) s"
  R[$1]="$(cpu_pct "$c0" "$c1" "$t0" "$t1") $(mb "$(kb VmRSS)") $(mb "$(kb VmHWM)")"
  read -r pct rss hwm <<<"${R[$1]}"
  printf '%-44s CPU %5s %% of a core (%s s), VmRSS %s MB, VmHWM %s MB; full check in window: %s\n' \
    "$2" "$pct" "$(cpu_s "$c0" "$c1")" "$rss" "$hwm" "$checks"
}

apply_w1() {
  local out
  out="$("$cairn" agent apply --agent "unix:$sock" --host bench "$work/config" | tail -n 1)"
  grep -q ' 0 failed' <<<"$out" || die "apply failed: $out"
  echo "apply: $out"
}

echo "drift bench: $(nproc) cores, W1_ROOT=$W1_ROOT, $(uname -r)"
start_agent
t_apply="$(now_ms)"
apply_w1
wait_full_check_after "$t_apply"
echo "first full check done; agent VmRSS $(mb "$(kb VmRSS)") MB, VmHWM $(mb "$(kb VmHWM)") MB (the apply included)"
sleep 2

echo
echo "== 1. idle, W1 applied (1,041 resources; 21 directories and /etc watched)"
idle idle_default "default full-check period (300 s):"
"$probe" --agent "unix:$sock" --watch-seconds "$((IDLE_SECONDS + 3))" >"$work/watch.out" &
watch_pid=$!
sleep 1
idle idle_watch "same, a controller's WatchDrift stream open:"
wait "$watch_pid" || die "the WatchDrift stream failed"
stop_agent
t_restart="$(now_ms)"
start_agent --drift-check-ms "$FULL_CHECK_MS"
wait_full_check_after "$t_restart"
# The next full check comes 0.9-1.1 periods after this one: a window
# starting half a period later holds exactly one (for windows <= 1 period).
sleep "$((FULL_CHECK_MS / 2000))"
idle idle_full "--drift-check-ms $FULL_CHECK_MS (restarted agent):"
stop_agent

# The rest on a fresh agent with the default period (it watches the catalog
# kept in its state directory, and checks it all at start). The probe flips
# one file hundreds of times: past the agent's 10 events per resource per
# minute it would measure the rate limit, not the latency, so the limit is
# raised here.
t_restart="$(now_ms)"
start_agent --drift-events-per-minute 100000
wait_full_check_after "$t_restart"
sleep 1

echo
echo "== 2. latency: edit of $W1_ROOT/d01/file0000.conf -> event at a WatchDrift client, N=$N per style"
"$probe" --agent "unix:$sock" --file "$W1_ROOT/d01/file0000.conf" --n "$N" --style both | tee "$work/latency.out"
R[lat_write]="$(awk '$1 == "LATENCY" && $2 == "write" { print $5, $6, $7 }' "$work/latency.out")"
R[lat_rename]="$(awk '$1 == "LATENCY" && $2 == "rename" { print $5, $6, $7 }' "$work/latency.out")"

last_seq() { field last_seq; }
wait_event() {  # STATE --file PATH|--resource KIND:ID AFTER_SEQ SINCE_NS
  "$probe" --agent "unix:$sock" "$2" "$3" --wait "$1" --after "$4" --since-ns "$5" --timeout-ms 120000
}

echo
echo "== 3. hostile input"
# (a) A huge file where a managed file goes.
f="$W1_ROOT/d02/file0001.conf"
cp -p "$f" "$work/right.conf"
reset_peak
seq0="$(last_seq)"; c0="$(ticks)"; t0="$(now_ns)"
fallocate -l "$HUGE_SIZE" "$W1_ROOT/d02/.huge" 2>/dev/null || truncate -s "$HUGE_SIZE" "$W1_ROOT/d02/.huge"
mv -f "$W1_ROOT/d02/.huge" "$f"
ev="$(wait_event DRIFTED --file "$f" "$seq0" "$t0")" || die "(a): $ev"
c1="$(ticks)"; t1="$(now_ns)"
R[huge]="$(mb "$(kb VmHWM)") $(cpu_s "$c0" "$c1")"
echo "(a) $HUGE_SIZE file moved onto $f: $ev"
echo "    agent VmHWM during it $(mb "$(kb VmHWM)") MB, VmRSS $(mb "$(kb VmRSS)") MB, CPU $(cpu_s "$c0" "$c1") s"
seq0="$(last_seq)"; t0="$(now_ns)"
cp "$work/right.conf" "$f"
wait_event RESOLVED --file "$f" "$seq0" "$t0" >/dev/null || die "(a): not resolved"

# (b) Writes to an unmanaged file in a watched directory, paced and not;
# meanwhile the latency of a managed file in the same directory.
noise="$W1_ROOT/d01/noise.txt"
# Edits of the probe, each up to ~0.8 s apart: all inside the storm.
probe_n=$(((HAMMER_SECONDS - 2) / 2 * 2))
((probe_n >= 2)) || probe_n=2
for rate in "$HAMMER_RATE" 0; do
  reset_peak
  seq0="$(last_seq)"; c0="$(ticks)"; t0="$(now_ns)"
  "$probe" --hammer "$noise" --seconds "$HAMMER_SECONDS" --rate "$rate" >"$work/hammer.out" &
  hammer_pid=$!
  sleep 0.5
  "$probe" --agent "unix:$sock" --file "$W1_ROOT/d01/file0020.conf" --n "$probe_n" --style write >"$work/probe.out" ||
    die "(b): the latency probe failed: $(cat "$work/probe.out")"
  wait "$hammer_pid" || die "(b): the writer failed"
  c1="$(ticks)"; t1="$(now_ns)"
  writes="$(sed -n 's/.*per_second=//p' "$work/hammer.out")"
  probe_ms="$(awk '$1 == "LATENCY" { print $5 "/" $7 }' "$work/probe.out")"
  key="noise_$rate"
  R[$key]="$writes $(cpu_pct "$c0" "$c1" "$t0" "$t1") $(mb "$(kb VmHWM)") $probe_ms $(($(last_seq) - seq0 - probe_n))"
  printf '(b) unmanaged %s, %s writes/s for %s s: agent CPU %s %%, VmHWM %s MB; meanwhile file0020 edit -> event median/max %s ms\n' \
    "$noise" "$writes" "$HAMMER_SECONDS" "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$(mb "$(kb VmHWM)")" "$probe_ms"
done
rm -f "$noise"

# (c) The same storm on a managed file.
f="$W1_ROOT/d03/file0002.conf"
reset_peak
seq0="$(last_seq)"; c0="$(ticks)"; t0="$(now_ns)"
"$probe" --hammer "$f" --seconds "$HAMMER_SECONDS" >"$work/hammer.out"
c1="$(ticks)"; t1="$(now_ns)"
wait_event RESOLVED --file "$f" "$seq0" "$t1" >/dev/null || die "(c): not resolved after the storm"
events="$(($(last_seq) - seq0))"
writes="$(sed -n 's/.*per_second=//p' "$work/hammer.out")"
R[storm]="$writes $(cpu_pct "$c0" "$c1" "$t0" "$t1") $events $(mb "$(kb VmHWM)")"
printf '(c) managed %s, %s writes/s for %s s: agent CPU %s %%, %s events (the last one RESOLVED), VmHWM %s MB\n' \
  "$f" "$writes" "$HAMMER_SECONDS" "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$events" "$(mb "$(kb VmHWM)")"

# (d) Many files created, then deleted, in a watched directory.
reset_peak
seq0="$(last_seq)"; c0="$(ticks)"; t0="$(now_ns)"
churn_s="$("$probe" --churn "$W1_ROOT/d05" --count "$CHURN" | sed -n 's/seconds=//p')"
sleep 1
c1="$(ticks)"; t1="$(now_ns)"
R[churn]="$churn_s $(cpu_s "$c0" "$c1") $(cpu_pct "$c0" "$c1" "$t0" "$t1") $(mb "$(kb VmRSS)") $(mb "$(kb VmHWM)") $(($(last_seq) - seq0))"
printf '(d) %s files created and deleted in %s in %s s: agent CPU %s s (%s %% over it and 1 s after), VmRSS %s MB, VmHWM %s MB, %s events\n' \
  "$CHURN" "$W1_ROOT/d05" "$churn_s" "$(cpu_s "$c0" "$c1")" "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" \
  "$(mb "$(kb VmRSS)")" "$(mb "$(kb VmHWM)")" "$(($(last_seq) - seq0))"

# (a2) Big files at the line resource's path: the line provider reads the
# file whole. Last: what the agent allocates for it may stay in its heap.
f="$W1_ROOT/main.conf"
cp -p "$f" "$work/right-main.conf"
big_line_file() {  # KEY HOW SIZE: HOW is "lines" (of "x\n") or "sparse"
  local ev hwm c0 c1 t0 seq0
  if [[ $2 == lines ]]; then
    yes x | head -c "$3" >"$W1_ROOT/.bigmain" || true
  else
    truncate -s "$3" "$W1_ROOT/.bigmain"
  fi
  reset_peak
  seq0="$(last_seq)"; c0="$(ticks)"; t0="$(now_ns)"
  mv -f "$W1_ROOT/.bigmain" "$f"
  ev="$(wait_event DRIFTED --resource line:w1-managed "$seq0" "$t0")" || die "(a2): $ev"
  c1="$(ticks)"
  hwm="$(mb "$(kb VmHWM)")"
  seq0="$(last_seq)"; t0="$(now_ns)"
  cp "$work/right-main.conf" "$f"
  wait_event RESOLVED --resource line:w1-managed "$seq0" "$t0" >/dev/null || die "(a2): not resolved"
  sleep 1
  R[$1]="$hwm $(cpu_s "$c0" "$c1") $(mb "$(kb VmRSS)") $(sed -n 's/.* after \([0-9]*\) ms.*/\1/p' <<<"$ev")"
  printf '(a2) %s (%s) moved onto %s (line w1-managed): %s\n' "$3" "$2" "$f" "${ev%%:*}"
  printf '     agent VmHWM during it %s MB, CPU %s s; VmRSS after it was put back %s MB\n' \
    "$hwm" "$(cpu_s "$c0" "$c1")" "$(mb "$(kb VmRSS)")"
}
big_line_file line_lines lines "$LINE_SIZE"
big_line_file line_sparse sparse "$LINE_SPARSE_SIZE"

echo
echo "== summary (targets from the issue)"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "OK" : "MISSED" }'; }
row() { printf '%-44s %-40s %s\n' "$@"; }
read -r pct rss hwm <<<"${R[idle_default]}"
row "idle CPU, default period (300 s)" "$pct % (< 1 %)" "$(verdict "$pct" 1)"
read -r pct2 _ <<<"${R[idle_watch]}"
row "idle CPU, a WatchDrift stream open" "$pct2 % (< 1 %)" "$(verdict "$pct2" 1)"
read -r pct3 _ <<<"${R[idle_full]}"
row "idle CPU, full check every ${FULL_CHECK_MS} ms" "$pct3 % (< 1 %)" "$(verdict "$pct3" 1)"
row "idle memory (VmRSS)" "$rss MB (< 30 MB)" "$(verdict "$rss" 30)"
row "peak memory, apply included (VmHWM)" "$hwm MB (< 30 MB)" "$(verdict "$hwm" 30)"
read -r med p90 max <<<"${R[lat_write]}"
row "edit -> event, in place, median" "$med ms (p90 $p90, max $max; < 200)" "$(verdict "$med" 200)"
read -r med p90 max <<<"${R[lat_rename]}"
row "edit -> event, temp + rename, median" "$med ms (p90 $p90, max $max; < 200)" "$(verdict "$med" 200)"
# No figure in the issue for hostile input: "bounded" when the peak stays
# under the idle target, whatever the input's size.
bounded() { awk -v v="$1" 'BEGIN { print (v < 30) ? "bounded" : "NOT BOUNDED" }'; }
read -r hwm _ <<<"${R[huge]}"
row "(a) $HUGE_SIZE at a file's path: peak" "$hwm MB" "$(bounded "$hwm")"
read -r hwm cpu rss _ <<<"${R[line_lines]}"
row "(a2) $LINE_SIZE of lines at the line's path" "peak $hwm MB, $cpu s CPU, then $rss MB" "$(bounded "$hwm")"
read -r hwm cpu rss _ <<<"${R[line_sparse]}"
row "(a2) $LINE_SPARSE_SIZE sparse at the line's path" "peak $hwm MB, $cpu s CPU, then $rss MB" "$(bounded "$hwm")"
for rate in "$HAMMER_RATE" 0; do
  read -r writes pct hwm probe_ms _ <<<"${R[noise_$rate]}"
  row "(b) $writes writes/s, unmanaged file" "CPU $pct %, peak $hwm MB" "edit->event $probe_ms ms (med/max)"
done
read -r writes pct events hwm <<<"${R[storm]}"
row "(c) $writes writes/s, managed file" "CPU $pct %, peak $hwm MB" "$events events"
read -r churn_s cpu pct rss hwm events <<<"${R[churn]}"
row "(d) $CHURN files created+deleted ($churn_s s)" "CPU $cpu s, peak $hwm MB" "$events events"
echo "RESULT idle ${R[idle_default]} | ${R[idle_watch]} | ${R[idle_full]}"
echo "RESULT latency write ${R[lat_write]} rename ${R[lat_rename]}"
echo "RESULT huge ${R[huge]} lines ${R[line_lines]} sparse ${R[line_sparse]}"
echo "RESULT noise ${R[noise_$HAMMER_RATE]} | ${R[noise_0]} storm ${R[storm]} churn ${R[churn]}"
