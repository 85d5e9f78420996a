#!/usr/bin/env bash
# The cairn-agent .deb as dpkg sees it: its control fields, its files and
# their modes, its maintainer scripts.
set -uo pipefail
deb="$1"
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
field() { dpkg-deb -f "$deb" "$1"; }
expect_eq() { if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: got '$3', want '$2'"; fi; }
expect_match() { if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1: '$3' !~ /$2/"; fi; }

expect_eq "the package is cairn-agent" cairn-agent "$(field Package)"
expect_eq "its version" 0.1.0 "$(field Version)"
expect_eq "built for this machine" "$(dpkg --print-architecture)" "$(field Architecture)"
depends="$(field Depends)"
# What apt must pull in on a blank host: gRPC, protobuf, Abseil, OpenSSL.
for lib in 'libgrpc\+\+1\.51 \(>= ' 'libprotobuf32 \(>= ' 'libabsl20220623 \(>= ' \
  'libssl3 \(>= ' 'libc6 \(>= ' 'systemd'; do
  expect_match "Depends names ${lib%% *}" "$lib" "$depends"
done

contents="$(dpkg-deb -c "$deb")"
expect_match "the binary, 0755 root" '-rwxr-xr-x root/root +[0-9]+ [^ ]+ [^ ]+ \./usr/sbin/cairn-agent' "$contents"
expect_match "the unit" '-rw-r--r-- root/root +[0-9]+ [^ ]+ [^ ]+ \./lib/systemd/system/cairn-agent\.service' "$contents"
expect_match "the certificate directory, 0700" 'drwx------ root/root +0 [^ ]+ [^ ]+ \./etc/cairn/tls/' "$contents"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  if [[ -x "$work/control/$script" ]] && sh -n "$work/control/$script"; then
    pass "$script is an executable shell script"
  else
    fail "$script is missing or not valid sh"
  fi
done
# A first install must not start an agent without its certificate.
if grep -q 'systemctl \(start\|enable\)' "$work/control/postinst"; then
  fail "postinst starts or enables the agent"
else
  pass "postinst neither starts nor enables the agent"
fi
dpkg-deb -x "$deb" "$work/root"
# It loads its libraries and runs: an unknown flag gets the usage.
expect_match "the packaged binary runs" '^usage: cairn-agent' \
  "$("$work/root/usr/sbin/cairn-agent" --no-such-flag 2>&1 | sed -n 2p)"

echo "$passed passed, $failed failed"
((failed == 0))
