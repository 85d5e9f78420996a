#!/usr/bin/env bash
# The test hosts work: two booted Debian hosts come up, run systemd and sshd,
# are isolated from each other (nftables in one does not touch the other),
# install a package from the local apt repository, are rebuilt and made
# blank (fleet.sh blank), and leave nothing behind when torn down. Needs root and tools/setup's packages: when something is
# missing the test fails, it never skips.
# FLEET_* variables come from the fleet.env that fleet.sh up writes.
# shellcheck disable=SC2154
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fleet_sh="$here/fleet.sh"
# shellcheck source=testlib.sh
source "$here/testlib.sh"

# Preconditions: failures, not skips.
[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"
for tool in debootstrap systemd-nspawn nsenter unshare ip nft nc ssh ssh-keygen \
  apt-ftparchive dpkg-deb pgrep; do
  command -v "$tool" >/dev/null || fatal "$tool is missing: run tools/setup"
done

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/hosts_smoke.XXXXXX")"
fleet="$work/fleet"
torn_down=0
cleanup() {
  ((torn_down)) || "$fleet_sh" down "$fleet"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
fleet() { "$fleet_sh" "$@"; }
on() { fleet exec "$fleet" "$@"; }  # on HOST CMD...

# The rootfs: built on the first run (about 40 s), cached afterwards.
t0="$(now)"
rootfs="$("$here/rootfs.sh")" || fatal "rootfs.sh failed"
t_rootfs="$(elapsed "$t0" "$(now)")"
echo "rootfs: $rootfs ($t_rootfs s)"

t0="$(now)"
fleet up 2 "$fleet" || fatal "fleet.sh up 2 failed"
t_up="$(elapsed "$t0" "$(now)")"
echo "up: 2 hosts in $t_up s"
# shellcheck disable=SC1091
source "$fleet/fleet.env"
expect_eq "fleet.env lists the hosts" "h1 h2" "$FLEET_HOSTS"

for h in h1 h2; do
  expect_eq "$h: systemd is running" running "$(on "$h" systemctl is-system-running 2>&1)"
  expect_eq "$h: hostname" "$h" "$(on "$h" hostname 2>&1)"
  expect_eq "$h: sshd is active" active "$(on "$h" systemctl is-active ssh 2>&1)"
done
expect_eq "fleet.sh addr" 10.200.0.2 "$(fleet addr h2)"
if [[ "$(on h1 cat /etc/machine-id)" != "$(on h2 cat /etc/machine-id)" ]]; then
  pass "machine ids differ"
else
  fail "h1 and h2 share a machine id"
fi

# The controller (this process, in the machine's root namespace) reaches sshd.
ssh_opts=(-F /dev/null -i "$FLEET_SSH_KEY" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS"
  -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5)
expect_ok "controller reaches sshd on h1" nc -z -w 2 "$FLEET_ADDR_h1" 22
expect_eq "ssh root@h1 with the fleet key" h1 \
  "$(ssh "${ssh_opts[@]}" "root@$FLEET_ADDR_h1" hostname 2>&1)"
expect_ok "h1 reaches sshd on h2 by name" on h1 nc -z -w 2 h2 22
expect_ok "h2 reaches the controller" on h2 ping -c 1 -W 2 controller

# nftables in h2 changes h2 only.
on h2 nft -f - <<'NFT'
table inet cairn_smoke {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 drop
  }
}
NFT
expect_ok "h2 has the rule" sh -c "'$fleet_sh' exec '$fleet' h2 nft list ruleset | grep -q cairn_smoke"
expect_fails "h2's sshd is now filtered" nc -z -w 1 "$FLEET_ADDR_h2" 22
expect_ok "h1's sshd still answers" nc -z -w 2 "$FLEET_ADDR_h1" 22
expect_eq "h1 has no rules" "" "$(on h1 nft list ruleset 2>&1)"
if nft list ruleset 2>/dev/null | grep -q cairn_smoke; then
  fail "the rule leaked into the machine's own ruleset"
else
  pass "the machine's ruleset is untouched"
fi

# Copying a file in (as tests will copy the agent binary).
head -c 300000 /dev/urandom >"$work/blob"
chmod 750 "$work/blob"
expect_ok "fleet.sh cp" fleet cp "$fleet" h2 "$work/blob" /opt/cairn/blob
expect_eq "the copy is identical" "$(sha256sum <"$work/blob")" \
  "$(on h2 sh -c 'sha256sum </opt/cairn/blob' 2>&1)"
expect_eq "the copy keeps the mode" 750 "$(on h2 stat -c %a /opt/cairn/blob 2>&1)"

# A package from the local repository, installed and upgraded with apt-get.
t0="$(now)"
expect_ok "apt_repo.sh build" "$here/apt_repo.sh" build "$work/repo"
expect_ok "apt_repo.sh configure h1" "$here/apt_repo.sh" configure "$fleet" h1 "$work/repo"
apt_install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0)
expect_ok "apt-get install cairn-test-hello=1.0" on h1 "${apt_install[@]}" cairn-test-hello=1.0
expect_eq "1.0 runs" "cairn-test-hello 1.0" "$(on h1 cairn-test-hello 2>&1)"
expect_ok "apt-get install upgrades" on h1 "${apt_install[@]}" cairn-test-hello
# shellcheck disable=SC2016
expect_eq "1.1 is installed" 1.1 "$(on h1 dpkg-query -W -f '${Version}' cairn-test-hello 2>&1)"
expect_fails "h2 does not have it" on h2 dpkg-query -W cairn-test-hello
t_apt="$(elapsed "$t0" "$(now)")"

