#!/usr/bin/env python3
"""Writes W1 (README.md) as a Cairn configuration: fleet.cairn beside a copy
of w1.conf.j2, one host "bench" at 127.0.0.1.

    gen_cairn.py -o DIR [--root /srv/w1]
"""
import argparse
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-o", "--out", required=True)
    parser.add_argument("--root", default=os.environ.get("W1_ROOT", "/srv/w1"))
    # Only for trying the scripts beside a run of the real thing.
    parser.add_argument("--user-prefix", default=os.environ.get("W1_USER_PREFIX", "w1u"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    shutil.copy(os.path.join(HERE, "w1.conf.j2"), args.out)
    with open(os.path.join(HERE, "keys.pub")) as f:
        keys = [line.strip() for line in f if line.strip()]
    assert len(keys) == 20, "keys.pub must hold 20 keys"

    out = [
        "# W1 (bench/w1/README.md), written by gen_cairn.py.",
        'param root = "%s"' % args.root,
        "",
        "let dirs = [%s]" % ", ".join('"d%02d"' % (d + 1) for d in range(20)),
        "let files = [",
    ]
    for i in range(1000):
        out.append(
            '  { name: "file%04d", dir: "d%02d", port: %d, team: "team%d" },'
            % (i, i % 20 + 1, 10000 + i, i % 7)
        )
    out.append("]")
    out.append("let users = [")
    for n, key in enumerate(keys, 1):
        out.append('  { name: "%s%02d", key: "%s" },' % (args.user_prefix, n, key))
    out.append("]")
    out += [
        "",
        'host "bench" {',
        '  address = "127.0.0.1"',
        "",
        "  for d in dirs {",
        '    directory "${root}/${d}" { mode = "0755" owner = "root" group = "root" }',
        "  }",
        "  for f in files {",
        '    file "${root}/${f.dir}/${f.name}.conf" {',
        '      content = template("w1.conf.j2", { name: f.name, port: f.port, team: f.team })',
        '      mode    = "0644"',
        '      owner   = "root"',
        '      group   = "root"',
        "    }",
        "  }",
        "  for u in users {",
        "    user u.name {",
        '      shell    = "/bin/bash"',
        "      ssh_keys = [u.key]",
        "    }",
        "  }",
        '  line "w1-managed" {',
        '    path  = "${root}/main.conf"',
        '    line  = "w1_managed = yes"',
        '    match = "^w1_managed\\\\s*="',
        "  }",
        "}",
        "",
    ]
    with open(os.path.join(args.out, "fleet.cairn"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
