#!/usr/bin/env bash
# Writes compile_commands.json at the workspace root for clangd and
# clang-tidy, from the compile actions Bazel would run (bazel aquery).
# Generated sources (the ANTLR parser) are built first so editors find them.
set -euo pipefail
cd "$(dirname "$0")/.."

bazel build //lang/parse:cairn_antlr_sources >/dev/null 2>&1
execroot=$(bazel info execution_root 2>/dev/null)
bazel aquery 'mnemonic("CppCompile", //...)' --output=jsonproto 2>/dev/null |
  python3 -c '
import json, sys
execroot = sys.argv[1]
actions = json.load(sys.stdin).get("actions", [])
out = []
for action in actions:
    args = action["arguments"]
    source = None
    for i, arg in enumerate(args):
        if arg == "-c" and i + 1 < len(args):
            source = args[i + 1]
    if source is None:
        continue
    out.append({"directory": execroot, "file": source, "arguments": args})
json.dump(out, open("compile_commands.json", "w"), indent=1)
print(f"compile_commands.json: {len(out)} files")
' "$execroot"
