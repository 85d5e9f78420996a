#!/usr/bin/env bash
# A fleet of booted Debian test hosts (systemd-nspawn in network namespaces).
#
#   fleet.sh up N DIR                  boot h1..hN, state in DIR; prints the hosts
#   fleet.sh down DIR                  power off and remove all up created
#   fleet.sh rebuild DIR HOST          lose HOST (killed, its disk and network
#                                      namespace gone) and boot a blank one in
#                                      its place: same name, address and SSH
#                                      host keys, nothing else
#   fleet.sh blank DIR HOST...         purge from HOSTs what only cairn-agent
#                                      needs (AGENT_RUNTIME below), as on a
#                                      fresh machine with openssh-server only
#   fleet.sh agent-runtime             print those packages, one a line
#   fleet.sh exec DIR HOST CMD...      run CMD as root inside HOST (stdin passes)
#   fleet.sh cp DIR HOST SRC DEST [MODE]  copy a file into HOST (mode of SRC)
#   fleet.sh addr HOST                 print HOST's address (h3 -> 10.200.0.3)
#   fleet.sh pid DIR HOST              print HOST's PID 1 as the machine sees it
#
# Network: each host hI lives in network namespace hI with one interface, eth0,
# at 10.200.0.I/24. The other end of its veth pair (cairn-hI) is a port of the
# bridge cairn0 in the machine's root namespace, which holds 10.200.0.254/24:
# the controller is this machine itself, so a test process reaches every host
# (and sshd on port 22) without entering any namespace, the hosts reach each
# other over the bridge, and reach the controller at 10.200.0.254 ("controller"
# in each host's /etc/hosts). Nothing is routed further: no host reaches the
# Internet or the Debian mirror (see apt_repo.sh). One fleet per machine at a
# time: the bridge, subnet and namespace names are fixed, and up refuses to
# start while another fleet holds them (/run/cairn-test/fleet says whose).
#
# Each host boots an overlay (DIR/hI/upper over the read-only cached rootfs
# from rootfs.sh), mounted inside a private mount namespace, so neither that
# mount nor nspawn's tmpfs is ever visible on the machine and both vanish with
# the host. Each host runs in cgroups of its own (cairn-test-hI under the
# caller's cgroup, v2 and name=systemd), so one host's systemd never sees
# another's services. Per host, up writes /etc/hostname, a fresh /etc/machine-id,
# /etc/hosts and root's authorized_keys (key pair DIR/id_ed25519; known hosts
# in DIR/known_hosts: every host has the rootfs's host keys) into the upper dir
# before boot. DIR/hI/console.log has the host's console; DIR/fleet.env
# describes the fleet for test code (FLEET_HOSTS, FLEET_ADDR_hI, FLEET_PID_hI).
#
# The rootfs carries the agent's runtime libraries so that tests can copy the
# agent binary in. blank takes them out of a booted host (dpkg --purge in its
# overlay only; ~0.7 s, hosts in parallel), so that installing the agent's
# .deb must fetch them: pair it with
#   apt_repo.sh fetch --absent "$(fleet.sh agent-runtime)" ROOTFS $(fleet.sh agent-runtime)
# and apt_repo.sh build/configure. rebuild boots the rootfs again, libraries
# included: blank the host again after it.
#
# Environment: FLEET_ROOTFS (default: what rootfs.sh prints),
# FLEET_BOOT_TIMEOUT (s, default 60), FLEET_STOP_TIMEOUT (s, default 10).
# Needs root, systemd-container, iproute2, util-linux, openssh-client.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly BRIDGE=cairn0
readonly NET=10.200.0
readonly CONTROLLER_ADDR=$NET.254
readonly OWNER=/run/cairn-test/fleet
# The environment commands see inside a host: a root login's, not the caller's.
readonly HOST_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb)

# What the rootfs has only for cairn-agent (rootfs.sh installs them so that a
# copied binary runs): its shared libraries and their dependencies that
# nothing else installed needs. `apt-cache rdepends --installed` in a host
# shows none of them is needed by anything outside this list, and after they
# are purged `apt-get autoremove` has nothing left to remove. When rootfs.sh
# or the agent's links change, check again.
readonly AGENT_RUNTIME=(
  libgrpc++1.51 libgrpc29 libprotoc32 libprotobuf32 libabsl20220623
  libre2-9 libc-ares2
)

die() { echo "fleet.sh: $*" >&2; exit 1; }
log() { echo "fleet.sh: $*" >&2; }

