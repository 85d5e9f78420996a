# shellcheck shell=bash
# A Knot DNS server on this machine for the tests that update zones (RFC 2136
# with TSIG), standing in for a registrar's or a team's primary server.
# Source it, then
#
#   knot_start DIR ZONE KEY_NAME <zonefile
#
# serves ZONE on 127.0.0.1 at a random port from the zone file on stdin,
# with an HMAC-SHA256 key KEY_NAME (keymgr) allowed to update and transfer
# it. It sets knot_port, tsig_secret (base64) and knot_pid; everything it
# writes stays in DIR, which must be short (Knot's control socket is a
# unix socket) and is the caller's to remove after `kill "$knot_pid"`.
# Needs knotd, keymgr and kdig (tools/setup: knot, knot-dnsutils).
knot_start() {
  local dir="$1" zone="$2" key="$3"
  mkdir -p "$dir/db" "$dir/run"
  keymgr -t "$key" hmac-sha256 >"$dir/tsig.conf" || return 1
  tsig_secret="$(sed -n 's/^ *secret: *//p' "$dir/tsig.conf")"
  [[ -n "$tsig_secret" ]] || return 1
  knot_port=$((20000 + RANDOM % 20000))
  cat >"$dir/db/$zone.zone"
  cat >"$dir/knot.conf" <<KNOT
server:
  rundir: "$dir/run"
  listen: 127.0.0.1@$knot_port
# The journal and timers too, not /var/lib/knot: nothing outlives the test.
database:
  storage: "$dir/db"
include: "$dir/tsig.conf"
acl:
  - id: upd
    key: $key
    action: [update, transfer]
template:
  - id: default
    storage: "$dir/db"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: all
zone:
  - domain: $zone
    acl: upd
KNOT
  knotd -c "$dir/knot.conf" >"$dir/log" 2>&1 &
  knot_pid=$!
  local i
  for ((i = 0; i < 50; i++)); do
    kdig @127.0.0.1 -p "$knot_port" +short SOA "$zone" 2>/dev/null | grep -q . && return 0
    sleep 0.2
  done
  echo "knotd did not start: $(cat "$dir/log")" >&2
  return 1
}
