#!/usr/bin/env python3
"""Writes a C++ source holding files as a sorted table of StdFile entries.

usage: embed_files.py OUT.cc STRIP_PREFIX NEW_PREFIX FILE...

Each FILE's path loses STRIP_PREFIX and gains NEW_PREFIX ("modules/std/x.cairn"
-> "std/x.cairn"). Contents are written as escaped string literals with an
explicit length, so any bytes survive.
"""
import sys


def literal(data: bytes) -> str:
    out = []
    for b in data:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n\"\n    \"")
        elif 32 <= b < 127 and c != "?":
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def main() -> None:
    out_path, strip, prefix, *files = sys.argv[1:]
    entries = []
    for path in files:
        name = path[path.index(strip) + len(strip):] if strip in path else path
        with open(path, "rb") as f:
            entries.append((prefix + name, f.read()))
    entries.sort()
    with open(out_path, "w") as out:
        out.write('#include "compiler/eval/stdlib.h"\n\n')
        out.write("namespace cairn::eval {\n\n")
        out.write("extern const StdFile kStdFiles[];\n")
        out.write("extern const size_t kStdFileCount;\n\n")
        out.write("const StdFile kStdFiles[] = {\n")
        for name, data in entries:
            out.write("  {std::string_view(%s, %d),\n   std::string_view(%s, %d)},\n"
                      % (literal(name.encode()), len(name.encode()),
                         literal(data), len(data)))
        if not entries:
            out.write("  {},\n")
        out.write("};\n")
        out.write("const size_t kStdFileCount = %d;\n\n" % len(entries))
        out.write("}  // namespace cairn::eval\n")


if __name__ == "__main__":
    main()
