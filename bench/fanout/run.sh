#!/usr/bin/env bash
# The fan-out benchmark (README.md): AGENTS cairn-agents on loopback, each
# with its own state directory and root directory and mutual TLS, 100
# resources a host; a no-op `cairn plan` and a no-op `cairn apply --yes`
# over the first N of them, for N in NS; then Ansible on the same number of
# inventory hosts (connection local), one idempotent task each, in the same
# run; the ratios.
#
#   bench/fanout/run.sh                      # RUNS=5, ANSIBLE_RUNS=3
#   RUNS=3 PEERS=none bench/fanout/run.sh    # Cairn only
#   CAIRN=path/cairn CAIRN_AGENT=path/cairn-agent bench/fanout/run.sh
#
# Environment (defaults in brackets):
#   RUNS [5]              timed runs of each Cairn command per N
#   NS ["10 50 100 200"]  fleet sizes; AGENTS is the largest
#   BASE_PORT [17000]     agent of host hI listens on 127.0.0.1:BASE_PORT+I-1
#   PARALLELISM []        passed as --parallelism (cairn's default is 50)
#   PEERS [ansible]       "none" skips Ansible
#   ANSIBLE_RUNS [3]      timed runs of each Ansible configuration
#   ANSIBLE_FORKS ["5 50"] -f values (5 is Ansible's default)
#   ANSIBLE_FACTS_NS ["10 50"] N at which the with-facts play is timed (-f 5)
#   CAIRN, CAIRN_AGENT    prebuilt binaries; otherwise `bazel build` here
#   KEEP=1                keep the work directory (configs, logs, outputs)
#
# Does not need root (it writes only under a mktemp -d directory); runs as
# root fine. Exits 0 when the run completed, whether or not the targets were
# met; non-zero when something failed.
set -euo pipefail
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RUNS="${RUNS:-5}"
NS="${NS:-10 50 100 200}"
BASE_PORT="${BASE_PORT:-17000}"
PARALLELISM="${PARALLELISM:-}"
PEERS="${PEERS:-ansible}"
ANSIBLE_RUNS="${ANSIBLE_RUNS:-3}"
ANSIBLE_FORKS="${ANSIBLE_FORKS:-5 50}"
ANSIBLE_FACTS_NS="${ANSIBLE_FACTS_NS:-10 50}"
KEEP="${KEEP:-0}"

