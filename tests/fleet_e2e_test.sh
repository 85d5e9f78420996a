#!/usr/bin/env bash
# cairn plan and cairn apply across a fleet, end to end: three booted Debian
# hosts (web, db, mail) each running cairn-agent under systemd with mutual
# TLS, a Knot server holding the zone example.test, and the state store in
# the configuration's .cairn/state.db. Checked from outside the tool: SSH
# logins, files on the hosts, records read back with kdig, the store's bytes.
#
# Usage: fleet_e2e_test.sh CAIRN CAIRN_AGENT UNIT_FILE (from Bazel).
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
# shellcheck source=hosts/agents.sh
source "$hosts/agents.sh"
# shellcheck source=hosts/knot.sh
source "$hosts/knot.sh"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"
for tool in ssh ssh-keygen nc systemd-nspawn knotd keymgr kdig; do
  command -v "$tool" >/dev/null || fatal "$tool is missing: run tools/setup"
done

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/fleet_e2e.XXXXXX")"
fleet="$work/fleet"
# Knot's control socket path must be short: not under TEST_TMPDIR.
knot="$(mktemp -d /tmp/cairn-knot.XXXXXX)"
knot_pid=""
cleanup() {
  [[ -n "$knot_pid" ]] && kill "$knot_pid" 2>/dev/null
  "$hosts/fleet.sh" down "$fleet"
  rm -rf --one-file-system "$work" "$knot"
}
trap cleanup EXIT
on() { "$hosts/fleet.sh" exec "$fleet" "$@"; } # on HOST CMD...

# Knot on the controller, with an update key.
knot_start "$knot" example.test cairn-key <<'EOF' || fatal "knot_start failed"
$ORIGIN example.test.
$TTL 3600
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 127.0.0.1
legacy A 192.0.2.99
EOF
dig_a() { kdig @127.0.0.1 -p "$knot_port" +short "$@"; }
pass "knot serves example.test on 127.0.0.1:$knot_port"

"$hosts/rootfs.sh" >/dev/null || fatal "rootfs.sh failed"
"$hosts/fleet.sh" up 3 "$fleet" >/dev/null || fatal "fleet.sh up 3 failed"
# shellcheck disable=SC1091
source "$fleet/fleet.env"

# The configuration, with alice's key and the vault made here.
config="$work/config"
# -L: the runfiles are symlinks into the source tree, which must not change.
cp -rL "$here/fleet_e2e" "$config"
ssh-keygen -q -t ed25519 -N '' -C alice@test -f "$work/alice"
cp "$work/alice.pub" "$config/alice.pub"
db_password="s3cret-db-$RANDOM$RANDOM"
printf 'pw-%s\n' "$RANDOM$RANDOM" >"$work/vault-pw"
cat >"$config/secrets.vault" <<EOF
db_password: "$db_password"
tsig_key: "hmac-sha256:cairn-key:$tsig_secret"
EOF
"$cairn" vault encrypt --vault-password-file "$work/vault-pw" \
  "$config/secrets.vault" >/dev/null 2>&1 || fatal "cairn vault encrypt failed"

# The CA; each host's certificate names it as the configuration does.
"$cairn" ca init "$work/ca" 2>/dev/null || fatal "cairn ca init failed"
declare -A machine=([web]=h1 [db]=h2 [mail]=h3)
for name in web db mail; do
  addr_var="FLEET_ADDR_${machine[$name]}"
  "$cairn" ca issue "$work/ca" "$name" --address "${!addr_var}" 2>/dev/null ||
    fatal "cairn ca issue $name failed"
done
"$cairn" ca issue "$work/ca" controller --client 2>/dev/null ||
  fatal "cairn ca issue controller failed"
mkdir -m 700 "$config/tls"
cp "$work/ca/ca.pem" "$work/ca/controller.pem" "$work/ca/controller.key" "$config/tls/"
for name in web db mail; do
  install_agent "$fleet" "${machine[$name]}" "$name" "$agent_bin" "$unit_file" \
    "$work/ca" >/dev/null 2>&1 || fatal "installing the agent on $name failed"
done
for a in "$FLEET_ADDR_h1" "$FLEET_ADDR_h2" "$FLEET_ADDR_h3"; do
  wait_for 10 nc -z "$a" 7443 || fatal "no agent listening on $a:7443"
done
pass "three agents run under systemd"

# plan/apply with the vault password and the Knot address; output in $out,
# exit status in $rc.
run() {
  out="$(timeout 300 "$cairn" "$1" --vault-password-file "$work/vault-pw" \
    -p "knot=127.0.0.1:$knot_port" "${@:2}" 2>&1)"
  rc=$?
}
ssh_as() { # USER ADDR CMD...
  ssh -F /dev/null -i "$work/alice" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \
    -o ConnectTimeout=5 "$1@$2" "${@:3}"
}

