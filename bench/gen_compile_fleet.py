#!/usr/bin/env python3
"""Writes a fleet for the compile benchmark: HOSTS hosts of about 100
resources each, through roles, loops and interpolation (deterministic).

    gen_compile_fleet.py --hosts 1000 -o fleet.cairn
"""

import argparse
import sys

HEADER = '''param env: string = "prod"

let admins = [
%(admins)s
]

let sites = [for i in [%(site_numbers)s]: "site${i}.example.org"]

# 20 users, SSH keys, sudo, a firewall: 23 resources.
role base {
  for a in admins {
    user a.name {
      groups   = ["sudo", "adm"]
      ssh_keys = [a.key]
      shell    = "/bin/bash"
    }
  }
  group "deploy" {}
  sudo "admins" { groups = ["sudo"], nopasswd = true }
  firewall {
    inbound = drop
    allow tcp 22 from any
    allow tcp [80, 443] from any
    allow udp "60000-61000" from any
  }
}

# nginx and one site file per domain, each with its own config: 3 + 2n.
role web(domains: list, port: int = 443) {
  package "nginx" {}
  service "nginx" { enabled = true, running = true }
  directory "/srv/www" { mode = "0755", owner = "www-data" }
  for d in domains {
    file "/etc/nginx/sites-enabled/${d}" {
      content = """
        server {
          listen ${port} ssl;
          server_name ${d};
          root /srv/www/${d};
          access_log /var/log/nginx/${d}.access.log;
        }
        """
      mode   = "0644"
      notify = service.nginx.reload
    }
    directory "/srv/www/${d}" { owner = "www-data" }
  }
}

# Backups and kernel settings: 2 + 3 resources.
role ops(hour: int) {
  timer "borgmatic" {
    on_calendar = "*-*-* 0${hour}:00:00"
    command     = "/usr/bin/borgmatic"
    persistent  = true
  }
  package "borgmatic" {}
  for k, v in { "net.ipv4.ip_forward": "0", "vm.swappiness": "10", "fs.file-max": "100000" } {
    sysctl k { value = v }
  }
}
'''

HOST = '''
host "%(name)s" {
  address = "10.%(a)d.%(b)d.%(c)d"
  tags    = ["web", env]
  use base()
  use web(domains = sites)
  use ops(hour = %(hour)d)
}
'''


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("-o", "--output")
    args = parser.parse_args()
    admins = ",\n".join(
        '  { name: "admin%d", key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%032d admin%d" }'
        % (i, i, i) for i in range(20))
    # 20 users + 3 + (3 + 2 * 35) + 5 = 101 resources per host.
    out = [HEADER % {"admins": admins,
                     "site_numbers": ", ".join(str(i) for i in range(35))}]
    for i in range(args.hosts):
        out.append(HOST % {"name": "web%05d" % i, "a": i // 65536 % 256,
                           "b": i // 256 % 256, "c": i % 256,
                           "hour": i % 7 + 1})
    text = "".join(out)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