host_index() {  # hI -> I
  if [[ ! "$1" =~ ^h([1-9][0-9]{0,2})$ ]] || ((BASH_REMATCH[1] > 250)); then
    die "bad host name '$1' (want h1..h250)"
  fi
  echo "${BASH_REMATCH[1]}"
}

# Whether PID runs: exists and is not a zombie. A host's nspawn outlives the
# up that started it, so the machine's init reaps it, sometimes a second late.
running() {  # PID
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# The PID of a running systemd-nspawn recorded in FILE, or nothing.
live_nspawn() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 0
  [[ -n "$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == systemd-nspawn ]] &&
    running "$pid" && echo "$pid"
  return 0
}

# The container's PID 1: the child of nspawn in a PID namespace of its own
# (early on nspawn has another child, in its own namespace, that soon exits).
find_leader() {  # NSPAWN_PID
  local pid own
  own="$(readlink "/proc/$1/ns/pid" 2>/dev/null)" || return 0
  for pid in $(pgrep -P "$1"); do
    if [[ "$(readlink "/proc/$pid/ns/pid" 2>/dev/null)" != "$own" ]]; then
      echo "$pid"
      return 0
    fi
  done
}

leader_of() {  # DIR HOST -> PID, or die
  local dir="$1" host="$2" pid
  [[ -n "$(live_nspawn "$dir/$host/nspawn.pid")" ]] || die "$host is not running in $dir"
  pid="$(cat "$dir/$host/leader.pid" 2>/dev/null)" || die "$host has not booted in $dir"
  echo "$pid"
}

# Creates DIR/hI/upper/PATH with the owner and mode of the rootfs's PATH, so
# the overlay does not change the directory's permissions.
upper_dir() {
  local rootfs="$1" upper="$2" path="$3" part="" comp
  local IFS=/
  for comp in $path; do
    [[ -n "$comp" ]] || continue
    part="$part/$comp"
    if [[ ! -d "$upper$part" ]]; then
      mkdir "$upper$part"
      chown --reference="$rootfs$part" "$upper$part"
      chmod --reference="$rootfs$part" "$upper$part"
    fi
  done
}

# Where processes are tracked: the cgroup v2 hierarchy and the v1 name=systemd
# one, whichever are mounted, each as mount point plus this process's path.
own_cgroups() {
  local mnt type opts own
  while read -r _ mnt type opts _; do
    case "$type" in
      cgroup2) own="$(sed -n 's/^0::\(.*\)$/\1/p' /proc/self/cgroup)" ;;
      cgroup)
        [[ ",$opts," == *,name=systemd,* ]] || continue
        own="$(sed -n 's/^[0-9]*:name=systemd:\(.*\)$/\1/p' /proc/self/cgroup)"
        ;;
      *) continue ;;
    esac
    [[ -z "$own" ]] || echo "$mnt${own%/}"
  done </proc/mounts
}

# Every process of HOST: those in its cgroups, and those whose command line
# names its root (its nspawn, or the script about to become it).
host_processes() {  # DIR HOST
  local cg
  while read -r cg; do
    [[ ! -d "$cg" ]] || find "$cg" -name cgroup.procs -exec cat {} +
  done < <(host_cgroups "$1" "$2")
  stray_processes "$1" "$2"
}

# Kills every process of HOST and waits (up to 5 s) until they are gone.
# Killing the container's PID 1 ends its whole PID namespace, including
# commands that fleet.sh exec started there.
kill_host() {  # DIR HOST
  local pids i
  for ((i = 0; i < 100; i++)); do
    pids="$(host_processes "$1" "$2" | sort -u)"
    [[ -n "$pids" ]] || return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.05
  done
  log "$2: processes $pids survived SIGKILL"
}

# HOST's cgroups, one per hierarchy: what up recorded, else (DIR lost) where
# up would have made them.
host_cgroups() {  # DIR HOST
  if [[ -s "$1/$2/cgroups" ]]; then
    cat "$1/$2/cgroups"
  else
    own_cgroups | sed "s|\$|/cairn-test-$2|"
  fi
}

# Removes HOST's cgroups (depth first; each must be empty of processes).
remove_cgroups() {  # DIR HOST
  local cg
  while read -r cg; do
    [[ ! -d "$cg" ]] || find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null ||
      log "could not remove cgroup $cg"
  done < <(host_cgroups "$1" "$2")
}