# 1. The first plan shows every creation and changes nothing.
run plan "$config"
expect_eq "plan exits 0" 0 "$rc"
for h in web db mail; do expect_contains "plan names host $h" "host $h (" "$out"; done
expect_contains "plan creates alice" "+ user alice" "$out"
expect_contains "plan creates the db config" "+ file /srv/db/db.conf" "$out"
expect_contains "plan creates the A record" "+ record web A" "$out"
expect_contains "plan has a summary" "Plan: " "$out"
expect_lacks "plan hides the db password" "$db_password" "$out"
expect_lacks "plan hides the TSIG secret" "$tsig_secret" "$out"
expect_fails "plan changed nothing on db" on h2 test -e /srv/db
expect_eq "the zone is untouched" "" "$(dig_a web.example.test A)"
run plan "$config" --detailed-exitcode
expect_eq "plan --detailed-exitcode: 2 with changes" 2 "$rc"

# 2. apply converges, db before web (web comes after db).
run apply "$config" --yes
expect_eq "apply exits 0" 0 "$rc"
expect_contains "apply changed every host" "Apply: 3 of 3 hosts changed, 0 targets failed" "$out"
db_line="$(grep -n '^\[[0-9]/3\] db:' <<<"$out" | cut -d: -f1)"
web_line="$(grep -n '^\[[0-9]/3\] web:' <<<"$out" | cut -d: -f1)"
if [[ -n "$db_line" && -n "$web_line" ]] && ((db_line < web_line)); then
  pass "db finished before web started (after = [host.db])"
else
  fail "db should finish before web: $out"
fi
expect_eq "alice logs in to web" "alice" "$(ssh_as alice "$FLEET_ADDR_h1" whoami 2>&1)"
expect_eq "alice logs in to mail" "alice" "$(ssh_as alice "$FLEET_ADDR_h3" whoami 2>&1)"
expect_contains "db.conf holds the password on db" "$db_password" "$(on h2 cat /srv/db/db.conf)"
expect_eq "web.example.test resolves" "10.200.0.1" "$(dig_a web.example.test A)"
expect_eq "the MX is there" "10 mail.example.test." "$(dig_a example.test MX)"
expect_eq "a record cairn never declared stays" "192.0.2.99" "$(dig_a legacy.example.test A)"
store="$config/.cairn/state.db"
if [[ -s "$store" ]]; then pass "the state store exists"; else fail "no $store"; fi
expect_fails "the store holds no db password" grep -qa "$db_password" "$store"
expect_fails "the store holds no TSIG secret" grep -qa "$tsig_secret" "$store"

# 3. A second plan: nothing to do.
run plan "$config" --detailed-exitcode
expect_eq "second plan --detailed-exitcode: 0" 0 "$rc"
expect_contains "web has no changes" "host web (10.200.0.1:7443): no changes" "$out"
expect_contains "the zone has no changes" "zone example.test (127.0.0.1:$knot_port): no changes" "$out"

# 4. One template changes: exactly its file, on exactly the hosts using it.
run plan "$config" -p motd_version=2 --json
expect_eq "plan --json exits 0" 0 "$rc"
counts="$(python3 -c '
import json, sys
plan = json.load(sys.stdin)
assert plan["format_version"] == 1
for h in plan["hosts"]:
    ids = [c["resource"]["id"] for c in h["changes"]]
    print(h["host"], len(ids), ",".join(ids))
' <<<"$out" 2>&1)"
expect_contains "web: only /etc/motd" "web 1 /etc/motd" "$counts"
expect_contains "mail: only /etc/motd" "mail 1 /etc/motd" "$counts"
expect_contains "db: nothing" "db 0 " "$counts"
run plan "$config" -p motd_version=2
expect_contains "the text plan shows the template's diff" "+web: managed by cairn (motd version 2)" "$out"

# 5. A saved plan is applied exactly, or refused where the host changed.
run plan "$config" -p motd_version=2 --out "$work/motd.plan"
expect_eq "plan --out exits 0" 0 "$rc"
expect_fails "the plan file holds no db password" grep -qa "$db_password" "$work/motd.plan"
on h1 sh -c 'echo edited by hand >/etc/motd'
out="$(timeout 300 "$cairn" apply "$work/motd.plan" --vault-password-file "$work/vault-pw" 2>&1)"
rc=$?
expect_eq "apply PLANFILE exits 1 when a host is refused" 1 "$rc"
expect_contains "web is refused" "web: refused: changed since plan" "$out"
expect_eq "web keeps the hand edit" "edited by hand" "$(on h1 cat /etc/motd)"
expect_contains "mail got the planned change" "motd version 2" "$(on h3 cat /etc/motd)"

# 6. Removing a user from the configuration removes it from the hosts.
run plan "$config" -p motd_version=2 -p with_bob=false
expect_contains "plan removes bob" "- user bob" "$out"
run apply "$config" -p motd_version=2 -p with_bob=false --yes
expect_eq "apply without bob exits 0" 0 "$rc"
expect_fails "bob is gone from web" on h1 id bob
expect_fails "bob is gone from mail" on h3 id bob
expect_contains "web's motd repaired" "motd version 2" "$(on h1 cat /etc/motd)"

