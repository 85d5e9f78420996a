#!/usr/bin/env bash
# The agent on real booted Debian hosts: cairn-agent runs under systemd on
# h1 and h2 with mutual TLS, the controller (this script, on the machine)
# applies tests/agent_hosts/fleet.cairn with `cairn agent`, and every result
# is checked from outside: SSH logins with the user's key, sudo, a service
# answering on its port, a port the firewall refuses from the other host,
# a package from a local apt repository, a sysctl, a timer. Then a second
# apply changes nothing, drift is found and repaired, and the faults: a
# provider failing halfway, a firewall that locks the controller out (rolled
# back by commit-confirm), kill -9 in the middle of an apply, a client with
# a foreign certificate.
#
# Usage: agent_hosts_test.sh CAIRN CAIRN_AGENT UNIT_FILE (from Bazel).
# FLEET_* variables come from the fleet.env that fleet.sh up writes.
# shellcheck disable=SC2154
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

cairn="$(realpath "$1")"
agent_bin="$(realpath "$2")"
unit_file="$(realpath "$3")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hosts="$here/hosts"
# shellcheck source=hosts/testlib.sh
source "$hosts/testlib.sh"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"
for tool in ssh ssh-keygen nc systemd-nspawn; do
  command -v "$tool" >/dev/null || fatal "$tool is missing: run tools/setup"
