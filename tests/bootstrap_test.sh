#!/usr/bin/env bash
# cairn bootstrap, end to end: two booted Debian hosts made blank, as a
# freshly provisioned machine is (openssh-server and a root key; the agent's
# runtime libraries purged by fleet.sh blank, offered by a local apt
# repository instead), are enrolled over SSH with the agent's .deb, then
# planned and applied through their agents.
#
# Each way enrolment can fail is made to happen for real and must stop at
# its step, with a message saying why, without installing anything: an
# unknown host key, a key the host refuses, a closed port, sudo asking for
# a password, a full /tmp, apt unable to find the libraries (and a re-run
# fixing it), a changed host key. Then: one host enrolled with
# --accept-new, its private key made on the host and never anywhere on the
# controller, no file left behind; a second bootstrap changing nothing;
# --upgrade replacing the agent in place; --all enrolling only the host that
# needs it; apply --bootstrap bringing a lost host back. Timings printed.
#
# Usage: bootstrap_test.sh CAIRN AGENT_DEB (from Bazel).
# shellcheck disable=SC2154
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

cairn="$(realpath "$1")"
deb="$(realpath "$2")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hosts="$here/hosts"
# shellcheck source=hosts/testlib.sh
source "$hosts/testlib.sh"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"
for tool in ssh ssh-keygen nc systemd-nspawn dpkg-deb apt-ftparchive sha256sum; do
  command -v "$tool" >/dev/null || fatal "$tool is missing: run tools/setup"
