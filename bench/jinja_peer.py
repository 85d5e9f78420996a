#!/usr/bin/env python3
"""The peer for the compile benchmark: renders the fleet's templates with
python3-jinja2, as Ansible's template module does (trim_blocks), with the
variables the fleet gives them, and prints the best wall time of 3 in
seconds. Rendering is all it does: no parsing of the fleet, no catalogs.

    jinja_peer.py DIR HOSTS
"""
import os
import sys
import time

import jinja2


def main() -> int:
    directory, hosts = sys.argv[1], int(sys.argv[2])
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    templates = {}
    for name in ("site.conf.j2", "motd.j2"):
        with open(os.path.join(directory, "templates", name)) as f:
            templates[name] = env.from_string(f.read())
    admins = [{"name": "admin%d" % i} for i in range(20)]
    domains = ["site%d.example.org" % i for i in range(35)]
    locations = [{"path": "/", "try": "$uri $uri/ =404"},
                 {"path": "/static/", "try": "$uri =404"}]
    best = None
    for _ in range(3):
        start = time.perf_counter()
        size = 0
        for h in range(hosts):
            for d in domains:
                size += len(templates["site.conf.j2"].render(
                    domain=d, port=443, php=True, locations=locations))
            size += len(templates["motd.j2"].render(
                name="web%05d" % h, admins=admins, env="prod"))
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print("%.3f" % best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
