#!/usr/bin/env python3
"""Writes the input of each peer tool for the W1 workload (bench/w1/README.md)
into a directory, python3 stdlib only:

    gen.py OUT [--root W1_ROOT] [--w1 bench/w1]

    OUT/ansible/site.yml, w1.conf.j2, ansible.cfg
        one play on localhost (run with -c local -i localhost,), facts off
    OUT/puppet/site.pp, modules/w1/templates/w1.conf.epp
        `puppet apply --modulepath OUT/puppet/modules OUT/puppet/site.pp`
    OUT/cfengine/w1.cf, w1.conf.mustache, w1.json
        `cf-agent -K -f OUT/cfengine/w1.cf`
    OUT/expected/fileIIII.conf for a few I: what the renders must be, byte
        for byte (the Jinja template rendered the way Ansible's template
        module renders it; the template only substitutes variables)

W1_ROOT defaults to $W1_ROOT, else /srv/w1. The Jinja template is converted
to EPP and to Mustache by replacing its `{{ var }}` placeholders; any other
Jinja construct is refused, so the three renders stay byte-identical.
"""
import argparse
import json
import os
import re
import sys

VARS = ("name", "port", "team")
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
N_FILES, N_DIRS, N_USERS = 1000, 20, 20
SPOT = tuple(range(10)) + (517, 999)  # files whose rendered content run.sh checks


def file_vars(i):
    return {"name": "file%04d" % i, "port": 10000 + i, "team": "team%d" % (i % 7)}


def file_path(root, i):
    return "%s/d%02d/file%04d.conf" % (root, i % N_DIRS + 1, i)


def convert(template, fmt):
    """fmt: a format string taking the variable name, e.g. '<%= $%s %>'."""
    rest = PLACEHOLDER.sub("", template)
    if "{{" in rest or "{%" in rest or "{#" in rest:
        sys.exit("gen.py: the template uses more than {{ var }}: convert it by hand")
    for v in PLACEHOLDER.findall(template):
        if v not in VARS:
            sys.exit("gen.py: unknown template variable %r" % v)
    return PLACEHOLDER.sub(lambda m: fmt % m.group(1), template)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def q(s):
    """A single-quoted string in YAML, Puppet and CFEngine alike (the keys and
    paths contain neither quotes nor backslashes: checked)."""
    if "'" in s or "\\" in s or '"' in s:
        sys.exit("gen.py: unexpected quote in %r" % s)
    return "'%s'" % s


def ansible(out, root, template, keys):
    write(os.path.join(out, "w1.conf.j2"), template)
    write(os.path.join(out, "ansible.cfg"),
          "[defaults]\n"
          "host_key_checking = False\n"
          "retry_files_enabled = False\n"
          "interpreter_python = /usr/bin/python3\n")
    key_lines = "".join("      - %s\n" % q(k) for k in keys)
    write(os.path.join(out, "site.yml"), """\
# W1 for Ansible: ansible-playbook -c local -i localhost, site.yml
- hosts: localhost
  gather_facts: false
  vars:
    w1_root: {root}
    w1_keys:
{keys}
  tasks:
    - name: 20 directories
      ansible.builtin.file:
        path: "{{{{ w1_root }}}}/d{{{{ '%02d' % item }}}}"
        state: directory
        mode: "0755"
        owner: root
        group: root
      loop: "{{{{ range(1, {ndirs1}) | list }}}}"

    - name: 1000 templated files
      ansible.builtin.template:
        src: w1.conf.j2
        dest: "{{{{ w1_root }}}}/d{{{{ '%02d' % (item % {ndirs} + 1) }}}}/file{{{{ '%04d' % item }}}}.conf"
        mode: "0644"
        owner: root
        group: root
      vars:
        name: "file{{{{ '%04d' % item }}}}"
        port: "{{{{ 10000 + item }}}}"
        team: "team{{{{ item % 7 }}}}"
      loop: "{{{{ range({nfiles}) | list }}}}"
      loop_control:
        label: "file{{{{ '%04d' % item }}}}.conf"

    - name: 20 users
      ansible.builtin.user:
        name: "w1u{{{{ '%02d' % item }}}}"
        shell: /bin/bash
        home: "/home/w1u{{{{ '%02d' % item }}}}"
        create_home: true
      loop: "{{{{ range(1, {nusers1}) | list }}}}"

    - name: their authorized_keys, exactly one key each
      ansible.posix.authorized_key:
        user: "w1u{{{{ '%02d' % item }}}}"
        key: "{{{{ w1_keys[item - 1] }}}}"
        exclusive: true
        manage_dir: true
      loop: "{{{{ range(1, {nusers1}) | list }}}}"

    - name: one line
      ansible.builtin.lineinfile:
        path: "{{{{ w1_root }}}}/main.conf"
        regexp: '^w1_managed\\s*='
        line: "w1_managed = yes"
""".format(root=q(root), keys=key_lines, ndirs=N_DIRS, ndirs1=N_DIRS + 1,
           nfiles=N_FILES, nusers1=N_USERS + 1))


