#!/bin/bash
# Plan and Apply of dns/ against a real Knot DNS server. Starts knotd in a
# fresh temporary directory on 127.0.0.1 at a random free port, with zones
# example.test, exclusive.test and big.test (3000 records: its transfer
# takes several messages) and one TSIG key from keymgr that may update and
# transfer them, then runs the gtest binary $1 with DNS_SERVER, DNS_TSIG,
# DNS_ZONE, DNS_EXCLUSIVE_ZONE and DNS_BIG_ZONE set. knotd goes on exit.
# Fails, never skips, when Knot (knot, knot-dnsutils) is not installed.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

test_bin=$(realpath "$1")
for tool in knotd keymgr kdig knsupdate; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool not found: install the Debian packages knot and" \
      "knot-dnsutils (tools/setup does)" >&2
    exit 1
  fi
done

# Under /tmp, not $TEST_TMPDIR: knotd's control socket path must be short.
dir=$(mktemp -d /tmp/cairn-knot.XXXXXX)
mkdir "$dir/db"
knot_pid=""
stop_knot() {
  if [ -n "$knot_pid" ]; then
    kill "$knot_pid" 2>/dev/null || true
    wait "$knot_pid" 2>/dev/null || true
    knot_pid=""
  fi
}
cleanup() {
  stop_knot
  rm -rf "$dir"
}
trap cleanup EXIT

keymgr -t cairn-test hmac-sha256 >"$dir/tsig.conf"
key=$(sed -n 's/^# \(hmac-sha256:.*\)$/\1/p' "$dir/tsig.conf")
if [ -z "$key" ]; then
  echo "FAIL: keymgr -t printed no key" >&2
  exit 1
fi

seed_zone() {
  cat <<EOF
\$ORIGIN $1.
\$TTL 3600
@    SOA ns1.$1. hostmaster.$1. 1 3600 900 604800 300
@    NS  ns1.$1.
ns1  A   127.0.0.1
EOF
}
seed_zone example.test >"$dir/example.test.zone"
seed_zone exclusive.test >"$dir/exclusive.test.zone"
{
  seed_zone big.test
  awk 'BEGIN { for (i = 1; i <= 3000; i++)
    printf "host%d 300 A 10.0.%d.%d\n", i, int(i / 250), i % 250 + 1 }'
} >"$dir/big.test.zone"

write_config() {
  cat >"$dir/knot.conf" <<EOF
server:
    rundir: $dir
    listen: 127.0.0.1@$1
    udp-workers: 1
    tcp-workers: 2
    background-workers: 1
database:
    storage: $dir/db
log:
  - target: $dir/knotd.log
    any: info
include: $dir/tsig.conf
acl:
  - id: cairn
    key: cairn-test
    action: [update, transfer]
template:
  - id: default
    storage: $dir
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: all
zone:
  - domain: example.test
    acl: cairn
  - domain: exclusive.test
    acl: cairn
  - domain: big.test
    acl: cairn
EOF
}

zones_ready() {
  local zone
  for zone in example.test exclusive.test big.test; do
    kdig @127.0.0.1 -p "$1" +tcp +time=1 +retry=0 SOA "$zone" 2>/dev/null |
      grep -q 'status: NOERROR' || return 1
  done
}

port=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  candidate=$((20000 + RANDOM % 40000))
  # Something listens there already: try another.
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    continue
  fi
  write_config "$candidate"
  knotd -c "$dir/knot.conf" 2>>"$dir/knotd.log" &
  knot_pid=$!
  for _ in $(seq 1 50); do
    if ! kill -0 "$knot_pid" 2>/dev/null; then
      break
    fi
    if zones_ready "$candidate"; then
      port=$candidate
      break 2
    fi
    sleep 0.1
  done
  echo "knotd did not come up on port $candidate (attempt $attempt)" >&2
  stop_knot
done
if [ -z "$port" ]; then
  echo "FAIL: could not start knotd" >&2
  cat "$dir/knotd.log" >&2 || true
  exit 1
fi

status=0
DNS_SERVER="127.0.0.1:$port" DNS_TSIG="$key" DNS_ZONE=example.test \
  DNS_EXCLUSIVE_ZONE=exclusive.test DNS_BIG_ZONE=big.test \
  "$test_bin" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- knotd.log" >&2
  tail -n 60 "$dir/knotd.log" >&2 || true
fi
exit "$status"
