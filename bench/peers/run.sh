#!/usr/bin/env bash
# Runs the peer tools on the W1 workload (bench/w1/README.md) and reports the
# median wall time and the peak RSS of each of its 4 phases.
#
#   bench/peers/run.sh [ansible|puppet|cfengine ...]     (default: all three)
#
# Environment:
#   W1_ROOT        the managed root (default /srv/w1); removed and recreated
#   RUNS           runs of each phase for puppet and cfengine (default 3)
#   ANSIBLE_RUNS   runs of each phase for ansible (default 1: a no-op is
#                  minutes long)
#   PEER_RESULTS   also append the machine-readable PEER lines to this file
#   KEEP_LOGS=1    keep the generated inputs and every command's output
#
# For each tool: reset the host (remove W1_ROOT and the users w1u01..w1u20
# with their homes, write main.conf), then
#   first   RUNS × (reset, apply)
#   noop    RUNS × apply on the converged host
#   edits   RUNS × (append "# edited by hand" to files 0000..0009, apply)
#   check   the 10 edits made again, then RUNS × dry run
# each timed as the whole command (`/usr/bin/time -f "%e %M %U %S"`: wall
# seconds, peak RSS of the largest process, user and system CPU seconds of
# the command and the children it waited for), each followed by a check of
# the host state. The 1-minute load average before each run is shown too:
# other work on the machine inflates wall times. The output ends with a
# table and one line
#   PEER <tool> <phase> <median wall seconds> <peak rss kB> <median cpu seconds>
# per tool and phase, for other scripts. Needs root and bench/peers/setup.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W1_ROOT=${W1_ROOT:-/srv/w1}
RUNS=${RUNS:-3}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-1}
PEER_RESULTS=${PEER_RESULTS:-}
KEEP_LOGS=${KEEP_LOGS:-0}
PHASES=(first noop edits check)
EDITED=(0 1 2 3 4 5 6 7 8 9)
mapfile -t USERS < <(seq -f 'w1u%02g' 1 20)

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it creates users)"
[[ $RUNS =~ ^[1-9][0-9]*$ && $ANSIBLE_RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS and ANSIBLE_RUNS must be positive integers"
[[ $W1_ROOT == /* && $W1_ROOT != / && $W1_ROOT != *..* && $W1_ROOT =~ ^[A-Za-z0-9_./-]+$ ]] \
  || die "W1_ROOT must be an absolute path of [A-Za-z0-9_./-], not /"
W1_ROOT=${W1_ROOT%/}
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: run bench/peers/setup.sh"

tools=("$@")
((${#tools[@]})) || tools=(ansible puppet cfengine)
for t in "${tools[@]}"; do
  case $t in
    ansible) command -v ansible-playbook >/dev/null || die "ansible-playbook missing" ;;
    puppet) command -v puppet >/dev/null || die "puppet missing: run bench/peers/setup.sh" ;;
    cfengine) command -v cf-agent >/dev/null || die "cf-agent missing: run bench/peers/setup.sh" ;;
    *) die "unknown tool '$t' (ansible, puppet, cfengine)" ;;
  esac
done

work=$(mktemp -d /tmp/w1-peers.XXXXXX)
in=$work/in
mkdir -p "$work/logs"
python3 "$here/gen.py" "$in" --root "$W1_ROOT"
keys=$here/../w1/keys.pub

# Refuse to remove a W1_ROOT that holds anything W1 does not make.
check_root_removable() {
  [[ -e $W1_ROOT || -L $W1_ROOT ]] || return 0
  [[ -d $W1_ROOT && ! -L $W1_ROOT ]] || die "refusing to remove $W1_ROOT: not a directory"
  local e
  for e in "$W1_ROOT"/* "$W1_ROOT"/.[!.]*; do
    [[ -e $e || -L $e ]] || continue
    [[ ${e##*/} =~ ^(d[0-9][0-9]|main\.conf)$ ]] \
      || die "refusing to remove $W1_ROOT: it holds ${e##*/}, which W1 does not make"
  done
}

