# shellcheck shell=bash
# Installs cairn-agent on booted test hosts as a package would; sourced by
# the tests that drive agents (agent_hosts_test.sh, fleet_e2e_test.sh).
#
#   install_agent FLEET_DIR HOST CERT AGENT_BIN UNIT_FILE CA_DIR
#
# copies the binary, the systemd unit, the CA and CERT.pem/CERT.key (made by
# `cairn ca issue CA_DIR CERT`) into HOST, then enables and starts the agent.
install_agent() {
  local fleet="$1" h="$2" cert="$3" bin="$4" unit="$5" ca="$6"
  local f
  f="$(dirname "${BASH_SOURCE[0]}")/fleet.sh"
  "$f" cp "$fleet" "$h" "$bin" /usr/sbin/cairn-agent 755 &&
    "$f" cp "$fleet" "$h" "$unit" /etc/systemd/system/cairn-agent.service 644 &&
    "$f" cp "$fleet" "$h" "$ca/ca.pem" /etc/cairn/tls/ca.pem 644 &&
    "$f" cp "$fleet" "$h" "$ca/$cert.pem" /etc/cairn/tls/host.pem 644 &&
    "$f" cp "$fleet" "$h" "$ca/$cert.key" /etc/cairn/tls/host.key 600 &&
    "$f" exec "$fleet" "$h" systemctl daemon-reload &&
    "$f" exec "$fleet" "$h" systemctl enable --now cairn-agent
}
