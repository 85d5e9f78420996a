#!/usr/bin/env bash
# The compile benchmark: a generated fleet of 1,000 and 10,000 hosts of
# about 100 resources each (roles, loops, interpolation, 36 files a host
# rendered from Jinja2 templates), compiled end to end by `cairn compile
# --dump=none`. Prints wall time, CPU time and peak memory per size against
# the targets (1,000 hosts < 2 s, 10,000 < 20 s, peak < 1 GiB at 10,000),
# and, as a peer, the time python3-jinja2 (the engine inside Ansible's
# template module) takes to render the same templates with the same
# variables, and nothing else, measured in the same run. Best of RUNS
# (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
bazel build -c opt //cli:cairn >&2
cairn="$PWD/bazel-bin/cli/cairn"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

for hosts in 1000 10000; do
  dir="$work/fleet$hosts"
  mkdir -p "$dir"
  python3 bench/gen_compile_fleet.py --hosts "$hosts" -o "$dir"
  lines=$(wc -l <"$dir/fleet.cairn")
  resources=$("$cairn" compile "$dir" 2>/dev/null | grep -c '^resources {' || true)
  best=""
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" $pin "$cairn" compile --dump=none "$dir" 2>/dev/null
    read -r wall user sys rss <"$work/time"
    cpu=$(python3 -c "print(round($user + $sys, 3))")
    if [[ -z "$best" ]] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then
      best=$wall best_cpu=$cpu best_rss=$rss
    fi
  done
  target=$([[ $hosts == 1000 ]] && echo 2 || echo 20)
  jinja=$($pin python3 bench/jinja_peer.py "$dir" "$hosts")
  verdict=$(python3 -c "print('OK' if $best < $target else 'MISSED')")
  mem_verdict=$(python3 -c "print('OK' if $best_rss < 1048576 else 'MISSED')")
  ratio=$(python3 -c "print(round($jinja / $best, 1))")
  printf '%6d hosts, %7d resources, %7d lines: %6.2f s wall, %6.2f s CPU, peak %5d MB  (time < %d s: %s; memory < 1 GiB: %s)\n' \
    "$hosts" "$resources" "$lines" "$best" "$best_cpu" $((best_rss / 1024)) "$target" "$verdict" "$mem_verdict"
  printf '        peer: python3-jinja2 renders only the %d templates in %.2f s: cairn compiles everything %.1fx faster\n' \
    $((hosts * 36)) "$jinja" "$ratio"
done