# Remove the users, their homes and groups and W1_ROOT; unless told "clean",
# write main.conf as W1's setup does.
reset_host() {
  local u
  for u in "${USERS[@]}"; do
    if getent passwd "$u" >/dev/null; then
      userdel -r "$u" >/dev/null 2>&1 || userdel "$u"
    fi
    rm -rf "/home/${u:?}"
    if getent group "$u" >/dev/null; then groupdel "$u"; fi
  done
  check_root_removable
  rm -rf "$W1_ROOT"
  if [[ ${1:-} != clean ]]; then
    mkdir -p "$W1_ROOT"
    printf '# main\nfoo = bar\n' >"$W1_ROOT/main.conf"
    chmod 0644 "$W1_ROOT/main.conf"
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT
  reset_host clean || rc=1
  if [[ $KEEP_LOGS == 1 ]]; then
    say "inputs and logs kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

file_of() { printf '%s/d%02d/file%04d.conf' "$W1_ROOT" $(($1 % 20 + 1)) "$1"; }

make_edits() {
  local i
  for i in "${EDITED[@]}"; do printf '# edited by hand\n' >>"$(file_of "$i")"; done
}

# Everything the tools manage, content, metadata and mtimes: a check run must
# leave it identical, and so must a no-op run (a rewrite changes the mtime).
state_sum() {
  local homes=()
  local u
  for u in "${USERS[@]}"; do [[ -e /home/$u ]] && homes+=("/home/$u"); done
  {
    find "$W1_ROOT" "${homes[@]}" -printf '%p %y %m %u %g %s %T@\n' | LC_ALL=C sort
    find "$W1_ROOT" "${homes[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -d' ' -f1
}

fail_state() { die "$tool/$phase run $run: $*"; }

# The state W1 describes. With "edited", files 0000..0009 must still carry
# the edit (after a check run); otherwise they must be rendered exactly.
verify_state() {
  local edited=${1:-} n i f u line
  n=$(find "$W1_ROOT" -mindepth 2 -maxdepth 2 -type f -name 'file[0-9][0-9][0-9][0-9].conf' | wc -l)
  [[ $n -eq 1000 ]] || fail_state "$n templated files, not 1000"
  n=$(find "$W1_ROOT" -mindepth 1 -maxdepth 1 -type d -name 'd[0-9][0-9]' -perm 0755 -user root -group root | wc -l)
  [[ $n -eq 20 ]] || fail_state "$n directories d01..d20 0755 root:root, not 20"
  n=$(find "$W1_ROOT" -mindepth 1 \( -type d -o -name 'file*.conf' -perm 0644 -user root -group root \) | wc -l)
  [[ $n -eq 1020 ]] || fail_state "$((n - 20)) of the files are 0644 root:root, not 1000"
  [[ $(find "$W1_ROOT" -mindepth 1 | wc -l) -eq 1021 ]] || fail_state "$W1_ROOT holds other files than W1's"
  for i in 0 1 2 3 4 5 6 7 8 9 517 999; do
    f=$(file_of "$i")
    if [[ $edited == edited && $i -lt 10 ]]; then
      [[ $(tail -n 1 "$f") == '# edited by hand' ]] || fail_state "$f lost its edit"
      cmp -s <(head -n -1 "$f") "$in/expected/${f##*/}" || fail_state "$f: wrong content"
    else
      cmp -s "$f" "$in/expected/${f##*/}" || fail_state "$f: wrong content"
    fi
  done
  n=1
  for u in "${USERS[@]}"; do
    IFS=: read -r _ _ _ _ _ home shell < <(getent passwd "$u") || fail_state "no user $u"
    [[ $home == "/home/$u" && $shell == /bin/bash ]] || fail_state "$u: home $home, shell $shell"
    [[ -d $home && $(stat -c %U "$home") == "$u" ]] || fail_state "$u: no home owned by $u"
    [[ -f $home/.bashrc ]] || fail_state "$u: home not made from /etc/skel"
    line=$(sed -n "${n}p" "$keys")
    [[ $(cat "$home/.ssh/authorized_keys") == "$line" ]] || fail_state "$u: authorized_keys is not line $n of keys.pub"
    [[ $(wc -l <"$home/.ssh/authorized_keys") -eq 1 ]] || fail_state "$u: authorized_keys has more than one line"
    [[ $(stat -c '%a %U' "$home/.ssh" "$home/.ssh/authorized_keys" | tr '\n' ' ') == "700 $u 600 $u " ]] \
      || fail_state "$u: ~/.ssh or authorized_keys has the wrong mode or owner"
    n=$((n + 1))
  done
  [[ $(grep -c '^w1_managed[[:space:]]*=' "$W1_ROOT/main.conf") -eq 1 ]] || fail_state "main.conf: not one w1_managed line"
  [[ $(head -n 2 "$W1_ROOT/main.conf") == $'# main\nfoo = bar' ]] || fail_state "main.conf: lost its first lines"
  grep -qx 'w1_managed = yes' "$W1_ROOT/main.conf" || fail_state "main.conf: no 'w1_managed = yes'"
}

# The files a check run reported, one fileIIII per line.
reported_files() {
  case $tool in
    ansible) grep -oE '^changed: .*item=file[0-9]{4}\.conf' "$1" ;;
    puppet) grep -oE 'File\[[^]]*/file[0-9]{4}\.conf\]/content: .*\(noop\)' "$1" ;;
    cfengine) grep -oE "Should update rendering of '[^']*/file[0-9]{4}\.conf'" "$1" ;;
  esac | grep -oE 'file[0-9]{4}' | LC_ALL=C sort -u
}

