#!/usr/bin/env bash
# The bootstrap benchmark (README.md): HOSTS booted Debian hosts made blank
# (tests/hosts/fleet.sh blank: openssh-server and a root key, the agent's
# runtime libraries purged and offered by a local apt repository), then
#   (a) `cairn bootstrap` of one host: wall time to its first Facts (the
#       command returns only once the agent answers Facts over mutual TLS);
#   (b) `cairn bootstrap --all` of every host at once;
#   (c) the peer, in the same run: what a person does by hand, `scp` of the
#       .deb then `ssh root@host apt-get install -y ./cairn-agent.deb` (the
#       raw cost of the package install, no certificate, no agent started),
#       for one host and for every host in parallel;
# and the ratios. A host is made blank again between runs (the agent
# purged with its files, the libraries purged).
#
#   bench/bootstrap/run.sh CAIRN DEB
#   bench/bootstrap/run.sh bazel-bin/cli/cairn bazel-bin/agent/packaging/cairn-agent.deb
#
# Environment (defaults in brackets):
#   HOSTS [10]        hosts in the fleet (and in --all)
#   RUNS [3]          runs of (a) and of the one-host peer, alternated
#   PARALLELISM [HOSTS]  passed to --all as --parallelism
#   BOOTSTRAP [1]     0 measures only the fleet and the peer (no cairn
#                     bootstrap: for a cairn without the command)
#
# Needs root and what tests/hosts needs (tools/setup); the first run on a
# machine fetches the agent's libraries from Debian's mirror (cached).
# Exits 0 when the run completed, whether or not the targets were met;
# non-zero when something failed (a bootstrap, an install, the fleet). A
# trap brings the fleet down.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hosts_dir="$(cd "$here/../../tests/hosts" && pwd)"
HOSTS="${HOSTS:-10}"
RUNS="${RUNS:-3}"
PARALLELISM="${PARALLELISM:-$HOSTS}"
BOOTSTRAP="${BOOTSTRAP:-1}"

die() { echo "bootstrap/run.sh: $*" >&2; exit 1; }
say() { echo "bootstrap/run.sh: $*" >&2; }