# HOST's network namespace and its veth pair to the bridge.
host_network() {  # HOST
  local host="$1" i
  i="$(host_index "$host")"
  ip netns add "$host"
  ip link add "cairn-$host" type veth peer name eth0 netns "$host"
  ip link set "cairn-$host" master "$BRIDGE" up
  ip -n "$host" addr add "$NET.$i/24" dev eth0
  ip -n "$host" link set eth0 up
  ip -n "$host" link set lo up
}

prepare_host() {  # ROOTFS DIR HOST N
  local rootfs="$1" dir="$2" host="$3" n="$4" i
  local hd="$dir/$host" upper="$dir/$host/upper"
  mkdir -p "$upper" "$hd/work" "$hd/root"
  upper_dir "$rootfs" "$upper" /etc
  upper_dir "$rootfs" "$upper" /root/.ssh
  echo "$host" >"$upper/etc/hostname"
  tr -d - </proc/sys/kernel/random/uuid >"$upper/etc/machine-id"
  {
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$host"
    printf '::1\t\tlocalhost ip6-localhost ip6-loopback\n'
    printf '%s\tcontroller\n' "$CONTROLLER_ADDR"
    for ((i = 1; i <= n; i++)); do printf '%s.%d\th%d\n' "$NET" "$i" "$i"; done
  } >"$upper/etc/hosts"
  install -m 600 "$dir/id_ed25519.pub" "$upper/root/.ssh/authorized_keys"

  # A cgroup of its own: systemd-nspawn --keep-unit puts the container under
  # the cgroup it starts in, and two containers sharing one would see each
  # other's services (stopping ssh.service in h1 would wait for h2's sshd).
  local cg
  host_cgroups "$dir" "$host" >"$hd/cgroups.new"
  mv "$hd/cgroups.new" "$hd/cgroups"
  while read -r cg; do
    [[ ! -d "$cg" ]] || find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null ||
      die "cgroup $cg is still in use (a host of another fleet?)"
    mkdir "$cg"
  done <"$hd/cgroups"
}

# Runs in the background, in its own session and mount namespace: mounts the
# overlay and nspawn's tmpfs there, then becomes systemd-nspawn.
boot_host() {  # ROOTFS DIR HOST
  local rootfs="$1" dir="$2" host="$3"
  local hd="$dir/$host"
  # shellcheck disable=SC2016
  setsid unshare --mount --propagation private bash -c '
    set -e
    echo $$ >"$2/nspawn.pid"
    while read -r cg; do echo $$ >"$cg/cgroup.procs"; done <"$2/cgroups"
    mount -t overlay overlay \
      -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/root"
    mkdir -p /run/systemd/nspawn
    mount -t tmpfs tmpfs /run/systemd/nspawn
    # The host owns its network namespace as a machine owns its network:
    # CAP_NET_ADMIN (nftables, addresses) and a writable /proc/sys/net
    # (sysctls), which nspawn grants by itself only to --private-network.
    SYSTEMD_NSPAWN_API_VFS_WRITABLE=network exec systemd-nspawn \
      --register=no --keep-unit --console=passive \
      --resolv-conf=off --timezone=off --link-journal=no \
      --capability=CAP_NET_ADMIN \
      -D "$2/root" -M "$3" --network-namespace-path="/run/netns/$3" -b
  ' boot "$rootfs" "$hd" "$host" </dev/null >"$hd/console.log" 2>&1 8>&- &
  disown
}

host_diagnostics() {  # DIR HOST
  local dir="$1" host="$2" nspawn leader
  echo "----- $host: console (last 40 lines of $dir/$host/console.log) -----"
  tail -n 40 "$dir/$host/console.log" 2>/dev/null || true
  nspawn="$(live_nspawn "$dir/$host/nspawn.pid")"
  [[ -n "$nspawn" ]] || { echo "----- $host: systemd-nspawn is not running -----"; return; }
  leader="$(find_leader "$nspawn")"
  [[ -n "$leader" ]] || return
  echo "----- $host: systemctl --failed -----"
  timeout 5 nsenter -t "$leader" -a "${HOST_ENV[@]}" systemctl --failed --no-pager 2>&1 || true
  echo "----- $host: journal (last 60 lines) -----"
  timeout 5 nsenter -t "$leader" -a "${HOST_ENV[@]}" journalctl -b --no-pager -n 60 2>&1 || true
}