done

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/bootstrap.XXXXXX")"
fleet="$work/fleet"
cleanup() {
  "$hosts/fleet.sh" down "$fleet"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
on() { "$hosts/fleet.sh" exec "$fleet" "$@"; } # on HOST CMD...

# Only what the test names may log in: no ssh-agent, no ~/.ssh/id_* of the
# machine's, no package or certificates from the environment.
unset SSH_AUTH_SOCK SSH_AGENT_PID CAIRN_AGENT_DEB CAIRN_TLS_DIR
export HOME="$work/home"
mkdir -m 700 "$HOME"

# Whether PACKAGE is installed on HOST.
installed() { # HOST PACKAGE
  # shellcheck disable=SC2016
  [[ "$(on "$1" dpkg-query -W -f '${db:Status-Abbrev}' "$2" 2>/dev/null)" == ii* ]]
}
# What is in HOST's temporary directories (systemd's own left out).
tmp_listing() { # HOST
  on "$1" find /tmp /var/tmp -mindepth 1 -maxdepth 1 ! -name 'systemd-private-*' |
    sort
}
# The SHA256 fingerprints of HOST's SSH host keys, one a line.
host_fingerprints() { # HOST
  # shellcheck disable=SC2016
  on "$1" sh -c 'for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$k"; done' |
    awk '{ print $2 }'
}
sha() { sha256sum | cut -d' ' -f1; }

# The agent's dependencies: the packages fleet.sh blank purges, fetched as if
# the rootfs lacked them (once; cached), in a repository each host gets.
rootfs="$("$hosts/rootfs.sh")" || fatal "rootfs.sh failed"
mapfile -t runtime < <("$hosts/fleet.sh" agent-runtime)
t0="$(now)"
mapfile -t debs < <("$hosts/apt_repo.sh" fetch --absent "${runtime[*]}" "$rootfs" "${runtime[@]}")
((${#debs[@]} == ${#runtime[@]})) ||
  fatal "apt_repo.sh fetch gave ${#debs[@]} packages for ${#runtime[@]}: ${debs[*]}"
"$hosts/apt_repo.sh" build "$work/repo" "${debs[@]}" >/dev/null || fatal "apt_repo.sh build failed"
pass "a repository of the agent's ${#debs[@]} dependencies ($(elapsed "$t0" "$(now)") s)"

t0="$(now)"
"$hosts/fleet.sh" up 2 "$fleet" >/dev/null || fatal "fleet.sh up 2 failed"
# shellcheck disable=SC1091
source "$fleet/fleet.env"
"$hosts/fleet.sh" blank "$fleet" h1 h2 || fatal "fleet.sh blank failed"
for h in h1 h2; do
  "$hosts/apt_repo.sh" configure "$fleet" "$h" "$work/repo" || fatal "apt_repo.sh configure $h failed"
done
t_fleet="$(elapsed "$t0" "$(now)")"
for h in h1 h2; do
  expect_fails "$h is blank: no libgrpc29" installed "$h" libgrpc29
  expect_fails "$h is blank: no cairn-agent" installed "$h" cairn-agent
  expect_eq "$h: sshd is active" active "$(on "$h" systemctl is-active ssh 2>&1)"
  for p in "${runtime[@]}"; do
    expect_ok "$h: the repository offers $p" on "$h" apt-cache show "$p"
  done
done

# The CA and the controller's certificate, where the configuration's
# tls_dir points.
config="$work/config"
# -L: the runfiles are symlinks into the source tree, which must not change.
cp -rL "$here/bootstrap" "$config"
"$cairn" ca init "$config/tls" 2>/dev/null || fatal "cairn ca init failed"
"$cairn" ca issue "$config/tls" controller --client 2>/dev/null ||
  fatal "cairn ca issue controller failed"
expect_ok "the configuration compiles" "$cairn" check "$config"

# A later version of the same package, for --upgrade.
version="$(dpkg-deb -f "$deb" Version)"
next="$version+test1"
dpkg-deb -R "$deb" "$work/next" || fatal "dpkg-deb -R failed"
sed -i "s/^Version: .*/Version: $next/" "$work/next/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$work/next" "$work/cairn-agent-next.deb" >/dev/null ||
  fatal "dpkg-deb --build failed"
rm -rf "$work/next"

# cairn bootstrap ARGS...: its output (stdout and stderr) in $out, exit
# status in $rc, wall time in $t.
bootstrap() {
  local t0
  t0="$(now)"
  out="$(timeout 300 "$cairn" bootstrap "$@" 2>&1)"
  rc=$?
  t="$(elapsed "$t0" "$(now)")"
}
# The last line bootstrap printed for HOST ("HOST: ...").
result() { grep -- "^$1: " <<<"$out" | tail -n 1; }
show_out() { printf '    %s\n' "${out//$'\n'/$'\n'    }"; }
expect_failed_at() { # LABEL HOST STEP
  local line
  line="$(result "$2")"
  expect_eq "$1: exits 1" 1 "$rc"
  if [[ "$line" == "$2: failed at step '$3': "?* ]]; then
    pass "$1: fails at step '$3'"
    echo "    $line"
  else
    fail "$1: no line \"$2: failed at step '$3': MESSAGE\" in:"
    show_out
  fi
}
# Nothing of the agent on HOST: no package, no key.
expect_untouched() { # LABEL HOST
  expect_fails "$1: cairn-agent is not installed on $2" installed "$2" cairn-agent
  expect_fails "$1: no host key was made on $2" on "$2" test -e /etc/cairn/tls/host.key
}
key=(--key "$FLEET_SSH_KEY")
ssh_to() { # KEY USER@ADDR CMD...: plain OpenSSH, to check the setup
  ssh -F /dev/null -i "$1" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \
    -o ConnectTimeout=5 "${@:2}"
}
tmp_h1="$(tmp_listing h1)"

# 1. Usage.
bootstrap
expect_eq "no host: usage (exit 2)" 2 "$rc"
bootstrap --all
expect_eq "--all without a configuration: usage (exit 2)" 2 "$rc"
bootstrap --no-such-flag h1 "$config"
expect_eq "an unknown flag: usage (exit 2)" 2 "$rc"

# 2. An unknown host key, without --accept-new: refused, naming its
# fingerprint so that it can be checked out of band.
: >"$work/empty_known_hosts"
bootstrap --package "$deb" "${key[@]}" --known-hosts "$work/empty_known_hosts" h1 "$config"
expect_failed_at "unknown host key" h1 "host key"
named=""
for fp in $(host_fingerprints h1); do
  [[ "$(result h1)" != *"$fp"* ]] || named="$fp"
done
if [[ "$named" == SHA256:* ]]; then
  pass "unknown host key: the message names the key's fingerprint ($named)"
else
  fail "unknown host key: no fingerprint of h1's keys ($(host_fingerprints h1 | tr '\n' ' ')) in:"
  show_out
fi
expect_eq "unknown host key: known_hosts is left empty" "" "$(cat "$work/empty_known_hosts")"
expect_untouched "unknown host key" h1

# 3. A key the host does not know.
ssh-keygen -q -t ed25519 -N '' -C stranger@test -f "$work/stranger"
expect_fails "(setup) ssh refuses the stranger's key" ssh_to "$work/stranger" "root@$FLEET_ADDR_h1" true
bootstrap --package "$deb" --key "$work/stranger" --known-hosts "$FLEET_KNOWN_HOSTS" h1 "$config"
expect_failed_at "wrong key" h1 authenticate
expect_untouched "wrong key" h1

# 4. Nothing listens on the port.
expect_fails "(setup) nothing listens on port 2" nc -z -w 2 "$FLEET_ADDR_h1" 2
bootstrap --package "$deb" "${key[@]}" --known-hosts "$FLEET_KNOWN_HOSTS" --port 2 h1 "$config"
expect_failed_at "connection refused" h1 connect
expect_contains "connection refused: says so" refused "$(result h1 | tr '[:upper:]' '[:lower:]')"

# 5. A sudo user whose sudo asks for a password: bootstrap never types one.
ssh-keygen -q -t ed25519 -N '' -C deploy@test -f "$work/deploy"
on h2 useradd -m -s /bin/bash -G sudo deploy || fatal "useradd deploy failed"
on h2 sh -c 'echo deploy:not-typed-by-bootstrap | chpasswd' || fatal "chpasswd failed"
on h2 install -d -o deploy -g deploy -m 700 /home/deploy/.ssh
"$hosts/fleet.sh" cp "$fleet" h2 "$work/deploy.pub" /home/deploy/.ssh/authorized_keys 644
on h2 chown deploy:deploy /home/deploy/.ssh/authorized_keys
expect_eq "(setup) deploy logs in to h2" deploy "$(ssh_to "$work/deploy" "deploy@$FLEET_ADDR_h2" whoami 2>&1)"
expect_fails "(setup) deploy's sudo -n fails" ssh_to "$work/deploy" "deploy@$FLEET_ADDR_h2" sudo -n true
bootstrap --package "$deb" --user deploy --key "$work/deploy" --known-hosts "$FLEET_KNOWN_HOSTS" h2 "$config"
expect_failed_at "sudo needs a password" h2 privileges
if grep -qiE 'sudo|password' <<<"$(result h2)"; then
  pass "sudo needs a password: says so"
else
  fail "sudo needs a password: no 'sudo' nor 'password' in: $(result h2)"
fi
expect_untouched "sudo needs a password" h2

# 6. No room for the package: /tmp and /var/tmp of 1 MB (the .deb is larger).
for d in /tmp /var/tmp; do
  on h1 mount -t tmpfs -o size=1m,mode=1777 tmpfs "$d" || fatal "mounting a tmpfs on h1:$d failed"
done
bootstrap --package "$deb" "${key[@]}" --known-hosts "$FLEET_KNOWN_HOSTS" h1 "$config"
line="$(result h1)"
expect_eq "no disk space: exits 1" 1 "$rc"
if [[ "$line" == "h1: failed at step 'disk space': "?* || "$line" == "h1: failed at step 'upload': "?* ]]; then
  pass "no disk space: fails at step 'disk space' (or 'upload')"
else
  fail "no disk space: no line \"h1: failed at step 'disk space': ...\" in:"
  show_out
fi
for d in /var/tmp /tmp; do on h1 umount "$d" || fatal "unmounting h1:$d failed"; done
expect_untouched "no disk space" h1

# 7. apt cannot find the libraries (the repository's source is gone): the
# install fails with apt's own words, leaves nothing; once the source is
# back, a re-run enrols the host (step 8).
on h1 mv /etc/apt/sources.list.d/cairn-test.list /root/cairn-test.list.off
bootstrap --package "$deb" "${key[@]}" --known-hosts "$FLEET_KNOWN_HOSTS" h1 "$config"
expect_failed_at "apt fails" h1 install
if grep -qE 'not installable|unmet dependencies|Unable to correct problems|Unable to locate|E: ' <<<"$out"; then
  pass "apt fails: apt's message is shown"
else
  fail "apt fails: no message of apt's in:"
  show_out
fi
expect_untouched "apt fails" h1
expect_eq "apt fails: nothing left in h1's /tmp and /var/tmp" "$tmp_h1" "$(tmp_listing h1)"
on h1 mv /root/cairn-test.list.off /etc/apt/sources.list.d/cairn-test.list

# 8. Success, and the re-run step 7 promised: with a known_hosts that knows
# nothing, and --accept-new.
: >"$work/known_hosts"
bootstrap --package "$deb" "${key[@]}" --known-hosts "$work/known_hosts" --accept-new h1 "$config"
t_one="$t"
expect_eq "enrol h1: exits 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out
if [[ "$(result h1)" =~ ^h1:\ enrolled\ in\ [0-9]+(\.[0-9]+)?\ s\ \(agent\ ${version//./\\.}\)$ ]]; then
  pass "enrol h1: \"$(result h1)\""
else
  fail "enrol h1: no line \"h1: enrolled in N s (agent $version)\" in:"
  show_out
fi
expect_ok "enrol h1: known_hosts now has h1" ssh-keygen -F "$FLEET_ADDR_h1" -f "$work/known_hosts"
recorded="$(ssh-keygen -lf "$work/known_hosts" 2>/dev/null | awk 'NR == 1 { print $2 }')"
expect_contains "enrol h1: the key recorded is h1's" "$recorded" "$(host_fingerprints h1)"
facts="$("$cairn" agent facts --agent "$FLEET_ADDR_h1:7443" --tls-dir "$config/tls" --server-name h1 2>&1)"
expect_contains "enrol h1: the agent answers Facts over mutual TLS" '"hostname": "h1"' "$facts"
expect_ok "enrol h1: the libraries came from the repository" installed h1 libgrpc29
expect_eq "enrol h1: the agent is enabled" enabled "$(on h1 systemctl is-enabled cairn-agent 2>&1)"
expect_eq "enrol h1: the agent is active" active "$(on h1 systemctl is-active cairn-agent 2>&1)"
expect_eq "enrol h1: host.key is root's, 0600" "600 root" \
  "$(on h1 stat -c '%a %U' /etc/cairn/tls/host.key 2>&1)"
expect_eq "enrol h1: ca.pem is the fleet's CA" "$(sha <"$config/tls/ca.pem")" \
  "$(on h1 cat /etc/cairn/tls/ca.pem | sha)"
expect_ok "enrol h1: host.pem is there" on h1 test -s /etc/cairn/tls/host.pem
# The private key never left the host: no file on the controller (the CA
# dir, the configuration, anything of the test's but the hosts' own disks)
# holds it or a line of it.
host_key_sum="$(on h1 cat /etc/cairn/tls/host.key 2>/dev/null | sha)"
host_key_line="$(on h1 sed -n 2p /etc/cairn/tls/host.key 2>/dev/null)"
search=("$work")
[[ -z "${TEST_TMPDIR:-}" ]] || search+=("$TEST_TMPDIR")
if [[ ${#host_key_line} -ge 40 ]]; then
  copies="$(find "${search[@]}" -path "$fleet" -prune -o -type f -size -1M -print0 2>/dev/null |
    xargs -0 -r sha256sum | awk -v s="$host_key_sum" '$1 == s { print $2 }' | sort -u)"
  expect_eq "enrol h1: no file on the controller equals h1's host.key" "" "$copies"
  copies="$(grep -rlF --exclude-dir=fleet -- "$host_key_line" "${search[@]}" 2>/dev/null | sort -u)"
  expect_eq "enrol h1: no file on the controller holds a line of it" "" "$copies"
else
  fail "enrol h1: no host.key (or not PEM) on h1 to look for on the controller"
fi
expect_eq "enrol h1: the CA dir holds no other private key" "ca.key controller.key" \
  "$(cd "$config/tls" && find . -name '*.key' -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "enrol h1: nothing left in h1's /tmp and /var/tmp" "$tmp_h1" "$(tmp_listing h1)"
expect_eq "enrol h1: no .deb left on h1" "" \
  "$(on h1 find /tmp /var/tmp /root /var/cache/apt/archives -name '*.deb' 2>&1)"
echo "bootstrap of a blank host to first Facts: $t_one s"

# 9. Again: nothing to do, the agent not even restarted.
pid_before="$(on h1 systemctl show -p MainPID --value cairn-agent)"
bootstrap --package "$deb" "${key[@]}" --known-hosts "$work/known_hosts" h1 "$config"
expect_eq "again: exits 0" 0 "$rc"
expect_eq "again: already enrolled" "h1: already enrolled (agent $version answers)" "$(result h1)"
expect_eq "again: the agent kept running (same MainPID)" "$pid_before" \
  "$(on h1 systemctl show -p MainPID --value cairn-agent)"
[[ "$pid_before" =~ ^[1-9][0-9]*$ ]] || fail "again: no agent PID ($pid_before)"
t_again="$t"

# 10. --upgrade, by address (--name gives the certificate's name), with a
# later package: replaced in place, the same host key, answering again.
bootstrap --upgrade --package "$work/cairn-agent-next.deb" "${key[@]}" \
  --known-hosts "$work/known_hosts" --tls-dir "$config/tls" --name h1 "$FLEET_ADDR_h1"
expect_eq "--upgrade: exits 0" 0 "$rc"
expect_contains "--upgrade: says upgraded" ": upgraded" "$out"
# shellcheck disable=SC2016
expect_eq "--upgrade: the new package is installed" "$next" \
  "$(on h1 dpkg-query -W -f '${Version}' cairn-agent 2>&1)"
expect_ok "--upgrade: the agent answers" "$cairn" agent facts --agent "$FLEET_ADDR_h1:7443" \
  --tls-dir "$config/tls" --server-name h1
pid_after="$(on h1 systemctl show -p MainPID --value cairn-agent)"
if [[ "$pid_after" =~ ^[1-9][0-9]*$ && "$pid_after" != "$pid_before" ]]; then
  pass "--upgrade: a new agent process runs"
else
  fail "--upgrade: MainPID $pid_before before, $pid_after after"
fi
expect_eq "--upgrade: the host key is kept" "$host_key_sum" \
  "$(on h1 cat /etc/cairn/tls/host.key 2>/dev/null | sha)"

# 11. --all: h1 answers and is left alone, h2 (blank) is enrolled.
pid_before="$(on h1 systemctl show -p MainPID --value cairn-agent)"
bootstrap --all --package "$deb" "${key[@]}" --known-hosts "$work/known_hosts" --accept-new "$config"
t_all="$t"
expect_eq "--all: exits 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out
expect_contains "--all: h1 is already enrolled" "h1: already enrolled" "$(result h1)"
if [[ "$(result h2)" =~ ^h2:\ enrolled\ in\ [0-9.]+\ s\ \(agent\ ${version//./\\.}\)$ ]]; then
  pass "--all: \"$(result h2)\""
else
  fail "--all: no line \"h2: enrolled in N s (agent $version)\" in:"
  show_out
fi
expect_eq "--all: h1's agent kept running" "$pid_before" \
  "$(on h1 systemctl show -p MainPID --value cairn-agent)"
expect_ok "--all: h2's agent answers" "$cairn" agent facts --agent "$FLEET_ADDR_h2:7443" \
  --tls-dir "$config/tls" --server-name h2
expect_ok "--all: known_hosts now has h2" ssh-keygen -F "$FLEET_ADDR_h2" -f "$work/known_hosts"

# 12. Plan and apply through the agents bootstrap installed.
run() { # cairn COMMAND ARGS... (PATH last): output in $out, status in $rc
  out="$(timeout 300 "$cairn" "$@" 2>&1)"
  rc=$?
}
run apply --yes "$config"
expect_eq "apply exits 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out
for h in h1 h2; do
  expect_eq "$h has the catalog's file" "$h was enrolled by cairn bootstrap" \
    "$(on "$h" cat /etc/cairn-bootstrap-test 2>&1)"
done
run plan --detailed-exitcode "$config"
expect_eq "then plan --detailed-exitcode: 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out

# 13. h2 is lost; a blank one takes its place; apply --bootstrap brings it
# back in one command.
"$hosts/fleet.sh" rebuild "$fleet" h2 || fatal "fleet.sh rebuild h2 failed"
"$hosts/fleet.sh" blank "$fleet" h2 || fatal "fleet.sh blank h2 failed"
"$hosts/apt_repo.sh" configure "$fleet" h2 "$work/repo" || fatal "apt_repo.sh configure h2 failed"
expect_fails "the new h2 is blank" installed h2 cairn-agent
run plan --detailed-exitcode "$config"
expect_eq "plan: h2 is unreachable (exit 1)" 1 "$rc"
t0="$(now)"
out="$(CAIRN_AGENT_DEB="$deb" timeout 300 "$cairn" apply --bootstrap --yes \
  --ssh-key "$FLEET_SSH_KEY" --known-hosts "$work/known_hosts" "$config" 2>&1)"
rc=$?
t_apply_bootstrap="$(elapsed "$t0" "$(now)")"
expect_eq "apply --bootstrap exits 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out
expect_contains "apply --bootstrap enrolled h2" "h2: enrolled" "$out"
expect_eq "h2 has the catalog's file again" "h2 was enrolled by cairn bootstrap" \
  "$(on h2 cat /etc/cairn-bootstrap-test 2>&1)"
run plan --detailed-exitcode "$config"
expect_eq "then plan --detailed-exitcode: 0" 0 "$rc"
[[ "$rc" == 0 ]] || show_out

# 14. h1's agent stops answering and its SSH host key changes (reinstalled,
# or a man in the middle): refused even with --accept-new, known_hosts left
# as it was, nothing done on the host. (With its agent answering, bootstrap
# would not need SSH at all: "already enrolled".)
kh_before="$(sha <"$work/known_hosts")"
on h1 systemctl stop cairn-agent || fatal "stopping h1's agent failed"
on h1 sh -c 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh' ||
  fatal "regenerating h1's host keys failed"
wait_for 10 nc -z "$FLEET_ADDR_h1" 22 || fatal "h1's sshd did not come back"
bootstrap --package "$deb" "${key[@]}" --known-hosts "$work/known_hosts" --accept-new h1 "$config"
expect_failed_at "changed host key" h1 "host key"
expect_contains "changed host key: says it changed" changed "$(result h1 | tr '[:upper:]' '[:lower:]')"
expect_eq "changed host key: known_hosts is unchanged" "$kh_before" "$(sha <"$work/known_hosts")"
expect_eq "changed host key: h1's agent was left stopped" inactive \
  "$(on h1 systemctl is-active cairn-agent 2>&1)"

echo "timings: fleet of 2 up, blank, with the repository: $t_fleet s;" \
  "bootstrap of a blank host to first Facts: $t_one s; again (already enrolled): $t_again s;" \
  "--all (h1 enrolled, h2 blank): $t_all s; apply --bootstrap of a rebuilt host: $t_apply_bootstrap s"
summary
