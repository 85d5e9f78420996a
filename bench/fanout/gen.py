#!/usr/bin/env python3
"""Writes the fan-out benchmark's configuration (README.md): N hosts h1..hN,
each with its own agent on 127.0.0.1:BASE_PORT+I-1 and 100 resources under
ROOT/hI/ (1 directory, 95 small files, 3 symlinks, 1 line), through one
role, as a user would write it.

    gen.py -o DIR --hosts N --root ROOT --tls-dir TLS [--base-port 17000]

DIR/fleet.cairn is written; DIR/.cairn/state.db is the state store (made by
the first plan or apply). TLS is the controller's directory (ca.pem,
controller.pem, controller.key), absolute, shared by every config dir.
"""
import argparse
import os

FILES = 95     # + 1 directory + 3 symlinks + 1 line = 100 resources a host
LINKS = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--out", required=True)
    parser.add_argument("--hosts", type=int, required=True)
    parser.add_argument("--root", required=True, help="absolute; hosts manage ROOT/hI/")
    parser.add_argument("--tls-dir", required=True, help="absolute")
    parser.add_argument("--base-port", type=int, default=17000)
    args = parser.parse_args()
    for p in (args.root, args.tls_dir):
        if not os.path.isabs(p):
            parser.error("%s must be absolute" % p)
    if not 1 <= args.hosts <= 10000:
        parser.error("--hosts must be between 1 and 10000")

    out = [
        "# The fan-out benchmark (bench/fanout/README.md), written by gen.py:",
        "# %d hosts x 100 resources, one agent each on loopback." % args.hosts,
        "",
        "fleet {",
        '  state       = ".cairn/state.db"',
        '  tls_dir     = "%s"' % args.tls_dir,
        "}",
        "",
        'let root = "%s"' % args.root,
        "let files = [",
    ]
    for i in range(FILES):
        out.append('  { name: "f%02d", port: %d },' % (i, 8000 + i))
    out += [
        "]",
        "let links = [%s]" % ", ".join('"f%02d"' % i for i in range(LINKS)),
        "",
        "role node(name: string) {",
        '  directory "${root}/${name}" { mode = "0755" }',
        "  for f in files {",
        '    file "${root}/${name}/${f.name}.conf" {',
        '      content = "# ${name}: ${f.name}, managed by cairn\\nlisten = ${f.port}\\n"',
        '      mode    = "0644"',
        "    }",
        "  }",
        "  for l in links {",
        '    symlink "${root}/${name}/${l}.link" { target = "${l}.conf" }',
        "  }",
        '  line "managed" {',
        '    path   = "${root}/${name}/main.conf"',
        '    line   = "managed = yes"',
        '    match  = "^managed\\\\s*="',
        "    create = true",
        "  }",
        "}",
        "",
    ]
    for i in range(1, args.hosts + 1):
        out += [
            'host "h%d" {' % i,
            '  address = "127.0.0.1"',
            '  agent   = "127.0.0.1:%d"' % (args.base_port + i - 1),
            '  use node("h%d")' % i,
            "}",
        ]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fleet.cairn"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