# 7. DNS: a new TTL, then a record dropped from the configuration.
run plan "$config" -p motd_version=2 -p with_bob=false -p www_ttl=60
expect_contains "plan changes the record's TTL" "~ record web A" "$out"
run apply "$config" -p motd_version=2 -p with_bob=false -p www_ttl=60 --yes
expect_eq "apply of the TTL exits 0" 0 "$rc"
ttl="$(kdig @127.0.0.1 -p "$knot_port" web.example.test A +noall +answer | awk '{print $2}')"
expect_eq "the TTL is 60 on the server" "60" "$ttl"
sed -i '/record "db" A/d' "$config/fleet.cairn"
run apply "$config" -p motd_version=2 -p with_bob=false -p www_ttl=60 --yes
expect_contains "the dropped record is removed" "- record db A" "$out"
expect_eq "db.example.test no longer resolves" "" "$(dig_a db.example.test A)"
expect_eq "legacy stays" "192.0.2.99" "$(dig_a legacy.example.test A)"
run plan "$config" -p motd_version=2 -p with_bob=false -p www_ttl=60 --detailed-exitcode
expect_eq "converged again" 0 "$rc"

# 8. An agent that is down is reported, not skipped.
on h3 systemctl stop cairn-agent
run plan "$config" -p motd_version=2 -p with_bob=false -p www_ttl=60
expect_eq "plan exits 1 with an unreachable host" 1 "$rc"
expect_contains "mail is unreachable" "host mail (10.200.0.3:7443): UNREACHABLE" "$out"
on h3 systemctl start cairn-agent

# 9. Two applies at once, and Ctrl-C. The first holds the lock while db
# starts its slow service; the second is refused at once, naming the
# holder; Ctrl-C stops the first: db finishes the service but starts
# nothing more, web (after db) never starts.
params=(-p motd_version=2 -p with_bob=false -p www_ttl=60 -p slow=true)
# Not under timeout: Ctrl-C goes to cairn itself.
"$cairn" apply "$config" --vault-password-file "$work/vault-pw" \
  -p "knot=127.0.0.1:$knot_port" "${params[@]}" --yes >"$work/first.out" 2>&1 &
first=$!
slow_is() { [[ "$(on h2 systemctl is-active slow 2>/dev/null)" == "$1" ]]; }
if wait_for 60 slow_is activating; then
  pass "the first apply is starting the slow service"
else
  fail "the slow service never started: $(cat "$work/first.out")"
fi
run apply "$config" "${params[@]}" --yes
expect_eq "a second apply meanwhile exits 1" 1 "$rc"
expect_contains "it names the lock's holder" "the fleet is locked by root@" "$out"
expect_contains "it says how to wait" "--lock-timeout" "$out"
# A third one waits for the lock, then plans and applies on its own.
"$cairn" apply "$config" --vault-password-file "$work/vault-pw" \
  -p "knot=127.0.0.1:$knot_port" "${params[@]}" --yes --lock-timeout 120 \
  >"$work/third.out" 2>&1 &
third=$!
if wait_for 30 grep -q "waiting for the lock" "$work/third.out"; then
  pass "a third apply with --lock-timeout waits"
else
  fail "the third apply does not wait: $(cat "$work/third.out")"
fi
t0="$(now)"
kill -INT "$first"
wait "$first"
first_rc=$?
t1="$(now)"
out="$(cat "$work/first.out")"
expect_eq "the interrupted apply exits 1" 1 "$first_rc"
expect_contains "it says it was interrupted" "interrupted" "$out"
expect_contains "web never started" "web                     not started" "$out"
echo "  (the interrupted apply ended $(elapsed "$t0" "$t1") s after Ctrl-C)"
wait_for 20 slow_is active
expect_eq "db finished the service it was starting" "active" "$(on h2 systemctl is-active slow)"
expect_fails "db started nothing after it" on h2 test -e /srv/db/after-slow
wait "$third"
third_rc=$?
expect_eq "the waiting apply then finishes the job" 0 "$third_rc"
expect_contains "... on db" "db                      changed" "$(cat "$work/third.out")"
expect_eq "the file after the service is there" "x" "$(on h2 cat /srv/db/after-slow)"
out="$("$cairn" history "$config" --limit 2 2>&1)"
expect_contains "history records the cancelled apply" "cancelled" "$out"

# 10. History and the lock.
out="$("$cairn" history "$config" 2>&1)"
expect_contains "history lists the applies" "succeeded" "$out"
expect_contains "history lists the refused one" "failed" "$out"
out="$("$cairn" history "$config" --host web 2>&1)"
expect_contains "history of web shows the refusal" "web: refused: changed since plan" "$out"
out="$("$cairn" lock status "$config" 2>&1)"
expect_contains "no lock is left behind" "not locked" "$out"

summary