# Waits until HOST's systemd says running or degraded; records its PID 1.
wait_booted() {  # DIR HOST DEADLINE
  local dir="$1" host="$2" deadline="$3" nspawn="" leader="" state=""
  while ((SECONDS < deadline)); do
    nspawn="$(live_nspawn "$dir/$host/nspawn.pid")"
    if [[ -z "$nspawn" ]]; then
      # Not yet exec'd, or already gone.
      if [[ -s "$dir/$host/nspawn.pid" ]] &&
        ! running "$(cat "$dir/$host/nspawn.pid")"; then
        log "$host: systemd-nspawn exited during boot"
        host_diagnostics "$dir" "$host" >&2
        return 1
      fi
    else
      if [[ -z "$leader" ]] || ! running "$leader"; then
        leader="$(find_leader "$nspawn")"
      fi
      if [[ -n "$leader" ]]; then
        state="$(timeout 5 nsenter -t "$leader" -a "${HOST_ENV[@]}" \
          systemctl is-system-running 2>/dev/null)" || true
        case "$state" in
          running | degraded)
            echo "$leader" >"$dir/$host/leader.pid"
            [[ "$state" == running ]] || log "$host: degraded (systemctl --failed shows why)"
            return 0
            ;;
          maintenance | stopping)
            log "$host: systemd is $state"
            host_diagnostics "$dir" "$host" >&2
            return 1
            ;;
        esac
      fi
    fi
    sleep 0.05
  done
  log "$host: not booted within ${FLEET_BOOT_TIMEOUT:-60} s (state: ${state:-none})"
  host_diagnostics "$dir" "$host" >&2
  return 1
}

UP_DIR=""
up_failed() {
  log "up failed; tearing down what it made"
  set +e
  # A host still booting may not act on a shutdown request yet: don't wait.
  FLEET_STOP_TIMEOUT=1 cmd_down "$UP_DIR" >&2
}