def puppet(out, root, template, keys):
    epp = "<%- | String $name, Integer $port, String $team | -%>\n" + \
        convert(template, "<%%= $%s %%>")
    write(os.path.join(out, "modules", "w1", "templates", "w1.conf.epp"), epp)
    key_lines = "".join("  %s,\n" % q(k) for k in keys)
    main = root + "/main.conf"
    write(os.path.join(out, "site.pp"), """\
# W1 for Puppet: puppet apply --modulepath <this dir>/modules site.pp
$root = {root}
$keys = [
{keys}]

# No filebucket copies of replaced files: Ansible's template module and
# CFEngine (edit_backup => false) keep none either.
File {{ backup => false }}

Integer[1, {ndirs}].each |$d| {{
  file {{ sprintf('%s/d%02d', $root, $d):
    ensure => directory,
    owner  => 'root',
    group  => 'root',
    mode   => '0755',
  }}
}}

Integer[0, {nfiles_1}].each |$i| {{
  $name = sprintf('file%04d', $i)
  file {{ sprintf('%s/d%02d/%s.conf', $root, $i % {ndirs} + 1, $name):
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => epp('w1/w1.conf.epp', {{
      'name' => $name,
      'port' => 10000 + $i,
      'team' => "team${{$i % 7}}",
    }}),
  }}
}}

Integer[1, {nusers}].each |$u| {{
  $user = sprintf('w1u%02d', $u)
  user {{ $user:
    ensure     => present,
    shell      => '/bin/bash',
    home       => "/home/${{user}}",
    managehome => true,
  }}
  file {{ "/home/${{user}}/.ssh":
    ensure => directory,
    owner  => $user,
    group  => $user,
    mode   => '0700',
  }}
  file {{ "/home/${{user}}/.ssh/authorized_keys":
    ensure  => file,
    owner   => $user,
    group   => $user,
    mode    => '0600',
    content => "${{keys[$u - 1]}}\\n",
  }}
}}

# ssh_authorized_key (sshkeys_core), file_line (stdlib) and augeas
# (augeas_core) are not in Debian's puppet 7 package: the line is an exec,
# guarded so that it runs only when the file lacks the line or holds
# another line matching ^w1_managed\\s*=.
exec {{ 'w1_managed line':
  provider => shell,
  path     => ['/usr/bin', '/bin'],
  unless   => "grep -qx 'w1_managed = yes' {main} && ! grep -E '^w1_managed[[:space:]]*=' {main} | grep -vqx 'w1_managed = yes'",
  command  => "if grep -qE '^w1_managed[[:space:]]*=' {main}; then sed -i -E 's/^w1_managed[[:space:]]*=.*/w1_managed = yes/' {main}; else echo 'w1_managed = yes' >> {main}; fi",
}}
""".format(root=q(root), keys=key_lines, ndirs=N_DIRS, nfiles_1=N_FILES - 1,
           nusers=N_USERS, main=main))


