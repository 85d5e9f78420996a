#!/usr/bin/env bash
# Drift on a real booted Debian host: cairn-agent under systemd watches what
# `cairn apply` applied; hand edits are reported by `cairn drift` with the
# right diff — within 5 s for watched kinds (a file's content and mode, a
# user's shell, a service stopped), within one full-check period for the
# rest (an nftables rule added, a package removed); on_drift = "heal" puts a
# file back; events outlive an agent restart; a huge file and a storm of
# writes leave the agent's memory and CPU bounded (measured).
#
# Usage: drift_hosts_test.sh CAIRN CAIRN_AGENT UNIT_FILE (from Bazel).
# shellcheck disable=SC2154,SC2016
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

[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/drift_hosts.XXXXXX")"
fleet="$work/fleet"
cleanup() {
  "$hosts/fleet.sh" down "$fleet"
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
on() { "$hosts/fleet.sh" exec "$fleet" "$@"; } # on HOST CMD...

"$hosts/rootfs.sh" >/dev/null || fatal "rootfs.sh failed"
"$hosts/fleet.sh" up 1 "$fleet" >/dev/null || fatal "fleet.sh up 1 failed"
# shellcheck disable=SC1091
source "$fleet/fleet.env"
"$hosts/apt_repo.sh" build "$work/repo" >/dev/null || fatal "apt_repo.sh build failed"
"$hosts/apt_repo.sh" configure "$fleet" h1 "$work/repo" >/dev/null ||
  fatal "apt_repo.sh configure failed"

config="$work/config"
cp -r "$here/drift_hosts" "$config"
"$cairn" ca init "$work/ca" 2>/dev/null || fatal "cairn ca init failed"
"$cairn" ca issue "$work/ca" h1 --address "$FLEET_ADDR_h1" 2>/dev/null ||
  fatal "cairn ca issue h1 failed"
"$cairn" ca issue "$work/ca" controller --client 2>/dev/null ||
  fatal "cairn ca issue controller failed"
mkdir -m 700 "$config/tls"
cp "$work/ca/ca.pem" "$work/ca/controller.pem" "$work/ca/controller.key" "$config/tls/"
install_agent "$fleet" h1 h1 "$agent_bin" "$unit_file" "$work/ca" >/dev/null 2>&1 ||
  fatal "installing the agent failed"
wait_for 10 nc -z "$FLEET_ADDR_h1" 7443 || fatal "no agent listening on 7443"

out="$(timeout 300 "$cairn" apply "$config" --yes 2>&1)"
expect_eq "apply exits 0" 0 "$?"
[[ "$out" == *"Apply: 1 of 1 hosts changed"* ]] || fatal "apply did not converge: $out"

# The current drift of h1 as "KIND ID|FIELD|FIELD..." lines.
current() {
  timeout 60 "$cairn" drift "$config" --json 2>/dev/null | python3 -c '
import json, sys
report = json.load(sys.stdin)
for h in report["hosts"]:
    for e in h.get("current", []):
        r = e["diff"]["resource"]
        fields = [c["field"] for c in e["diff"].get("changes", [])]
        print(r["kind"] + " " + r["id"] + "|" + "|".join(fields))
'
}
# Waits up to SECONDS for "KIND ID" (with FIELD among its changes) in the
# current drift; says how long it took.
expect_drift() { # NAME SECONDS KIND ID FIELD
  local t0 line
  t0="$(now)"
  while true; do
    line="$(current | grep -F "$3 $4|")"
    if [[ -n "$line" && "$line" == *"|$5"* ]]; then
      pass "$1 (after $(elapsed "$t0" "$(now)") s)"
      return
    fi
    if awk -v a="$t0" -v b="$(now)" -v s="$2" 'BEGIN { exit !(b - a > s) }'; then
      fail "$1: no drift of $3 $4 ($5) within $2 s; current: $(current)"
      return
    fi
    sleep 0.2
  done
}

wait_for 20 bash -c "timeout 20 '$cairn' drift '$config' --exit-code >/dev/null 2>&1"
timeout 60 "$cairn" drift "$config" --exit-code >/dev/null 2>&1
expect_eq "no drift right after the apply" 0 "$?"

# Watched kinds: within 5 s.
on h1 sh -c 'echo "port = 8080" >/etc/app.conf'
expect_drift "an edited file is reported" 5 file /etc/app.conf content
out="$(timeout 60 "$cairn" drift "$config" 2>&1)"
expect_contains "with its diff" "+port = 80" "$out"
expect_contains "... both ways" "-port = 8080" "$out"
on h1 chmod 0644 /etc/app.key
expect_drift "a chmod is reported" 5 file /etc/app.key mode
on h1 usermod -s /bin/sh carol
expect_drift "a user's new shell is reported" 5 user carol shell
on h1 systemctl stop idle
expect_drift "a stopped service is reported" 5 service idle running

# What no watch sees: within one period (5 s, jittered by a tenth) and the
# check's own time.
on h1 nft add rule inet cairn input tcp dport 9999 accept
expect_drift "an nftables rule added is reported" 12 firewall default ruleset
on h1 apt-get remove -y -qq cairn-test-hello >/dev/null 2>&1
expect_drift "a removed package is reported" 12 package cairn-test-hello state
timeout 60 "$cairn" drift "$config" --exit-code >/dev/null 2>&1
expect_eq "drift --exit-code: 2" 2 "$?"

# A repair by hand resolves.
on h1 sh -c 'echo "port = 80" >/etc/app.conf'
sleep 2
expect_lacks "a repaired file is no longer drifted" "file /etc/app.conf|" "$(current)"

# Events outlive the agent: an edit, a restart, still reported.
on h1 sh -c 'echo other >/etc/app.conf'
expect_drift "edited before a restart" 5 file /etc/app.conf content
on h1 systemctl restart cairn-agent
wait_for 10 nc -z "$FLEET_ADDR_h1" 7443 || fail "the agent did not come back"
expect_drift "still reported after the restart" 5 file /etc/app.conf content

# Heal: the agent puts the file back and says so.
out="$(timeout 300 "$cairn" apply "$config" -p motd_drift=heal --yes 2>&1)"
expect_eq "apply with heal exits 0" 0 "$?"
timeout 60 "$cairn" drift "$config" --exit-code >/dev/null 2>&1
expect_eq "the apply repaired everything, and says so at once" 0 "$?"
on h1 sh -c 'echo defaced >/etc/motd'
healed=""
for _ in $(seq 1 25); do
  healed="$(timeout 60 "$cairn" drift "$config" --json 2>/dev/null |
    python3 -c '
import json, sys
for h in json.load(sys.stdin)["hosts"]:
    for e in h.get("events", []):
        if e["diff"]["resource"]["id"] == "/etc/motd" and e["state"] == "STATE_HEALED":
            print("healed")
')"
  [[ -n "$healed" ]] && break
  sleep 0.2
done
expect_eq "the heal is reported" "healed" "${healed%%$'\n'*}"
expect_eq "the file is back" "managed by cairn" "$(on h1 cat /etc/motd)"

# Hostile input, measured: a huge file where a config goes, and a storm of
# writes in a watched directory.
agent_pid="$(on h1 systemctl show -p MainPID --value cairn-agent)"
cpu_ticks() { on h1 awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
rss_kb() { on h1 awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status"; }
hwm_kb() { on h1 awk '/^VmHWM/ {print $2}' "/proc/$agent_pid/status"; }
on h1 truncate -s 1G /etc/app.conf
expect_drift "a 1 GiB file where a config goes is reported" 5 file /etc/app.conf content
hwm="$(hwm_kb)"
echo "  (agent peak RSS after the 1 GiB file: $((hwm / 1024)) MB)"
if ((hwm < 100 * 1024)); then pass "the huge file was not read into memory"; else
  fail "agent peak RSS $((hwm / 1024)) MB after a 1 GiB file"
fi
ticks0="$(cpu_ticks)"
t0="$(now)"
on h1 sh -c 'i=0; while [ $i -lt 20000 ]; do echo $i >/etc/noise; i=$((i+1)); done'
t1="$(now)"
sleep 1
ticks1="$(cpu_ticks)"
hz="$(on h1 getconf CLK_TCK)"
cpu="$(awk -v d="$((ticks1 - ticks0))" -v hz="$hz" -v a="$t0" -v b="$(now)" \
  'BEGIN { printf "%.1f", 100 * d / hz / (b - a) }')"
echo "  (20,000 writes in /etc in $(elapsed "$t0" "$t1") s: agent CPU ${cpu}% of a core, RSS $(($(rss_kb) / 1024)) MB)"
if awk -v c="$cpu" 'BEGIN { exit !(c < 50) }'; then
  pass "a storm of writes beside managed files costs the agent little CPU"
else
  fail "agent CPU ${cpu}% during a storm of writes"
fi
on h1 rm -f /etc/noise

summary