die() { echo "fanout/run.sh: $*" >&2; exit 1; }
say() { echo "fanout/run.sh: $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ && $ANSIBLE_RUNS =~ ^[1-9][0-9]*$ ]] ||
  die "RUNS and ANSIBLE_RUNS must be positive integers"
read -r -a ns <<<"$NS"
AGENTS=0
for n in "${ns[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "NS must hold positive integers"
  ((n > AGENTS)) && AGENTS=$n
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: apt-get install time (or bench/peers/setup.sh)"
if [[ $PEERS != none ]]; then
  command -v ansible-playbook >/dev/null || die "ansible-playbook missing: run bench/peers/setup.sh"
fi

# 200 agents, and a controller holding a connection to each.
if (($(ulimit -n) < 4096)); then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

if [[ -z ${CAIRN:-} || -z ${CAIRN_AGENT:-} ]]; then
  (cd "$repo" && bazel build -c opt //cli:cairn //agent:cairn-agent >/dev/null 2>&1) ||
    die "bazel build failed"
  CAIRN="$repo/bazel-bin/cli/cairn"
  CAIRN_AGENT="$repo/bazel-bin/agent/cairn-agent"
fi

work="$(mktemp -d /tmp/fanout.XXXXXX)"
agent_pids=()
cleanup() {
  local rc=$?
  trap - EXIT
  if ((${#agent_pids[@]})); then
    kill "${agent_pids[@]}" 2>/dev/null || true
    wait "${agent_pids[@]}" 2>/dev/null || true
  fi
  if [[ $KEEP == 1 ]]; then
    say "work directory kept: $work"
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The binaries of this run, safe from a rebuild by someone else meanwhile.
mkdir -p "$work/bin"
cp "$CAIRN" "$work/bin/cairn"
cp "$CAIRN_AGENT" "$work/bin/cairn-agent"
cairn="$work/bin/cairn"
agent_bin="$work/bin/cairn-agent"

# ---- certificates: a CA, the controller's client cert, one per host ------
t0=$(date +%s%N)
ca="$work/ca"
"$cairn" ca init "$ca" 2>/dev/null
"$cairn" ca issue "$ca" controller --client 2>/dev/null
mkdir -p "$work/tls"
cp "$ca/ca.pem" "$ca/controller.pem" "$ca/controller.key" "$work/tls/"
for i in $(seq "$AGENTS"); do
  "$cairn" ca issue "$ca" "h$i" --address 127.0.0.1 2>/dev/null
  d="$work/agents/h$i"
  mkdir -p "$d/tls" "$d/state"
  cp "$ca/ca.pem" "$d/tls/ca.pem"
  mv "$ca/h$i.pem" "$d/tls/host.pem"
  mv "$ca/h$i.key" "$d/tls/host.key"
done
say "CA and $((AGENTS + 1)) certificates in $((($(date +%s%N) - t0) / 1000000)) ms"

# ---- the agents -----------------------------------------------------------
busy="$(ss -ltnH 2>/dev/null | awk '{ print $4 }' | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p; s/^\(0\.0\.0\.0\|\*\|\[::\]\):\([0-9]*\)$/\2/p')"
for i in $(seq "$AGENTS"); do
  port=$((BASE_PORT + i - 1))
  grep -qx "$port" <<<"$busy" && die "port $port is in use (set BASE_PORT)"
done
mkdir -p "$work/root"
t0=$(date +%s%N)
for i in $(seq "$AGENTS"); do
  d="$work/agents/h$i"
  "$agent_bin" --listen "127.0.0.1:$((BASE_PORT + i - 1))" --tls-dir "$d/tls" \
    --state-dir "$d/state" 2>"$d/log" &
  agent_pids+=($!)
done
for i in $(seq "$AGENTS"); do
  d="$work/agents/h$i"
  for _ in $(seq 300); do
    grep -q 'serving' "$d/log" && break
    kill -0 "${agent_pids[$((i - 1))]}" 2>/dev/null || { cat "$d/log" >&2; die "agent h$i died"; }
    sleep 0.1
  done
  grep -q 'serving' "$d/log" || die "agent h$i did not start listening in 30 s"
done
say "$AGENTS agents listening after $((($(date +%s%N) - t0) / 1000000)) ms"

# ---- measuring ------------------------------------------------------------
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minimum() { sort -n | head -n 1; }
load1() { cut -d' ' -f1 /proc/loadavg; }
clk_tck="$(getconf CLK_TCK)"
# User + system CPU ticks of the first N agents so far.
agent_ticks() {
  local n=$1 sum=0 i f
  for ((i = 0; i < n; i++)); do
    read -r -a f <"/proc/${agent_pids[$i]}/stat"
    # Fields 14 and 15 (utime, stime); the name (field 2) has no spaces here.
    sum=$((sum + f[13] + f[14]))
  done
  echo "$sum"
}
# Summed RSS and PSS (kB) of the first N agents. Most of an agent's RSS is
# the shared libraries (gRPC, protobuf, OpenSSL), counted once per process
# in RSS; PSS shares them out, so its sum is what the agents really take.
agents_mem_kb() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do cat "/proc/${agent_pids[$i]}/smaps_rollup"; done |
    awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } END { print r, p }'
}
# timed OUT CMD...: runs CMD with stdout+stderr to OUT; sets wall_ms (from
# the clock), rss_kb and cpu_s (/usr/bin/time) and rc.
timed() {
  local out=$1 t0
  shift
  t0=$(date +%s%N)
  rc=0
  /usr/bin/time -f '%M %U %S' -o "$work/time.txt" "$@" >"$out" 2>&1 || rc=$?
  wall_ms=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
  read -r rss_kb u s < <(tail -n 1 "$work/time.txt")
  cpu_s=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}
pflags=()
[[ -z $PARALLELISM ]] || pflags=(--parallelism "$PARALLELISM")

# A no-op plan: exit 0, no change anywhere, every host planned.
check_noop_plan() {  # OUT N
  [[ $rc -eq 0 ]] || { tail -n 20 "$1" >&2; die "cairn plan exited $rc"; }
  grep -q '^Plan: 0 to create, 0 to change, 0 to remove, 0 to replace, 0 to release' "$1" ||
    { tail -n 5 "$1" >&2; die "the plan is not a no-op"; }
  [[ $(grep -c '^host h[0-9]* .*: no changes (100 as declared)$' "$1") -eq $2 ]] ||
    { grep -v 'no changes (100 as declared)' "$1" | head -n 20 >&2; die "not every host planned 100 unchanged"; }
}
check_noop_apply() {  # OUT N
  [[ $rc -eq 0 ]] || { tail -n 20 "$1" >&2; die "cairn apply exited $rc"; }
  grep -q "^Apply: 0 of $2 hosts changed, 0 targets failed or not applied" "$1" ||
    { tail -n 5 "$1" >&2; die "the apply was not a no-op over $2 hosts"; }
}

# ---- converge -------------------------------------------------------------
for n in "${ns[@]}"; do
  python3 "$here/gen.py" -o "$work/config/n$n" --hosts "$n" --root "$work/root" \
    --tls-dir "$work/tls" --base-port "$BASE_PORT"
done
python3 "$here/gen.py" -o "$work/config/all" --hosts "$AGENTS" --root "$work/root" \
  --tls-dir "$work/tls" --base-port "$BASE_PORT"
say "first apply over $AGENTS hosts (creates $((AGENTS * 100)) resources)"
timed "$work/first.out" "$cairn" apply "$work/config/all" --yes "${pflags[@]}"
[[ $rc -eq 0 ]] || { tail -n 30 "$work/first.out" >&2; die "the first apply failed"; }
grep -q "^Apply: $AGENTS of $AGENTS hosts changed, 0 targets failed" "$work/first.out" ||
  { tail -n 5 "$work/first.out" >&2; die "the first apply did not change every host"; }
first_line="first apply: $AGENTS hosts, $((AGENTS * 100)) resources created: $(awk -v w="$wall_ms" 'BEGIN { printf "%.2f", w / 1000 }') s wall, controller CPU $cpu_s s, peak RSS $((rss_kb / 1024)) MB"
say "$first_line"
for n in "${ns[@]}"; do
  # Each config dir has its own state store: fill it (nothing changes).
  timed "$work/converge-n$n.out" "$cairn" apply "$work/config/n$n" --yes "${pflags[@]}"
  check_noop_apply "$work/converge-n$n.out" "$n"
done

# ---- Cairn: no-op plan and apply for each N -------------------------------
declare -A R
for n in "${ns[@]}"; do
  for verb in plan apply; do
    walls=() rsss=() cpus=()
    max_load=0
    ticks0=$(agent_ticks "$n")
    for r in $(seq "$RUNS"); do
      max_load=$(awk -v a="$max_load" -v b="$(load1)" 'BEGIN { print (b > a) ? b : a }')
      out="$work/$verb-n$n-r$r.out"
      if [[ $verb == plan ]]; then
        timed "$out" "$cairn" plan "$work/config/n$n" "${pflags[@]}"
        check_noop_plan "$out" "$n"
      else
        timed "$out" "$cairn" apply "$work/config/n$n" --yes "${pflags[@]}"
        check_noop_apply "$out" "$n"
      fi
      walls+=("$wall_ms") rsss+=("$rss_kb") cpus+=("$cpu_s")
    done
    ticks1=$(agent_ticks "$n")
    med=$(printf '%s\n' "${walls[@]}" | median)
    R[$verb,$n]="$med $(printf '%s\n' "${walls[@]}" | minimum) $(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1) $(printf '%s\n' "${cpus[@]}" | median) $(awk -v t=$((ticks1 - ticks0)) -v r="$RUNS" -v h="$clk_tck" 'BEGIN { printf "%.2f", t / r / h }') $max_load"
    say "$verb N=$n: median $med ms ($(printf '%s ' "${walls[@]}")ms)"
  done
  R[mem,$n]=$(agents_mem_kb "$n")
done

# ---- Ansible on the same N ------------------------------------------------
declare -A A
ansible_keys=()
if [[ $PEERS != none ]]; then
  ad="$work/ansible"
  mkdir -p "$ad"
  # As bench/peers/gen.py's ansible.cfg: nothing but what a local run needs.
  cat >"$ad/ansible.cfg" <<EOF
[defaults]
interpreter_python = /usr/bin/python3
host_key_checking = False
retry_files_enabled = False
EOF
  for facts in false true; do
    cat >"$ad/site-facts-$facts.yml" <<EOF
- hosts: all
  gather_facts: $facts
  tasks:
    - name: the host's directory, as Cairn left it
      ansible.builtin.file:
        path: "$work/root/{{ inventory_hostname }}"
        state: directory
        mode: "0755"
EOF
  done
  for n in "${ns[@]}"; do
    {
      echo "[fleet]"
      for i in $(seq "$n"); do echo "h$i ansible_connection=local"; done
    } >"$ad/hosts-$n.ini"
  done
  # ansible_run N FACTS FORKS
  ansible_run() {
    local n=$1 facts=$2 forks=$3 walls=() rsss=() cpus=() max_load=0 r out ok
    for r in $(seq "$ANSIBLE_RUNS"); do
      max_load=$(awk -v a="$max_load" -v b="$(load1)" 'BEGIN { print (b > a) ? b : a }')
      out="$ad/n$n-facts-$facts-f$forks-r$r.out"
      # Ansible needs a UTF-8 locale.
      timed "$out" env LC_ALL=C.UTF-8 ANSIBLE_CONFIG="$ad/ansible.cfg" \
        ansible-playbook -i "$ad/hosts-$n.ini" -f "$forks" "$ad/site-facts-$facts.yml"
      [[ $rc -eq 0 ]] || { tail -n 20 "$out" >&2; die "ansible-playbook exited $rc"; }
      ok=$(grep -cE '^h[0-9]+ +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "$out" || true)
      [[ $ok -eq $n ]] || { tail -n 20 "$out" >&2; die "Ansible: $ok of $n hosts ok and unchanged"; }
      walls+=("$wall_ms") rsss+=("$rss_kb") cpus+=("$cpu_s")
    done
    A[$n,$facts,$forks]="$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${walls[@]}" | minimum) $(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1) $(printf '%s\n' "${cpus[@]}" | median) $max_load"
    ansible_keys+=("$n,$facts,$forks")
    say "ansible N=$n facts=$facts -f $forks: $(printf '%s ' "${walls[@]}")ms"
  }
  read -r -a forks_list <<<"$ANSIBLE_FORKS"
  for n in "${ns[@]}"; do
    for forks in "${forks_list[@]}"; do ansible_run "$n" false "$forks"; done
  done
  for n in $ANSIBLE_FACTS_NS; do
    [[ " ${ns[*]} " == *" $n "* ]] || continue
    ansible_run "$n" true 5
  done
fi

# ---- the tables -----------------------------------------------------------
s() { awk -v v="$1" 'BEGIN { printf "%.3f", v / 1000 }'; }
per_host() { awk -v v="$1" -v n="$2" 'BEGIN { printf "%.1f", v / n }'; }
echo
echo "fan-out: $(nproc) cores, RUNS=$RUNS, ${PARALLELISM:+--parallelism $PARALLELISM, }mutual TLS, 100 resources a host"
echo "$first_line"
echo
echo "Cairn, no-op (median / min of $RUNS; ms/host = median / N; ctl = the cairn process; agents = the first N agents)"
printf '%5s | %8s %8s %7s | %8s %8s %7s | %9s %6s | %8s %8s | %9s | %5s\n' \
  N plan_s min_s ms/host apply_s min_s ms/host ctl_cpu ctl_MB ag_cpu_p ag_cpu_a ag_MB_r/p load1
for n in "${ns[@]}"; do
  read -r pm pmin prss pcpu pag pload <<<"${R[plan,$n]}"
  read -r am amin arss acpu aag aload <<<"${R[apply,$n]}"
  maxrss=$((prss > arss ? prss : arss))
  read -r ag_rss ag_pss <<<"${R[mem,$n]}"
  printf '%5s | %8s %8s %7s | %8s %8s %7s | %9s %6s | %8s %8s | %9s | %5s\n' "$n" \
    "$(s "$pm")" "$(s "$pmin")" "$(per_host "$pm" "$n")" \
    "$(s "$am")" "$(s "$amin")" "$(per_host "$am" "$n")" \
    "$(awk -v a="$pcpu" -v b="$acpu" 'BEGIN { printf "%.2f/%.2f", a, b }')" "$((maxrss / 1024))" "$pag" "$aag" "$((ag_rss / 1024))/$((ag_pss / 1024))" \
    "$(awk -v a="$pload" -v b="$aload" 'BEGIN { print (a > b) ? a : b }')"
done
echo "  ctl_cpu: controller user+sys s, plan/apply (median); ctl_MB: its peak RSS (largest of the runs)"
echo "  ag_cpu_p/ag_cpu_a: CPU s of all N agents together per plan / per apply; ag_MB_r/p: their summed RSS / PSS after the runs"

if ((${#ansible_keys[@]})); then
  echo
  echo "Ansible, one idempotent file task a host, connection local (median / min of $ANSIBLE_RUNS); ratio = Ansible / Cairn no-op apply (and plan), medians"
  printf '%5s %5s %5s | %8s %8s %8s | %8s %7s | %8s %8s | %5s\n' \
    N facts forks wall_s min_s ms/host cpu_s peak_MB x_apply x_plan load1
  for key in "${ansible_keys[@]}"; do
    IFS=, read -r n facts forks <<<"$key"
    read -r m mn rss cpu load <<<"${A[$key]}"
    read -r pm _ <<<"${R[plan,$n]}"
    read -r am _ <<<"${R[apply,$n]}"
    printf '%5s %5s %5s | %8s %8s %8s | %8s %7s | %8s %8s | %5s\n' "$n" "$facts" "$forks" \
      "$(s "$m")" "$(s "$mn")" "$(per_host "$m" "$n")" "$cpu" "$((rss / 1024))" \
      "$(awk -v a="$m" -v b="$am" 'BEGIN { printf "%.1f", a / b }')" \
      "$(awk -v a="$m" -v b="$pm" 'BEGIN { printf "%.1f", a / b }')" "$load"
  done
fi

echo
big=$AGENTS
read -r pm _ <<<"${R[plan,$big]}"
read -r am _ <<<"${R[apply,$big]}"
verdict() {  # VALUE_MS LIMIT_MS
  awk -v v="$1" -v l="$2" 'BEGIN { if (v < l) print "OK"; else printf "MISSED (%.2fx)\n", v / l }'
}
echo "target no-op plan  at N=$big < 2 s:        $(s "$pm") s  $(verdict "$pm" 2000)"
echo "target no-op apply at N=$big < 3 s:        $(s "$am") s  $(verdict "$am" 3000)"
echo "target < 10 ms/host (plan, N=$big):       $(per_host "$pm" "$big") ms  $(verdict "$(per_host "$pm" "$big")" 10)"
echo "target < 10 ms/host (apply, N=$big):      $(per_host "$am" "$big") ms  $(verdict "$(per_host "$am" "$big")" 10)"
