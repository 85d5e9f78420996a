#!/usr/bin/env bash
# Installs the peers of the W1 benchmark (bench/w1/README.md): Puppet 7 and
# CFEngine 3 from Debian, plus GNU time for the measurements. Ansible is
# expected to be installed already (Debian's `ansible` package, which ships
# the ansible.posix collection). Idempotent; leaves no daemon running or
# enabled: the benchmark only runs `puppet apply` and `cf-agent -K`.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: must run as root (it installs packages)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

want=(puppet cfengine3 time)
command -v ansible-playbook >/dev/null || want+=(ansible)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done

if ((${#missing[@]})); then
  # Keep the packages' maintainer scripts from starting their daemons.
  policy=/usr/sbin/policy-rc.d
  had_policy=0
  [[ -e $policy ]] && had_policy=1
  if ((!had_policy)); then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  ((had_policy)) || rm -f "$policy"
fi

# Whatever the packages registered: disabled and stopped.
if command -v systemctl >/dev/null; then
  mapfile -t units < <(systemctl list-unit-files --no-legend --type=service 2>/dev/null \
    | awk '$1 ~ /^(puppet|cf-|cfengine)/ {print $1}')
  for u in "${units[@]}"; do
    systemctl disable --now "$u" >/dev/null 2>&1 || true
  done
fi
# Report, never kill: a daemon still running was not started by this script.
for d in puppet cf-execd cf-serverd cf-monitord; do
  if pgrep -x "$d" >/dev/null; then
    echo "setup.sh: warning: $d is running; stop it before benchmarking" >&2
  fi
done

ansible-playbook --version | head -1
puppet --version | sed 's/^/puppet /'
cf-agent --version | head -1