def cfengine(out, root, template, keys):
    write(os.path.join(out, "w1.conf.mustache"),
          convert(template, "{{{%s}}}"))
    data = [dict(file_vars(i), path=file_path(root, i)) for i in range(N_FILES)]
    with open(os.path.join(out, "w1.json"), "w") as f:
        json.dump(data, f, indent=0)
        f.write("\n")
    dirs = ", ".join('"%02d"' % d for d in range(1, N_DIRS + 1))
    users = ", ".join('"%02d"' % u for u in range(1, N_USERS + 1))
    key_vars = "".join('      "key[%02d]" string => "%s";\n' % (u + 1, keys[u])
                       for u in range(N_USERS))
    write(os.path.join(out, "w1.cf"), """\
# W1 for CFEngine: cf-agent -K -f w1.cf (check: cf-agent -K --dry-run -f w1.cf)
body common control
{{
  bundlesequence => {{ "w1" }};
}}

bundle agent w1
{{
  vars:
      "root" string => "{root}";
      "dirs" slist => {{ {dirs} }};
      "users" slist => {{ {users} }};
{keys}      "f" data => readjson("$(this.promise_dirname)/w1.json", 10M);
      "i" slist => getindices("f");

  classes:
      # Which edit main.conf needs, decided before editing (a replace_patterns
      # promise without a guard is reported as a change by --dry-run even
      # when nothing matches).
      "w1_has_line" expression => regline("^w1_managed\\s*=.*", "$(root)/main.conf"),
        scope => "namespace";
      "w1_wrong_line" expression => regline("^(?!w1_managed = yes$)w1_managed\\s*=.*", "$(root)/main.conf"),
        scope => "namespace";

  users:
      "w1u$(users)"
        policy => "present",
        shell => "/bin/bash",
        home_dir => "/home/w1u$(users)",
        home_bundle => w1_home("w1u$(users)");

  files:
      "$(root)/d$(dirs)/."
        create => "true",
        perms => w1_perms("0755", "root", "root");

      "$(f[$(i)][path])"
        create => "true",
        perms => w1_perms("0644", "root", "root"),
        edit_template => "$(this.promise_dirname)/w1.conf.mustache",
        template_method => "mustache",
        template_data => mergedata("f[$(i)]"),
        edit_defaults => w1_no_backup;

      # The home: made at creation by home_bundle (below), kept here.
      "/home/w1u$(users)/."
        create => "true",
        perms => w1_perms("0755", "w1u$(users)", "w1u$(users)");

      "/home/w1u$(users)/.ssh/."
        create => "true",
        perms => w1_perms("0700", "w1u$(users)", "w1u$(users)");

      "/home/w1u$(users)/.ssh/authorized_keys"
        create => "true",
        perms => w1_perms("0600", "w1u$(users)", "w1u$(users)"),
        content => "$(key[$(users)])$(const.n)";

      "$(root)/main.conf"
        edit_line => w1_line("$(root)/main.conf"),
        edit_defaults => w1_no_backup;
}}

# The users promise runs useradd without -m: this does what -m does, once,
# when the user is created (the home from /etc/skel, owned by the user).
bundle agent w1_home(user)
{{
  files:
      "/home/$(user)/."
        create => "true",
        copy_from => w1_skel,
        depth_search => w1_all,
        perms => w1_owner("$(user)");
}}

bundle edit_line w1_line(file)
{{
  replace_patterns:
    w1_wrong_line::
      "^(?!w1_managed = yes$)w1_managed\\s*=.*$"
        replace_with => w1_value("w1_managed = yes");

  insert_lines:
    !w1_has_line::
      "w1_managed = yes";
}}

body replace_with w1_value(v)
{{
  replace_value => "$(v)";
  occurrences => "all";
}}

body perms w1_perms(m, o, g)
{{
  mode => "$(m)";
  rxdirs => "false";
  owners => {{ "$(o)" }};
  groups => {{ "$(g)" }};
}}

body edit_defaults w1_no_backup
{{
  edit_backup => "false";
}}

body perms w1_owner(u)
{{
  owners => {{ "$(u)" }};
  groups => {{ "$(u)" }};
  rxdirs => "false";
}}

body depth_search w1_all
{{
  depth => "inf";
  include_basedir => "true";
}}

body copy_from w1_skel
{{
  source => "/etc/skel";
  compare => "exists";
  preserve => "true";
}}
""".format(root=root, dirs=dirs, users=users, keys=key_vars))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--root", default=os.environ.get("W1_ROOT", "/srv/w1"))
    ap.add_argument("--w1", default=os.path.join(here, "..", "w1"))
    a = ap.parse_args()
    root = a.root.rstrip("/") or "/"
    if not root.startswith("/") or re.search(r"[^A-Za-z0-9_./-]", root):
        sys.exit("gen.py: W1_ROOT must be an absolute path of [A-Za-z0-9_./-]")
    with open(os.path.join(a.w1, "w1.conf.j2")) as f:
        template = f.read()
    with open(os.path.join(a.w1, "keys.pub")) as f:
        keys = [line.rstrip("\n") for line in f if line.strip()]
    if len(keys) != N_USERS:
        sys.exit("gen.py: keys.pub has %d keys, W1 needs %d" % (len(keys), N_USERS))
    for k in keys:
        q(k)
    ansible(os.path.join(a.out, "ansible"), root, template, keys)
    puppet(os.path.join(a.out, "puppet"), root, template, keys)
    cfengine(os.path.join(a.out, "cfengine"), root, template, keys)
    for i in SPOT:
        write(os.path.join(a.out, "expected", "file%04d.conf" % i),
              PLACEHOLDER.sub(lambda m: str(file_vars(i)[m.group(1)]), template))
    return 0


if __name__ == "__main__":
    sys.exit(main())
