#!/usr/bin/env bash
# Fuzzes the parser with libFuzzer for a while; see lang/parse/fuzz/README.md.
#
#   tools/fuzz.sh [SECONDS]      (default 300)
#
# Builds lang/parse/fuzz/parse_fuzzer.cc and the front end with clang,
# libFuzzer, ASan and UBSan outside Bazel (Bazel only generates the ANTLR
# parser), then fuzzes one job on a working copy of lang/parse/fuzz/corpus
# plus a few large generated inputs. An input that crashes, leaks, times out
# or runs out of memory is copied into lang/parse/fuzz/corpus/ under
# libFuzzer's name for it (crash-<sha1>, leak-<sha1>, ...), where
# //lang/parse/fuzz:parse_fuzzer_regression_test replays it from then on.
#
# Environment:
#   FUZZ_WORK     build and working directory (default /tmp/cairn-fuzz); the
#                 working corpus in it grows from run to run
#   FUZZ_CXX      the compiler (default clang++)
#   ASAN_OPTIONS  passed through; see the README about detect_leaks
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
work="${FUZZ_WORK:-/tmp/cairn-fuzz}"
cxx="${FUZZ_CXX:-clang++}"
fuzzer="$work/parse_fuzzer"

echo "== generating the ANTLR parser with Bazel"
bazel build //lang/parse:cairn_antlr_sources //lang/parse:parse >&2

echo "== building $fuzzer"
mkdir -p "$work/obj" "$work/antlr-shim"
# Debian's ANTLR 4.9 headers do not compile with clang: InterpreterData's
# constructor default-constructs a dfa::Vocabulary, whose default constructor
# is deleted (g++ lets it pass). Nothing here uses InterpreterDataReader, so
# a copy of antlr4-runtime.h without that one include goes first on the path.
grep -v '"misc/InterpreterDataReader.h"' /usr/include/antlr4-runtime/antlr4-runtime.h \
  >"$work/antlr-shim/antlr4-runtime.h.new"
cmp -s "$work/antlr-shim/antlr4-runtime.h.new" "$work/antlr-shim/antlr4-runtime.h" ||
  mv "$work/antlr-shim/antlr4-runtime.h.new" "$work/antlr-shim/antlr4-runtime.h"
rm -f "$work/antlr-shim/antlr4-runtime.h.new"
cxxflags=(-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=all -I. -Ibazel-bin -I"$work/antlr-shim"
  -isystem /usr/include/antlr4-runtime
  $(pkg-config --cflags absl_status absl_statusor absl_strings \
    absl_flat_hash_map absl_hash))
# Every library source of the front end (tests excluded), the generated
# parser, and the fuzz target.
sources=()
for dir in base lang/source lang/diagnostics lang/ast lang/parse lang/format; do
  for src in "$dir"/*.cc; do
    [[ "$src" == *_test.cc ]] || sources+=("$src")
  done
done
sources+=(bazel-bin/lang/parse/CairnLexer.cpp bazel-bin/lang/parse/CairnParser.cpp
  lang/parse/fuzz/parse_fuzzer.cc)

# Whether $1 (an object with a .d file beside it) is older than any input.
stale() {
  local obj="$1" dep
  [[ -f "$obj" && -f "${obj%.o}.d" ]] || return 0
  for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "${obj%.o}.d"); do
    [[ "$dep" -nt "$obj" ]] && return 0
  done
  return 1
}

objects=()
to_build=()
for src in "${sources[@]}"; do
  obj="$work/obj/$(echo "${src%.*}" | tr / _).o"
  objects+=("$obj")
  if stale "$obj"; then to_build+=("$src=$obj"); fi
done
if ((${#to_build[@]})); then
  export CXX_FLAGS="${cxxflags[*]}" CXX="$cxx"
  # Two at a time: the machine has two cores.
  printf '%s\n' "${to_build[@]}" | xargs -P 2 -I{} bash -c '
    src="${1%%=*}"; obj="${1#*=}"
    echo "   $src" >&2
    $CXX $CXX_FLAGS -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj"' _ {}
fi
"$cxx" "${cxxflags[@]}" "${objects[@]}" -o "$fuzzer" -lantlr4-runtime \
  $(pkg-config --libs absl_status absl_statusor absl_strings \
    absl_flat_hash_map absl_hash)

echo "== preparing the working corpus in $work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
cp lang/parse/fuzz/corpus/* "$work/corpus/"
# Large inputs are generated rather than committed. libFuzzer reads only
# their first -max_len bytes; `cairn check` is the tool for whole files.
python3 - "$work/corpus" <<'PY'
import os, sys
out = sys.argv[1]
def w(name, text):
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
n = 10000
w("gen-long-line.cairn", "let x = [" + "1, " * 350000 + "]\n")  # ~1 MB
w("gen-nested-brackets.cairn", "let x = " + "[" * n + "]" * n + "\n")
w("gen-unary-chain.cairn", "let x = " + "!" * n + "x\n")
w("gen-ternary-chain.cairn", "let x = " + "a ? b : " * n + "c\n")
w("gen-else-if-chain.cairn", "if a {}" + " else if a {}" * n + " else {}\n")
w("gen-interp-nesting.cairn", "let x = " + '"${' * n + "x" + '}"' * n + "\n")
w("gen-many-blocks.cairn", 'host "h" { a = 1 }\n' * 5000)
PY
# A dictionary of the language's literal tokens, from the lexer grammar.
grep -o "'[^']*'" lang/grammar/CairnLexer.g4 | sort -u |
  sed -e "s/^'\(.*\)'$/\1/" -e '/^\\/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
    -e 's/.*/"&"/' >"$work/cairn.dict"
printf '%s\n' '"${"' '"\"\"\""' '"# "' '"\\u{"' '"0x"' '"1e9"' \
  '"host"' '"firewall"' '"service"' '"\xff"' >>"$work/cairn.dict"

echo "== fuzzing for $seconds s"
rm -f "$work/artifacts/"*
set +e
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -dict="$work/cairn.dict" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 |
  tee "$work/fuzz.log" | grep --line-buffered -v -e '^#[0-9]*.*\(NEW\|REDUCE\) ' -e 'NEW_FUNC' |
  sed '/Recommended dictionary/,/End of recommended dictionary/d'
status="${PIPESTATUS[0]}"
set -e

found=0
for artifact in "$work/artifacts/"*; do
  [[ -f "$artifact" ]] || continue
  found=1
  same=""
  for kept in lang/parse/fuzz/corpus/*; do
    if cmp -s "$artifact" "$kept"; then same="$kept"; fi
  done
  if [[ -n "$same" ]]; then
    echo "== $(basename "$artifact") is already in the corpus as $same"
  else
    cp "$artifact" lang/parse/fuzz/corpus/
    echo "== kept lang/parse/fuzz/corpus/$(basename "$artifact")"
  fi
done
echo "== fuzzer exited $status; full log in $work/fuzz.log"
if ((found)); then
  echo "== replay: bazel test //lang/parse/fuzz:parse_fuzzer_regression_test"
  echo "==     or: $fuzzer lang/parse/fuzz/corpus/<file>"
  exit 1
fi
exit "$status"