# The command line of one run; "check" is the dry run.
tool_command() {
  local mode=$1
  case $tool in
    ansible)
      cmd=(env "ANSIBLE_CONFIG=$in/ansible/ansible.cfg" ansible-playbook -c local -i "localhost,")
      [[ $mode == check ]] && cmd+=(--check)
      cmd+=("$in/ansible/site.yml")
      ;;
    puppet)
      cmd=(puppet apply --detailed-exitcodes --color=false --modulepath "$in/puppet/modules")
      [[ $mode == check ]] && cmd+=(--noop)
      cmd+=("$in/puppet/site.pp")
      ;;
    cfengine)
      cmd=(cf-agent -K)
      [[ $mode == check ]] && cmd+=(--dry-run)
      cmd+=(-f "$in/cfengine/w1.cf")
      ;;
  esac
}

# timed MODE: runs the tool once under /usr/bin/time; appends
# "tool phase run seconds rss_kb cpu_seconds load1" to $work/results.
timed() {
  local mode=$1 log=$work/logs/$tool-$phase-$run.log tf=$work/time rc=0 secs rss usr sys cpu load
  tool_command "$mode"
  printf '$ %s\n' "${cmd[*]}" >"$log"
  read -r load _ </proc/loadavg
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "${cmd[@]}" >>"$log" 2>&1 || rc=$?
  # puppet --detailed-exitcodes: 2 means "changes were applied".
  if ((rc != 0)) && ! [[ $tool == puppet && $rc -eq 2 ]]; then
    tail -n 20 "$log" >&2
    die "$tool/$phase run $run: exit $rc (log above)"
  fi
  read -r secs rss usr sys < <(tail -n 1 "$tf")
  cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  echo "$tool $phase $run $secs $rss $cpu $load" >>"$work/results"
  say "$(printf '%-8s %-5s run %d: %7.2f s wall %7.2f s cpu %7.1f MB (load %s before)' \
    "$tool" "$phase" "$run" "$secs" "$cpu" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$load")"
  last_log=$log
}

run_tool() {
  local n=$RUNS before after got want i
  [[ $tool == ansible ]] && n=$ANSIBLE_RUNS
  want=$(for i in "${EDITED[@]}"; do printf 'file%04d\n' "$i"; done)

  phase=first
  for ((run = 1; run <= n; run++)); do
    reset_host
    timed apply
    verify_state
  done

  phase=noop
  for ((run = 1; run <= n; run++)); do
    before=$(state_sum)
    timed apply
    verify_state
    after=$(state_sum)
    [[ $before == "$after" ]] || fail_state "the no-op apply changed files (content, metadata or mtime)"
  done

  phase=edits
  for ((run = 1; run <= n; run++)); do
    make_edits
    timed apply
    verify_state
  done

  phase=check
  run=0
  make_edits
  for ((run = 1; run <= n; run++)); do
    before=$(state_sum)
    timed check
    after=$(state_sum)
    [[ $before == "$after" ]] || fail_state "the dry run modified the host"
    verify_state edited
    got=$(reported_files "$last_log")
    [[ $got == "$want" ]] || fail_state "the dry run reported $(echo "$got" | grep -c . || true) files, not file0000..file0009: $(echo "$got" | tr '\n' ' ')"
  done
}

say "inputs in $in, W1_ROOT=$W1_ROOT, RUNS=$RUNS, ANSIBLE_RUNS=$ANSIBLE_RUNS"
for tool in "${tools[@]}"; do
  run_tool
done

# Median wall and CPU seconds (mean of the middle two for an even count),
# the highest peak RSS and the highest load before a run, by tool and phase.
summary=$(for tool in "${tools[@]}"; do
  for phase in "${PHASES[@]}"; do
    awk -v t="$tool" -v p="$phase" '
      function sort(a, n,   i, j, x) {
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
      }
      BEGIN { n = 0 }
      function median(a, n) { return (n % 2) ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2 }
      $1 == t && $2 == p { s[n] = $4; c[n] = $6; n++; if ($5 > rss) rss = $5; if ($7 > load) load = $7 }
      END {
        sort(s, n); sort(c, n)
        printf "%s %s %d %.2f %.2f %.2f %.2f %d %.2f\n", t, p, n, median(s, n), s[0], s[n - 1], median(c, n), rss, load
      }' "$work/results"
  done
done)

echo
printf '%-9s %-6s %4s %9s %8s %8s %9s %12s %9s\n' \
  tool phase runs median_s min_s max_s median_cpu peak_rss_MB max_load1
while read -r t p n m lo hi cpu rss load; do
  printf '%-9s %-6s %4d %9.2f %8.2f %8.2f %10.2f %12.1f %9.2f\n' \
    "$t" "$p" "$n" "$m" "$lo" "$hi" "$cpu" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$load"
done <<<"$summary"
echo
while read -r t p _ m _ _ cpu rss _; do
  echo "PEER $t $p $m $rss $cpu"
  if [[ -n $PEER_RESULTS ]]; then echo "PEER $t $p $m $rss $cpu" >>"$PEER_RESULTS"; fi
done <<<"$summary"
