#!/usr/bin/env bash
# The dropit example (examples/dropit) applied for real, then the rebuild
# drill. One booted Debian host stands in for the VPS (h1), a second one
# (h2) probes it from outside, a Knot server on this machine stands in for
# the registrar's DNS, a local package repository (the packages the catalog
# names and their dependencies, fetched once from Debian's mirror) stands in
# for the Internet, and a restic repository on the host stands in for S3.
# The configuration is the example's, unchanged but for its params, its
# vault (the test's own secrets and TSIG key) and the deploy user's key.
#
# Checked from outside: the sudo user logs in with its key and sudo works,
# passwords and root are refused, only ports 22, 80, 443 and 3000 answer
# from h2, nginx answers, the records are in Knot with TTL 300, the database
# takes the vault's password, a backup reaches the restic repository, and a
# second apply changes nothing.
#
# The VPS starts blank, as a provider delivers it: sshd and root's key,
# nothing of the agent (fleet.sh blank purges even its libraries). The first
# `cairn apply --bootstrap` enrols its agent over SSH and applies.
#
# The drill, as in the Flus post-mortem (a mail server lost in a fire): h1 is
# destroyed (killed, its disk and kernel state gone) and a blank one boots in
# its place with the certificates restored as from a backup; one command,
# `cairn apply --bootstrap`, enrols its agent and brings it back to the
# catalog. Its time is printed.
#
# Usage: examples_e2e_test.sh CAIRN AGENT_DEB EXAMPLE_DIR
# shellcheck disable=SC2154
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C

cairn="$(realpath "$1")"
deb="$(realpath "$2")"
example="$(realpath "$3")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hosts="$here/hosts"
# shellcheck source=hosts/testlib.sh
source "$hosts/testlib.sh"
# shellcheck source=hosts/knot.sh
source "$hosts/knot.sh"

[[ $(id -u) -eq 0 ]] || fatal "must run as root (namespaces, mounts, nspawn)"
for tool in ssh ssh-keygen nc systemd-nspawn knotd keymgr kdig openssl python3; do
  command -v "$tool" >/dev/null || fatal "$tool is missing: run tools/setup"
done

work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/examples_e2e.XXXXXX")"
fleet="$work/fleet"
knot="$(mktemp -d /tmp/cairn-knot.XXXXXX)"
knot_pid=""
cleanup() {
  [[ -n "$knot_pid" ]] && kill "$knot_pid" 2>/dev/null
  "$hosts/fleet.sh" down "$fleet"
  rm -rf --one-file-system "$work" "$knot"
}
trap cleanup EXIT
on() { "$hosts/fleet.sh" exec "$fleet" "$@"; } # on HOST CMD...

# The registrar's DNS: Knot with the zone and an update key.
knot_start "$knot" dropit-app.fr dropit-update <<'EOF' || fatal "knot_start failed"
$ORIGIN dropit-app.fr.
$TTL 3600
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 127.0.0.1
EOF
dig_() { kdig @127.0.0.1 -p "$knot_port" "$@"; }

# The configuration: the example, with the test's vault, key and params.
config="$work/dropit"
# -L: the runfiles are symlinks into the source tree, which must not change.
cp -rL "$example" "$config"
rm -rf "$config/golden" "$config/.cairn"
ssh-keygen -q -t ed25519 -N '' -C deploy@test -f "$work/deploy"
cp "$work/deploy.pub" "$config/keys/deploy.pub"
db_password="db-$RANDOM$RANDOM$RANDOM"
restic_password="restic-$RANDOM$RANDOM"
printf 'pw-%s\n' "$RANDOM$RANDOM" >"$work/vault-pw"
cat >"$config/secrets/dropit.vault" <<EOF
vault_db_password: "$db_password"
vault_restic_password: "$restic_password"
vault_s3_secret_key: "s3-$RANDOM$RANDOM"
vault_tsig_key: "hmac-sha256:dropit-update:$tsig_secret"
vault_dokploy_postgres_password: "dk-$RANDOM$RANDOM"
vault_dokploy_auth_secret: "auth-$RANDOM$RANDOM"
EOF
"$cairn" vault encrypt --vault-password-file "$work/vault-pw" \
  "$config/secrets/dropit.vault" >/dev/null 2>&1 || fatal "cairn vault encrypt failed"
# The VPS's address; Knot for the registrar; a local restic repository for
# S3. Dokploy's images come from Docker Hub, which no test host reaches:
# docker is installed, Dokploy's services are not.
params=(-p address=10.200.0.1 -p "dns_server=127.0.0.1:$knot_port"
  -p restic_repository=/srv/restic-test -p dokploy=false -p controller=10.200.0.254)
compile_json="$("$cairn" compile "$config" --vault-password-file "$work/vault-pw" \
  "${params[@]}" --dump=json 2>&1)" || fatal "cairn compile failed: $compile_json"
