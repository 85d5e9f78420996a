#!/usr/bin/env bash
# Builds, once, the Debian root filesystem every test host boots from, and
# prints its path.
#
#   tests/hosts/rootfs.sh            # prints /var/cache/cairn-test/rootfs-<hash>
#
# The rootfs is minbase bookworm from deb.debian.org plus the packages below.
# It is cached outside the checkout under $CAIRN_TEST_CACHE (default
# /var/cache/cairn-test) in a directory named after a hash of this script, so
# changing the package list or the build steps builds a new one and never
# reuses a stale one. The build goes into a temporary directory that is renamed
# into place only when it is complete, under a lock, so two concurrent runs
# build it once and a killed run never leaves a half-built rootfs behind.
# Needs root, debootstrap and the Debian mirror (tools/setup installs the
# tools). Hosts boot it read-only as the lower layer of an overlay, so nothing
# here may depend on which host boots it.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

# What a test host has beyond minbase. Agent tests that need another package
# add it here (the hash changes, the next run builds a new rootfs).
readonly PACKAGES=(
  systemd systemd-sysv dbus
  openssh-server openssh-sftp-server
  # What the providers run: nft, ip, visudo, sysctl (useradd, apt, dpkg and
  # systemctl come with minbase and systemd).
  nftables iproute2 sudo procps
  # Probing from inside a host.
  iputils-ping netcat-openbsd curl
  # The shared libraries cairn-agent (built here against Debian 12) links, so
  # the binary copied into a host runs (ldd bazel-bin/agent/cairn-agent).
  libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libre2-9 libc-ares2
  libssl3 libstdc++6 zlib1g
)
readonly SUITE=bookworm
readonly MIRROR=http://deb.debian.org/debian

die() { echo "rootfs.sh: $*" >&2; exit 1; }

# Runs inside a private mount namespace (see main): whatever debootstrap and
# the chroot mount (proc, sys, dev) disappears with it, even on failure, so
# the caller can delete a failed build without touching the machine's /dev.
build_into() {
  local root="$1"
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 ||
    { tail -n 30 "$root.log" >&2; die "debootstrap failed (log above)"; }

  # No daemon may start while packages install: it would run in the
  # machine's own network namespace.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive \
    apt-get -q -o APT::Install-Recommends=0 install -y "${PACKAGES[@]}" \
    >>"$root.log" 2>&1 ||
    { tail -n 30 "$root.log" >&2; die "apt-get install failed (log above)"; }
  umount "$root/proc"
  rm "$root/usr/sbin/policy-rc.d"

  # Host identity comes from fleet.sh (hostname, machine-id, /etc/hosts in
  # each host's overlay); the hosts have no mirror and no DNS.
  rm -f "$root/etc/hostname"
  : >"$root/etc/machine-id"
  echo '# Test hosts have no DNS; names are in /etc/hosts.' >"$root/etc/resolv.conf"
  echo '# Test hosts have no mirror; see tests/hosts/apt_repo.sh.' \
    >"$root/etc/apt/sources.list"
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old

  # A container has no terminals to log in on.
  local unit
  for unit in console-getty.service getty@.service getty-static.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  # root logs in over ssh with a key only (fleet.sh installs one).
  install -d -m 700 "$root/root/.ssh"
}

main() {
  if [[ "${1:-}" == "--build-into" ]]; then
    build_into "$2"
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "needs root"
  command -v debootstrap >/dev/null || die "debootstrap is missing: run tools/setup"

  local cache="${CAIRN_TEST_CACHE:-/var/cache/cairn-test}"
  local self hash
  self="$(readlink -f "${BASH_SOURCE[0]}")"
  hash="$(sha256sum <"$self" | cut -c1-16)"
  local final="$cache/rootfs-$hash"
  mkdir -p "$cache"

  exec 9>"$final.lock"
  flock 9
  if [[ -d "$final" ]]; then
    echo "$final"
    return
  fi
  # Only the lock holder builds this hash: anything left is from a killed run.
  rm -rf --one-file-system "$final".tmp.*

  local tmp
  tmp="$(mktemp -d "$final.tmp.XXXXXX")"
  trap 'rm -rf --one-file-system "$tmp" "$tmp.log"' EXIT
  local start=$SECONDS
  echo "rootfs.sh: building $final (minbase $SUITE + ${#PACKAGES[@]} packages)" >&2
  unshare --mount --propagation private "$self" --build-into "$tmp"
  chmod 755 "$tmp"
  mv -T "$tmp" "$final"
  mv "$tmp.log" "$final.log"
  trap - EXIT
  echo "rootfs.sh: built in $((SECONDS - start)) s ($(du -sh "$final" | cut -f1))" >&2
  echo "$final"
}

main "$@"
