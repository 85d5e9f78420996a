#!/usr/bin/env bash
# Builds the cairn-agent Debian package with dpkg-deb.
#
#   make_deb.sh AGENT_BINARY UNIT_FILE VERSION OUT.deb
#
# The package installs /usr/sbin/cairn-agent and its systemd unit, and makes
# /etc/cairn/tls (0700) for the host's certificate. Its Depends are what
# dpkg-shlibdeps finds the binary links (the gRPC, protobuf, Abseil and
# OpenSSL runtime libraries of the Debian release it was built on), so apt
# pulls them in. The maintainer scripts reload systemd; on an upgrade they
# restart an agent that was running, and they never start one that has no
# certificate yet (`cairn bootstrap` installs it, then enables the unit).
set -euo pipefail
export LC_ALL=C

binary="$1" unit="$2" version="$3" out="$4"
die() { echo "make_deb.sh: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tools/setup (dpkg-dev)"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
install -D -m 0755 "$binary" "$root/usr/sbin/cairn-agent"
install -D -m 0644 "$unit" "$root/lib/systemd/system/cairn-agent.service"
install -d -m 0700 "$root/etc/cairn/tls"
install -d -m 0755 "$root/DEBIAN"

# dpkg-shlibdeps reads debian/control of a source tree.
mkdir -p "$work/src/debian"
printf 'Source: cairn\n\nPackage: cairn-agent\nArchitecture: any\n' \
  >"$work/src/debian/control"
depends="$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/sbin/cairn-agent" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')"
[[ -n "$depends" ]] || die "dpkg-shlibdeps found no dependency"

cat >"$root/DEBIAN/control" <<CONTROL
Package: cairn-agent
Version: $version
Architecture: $(dpkg-architecture -qDEB_HOST_ARCH)
Maintainer: Cairn <cairn@localhost>
Section: admin
Priority: optional
Depends: $depends, systemd
Installed-Size: $(du -sk "$root" --exclude=DEBIAN | cut -f1)
Description: Cairn agent: applies this host's catalog for the controller
 cairn-agent listens for the fleet's controller over mutual TLS, shows what
 applying a catalog would change, applies it idempotently, and watches the
 host for drift.
CONTROL

cat >"$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  # An upgrade: the agent that ran goes on with the new binary. A first
  # install has no certificate yet and is started by `cairn bootstrap`.
  if [ -n "$2" ] && systemctl is-active --quiet cairn-agent; then
    systemctl restart cairn-agent
  fi
fi
SCRIPT
cat >"$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now cairn-agent >/dev/null 2>&1 || true
fi
SCRIPT
cat >"$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
if [ "$1" = purge ]; then
  rm -rf /etc/cairn /var/lib/cairn
fi
SCRIPT
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

# gzip rather than xz: a bootstrap of many hosts at once is bound by their
# CPUs, and dpkg-deb unpacks gzip several times faster for a package about
# twice the size (still a second or less over SFTP).
dpkg-deb --root-owner-group -Zgzip -z9 --build "$root" "$out" >/dev/null
