#!/usr/bin/env bash
# The example fleets (examples/*/) and the standard modules' test
# configurations (modules/std/*/test/) as golden tests, with the real cairn
# binary. For each configuration directory DIR:
#   - `cairn check DIR` reports nothing at all: no error, no warning;
#   - `cairn fmt --check` passes on every .cairn file under DIR (and, for a
#     module's test, on the module's own files);
#   - `cairn compile DIR --dump=review` gives exactly DIR/golden/: one
#     HOST.txt per host and one ZONE.zone.txt per zone, and no other file.
# A DIR holding NAME.params files is compiled once per file
# (--params-file), into DIR/golden/NAME/. A file DIR/demo-vault-password is
# passed as --vault-password-file.
#
# After a deliberate change, rewrite the golden files with
#   bazel run //tests:fleet_golden_test -- --autoupdate [DIR...]
# (only the DIRs, e.g. examples/flus, when given) and review the diff
# (git diff examples modules) before committing it.
#
# usage: fleet_golden_test.sh CAIRN [--autoupdate [DIR...]]
set -uo pipefail

cairn="$1"
update=false
only=()
if [[ "${2:-}" == "--autoupdate" ]]; then
  update=true
  only=("${@:3}")
fi
if $update; then
  [[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]] || {
    echo "--autoupdate needs bazel run" >&2
    exit 2
  }
  root="$BUILD_WORKSPACE_DIRECTORY"
else
  root="$PWD"
fi
cairn="$(cd "$(dirname "$cairn")" && pwd)/$(basename "$cairn")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

# Splits `cairn compile --dump=review` output into OUT/HOST.txt and
# OUT/ZONE.zone.txt.
split_review() {  # REVIEW OUT
  awk -v out="$2" '
    /^host / { f = out "/" $2 ".txt" }
    /^zone / { f = out "/" $2 ".zone.txt" }
    { if (f == "") { print "text before the first host: " $0 > "/dev/stderr"; exit 1 }
      print > f }
  ' "$1"
}

# One configuration with one params file (or none): check, fmt, compile.
run_case() {  # DIR PARAMS_FILE GOLDEN_DIR NAME
  local dir="$1" params="$2" golden="$3" name="$4"
  local flags=()
  [[ -n "$params" ]] && flags+=(--params-file "$params")
  [[ -f "$dir/demo-vault-password" ]] &&
    flags+=(--vault-password-file "$dir/demo-vault-password")
  if (cd "$root" && "$cairn" check "${flags[@]}" --color=never "$dir") \
    >"$work/out" 2>"$work/err" &&
    ! grep -qvE '^[0-9]+ files? checked, no problems$' "$work/err"; then
    pass "$name: check is clean"
  else
    fail "$name: check:"
    sed 's/^/    /' "$work/err"
  fi
  local got="$work/got/$name"
  rm -rf "$got"
  mkdir -p "$got"
  if ! (cd "$root" && "$cairn" compile "${flags[@]}" --color=never \
    --dump=review "$dir") >"$work/review" 2>"$work/err"; then
    fail "$name: compile:"
    sed 's/^/    /' "$work/err"
    return
  fi
  if ! split_review "$work/review" "$got"; then
    fail "$name: the review output does not start with a host"
    return
  fi
  if $update; then
    rm -rf "${root:?}/$golden"
    mkdir -p "$root/$golden"
    cp "$got"/* "$root/$golden/"
    echo "updated: $golden"
    return
  fi
  if diff -ru "$root/$golden" "$got" >"$work/diff"; then
    pass "$name: catalogs match $golden"
  else
    fail "$name: catalogs differ from $golden (bazel run //tests:fleet_golden_test -- --autoupdate, then review):"
    head -n 80 "$work/diff" | sed 's/^/    /'
  fi
}

dirs=()
for d in "$root"/examples/*/ "$root"/modules/std/*/test/; do
  [[ -d "$d" ]] || continue
  d="${d#"$root"/}"
  if ((${#only[@]} > 0)); then
    keep=false
    for o in "${only[@]}"; do [[ "${d%/}" == "${o%/}" ]] && keep=true; done
    $keep || continue
  fi
  dirs+=("$d")
done
((${#dirs[@]} > 0)) || {
  echo "FAIL: no configuration found under examples/ or modules/std/*/test/"
  exit 1
}

for dir in "${dirs[@]}"; do
  dir="${dir%/}"
  # A module's test checks the module's own files too.
  module=()
  [[ "$dir" == modules/std/*/test ]] && module=("$(dirname "$dir")")
  mapfile -t cairn_files < <(cd "$root" && {
    find "$dir" -name '*.cairn' -not -path '*/.*'
    ((${#module[@]} == 0)) || find "${module[0]}" -maxdepth 1 -name '*.cairn'
  } | sort)
  if ((${#cairn_files[@]} == 0)); then
    fail "$dir: no .cairn file"
    continue
  fi
  if (cd "$root" && "$cairn" fmt --check "${cairn_files[@]}") >"$work/fmt" 2>&1; then
    pass "$dir: formatted (${#cairn_files[@]} files)"
  else
    fail "$dir: not formatted (cairn fmt -w):"
    sed 's/^/    /' "$work/fmt"
  fi
  mapfile -t params < <(cd "$root" && find "$dir" -maxdepth 1 -name '*.params' | sort)
  if ((${#params[@]} == 0)); then
    run_case "$dir" "" "$dir/golden" "$dir"
  else
    for p in "${params[@]}"; do
      stem="$(basename "$p" .params)"
      run_case "$dir" "$p" "$dir/golden/$stem" "$dir ($stem)"
    done
  fi
done

echo "$passed passed, $failed failed"
((failed == 0))
