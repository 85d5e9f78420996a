#!/bin/sh
# Re-renders compiler/template/testdata with Debian's python3-jinja2,
# configured like Ansible's template module, and fails when a committed
# .out file differs. Prints SKIPPED and passes when python3-jinja2 is not
# installed (tools/setup installs it). When Ansible itself is installed, the
# corpus is also rendered through Ansible's Templar, which confirms that the
# imitation is faithful.
#   $1: jinja_reference.py   $2: the testdata directory
set -eu
/usr/bin/python3 "$1" --check "$2"
if /usr/bin/python3 -c "import ansible.template" 2>/dev/null; then
  tmp="${TEST_TMPDIR:-$(mktemp -d)}"
  HOME="$tmp" ANSIBLE_LOCAL_TEMP="$tmp" \
    /usr/bin/python3 "$1" --ansible "$2"
fi
