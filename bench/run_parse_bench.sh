#!/usr/bin/env bash
# Builds the parse benchmark, generates a fleet, checks that it parses
# cleanly, runs the benchmark on one core and compares it with the targets.
#
#   bench/run_parse_bench.sh [--lines N] [--seed N] [--keep] [benchmark flags]
#
# --keep leaves the generated fleet and the JSON results in the temporary
# directory. Other flags go to parse_bench and win over the script's own
# (e.g. --benchmark_min_time=10; the default here is 3 seconds).
# Exits 0 when the run completed, whether or not the targets were met;
# non-zero when the build, the generator or the check failed.
set -euo pipefail

# The targets: one parse of the fleet on one core, and the parse's peak
# memory as a multiple of the input's size.
readonly TARGET_SECONDS=0.5
readonly TARGET_MEMORY_RATIO=20

lines=100000
seed=1
keep=0
bench_args=()
while (($#)); do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --lines=*) lines="${1#*=}"; shift ;;
    --seed) seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    *) bench_args+=("$1"); shift ;;
  esac
done

cd "$(dirname "$0")/.."

echo "== building (bazel build -c opt //bench:parse_bench //cli:cairn)"
bazel build -c opt //bench:parse_bench //cli:cairn
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cairn-parse-bench.XXXXXX")"
if ((keep)); then
  echo "== keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
fleet="$tmp/fleet.cairn"

echo "== generating $lines lines (seed $seed) into $fleet"
python3 bench/gen_fleet.py --lines "$lines" --seed "$seed" -o "$fleet"

echo "== checking that it parses with no diagnostics"
if ! "$bin/cli/cairn" check --format=json "$fleet" >"$tmp/check.json"; then
  "$bin/cli/cairn" check "$fleet" 2>&1 | head -40 >&2 || true
  echo "run_parse_bench: the generated fleet does not parse cleanly" >&2
  exit 1
fi
python3 - "$tmp/check.json" <<'EOF'
import json, sys
n = len(json.load(open(sys.argv[1]))["diagnostics"])
if n:
  sys.exit("run_parse_bench: the generated fleet has %d diagnostics" % n)
EOF

pin=()
if command -v taskset >/dev/null; then
  pin=(taskset -c 0)
  echo "== running on CPU 0 (taskset -c 0)"
else
  echo "== taskset not found: running unpinned"
fi
"${pin[@]}" "$bin/bench/parse_bench" --fleet="$fleet" \
  --benchmark_min_time=3 \
  --benchmark_out="$tmp/bench.json" --benchmark_out_format=json \
  "${bench_args[@]}"

echo
echo "== summary"
python3 - "$tmp/bench.json" "$TARGET_SECONDS" "$TARGET_MEMORY_RATIO" <<'EOF'
import json, sys

results = json.load(open(sys.argv[1]))
target_seconds = float(sys.argv[2])
target_ratio = float(sys.argv[3])
context = results["context"]
run = next(b for b in results["benchmarks"]
           if b["name"].startswith("BM_Parse") and
           b.get("run_type", "iteration") == "iteration")
if run.get("error_occurred"):
  sys.exit("run_parse_bench: " + run.get("error_message", "benchmark failed"))

scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run["time_unit"]]
cpu = run["cpu_time"] * scale
wall = run["real_time"] * scale
size = run["input_bytes"]
lines = run["lines"]
mb = 1e6
peak_kib = float(context["parse_peak_rss_kib"])
base_kib = float(context["baseline_peak_rss_kib"])
delta_ratio = float(context["parse_peak_over_input"])
total_ratio = peak_kib * 1024 / size

def verdict(ok, miss):
  return "OK" if ok else "MISSED (%s)" % miss

print("input          %.2f MB, %d lines, arena %.2f MB (%.2fx input)"
      % (size / mb, lines, run["arena_bytes"] / mb, run["arena/input"]))
print("time/parse     %.3f s CPU (%.3f s wall), %d iterations"
      % (cpu, wall, run["iterations"]))
print("throughput     %.2f MB/s, %.0f lines/s (CPU time)"
      % (size / mb / cpu, lines / cpu))
print("peak RSS       %.1f MB for the parsing process, %.1f MB above a"
      " process that only reads the file"
      % (peak_kib * 1024 / mb, (peak_kib - base_kib) * 1024 / mb))
print("memory ratio   %.2fx input for the parse (%.2fx counting the whole"
      " process)" % (delta_ratio, total_ratio))
print("target time    < %.2f s: %s" % (target_seconds, verdict(
    cpu < target_seconds, "%.2fx too slow" % (cpu / target_seconds))))
print("target memory  < %.0fx input: %s" % (target_ratio, verdict(
    total_ratio < target_ratio, "%.2fx over" % (total_ratio / target_ratio))))
EOF