(($# == 2)) || die "usage: bench/bootstrap/run.sh CAIRN DEB"
[[ -x "$1" ]] || die "$1 is not an executable"
[[ "$2" == *.deb && -f "$2" ]] || die "$2 is not a .deb"
[[ $HOSTS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] || die "HOSTS and RUNS must be positive integers"
((HOSTS >= 2 && HOSTS <= 250)) || die "HOSTS must be 2..250"
[[ $(id -u) -eq 0 ]] || die "needs root (booted test hosts)"

work="$(mktemp -d /tmp/bench-bootstrap.XXXXXX)"
fleet="$work/fleet"
cleanup() {
  local rc=$?
  trap - EXIT
  "$hosts_dir/fleet.sh" down "$fleet" || true
  rm -rf --one-file-system "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The binaries of this run, safe from a rebuild by someone else meanwhile.
mkdir -p "$work/bin"
cp "$1" "$work/bin/cairn"
cp "$2" "$work/bin/cairn-agent.deb"
cairn="$work/bin/cairn"
deb="$work/bin/cairn-agent.deb"
version="$(dpkg-deb -f "$deb" Version)"
# Only the key given logs in: no ssh-agent, no ~/.ssh of the machine's.
unset SSH_AUTH_SOCK SSH_AGENT_PID CAIRN_AGENT_DEB CAIRN_TLS_DIR
export HOME="$work/home"
mkdir -m 700 "$HOME"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minimum() { sort -n | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "OK" : "MISSED" }'; }
mem_available_mb() { awk '$1 == "MemAvailable:" { printf "%d", $2 / 1024 }' /proc/meminfo; }
fleet() { "$hosts_dir/fleet.sh" "$@"; }
on() { fleet exec "$fleet" "$@"; }  # on HOST CMD...
# Summed PSS (MB) of every process of the fleet's hosts (their cgroups).
fleet_pss_mb() {
  local h cg pid
  for h in "${hosts[@]}"; do
    while read -r cg; do
      [[ -d "$cg" ]] || continue
      find "$cg" -name cgroup.procs -exec cat {} +
    done <"$fleet/$h/cgroups"
  done | sort -u | while read -r pid; do
    cat "/proc/$pid/smaps_rollup" 2>/dev/null || true
  done | awk '$1 == "Pss:" { p += $2 } END { printf "%d", p / 1024 }'
}

# ---- the repository: the agent's libraries, as a blank host lacks them ----
rootfs="$("$hosts_dir/rootfs.sh")"
mapfile -t runtime < <(fleet agent-runtime)
t0="$(now)"
mapfile -t debs < <("$hosts_dir/apt_repo.sh" fetch --absent "${runtime[*]}" "$rootfs" "${runtime[@]}")
((${#debs[@]} == ${#runtime[@]})) || die "apt_repo.sh fetch gave ${#debs[@]} packages"
"$hosts_dir/apt_repo.sh" build "$work/repo" "${debs[@]}" >/dev/null
say "repository of ${#debs[@]} packages in $(since "$t0") s"

# ---- the fleet ------------------------------------------------------------
mem0="$(mem_available_mb)"
t0="$(now)"
fleet up "$HOSTS" "$fleet" >/dev/null
t_up="$(since "$t0")"
# shellcheck disable=SC1091
source "$fleet/fleet.env"
read -r -a hosts <<<"$FLEET_HOSTS"
mem_up="$(mem_available_mb)"
pss_up="$(fleet_pss_mb)"
t0="$(now)"
fleet blank "$fleet" "${hosts[@]}"
t_blank="$(since "$t0")"
t0="$(now)"
for h in "${hosts[@]}"; do "$hosts_dir/apt_repo.sh" configure "$fleet" "$h" "$work/repo" & done
wait_all() { local p rc=0; for p in $(jobs -p); do wait "$p" || rc=1; done; return "$rc"; }
wait_all || die "apt_repo.sh configure failed"
t_repo="$(since "$t0")"
say "fleet of $HOSTS: up in $t_up s, blanked in $t_blank s, repository configured in $t_repo s"

ssh_opts=(-F /dev/null -i "$FLEET_SSH_KEY" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS"
  -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10)
addr() { local v="FLEET_ADDR_$1"; echo "${!v}"; }

# A host blank again: the agent purged with its certificates and state, the
# libraries purged.
reset_hosts() {  # HOST...
  local h
  for h in "$@"; do
    on "$h" sh -c 'dpkg --purge cairn-agent >/dev/null 2>&1; rm -rf /etc/cairn /var/lib/cairn' &
  done
  wait_all || die "purging cairn-agent failed"
  fleet blank "$fleet" "$@"
  local st
  for h in "$@"; do
    # shellcheck disable=SC2016
    st="$(on "$h" dpkg-query -W -f '${Status}' cairn-agent 2>/dev/null || true)"
    [[ "$st" != *" installed" ]] || die "$h still has cairn-agent"
  done
}

# The peer on one host: scp, then the install alone timed.
peer_one() {  # HOST -> sets t_scp, t_install
  local a t0
  a="$(addr "$1")"
  t0="$(now)"
  scp -q "${ssh_opts[@]}" "$deb" "root@$a:/root/cairn-agent.deb"
  t_scp="$(since "$t0")"
  t0="$(now)"
  ssh "${ssh_opts[@]}" "root@$a" \
    'cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./cairn-agent.deb' \
    >"$work/peer-$1.out" 2>&1 || { tail -n 20 "$work/peer-$1.out" >&2; die "peer install on $1 failed"; }
  t_install="$(since "$t0")"
  ssh "${ssh_opts[@]}" "root@$a" rm -f /root/cairn-agent.deb
  # It loads its libraries: an unknown flag gets the usage (and exit 2).
  [[ "$(on "$1" cairn-agent --no-such-flag 2>&1 || true)" == *"usage: cairn-agent"* ]] ||
    die "the agent installed on $1 does not run"
}

# The configuration: every host, the CA where tls_dir points.
config="$work/config"
mkdir -p "$config"
{
  printf 'fleet {\n  state   = ".cairn/state.db"\n  tls_dir = "tls"\n}\n'
  for h in "${hosts[@]}"; do
    printf '\nhost "%s" {\n  address = "%s"\n}\n' "$h" "$(addr "$h")"
  done
} >"$config/fleet.cairn"
"$cairn" ca init "$config/tls" 2>/dev/null
"$cairn" ca issue "$config/tls" controller --client 2>/dev/null
"$cairn" check "$config" >/dev/null || die "the generated configuration does not compile"
boot_args=(--package "$deb" --key "$FLEET_SSH_KEY" --known-hosts "$FLEET_KNOWN_HOSTS")
facts() {  # HOST
  "$cairn" agent facts --agent "$(addr "$1"):7443" --tls-dir "$config/tls" --server-name "$1"
}

# ---- (a) and (c): one host, alternated ------------------------------------
h="${hosts[0]}"
a_times=() p_times=() s_times=()
for ((run = 1; run <= RUNS; run++)); do
  peer_one "$h"
  p_times+=("$t_install") s_times+=("$t_scp")
  say "run $run: peer on $h: scp $t_scp s, apt-get install $t_install s"
  reset_hosts "$h"
  if ((BOOTSTRAP)); then
    t0="$(now)"
    out="$("$cairn" bootstrap "${boot_args[@]}" "$h" "$config" 2>&1)" ||
      { echo "$out" >&2; die "cairn bootstrap $h failed"; }
    t="$(since "$t0")"
    grep -q "^$h: enrolled in " <<<"$out" || { echo "$out" >&2; die "no \"$h: enrolled\" line"; }
    facts "$h" >/dev/null || die "$h's agent does not answer after bootstrap returned"
    a_times+=("$t")
    say "run $run: cairn bootstrap $h: $t s ($(grep "^$h: " <<<"$out" | tail -n 1))"
    reset_hosts "$h"
  fi
done

# ---- (c) then (b): every host at once -------------------------------------
t0="$(now)"
for x in "${hosts[@]}"; do peer_one "$x" >/dev/null & done
wait_all || die "the peer failed on a host"
t_peer_all="$(since "$t0")"
say "peer on $HOSTS hosts in parallel (scp + apt-get install): $t_peer_all s"
reset_hosts "${hosts[@]}"
if ((BOOTSTRAP)); then
  t0="$(now)"
  out="$("$cairn" bootstrap --all --parallelism "$PARALLELISM" "${boot_args[@]}" "$config" 2>&1)" ||
    { echo "$out" >&2; die "cairn bootstrap --all failed"; }
  t_all="$(since "$t0")"
  enrolled="$(grep -c '^h[0-9]*: enrolled in ' <<<"$out" || true)"
  ((enrolled == HOSTS)) || { echo "$out" >&2; die "$enrolled of $HOSTS hosts enrolled"; }
  for x in "${hosts[@]}"; do facts "$x" >/dev/null || die "$x's agent does not answer"; done
  say "cairn bootstrap --all of $HOSTS hosts: $t_all s"
  per_host="$(grep '^h[0-9]*: enrolled in ' <<<"$out" | sed 's/.* in \([0-9.]*\) s.*/\1/' | sort -n | tr '\n' ' ')"
  mem_agents="$(mem_available_mb)"
  pss_agents="$(fleet_pss_mb)"
fi

# ---- report ---------------------------------------------------------------
peer_med="$(printf '%s\n' "${p_times[@]}" | median)"
echo
echo "bootstrap: $(nproc) cores, $HOSTS hosts, RUNS=$RUNS, cairn-agent $version ($(du -k "$deb" | cut -f1) kB)," \
  "${#debs[@]} libraries from the local repository"
echo "fleet: up $HOSTS in $t_up s; blank in $t_blank s; repository configured in $t_repo s;" \
  "MemAvailable -$((mem0 - mem_up)) MB after up, hosts' PSS $pss_up MB"
echo "peer, one host (median / min of $RUNS): apt-get install ./cairn-agent.deb over ssh $peer_med /" \
  "$(printf '%s\n' "${p_times[@]}" | minimum) s (scp before it: $(printf '%s\n' "${s_times[@]}" | median) s)"
echo "peer, $HOSTS hosts in parallel (scp + install): $t_peer_all s"
if ((BOOTSTRAP)); then
  one_med="$(printf '%s\n' "${a_times[@]}" | median)"
  echo "(a) cairn bootstrap, one blank host to first Facts (median / min of $RUNS): $one_med /" \
    "$(printf '%s\n' "${a_times[@]}" | minimum) s  [$(printf '%s ' "${a_times[@]}")]"
  echo "(b) cairn bootstrap --all, $HOSTS blank hosts: $t_all s (per host as reported: $per_host)"
  echo "    with $HOSTS agents running: MemAvailable -$((mem0 - mem_agents)) MB from before up, hosts' PSS $pss_agents MB"
  echo "ratio (a) / peer install, one host: $(ratio "$one_med" "$peer_med")x" \
    "($(awk -v a="$one_med" -v b="$peer_med" 'BEGIN { printf "%.2f", a - b }') s on top of apt-get install)"
  echo "ratio (b) / peer, $HOSTS hosts: $(ratio "$t_all" "$t_peer_all")x"
  echo "target one host < 10 s:   $one_med s  $(verdict "$one_med" 10)"
  echo "target $HOSTS hosts < 20 s: $t_all s  $(verdict "$t_all" 20)"
else
  echo "(a), (b): not measured (BOOTSTRAP=0)"
fi
