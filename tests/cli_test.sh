#!/usr/bin/env bash
# End-to-end tests of the cairn command: exit codes, what it prints, and that
# fmt -w never touches a file it cannot parse.
set -uo pipefail

cairn="$1"
quickstart="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
expect_status() {  # name want got
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1 (exit $3, want $2)"; fi
}
expect_grep() {  # name pattern file
  if grep -qE -- "$2" "$3"; then pass "$1"; else
    fail "$1: /$2/ not in:"; sed 's/^/    /' "$3"
  fi
}

# check: a clean fleet; without the vault password it warns and goes on.
"$cairn" check "$quickstart" >"$work/out" 2>"$work/err"
expect_status "check quickstart without password" 0 $?
expect_grep "vault not opened" 'warning\[W0003\]' "$work/err"
expect_grep "one warning" '^0 errors, 1 warning in 1 file$' "$work/err"
"$cairn" check --vault-password-file "$quickstart/demo-vault-password" \
  "$quickstart" >"$work/out" 2>"$work/err"
expect_status "check quickstart" 0 $?
expect_grep "check quickstart says so" '^1 file checked, no problems$' "$work/err"

# check: three different mistakes, three located errors.
cat >"$work/three.cairn" <<'CAIRN'
hots "web1" {
  address = "203.0.113.20"
}

host "web2" {
  address = "203.0.113.21"
  address = "203.0.113.22"
}

let port = 0b101
CAIRN
"$cairn" check --color=never "$work/three.cairn" 2>"$work/err"
expect_status "check three mistakes" 1 $?
expect_grep "E0201 at 1:1" 'three.cairn:1:1: error\[E0201\]' "$work/err"
expect_grep "did you mean host" "did you mean 'host'\?" "$work/err"
expect_grep "E0202 at 7:3" 'three.cairn:7:3: error\[E0202\]' "$work/err"
expect_grep "E0007 at 10:12" 'three.cairn:10:12: error\[E0007\]' "$work/err"
expect_grep "caret under the mistake" '^ +\| +\^~~~~$' "$work/err"
expect_grep "summary" '^3 errors in 1 file$' "$work/err"

# check: JSON is valid and carries positions.
"$cairn" check --format=json "$work/three.cairn" >"$work/json" 2>/dev/null
expect_status "check --format=json exit" 1 $?
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["diagnostics"]
assert [x["code"] for x in d] == ["E0201", "E0202", "E0007"], d
assert d[0]["range"]["start"] == {"line": 1, "column": 1, "offset": 0}, d[0]
' "$work/json"; then pass "json content"; else fail "json content"; fi

# check: stdin, a missing path, a bad flag, no color when piped.
printf 'let x = \n' | "$cairn" check - 2>"$work/err"
expect_status "check - reads stdin" 1 $?
expect_grep "stdin named" '^<stdin>:2:1: error' "$work/err"
if grep -q $'\033' "$work/err"; then fail "no color when not a TTY"; else pass "no color when not a TTY"; fi
"$cairn" check "$work/missing.cairn" 2>"$work/err"
expect_status "check missing path" 2 $?
expect_grep "missing path named" 'missing.cairn' "$work/err"
"$cairn" check --nope "$quickstart" 2>/dev/null
expect_status "check bad flag" 2 $?

# compile: catalogs, params from a file and -p, JSON, binary catalogs.
pw="$quickstart/demo-vault-password"
"$cairn" compile --vault-password-file "$pw" "$quickstart" >"$work/out" 2>"$work/err"
expect_status "compile quickstart" 0 $?
expect_grep "web1's catalog" '^# host web1$' "$work/out"
expect_grep "the zone" '^# zone example.org$' "$work/out"
expect_grep "TSIG key fingerprinted" 'tsig: "\(secret:[0-9a-f]{8}\)"' "$work/out"
expect_grep "template rendered" 'server_name app.example.org;' "$work/out"
if grep -q motd "$work/out"; then fail "prod has no motd"; else pass "prod has no motd"; fi
printf '# staging\nenv = staging\n' >"$work/staging.params"
"$cairn" compile --vault-password-file "$pw" --params-file "$work/staging.params" \
  "$quickstart" >"$work/out" 2>"$work/err"
expect_status "compile --params-file" 0 $?
expect_grep "staging motd" '/etc/motd' "$work/out"
"$cairn" compile --vault-password-file "$pw" --params-file "$work/staging.params" \
  -p env=prod "$quickstart" >"$work/out" 2>"$work/err"
if grep -q motd "$work/out"; then fail "-p wins over the file"; else pass "-p wins over the file"; fi
printf 'env staging\n' >"$work/bad.params"
"$cairn" compile --params-file "$work/bad.params" "$quickstart" 2>"$work/err"
expect_status "bad params file" 2 $?
expect_grep "bad params file located" 'bad.params:1: expected NAME=VALUE' "$work/err"
CAIRN_VAULT_PASSWORD=$(cat "$pw") "$cairn" compile --dump=json --host web2 \
  "$quickstart" >"$work/json" 2>"$work/err"
expect_status "compile --dump=json" 0 $?
if python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
c = json.loads(lines[0])
assert c["host"]["name"] == "web2", c["host"]
kinds = sorted({r["kind"] for r in c["resources"]})
assert kinds == ["file", "firewall", "package", "service", "user"], kinds
' "$work/json"; then pass "json catalog"; else fail "json catalog"; fi
"$cairn" compile --vault-password-file "$pw" --dump=none --out "$work/catalogs" \
  "$quickstart" 2>"$work/err"