mapfile -t packages < <(python3 -c '
import json, sys
for line in sys.stdin:
    for r in json.loads(line)["resources"]:
        if r["kind"] == "package":
            print(r["id"])
' <<<"$compile_json")
((${#packages[@]} > 5)) || fatal "the catalog names too few packages: ${packages[*]}"
pass "the catalog installs ${#packages[@]} packages"

# The Internet: those packages and their dependencies, from Debian's mirror.
rootfs="$("$hosts/rootfs.sh")" || fatal "rootfs.sh failed"
t0="$(now)"
# The VPS is blank as a provider delivers it (fleet.sh blank): the agent's
# libraries come from the mirror too, when bootstrap installs its package.
mapfile -t runtime < <("$hosts/fleet.sh" agent-runtime)
mapfile -t debs < <("$hosts/apt_repo.sh" fetch --absent "${runtime[*]}" "$rootfs" \
  "${packages[@]}" "${runtime[@]}")
((${#debs[@]} > 0)) || fatal "apt_repo.sh fetch found nothing"
"$hosts/apt_repo.sh" build "$work/repo" "${debs[@]}" >/dev/null || fatal "apt_repo.sh build failed"
pass "a local repository of ${#debs[@]} packages ($(elapsed "$t0" "$(now)") s)"

"$hosts/fleet.sh" up 2 "$fleet" >/dev/null || fatal "fleet.sh up 2 failed"
# shellcheck disable=SC1091
source "$fleet/fleet.env"

# The fleet's CA where the configuration's tls_dir points: bootstrap signs
# each host's request with it.
"$cairn" ca init "$config/tls" 2>/dev/null || fatal "cairn ca init failed"
"$cairn" ca issue "$config/tls" controller --client 2>/dev/null ||
  fatal "cairn ca issue controller failed"

# certbot's output, which the configuration expects and does not make.
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=dropit-app.fr \
  -addext "subjectAltName=DNS:dropit-app.fr,DNS:api.dropit-app.fr,DNS:dokploy.dropit-app.fr" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null ||
  fatal "openssl could not make a certificate"

# What a provider gives the VPS: sshd with root's key and nothing of the
# agent; the package mirror; certbot's certificates (from a backup). The
# agent comes from `cairn apply --bootstrap`.
prepare_vps() {
  "$hosts/fleet.sh" blank "$fleet" h1 &&
    "$hosts/apt_repo.sh" configure "$fleet" h1 "$work/repo" &&
    "$hosts/fleet.sh" cp "$fleet" h1 "$work/fullchain.pem" \
      /etc/letsencrypt/live/dropit-app.fr/fullchain.pem 644 &&
    "$hosts/fleet.sh" cp "$fleet" h1 "$work/privkey.pem" \
      /etc/letsencrypt/live/dropit-app.fr/privkey.pem 600
}
prepare_vps || fatal "preparing the VPS failed"

run() { # cairn COMMAND ARGS...: output in $out, exit status in $rc
  out="$(timeout 900 "$cairn" "$1" "$config" --vault-password-file "$work/vault-pw" \
    "${params[@]}" "${@:2}" 2>&1)"
  rc=$?
}
as_deploy() { # CMD...: over SSH as the sudo user, with its key
  ssh -F /dev/null -i "$work/deploy" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \
    -o ConnectTimeout=5 "deploy@$FLEET_ADDR_h1" "$@"
}

# The checks of a converged VPS, after the first apply and after the drill.
check_vps() { # LABEL
  local l="$1" p
  expect_eq "$l: deploy logs in with its key" deploy "$(as_deploy whoami 2>&1)"
  expect_eq "$l: deploy is a sudo user" root "$(as_deploy sudo -n whoami 2>&1)"
  local denied
  denied="$(ssh -F /dev/null -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o BatchMode=yes -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password,keyboard-interactive \
    -o ConnectTimeout=5 "deploy@$FLEET_ADDR_h1" true 2>&1)"
  expect_contains "$l: password login is refused" "Permission denied (publickey)" "$denied"
  expect_fails "$l: root cannot log in, even with a key" \
    ssh -F /dev/null -i "$FLEET_SSH_KEY" -o UserKnownHostsFile="$FLEET_KNOWN_HOSTS" \
    -o BatchMode=yes -o ConnectTimeout=5 "root@$FLEET_ADDR_h1" true
  # Listeners the firewall must let through (3000) or drop (8080, 9000):
  # the probe from h2 sees only the four ports.
  on h1 sh -c 'for p in 3000 8080 9000; do setsid nc -lk -p $p >/dev/null 2>&1 </dev/null & done'
  wait_for 5 on h1 sh -c 'ss -ltn | grep -q ":9000 "'
  for p in 22 80 443 3000; do
    expect_ok "$l: port $p answers from h2" on h2 nc -z -w 3 "$FLEET_ADDR_h1" "$p"
  done
  for p in 8080 9000; do
    expect_fails "$l: port $p is dropped from h2" on h2 nc -z -w 3 "$FLEET_ADDR_h1" "$p"
  done
  on h1 pkill -f 'nc -lk' || true
  local http https
  http="$(on h2 curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' \
    --resolve "dropit-app.fr:80:$FLEET_ADDR_h1" http://dropit-app.fr/ 2>&1)"
  expect_eq "$l: nginx redirects http to https" "301 https://dropit-app.fr/" "$http"
  # No application is deployed: nginx answers for it with 502.
  https="$(on h2 curl -sSk -i --resolve "api.dropit-app.fr:443:$FLEET_ADDR_h1" \
    https://api.dropit-app.fr/ 2>&1)"
  expect_contains "$l: nginx answers on 443" "HTTP/2 502" "$https"
  expect_contains "$l: it is nginx, without its version" "server: nginx"$'\r' "$https"
  local pg
  pg="$(on h1 env PGPASSWORD="$db_password" psql -h 127.0.0.1 -U dropit -d dropit -Atc 'select current_user' 2>&1)"
  expect_eq "$l: the database takes the vault's password" dropit "$pg"
}

# How apply reaches a blank host: root's key, the hosts' known keys.
bootstrap=(--bootstrap --package "$deb" --ssh-key "$FLEET_SSH_KEY"
  --known-hosts "$FLEET_KNOWN_HOSTS")

# 1. The first apply, from a blank VPS.
t0="$(now)"
run apply --yes "${bootstrap[@]}"
t_apply="$(elapsed "$t0" "$(now)")"
expect_eq "the first apply exits 0" 0 "$rc"
[[ "$rc" == 0 ]] || echo "$out" | tail -n 60
expect_contains "it enrolled the VPS's agent" "dropit: enrolled in" "$out"
grep "^dropit: enrolled in" <<<"$out"
expect_contains "it changed the VPS" "Apply: 1 of 1 hosts changed, 0 targets failed" "$out"
expect_lacks "no secret in its output" "$db_password" "$out"
expect_lacks "no TSIG secret in its output" "$tsig_secret" "$out"
echo "first apply: $t_apply s"
check_vps "applied"
for name in dropit-app.fr api.dropit-app.fr dokploy.dropit-app.fr; do
  expect_eq "$name has its A record with TTL 300" "$name. 300 IN A 10.200.0.1" \
    "$(dig_ +noall +answer "$name" A | awk '{print $1, $2, $3, $4, $5}')"
done

# The nightly backup, run now: the dump, then restic to its repository.
expect_ok "the dump runs" on h1 systemctl start dropit-pg-dump.service
expect_ok "the backup runs" on h1 systemctl start restic-backup.service
snapshots="$(on h1 envdir /etc/restic/env restic snapshots --json 2>&1)"
expect_contains "the repository holds the dump" '"/var/backups/postgresql"' "$snapshots"
expect_fails "the store holds no plain secret" grep -qa "$db_password" "$config/.cairn/state.db"

# 2. Idempotence: nothing left to do.
run plan --detailed-exitcode
expect_eq "a second plan changes nothing (--detailed-exitcode 0)" 0 "$rc"
[[ "$rc" == 0 ]] || echo "$out"
run apply --yes
expect_eq "a second apply exits 0" 0 "$rc"
expect_contains "a second apply changes nothing" "host dropit (10.200.0.1:7443): no changes" "$out"

# 3. The drill: the VPS is lost and a blank one takes its place.
t0="$(now)"
"$hosts/fleet.sh" rebuild "$fleet" h1 || fatal "fleet.sh rebuild h1 failed"
expect_fails "the new VPS is blank" on h1 test -e /etc/nginx/nginx.conf
prepare_vps || fatal "preparing the rebuilt VPS failed"
t_ready="$(elapsed "$t0" "$(now)")"
run plan --detailed-exitcode
expect_eq "the plan cannot reach the blank host's agent (exit 1)" 1 "$rc"
expect_contains "the plan says it is unreachable" "UNREACHABLE" "$out"
t0="$(now)"
run apply --yes "${bootstrap[@]}"
t_rebuild="$(elapsed "$t0" "$(now)")"
expect_eq "one apply --bootstrap rebuilds it" 0 "$rc"
expect_contains "apply --bootstrap enrolled the new VPS" "dropit: enrolled in" "$out"
grep "^dropit: enrolled in" <<<"$out"
[[ "$rc" == 0 ]] || echo "$out" | tail -n 60
run plan --detailed-exitcode
expect_eq "the rebuilt VPS matches the catalog" 0 "$rc"
check_vps "rebuilt"
echo "rebuild drill: blank host booted in $t_ready s; one apply --bootstrap (agent enrolled over SSH, then the catalog) in $t_rebuild s (first apply: $t_apply s)"

summary
