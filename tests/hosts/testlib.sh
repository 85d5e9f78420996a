#!/usr/bin/env bash
# Assertions for the shell tests on test hosts: source it, call the expect_*
# functions, end with `summary` (its status is the test's). Failures are
# counted and printed, never skipped.

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
fatal() { fail "$1"; summary; exit 1; }
summary() { echo "$passed passed, $failed failed"; ((failed == 0)); }
expect_eq() {  # name want got
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: got '$3', want '$2'"; fi
}
expect_contains() {  # name needle haystack
  if [[ "$3" == *"$2"* ]]; then pass "$1"; else
    fail "$1: no '$2' in:"
    printf '    %s\n' "${3//$'\n'/$'\n'    }"
  fi
}
expect_lacks() {  # name needle haystack
  if [[ "$3" != *"$2"* ]]; then pass "$1"; else
    fail "$1: unexpected '$2' in:"
    printf '    %s\n' "${3//$'\n'/$'\n'    }"
  fi
}
expect_ok() {  # name cmd...
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then pass "$name"; else
    fail "$name: '$*' failed:"
    printf '    %s\n' "${out//$'\n'/$'\n'    }"
  fi
}
expect_fails() {  # name cmd...
  local name="$1"
  shift
  if "$@" >/dev/null 2>&1; then fail "$name: '$*' succeeded"; else pass "$name"; fi
}
# Polls `cmd...` every 0.2 s until it succeeds or `seconds` pass.
wait_for() {  # seconds cmd...
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
