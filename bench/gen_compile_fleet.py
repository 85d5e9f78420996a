#!/usr/bin/env python3
"""Writes a fleet for the compile benchmark: HOSTS hosts of about 100
resources each, through roles, loops, interpolation and templates
(deterministic). Writes DIR/fleet.cairn and the templates it renders,
DIR/templates/site.conf.j2 and DIR/templates/motd.j2.

    gen_compile_fleet.py --hosts 1000 -o DIR
"""

import os

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
      content = template("templates/site.conf.j2", {
        domain: d,
        port: port,
        php: port == 443,
        locations: [
          { path: "/", try: "$uri $uri/ =404" },
          { path: "/static/", try: "$uri =404" },
        ],
      })
      mode   = "0644"
      notify = service.nginx.reload
    }
    directory "/srv/www/${d}" { owner = "www-data" }
  }
}

# Backups, kernel settings and a message of the day: 2 + 3 + 1 resources.
role ops(hour: int, name: string) {
  file "/etc/motd" {
    content = template("templates/motd.j2", { name: name, admins: admins, env: env })
  }
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

TEMPLATES = {
    "site.conf.j2": """# {{ ansible_managed | default('Managed by cairn') }}
server {
    listen {{ port }} ssl http2;
    listen [::]:{{ port }} ssl http2;
    server_name {{ domain }} www.{{ domain }};
    root /srv/www/{{ domain }};
    access_log /var/log/nginx/{{ domain | replace('.', '_') }}.access.log;
{% for l in locations %}

    location {{ l.path }} {
        try_files {{ l.try }};{% if loop.last %} # last{% endif %}

    }
{% endfor %}
{% if php %}

    location ~ \\.php$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    }
{% endif %}
}
""",
    "motd.j2": """{{ name | upper }} ({{ env }})
Administrators: {{ admins | length }}
{% for a in admins %}
  {{ loop.index }}. {{ a.name }}
{% endfor %}
""",
}

HOST = '''
host "%(name)s" {
  address = "10.%(a)d.%(b)d.%(c)d"
  tags    = ["web", env]
  use base()
  use web(domains = sites)
  use ops(hour = %(hour)d, name = "%(name)s")
}
'''


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("-o", "--output", required=True,
                        help="directory to write the fleet into")
    args = parser.parse_args()
    admins = ",\n".join(
        '  { name: "admin%d", key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%032d admin%d" }'
        % (i, i, i) for i in range(20))
    # 20 users + 3 + (3 + 2 * 35) + 6 = 102 resources per host, 36 of them
    # rendered from templates.
    out = [HEADER % {"admins": admins,
                     "site_numbers": ", ".join(str(i) for i in range(35))}]
    for i in range(args.hosts):
        out.append(HOST % {"name": "web%05d" % i, "a": i // 65536 % 256,
                           "b": i // 256 % 256, "c": i % 256,
                           "hour": i % 7 + 1})
    text = "".join(out)
    os.makedirs(os.path.join(args.output, "templates"), exist_ok=True)
    with open(os.path.join(args.output, "fleet.cairn"), "w") as f:
        f.write(text)
    for name, body in TEMPLATES.items():
        with open(os.path.join(args.output, "templates", name), "w") as f:
            f.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