done

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/agent_hosts.XXXXXX")"
fleet="$work/fleet"
cleanup() {
  "$hosts/fleet.sh" down "$fleet"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
on() { "$hosts/fleet.sh" exec "$fleet" "$@"; }  # on HOST CMD...

"$hosts/rootfs.sh" >/dev/null || fatal "rootfs.sh failed"
"$hosts/fleet.sh" up 2 "$fleet" >/dev/null || fatal "fleet.sh up 2 failed"
# shellcheck disable=SC1091
source "$fleet/fleet.env"
h1="$FLEET_ADDR_h1"
h2="$FLEET_ADDR_h2"

# The configuration, with alice's key made here.
config="$work/config"
cp -r "$here/agent_hosts" "$config"
ssh-keygen -q -t ed25519 -N '' -C alice@test -f "$work/alice"
cp "$work/alice.pub" "$config/alice.pub"

# The fleet's CA, a certificate per host and one for the controller.
"$cairn" ca init "$work/ca" 2>/dev/null || fatal "cairn ca init failed"
for h in h1 h2; do
  addr_var="FLEET_ADDR_$h"
  "$cairn" ca issue "$work/ca" "$h" --address "${!addr_var}" 2>/dev/null ||
    fatal "cairn ca issue $h failed"
done
"$cairn" ca issue "$work/ca" controller --client 2>/dev/null ||
  fatal "cairn ca issue controller failed"
tls="$work/tls"
mkdir -m 700 "$tls"
cp "$work/ca/ca.pem" "$work/ca/controller.pem" "$work/ca/controller.key" "$tls/"

# The local package repository, for h1.
"$hosts/apt_repo.sh" build "$work/repo" >/dev/null || fatal "apt_repo.sh build failed"
"$hosts/apt_repo.sh" configure "$fleet" h1 "$work/repo" >/dev/null ||
  fatal "apt_repo.sh configure failed"

# cairn-agent on each host, as a package would install it.
# shellcheck source=hosts/agents.sh
source "$hosts/agents.sh"
for h in h1 h2; do
  install_agent "$fleet" "$h" "$h" "$agent_bin" "$unit_file" "$work/ca" \
    >/dev/null 2>&1 || fatal "installing the agent on $h failed"
done
for a in "$h1" "$h2"; do
  wait_for 10 nc -z "$a" 7443 || fatal "no agent listening on $a:7443"
done
pass "the agents run under systemd and listen on 7443"

agent() {  # VERB ADDR [ARGS...]
  timeout 120 "$cairn" agent "$1" --agent "$2:7443" --tls-dir "$tls" "${@:3}"
}
apply() {  # HOST [ARGS...]; output in $out, exit status in $rc
  local addr_var="FLEET_ADDR_$1"
  out="$(agent apply "${!addr_var}" --host "$1" "${@:2}" "$config" 2>&1)"
  rc=$?
}
check() {  # HOST [ARGS...]
  local addr_var="FLEET_ADDR_$1"
  out="$(agent check "${!addr_var}" --host "$1" "${@:2}" "$config" 2>&1)"
  rc=$?
}
ssh_as() {  # USER ADDR CMD...
  ssh -F /dev/null -i "$work/alice" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \
    -o ConnectTimeout=5 "$1@$2" "${@:3}"
}
# The page h1 serves on 8080. The service answers one connection at a time
# and listens again right after: a connection in between is refused, so try
# a few times.
page() {
  local text
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    text="$(nc -w 3 "$h1" 8080 </dev/null 2>/dev/null)" && [[ -n "$text" ]] && break
    sleep 0.2
  done
  echo "$text"
}

# --- Facts.
facts="$(agent facts "$h1" 2>&1)"
expect_contains "facts: hostname" '"hostname": "h1"' "$facts"
expect_contains "facts: os" '"os_id": "debian"' "$facts"
expect_contains "facts: address" "$h1" "$facts"

# --- Check changes nothing.
check h1
expect_eq "check exits 0" 0 "$rc"
expect_contains "check lists the user" "user alice: would create" "$out"
expect_contains "check lists the package" "package cairn-test-hello: would create" "$out"
expect_fails "check created no user" on h1 id alice
expect_fails "check created no directory" on h1 test -e /srv/www
expect_eq "check loaded no firewall" "" "$(on h1 nft list ruleset 2>&1)"

issue_before="$(on h2 head -n 1 /etc/issue 2>&1)"

# --- First apply.
t0="$(now)"
apply h1
t_first="$(elapsed "$t0" "$(now)")"
expect_eq "first apply on h1 exits 0" 0 "$rc"
[[ $rc == 0 ]] || printf '    %s\n' "${out//$'\n'/$'\n'    }"
expect_contains "the firewall was confirmed" "confirmed over a new connection" "$out"
expect_contains "summary line" "0 failed, 0 skipped" "$out"
apply h2
expect_eq "first apply on h2 exits 0" 0 "$rc"

# --- Checked from outside.
expect_contains "alice logs in over SSH with her key" web "$(ssh_as alice "$h1" id -nG 2>&1)"
expect_ok "alice's sudo rule works" ssh_as alice "$h1" sudo -n /usr/bin/systemctl restart hello-web
expect_fails "alice has no other sudo" ssh_as alice "$h1" sudo -n /usr/bin/id
expect_eq "alice's files were made after her" "alice alice 750" \
  "$(on h1 stat -c '%U %G %a' /srv/alice 2>&1)"
expect_eq "alice reads her notes" "for alice" \
  "$(ssh_as alice "$h1" cat /srv/alice/notes 2>&1)"
expect_eq "bob logs in on h2" bob "$(ssh_as bob "$h2" id -un 2>&1)"
expect_eq "h2's motd" "h2, managed by cairn" "$(on h2 cat /etc/motd 2>&1)"
expect_eq "h2's /etc/issue keeps its first line" "$issue_before" \
  "$(on h2 head -n 1 /etc/issue 2>&1)"
expect_eq "and ends with the managed line" "Managed by cairn" \
  "$(on h2 tail -n 1 /etc/issue 2>&1)"
expect_eq "the service answers on 8080" "hello from h1" "$(page)"
expect_fails "h2 is refused on h1:8080 by the firewall" on h2 nc -z -w 2 "$h1" 8080
expect_ok "h2 reaches h1:22" on h2 nc -z -w 2 "$h1" 22
expect_fails "h2 is refused on h1:7443" on h2 nc -z -w 2 "$h1" 7443
# shellcheck disable=SC2016
expect_eq "the package is installed" 1.0 \
  "$(on h1 dpkg-query -W -f '${Version}' cairn-test-hello 2>&1)"
expect_eq "the sysctl is set" 0 "$(on h1 sysctl -n net.ipv4.tcp_syncookies 2>&1)"
expect_eq "the timer is active" active "$(on h1 systemctl is-active tick.timer 2>&1)"
expect_eq "the service is enabled" enabled "$(on h1 systemctl is-enabled hello-web 2>&1)"
expect_ok "the firewall survives a reboot (boot unit enabled)" \
  on h1 systemctl is-enabled cairn-firewall.service

# --- Idempotent.
apply h1
expect_eq "second apply exits 0" 0 "$rc"
expect_contains "second apply on h1 changes nothing" " 0 changed," "$out"
expect_lacks "nothing needs confirming" "confirmed" "$out"
apply h2
expect_contains "second apply on h2 changes nothing" " 0 changed," "$out"
status="$(agent status "$h1" 2>&1)"
expect_contains "status: success" '"success": true' "$status"
expect_contains "status: digest" '"catalog_digest"' "$status"

# --- Drift: found by check, repaired by apply, the service restarted.
on h1 sh -c 'echo defaced >/srv/www/index.html'
check h1
expect_contains "check finds the defaced page" "-defaced" "$out"
expect_contains "check counts one change" "1 to change" "$out"
expect_eq "check left it defaced" defaced "$(on h1 cat /srv/www/index.html 2>&1)"
before="$(on h1 systemctl show -p InvocationID --value hello-web)"
apply h1
expect_contains "apply repairs it" "1 changed," "$out"
expect_contains "and restarts the service it notifies" "! service hello-web: restart" "$out"
expect_eq "the page is back" "hello from h1" "$(page)"
expect_ok "the service was restarted" test "$before" != \
  "$(on h1 systemctl show -p InvocationID --value hello-web)"
expect_ok "the replaced file was backed up" \
  sh -c "'$hosts/fleet.sh' exec '$fleet' h1 grep -rl defaced /var/lib/cairn/backup"

# --- An upgrade and a new page in one apply.
apply h1 -p hello_version=1.1 -p page="hello again"
expect_eq "upgrade exits 0" 0 "$rc"
# shellcheck disable=SC2016
expect_eq "upgraded to 1.1" 1.1 "$(on h1 dpkg-query -W -f '${Version}' cairn-test-hello 2>&1)"
expect_eq "the new page is served" "hello again" "$(page)"

# --- A provider failing halfway: the rest converges, dependents wait.
apply h1 -p hello_version=1.1 -p page="hello again" -p broken_package=true
expect_eq "a failed resource makes apply exit 1" 1 "$rc"
expect_contains "the missing package failed" "x package cairn-test-missing: FAILED" "$out"
expect_contains "its dependent was skipped" "- file /etc/needs-missing.conf: skipped" "$out"
expect_eq "an independent file was still written" "still applied" \
  "$(on h1 cat /etc/independent.conf 2>&1)"
expect_fails "the dependent file was not" on h1 test -e /etc/needs-missing.conf
apply h1 -p hello_version=1.1 -p page="hello again"
expect_eq "without the bad package it converges" 0 "$rc"
expect_contains "and changes nothing more" " 0 changed," "$out"
expect_contains "status after a success" '"success": true' "$(agent status "$h1" 2>&1)"

# --- Commit-confirm: a firewall without the controller's port 7443.
t0="$(now)"
apply h1 -p hello_version=1.1 -p page="hello again" -p lockout=true --confirm-timeout 8
expect_eq "the lock-out apply exits 1" 1 "$rc"
expect_contains "it could not be confirmed" "NOT CONFIRMED" "$out"
expect_fails "the controller is locked out meanwhile" nc -z -w 1 "$h1" 7443
if wait_for 20 nc -z -w 1 "$h1" 7443; then
  pass "the agent rolled the firewall back by itself ($(elapsed "$t0" "$(now)") s)"
else
  fail "the controller is still locked out after 20 s"
fi
status="$(agent status "$h1" 2>&1)"
expect_contains "status says what was rolled back" "firewall: restored the previous state" "$status"
expect_contains "the restored table lets 7443 in" "7443" "$(on h1 nft list table inet cairn 2>&1)"
apply h1 -p hello_version=1.1 -p page="hello again"
expect_eq "after the rollback the old spec still converges" 0 "$rc"
expect_contains "with nothing to change" " 0 changed," "$out"

# --- kill -9 in the middle of an apply.
before="$(on h1 systemctl show -p InvocationID --value hello-web)"
agent apply "$h1" --host h1 -p hello_version=1.1 -p page="hello again" \
  -p slow_start=true "$config" >"$work/killed.out" 2>&1 &
client=$!
if wait_for 20 sh -c "'$hosts/fleet.sh' exec '$fleet' h1 systemctl is-active slow | grep -qx activating"; then
  pass "the apply is starting the slow service"
else
  fail "the slow service never started"
fi
on h1 systemctl kill -s KILL cairn-agent
wait "$client"
expect_ok "the client saw the agent die" test $? -ne 0
wait_for 15 nc -z "$h1" 7443 || fail "systemd did not restart the agent"
status="$(agent status "$h1" 2>&1)"
expect_contains "the restarted agent reports what was interrupted" '"id": "slow"' "$status"
expect_contains "and the restart still owed" '"action": "restart"' "$status"
expect_eq "the file written before the kill is whole" SLOW=1 \
  "$(on h1 cat /etc/hello-web.env 2>&1)"
on h1 systemctl stop slow
apply h1 -p hello_version=1.1 -p page="hello again"
expect_eq "the next apply converges" 0 "$rc"
expect_contains "and runs the owed restart" "! service hello-web: restart" "$out"
expect_ok "hello-web was restarted" test "$before" != \
  "$(on h1 systemctl show -p InvocationID --value hello-web)"
expect_eq "no temporary file is left anywhere" "" \
  "$(on h1 find / -xdev -name '.*.cairn-*' 2>/dev/null)"
expect_lacks "nothing is owed any more" pending_notifications "$(agent status "$h1" 2>&1)"

# --- Only the fleet's CA is trusted.
"$cairn" ca init "$work/other" 2>/dev/null
"$cairn" ca issue "$work/other" controller --client 2>/dev/null
mkdir -m 700 "$work/other-tls"
cp "$work/ca/ca.pem" "$work/other-tls/"
cp "$work/other/controller.pem" "$work/other/controller.key" "$work/other-tls/"
expect_fails "a client with a foreign certificate is refused" \
  "$cairn" agent facts --agent "$h1:7443" --tls-dir "$work/other-tls"
expect_fails "a client without TLS is refused" \
  "$cairn" agent facts --agent "$h1:7443" --insecure
expect_lacks "the agent's log holds no private key" "PRIVATE KEY" \
  "$(on h1 journalctl -u cairn-agent --no-pager 2>&1)"

echo "timings: first apply on h1 (whole command) $t_first s"
summary