# A host lost and rebuilt blank: same name and address, nothing of before.
on h2 touch /root/before-the-fire
expect_ok "fleet.sh rebuild h2" fleet rebuild "$fleet" h2
expect_fails "the rebuilt h2 has lost its disk" on h2 test -e /root/before-the-fire
expect_eq "the rebuilt h2 has its name" h2 "$(on h2 hostname 2>&1)"
expect_ok "the rebuilt h2 is booted" on h2 systemctl is-system-running --wait
expect_ok "the rebuilt h2 answers on its address" nc -z -w 2 "$FLEET_ADDR_h2" 22
expect_ok "h1 lived through it" on h1 test -x /usr/bin/cairn-test-hello

# A blank host: the agent's runtime libraries purged, nothing else orphaned,
# sshd untouched; blanking again changes nothing.
expect_ok "fleet.sh blank h2" fleet blank "$fleet" h2
for p in $(fleet agent-runtime); do
  expect_fails "blank h2 lacks $p" on h2 dpkg-query -W "$p"
done
expect_eq "blank h2: nothing left to autoremove" "" \
  "$(on h2 apt-get -s autoremove 2>&1 | grep '^Remv')"
expect_eq "blank h2: sshd is active" active "$(on h2 systemctl is-active ssh 2>&1)"
expect_ok "fleet.sh blank h2 again" fleet blank "$fleet" h2
expect_ok "h1 still has the libraries" on h1 dpkg-query -W libgrpc29

# Teardown leaves nothing: no namespaces, links, processes, mounts, cgroups.
t0="$(now)"
expect_ok "fleet.sh down" fleet down "$fleet"
torn_down=1
t_down="$(elapsed "$t0" "$(now)")"
echo "down: $t_down s"
netns="$(ip netns list | grep -E '^h[12]( |$)')"
expect_eq "no network namespaces left" "" "$netns"
expect_eq "no links left" "" "$(ip -o link show | grep -E 'cairn0|cairn-h[12]')"
expect_eq "no processes left" "" "$(pgrep -af -- "$fleet/h")"
expect_eq "no mounts left" "" "$(grep -F -- "$fleet" /proc/self/mountinfo)"
expect_eq "no cgroups left" "" "$(ls -d /sys/fs/cgroup/*/cairn-test-h[12] /sys/fs/cgroup/cairn-test-h[12] 2>/dev/null)"
expect_eq "no fleet owner left" "" "$(ls /run/cairn-test/fleet 2>/dev/null)"
expect_eq "the fleet directory is gone" "" "$(ls -d "$fleet" 2>/dev/null)"

echo "timings: rootfs $t_rootfs s, up (2 hosts) $t_up s, apt $t_apt s, down $t_down s"
summary
((failed == 0))