cmd_up() {
  (($# == 2)) || die "usage: fleet.sh up N DIR"
  local n="$1" dir="$2" i host
  if [[ ! "$n" =~ ^[1-9][0-9]*$ ]] || ((n > 250)); then die "N must be 1..250"; fi
  [[ $(id -u) -eq 0 ]] || die "needs root"
  local tool
  for tool in systemd-nspawn ip nsenter unshare setsid ssh-keygen pgrep; do
    command -v "$tool" >/dev/null || die "$tool is missing: run tools/setup"
  done
  local rootfs="${FLEET_ROOTFS:-}"
  [[ -n "$rootfs" ]] || rootfs="$("$HERE/rootfs.sh")"
  [[ -x "$rootfs/lib/systemd/systemd" ]] || die "$rootfs is not a rootfs"

  dir="$(realpath -m "$dir")"
  [[ ! -e "$dir/hosts" ]] || die "$dir already has a fleet; run fleet.sh down $dir"
  mkdir -p "$(dirname "$OWNER")"
  exec 8>"$OWNER.lock"
  flock 8
  if [[ -s "$OWNER" ]] || ip link show "$BRIDGE" >/dev/null 2>&1; then
    die "another fleet is up ($(head -n 1 "$OWNER" 2>/dev/null || echo "bridge $BRIDGE exists"));" \
      "run fleet.sh down on its DIR"
  fi
  for ((i = 1; i <= n; i++)); do
    [[ ! -e /run/netns/h$i ]] || die "network namespace h$i exists already"
  done

  # From here on everything made is recorded first, so down can undo a
  # partial up; a failing up undoes itself.
  mkdir -p "$dir"
  echo "$dir" >"$OWNER"
  UP_DIR="$dir"
  trap 'up_failed' EXIT
  local hosts=()
  for ((i = 1; i <= n; i++)); do hosts+=("h$i"); done
  echo "${hosts[*]}" >"$dir/hosts"
  echo "${hosts[*]}" >>"$OWNER"
  echo "$rootfs" >"$dir/rootfs"

  ip link add "$BRIDGE" type bridge
  ip addr add "$CONTROLLER_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  rm -f "$dir/id_ed25519" "$dir/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C cairn-test-controller -f "$dir/id_ed25519"
  : >"$dir/known_hosts"
  local key
  for key in "$rootfs"/etc/ssh/ssh_host_*_key.pub; do
    for ((i = 1; i <= n; i++)); do
      echo "h$i,$NET.$i $(cut -d' ' -f1,2 "$key")" >>"$dir/known_hosts"
    done
  done

  for ((i = 1; i <= n; i++)); do
    host="h$i"
    host_network "$host"
    prepare_host "$rootfs" "$dir" "$host" "$n"
    boot_host "$rootfs" "$dir" "$host"
  done

  local deadline=$((SECONDS + ${FLEET_BOOT_TIMEOUT:-60}))
  for host in "${hosts[@]}"; do
    wait_booted "$dir" "$host" "$deadline"
  done
  trap - EXIT

  {
    echo "FLEET_DIR=$dir"
    echo "FLEET_HOSTS=\"${hosts[*]}\""
    echo "FLEET_CONTROLLER_ADDR=$CONTROLLER_ADDR"
    echo "FLEET_SSH_KEY=$dir/id_ed25519"
    echo "FLEET_KNOWN_HOSTS=$dir/known_hosts"
    for ((i = 1; i <= n; i++)); do
      echo "FLEET_ADDR_h$i=$NET.$i"
      echo "FLEET_PID_h$i=$(cat "$dir/h$i/leader.pid")"
    done
  } >"$dir/fleet.env"
  for ((i = 1; i <= n; i++)); do echo "h$i $NET.$i"; done
}

# Every process whose command line mentions DIR/HOST/root: the nspawn of a
# host whose nspawn.pid was never written or was lost.
stray_processes() {  # DIR HOST
  local marker="$1/$2/root" p arg args
  for p in /proc/[0-9]*; do
    mapfile -d '' -t args 2>/dev/null <"$p/cmdline" || continue
    for arg in "${args[@]}"; do
      [[ "$arg" != *"$marker"* ]] || { echo "${p#/proc/}"; break; }
    done
  done
}

cmd_down() {
  (($# == 1)) || die "usage: fleet.sh down DIR"
  local dir host pid owned=0
  dir="$(realpath -m "$1")"
  [[ "$(head -n 1 "$OWNER" 2>/dev/null)" != "$dir" ]] || owned=1
  if [[ ! -d "$dir" ]] && ((!owned)); then
    log "$dir does not exist and holds no fleet; nothing to do"
    return 0
  fi
  local hosts=()
  [[ ! -s "$dir/hosts" ]] || read -r -a hosts <"$dir/hosts"
  # A DIR that lost its hosts file (or was deleted): the owner record still
  # names the hosts.
  if ((${#hosts[@]} == 0 && owned)); then
    read -r -a hosts < <(sed -n 2p "$OWNER")
  fi

  # Power off every host at once: SIGTERM makes nspawn ask the container's
  # systemd for an orderly shutdown. Whatever is left at the deadline is killed.
  local pids=()
  for host in "${hosts[@]}"; do
    pid="$(live_nspawn "$dir/$host/nspawn.pid")"
    [[ -z "$pid" ]] || { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  local deadline=$((SECONDS + ${FLEET_STOP_TIMEOUT:-10}))
  for pid in "${pids[@]}"; do
    while running "$pid" && ((SECONDS < deadline)); do sleep 0.02; done
  done
  for host in "${hosts[@]}"; do
    [[ -z "$(live_nspawn "$dir/$host/nspawn.pid")" ]] ||
      log "$host did not power off within ${FLEET_STOP_TIMEOUT:-10} s; killing it"
    kill_host "$dir" "$host"
  done

  for host in "${hosts[@]}"; do
    remove_cgroups "$dir" "$host"
    # Deleting either end of a veth pair deletes both.
    ! ip link show "cairn-$host" >/dev/null 2>&1 || ip link delete "cairn-$host" 2>/dev/null || true
    [[ ! -e "/run/netns/$host" ]] || ip netns delete "$host"
  done
  if ((owned)); then
    ! ip link show "$BRIDGE" >/dev/null 2>&1 || ip link delete "$BRIDGE" 2>/dev/null || true
    rm -f "$OWNER"
  fi

  # The overlays were mounted only in the hosts' own mount namespaces; if one
  # shows up here, something leaked: unmount rather than delete through it.
  local mnt
  while read -r mnt; do
    log "unmounting leaked $mnt"
    umount -l "$mnt"
  done < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for host in "${hosts[@]}"; do rm -rf --one-file-system "${dir:?}/$host"; done
  rm -f "$dir/hosts" "$dir/rootfs" "$dir/fleet.env" "$dir/id_ed25519" \
    "$dir/id_ed25519.pub" "$dir/known_hosts"
  rmdir "$dir" 2>/dev/null || true
}

cmd_rebuild() {
  (($# == 2)) || die "usage: fleet.sh rebuild DIR HOST"
  local dir host="$2" n
  dir="$(realpath -m "$1")"
  [[ -s "$dir/hosts" ]] || die "$dir holds no fleet"
  local hosts=()
  read -r -a hosts <"$dir/hosts"
  [[ " ${hosts[*]} " == *" $host "* ]] || die "$dir has no host $host"
  n=${#hosts[@]}
  # A fire, not a shutdown: every process killed at once, the disk gone.
  kill_host "$dir" "$host"
  remove_cgroups "$dir" "$host"
  rm -rf --one-file-system "${dir:?}/$host"
  # Its kernel state goes too: firewall rules, sysctls, routes.
  ip link delete "cairn-$host" 2>/dev/null || true
  ip netns delete "$host"
  host_network "$host"
  # A new machine has a new MAC: forget the old one, as its gratuitous ARP
  # would make a real network do.
  local other
  ip neigh flush dev "$BRIDGE" to "$NET.$(host_index "$host")" 2>/dev/null || true
  for other in "${hosts[@]}"; do
    [[ "$other" == "$host" ]] ||
      ip -n "$other" neigh flush to "$NET.$(host_index "$host")" 2>/dev/null || true
  done
  prepare_host "$(cat "$dir/rootfs")" "$dir" "$host" "$n"
  boot_host "$(cat "$dir/rootfs")" "$dir" "$host"
  wait_booted "$dir" "$host" $((SECONDS + ${FLEET_BOOT_TIMEOUT:-60})) ||
    die "$host did not boot again"
  sed -i "s|^FLEET_PID_$host=.*|FLEET_PID_$host=$(cat "$dir/$host/leader.pid")|" \
    "$dir/fleet.env"
}

cmd_blank() {
  (($# >= 2)) || die "usage: fleet.sh blank DIR HOST..."
  local dir="$1" host leader pids=() i rc=0
  shift
  local hosts=("$@")
  for host in "${hosts[@]}"; do
    leader="$(leader_of "$dir" "$host")"
    # dpkg, not apt-get: no package lists needed, and it refuses to remove a
    # package something installed still depends on, so a list gone stale
    # fails loudly rather than breaking the host.
    nsenter -t "$leader" -a "${HOST_ENV[@]}" dpkg --purge "${AGENT_RUNTIME[@]}" \
      >"$dir/$host/blank.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" && continue
    rc=1
    log "${hosts[$i]}: dpkg --purge failed:"
    cat "$dir/${hosts[$i]}/blank.log" >&2
  done
  return "$rc"
}

cmd_exec() {
  (($# >= 3)) || die "usage: fleet.sh exec DIR HOST CMD..."
  local dir="$1" host="$2" leader
  shift 2
  leader="$(leader_of "$dir" "$host")"
  exec nsenter -t "$leader" -a "${HOST_ENV[@]}" "$@"
}

cmd_cp() {
  (($# == 4 || $# == 5)) || die "usage: fleet.sh cp DIR HOST SRC DEST [MODE]"
  local dir="$1" host="$2" src="$3" dest="$4" mode="${5:-}" leader
  [[ -f "$src" ]] || die "$src is not a file"
  [[ "$dest" == /* ]] || die "DEST must be absolute"
  [[ -n "$mode" ]] || mode="$(stat -c %a "$src")"
  leader="$(leader_of "$dir" "$host")"
  # shellcheck disable=SC2016
  nsenter -t "$leader" -a "${HOST_ENV[@]}" sh -c \
    'mkdir -p "$(dirname "$1")" && cat >"$1.cairn-tmp" && chmod "$2" "$1.cairn-tmp" &&
     mv -f "$1.cairn-tmp" "$1"' cp "$dest" "$mode" <"$src"
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    rebuild) cmd_rebuild "$@" ;;
    blank) cmd_blank "$@" ;;
    agent-runtime) printf '%s\n' "${AGENT_RUNTIME[@]}" ;;
    exec) cmd_exec "$@" ;;
    cp) cmd_cp "$@" ;;
    addr) (($# == 1)) || die "usage: fleet.sh addr HOST"; echo "$NET.$(host_index "$1")" ;;
    pid) (($# == 2)) || die "usage: fleet.sh pid DIR HOST"; leader_of "$1" "$2" ;;
    *) sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
  esac
}

main "$@"
