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

# check: a clean fleet.
"$cairn" check "$quickstart" >"$work/out" 2>"$work/err"
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