expect_status "compile --out" 0 $?
[[ $(stat -c %a "$work/catalogs/web1.catalog.pb") == 600 ]] && pass "catalog is 0600" || fail "catalog is 0600"
[[ -s "$work/catalogs/web2.catalog.pb" ]] && pass "web2 catalog written" || fail "web2 catalog written"
"$cairn" compile "$quickstart" >"$work/out" 2>"$work/err"
expect_status "compile without the password" 1 $?
expect_grep "says no catalog" 'no catalog written' "$work/err"
[[ -s "$work/out" ]] && fail "nothing printed on error" || pass "nothing printed on error"
"$cairn" compile --vault-password-file "$pw" --host nosuch "$quickstart" 2>"$work/err"
expect_status "compile unknown host" 2 $?

# A secret param's value stays out of the catalog's params (plans and the
# state store keep those); a plain one is recorded.
cat >"$work/secret.cairn" <<'EOF'
param token: secret
param tier: string = "a"
host "h" {
  address = "192.0.2.1"
  file "/etc/token" { content = token }
}
EOF
"$cairn" compile -p token=hunter2-value -p tier=b "$work/secret.cairn" >"$work/out" 2>"$work/err"
expect_status "compile with a secret param" 0 $?
expect_grep "the plain param is recorded" 'value: "b"' "$work/out"
if grep -q hunter2-value "$work/out"; then
  fail "the secret param leaked into the catalog"
else
  pass "the secret param stays out of the catalog"
fi

# graph: DOT with the notify edge.
"$cairn" graph --vault-password-file "$pw" --host web1 "$quickstart" >"$work/dot" 2>"$work/err"
expect_status "graph" 0 $?
expect_grep "digraph" '^digraph "web1" \{$' "$work/dot"
expect_grep "notify edge" '"file /etc/nginx/sites-enabled/app.example.org" -> "service nginx" \[style=dashed, label="reload"\];' "$work/dot"
if command -v dot >/dev/null; then
  dot -Tsvg "$work/dot" >/dev/null && pass "dot reads it" || fail "dot reads it"
fi

# imports: a module of one's own and the standard library.
mkdir -p "$work/mods/lib"
cat >"$work/mods/fleet.cairn" <<'CAIRN'
import "./lib/php"
import "std/nginx"

host "web1" {
  address = "203.0.113.20"
  use php.fpm()
  use nginx.site(domain = "example.org", root = "/srv/www")
}
CAIRN
printf 'role fpm { package "php8.2-fpm" {} }\n' >"$work/mods/lib/php.cairn"
"$cairn" compile "$work/mods" >"$work/out" 2>"$work/err"
expect_status "compile with modules" 0 $?
expect_grep "module's package" 'id: "php8.2-fpm"' "$work/out"
expect_grep "std template" 'server_name example.org;' "$work/out"
"$cairn" check "$work/mods" 2>"$work/err"
expect_status "check with modules" 0 $?
expect_grep "both files checked" "^2 files checked, no problems$" "$work/err"

# fmt: prints, checks, rewrites.
printf 'host "a" {address="1.2.3.4"\nport=80}\n' >"$work/ugly.cairn"
cp "$work/ugly.cairn" "$work/ugly.orig"
"$cairn" fmt "$work/ugly.cairn" >"$work/pretty" 2>&1
expect_status "fmt prints" 0 $?
printf 'host "a" {\n  address = "1.2.3.4"\n  port    = 80\n}\n' >"$work/want"
if cmp -s "$work/pretty" "$work/want"; then pass "fmt output"; else
  fail "fmt output"; diff "$work/want" "$work/pretty"
fi
cmp -s "$work/ugly.cairn" "$work/ugly.orig" && pass "fmt without -w leaves the file" || fail "fmt without -w leaves the file"
"$cairn" fmt --check "$work/ugly.cairn" >"$work/out"
expect_status "fmt --check on unformatted" 1 $?
expect_grep "fmt --check names the file" 'ugly.cairn' "$work/out"
"$cairn" fmt -w "$work/ugly.cairn"
expect_status "fmt -w" 0 $?
cmp -s "$work/ugly.cairn" "$work/want" && pass "fmt -w rewrote" || fail "fmt -w rewrote"
"$cairn" fmt --check "$work/ugly.cairn" >/dev/null
expect_status "fmt --check on formatted" 0 $?
ls "$work" | grep -q cairn-tmp && fail "fmt -w left a temporary file" || pass "fmt -w left no temporary file"

# fmt: a file with errors is reported and never rewritten.
printf 'host "a" {\n  address = \n' >"$work/broken.cairn"
cp "$work/broken.cairn" "$work/broken.orig"
"$cairn" fmt -w "$work/broken.cairn" 2>"$work/err"
expect_status "fmt -w on a broken file" 1 $?
cmp -s "$work/broken.cairn" "$work/broken.orig" && pass "broken file untouched" || fail "broken file untouched"
expect_grep "fmt says why" 'not formatted: fix the errors first' "$work/err"

# fmt of the quickstart is the quickstart: the example is canonical.
"$cairn" fmt --check "$quickstart" >"$work/out"
expect_status "quickstart is formatted" 0 $?

# Hostile input: a 10 MB single line and 10,000 nested brackets end quickly
# with a diagnostic, not a crash.
python3 -c "print('let x = \"' + 'a' * 10_000_000)" >"$work/long.cairn"
timeout 20 "$cairn" check "$work/long.cairn" 2>"$work/err"
expect_status "10 MB line" 1 $?
expect_grep "10 MB line reported" 'E0003' "$work/err"
python3 -c "print('let x = ' + '[' * 10000 + ']' * 10000)" >"$work/deep.cairn"
timeout 20 "$cairn" check "$work/deep.cairn" 2>"$work/err"
expect_status "10,000 brackets" 1 $?
expect_grep "nesting reported" 'E0103' "$work/err"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
