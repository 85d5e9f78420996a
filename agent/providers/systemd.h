#ifndef CAIRN_AGENT_PROVIDERS_SYSTEMD_H_
#define CAIRN_AGENT_PROVIDERS_SYSTEMD_H_

// What the service and timer providers share: unit names, unit files under
// /etc/systemd/system, and systemctl.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/host.h"

namespace cairn::agent::systemd {

// Where units this configuration defines are written.
inline constexpr std::string_view kUnitDir = "/etc/systemd/system";

// `name` with ".service" added unless it ends in a unit type
// (".socket", ".timer", ...).
std::string UnitName(std::string_view name);

// InvalidArgument unless `unit` is a plain unit name: no "/", blank or
// control character, not starting with "." or "-" (so that it can name no
// other file and read as no option).
absl::Status ValidateUnitName(std::string_view unit);

// kUnitDir/unit.
std::string UnitPath(std::string_view unit);

// A unit file's content, or nullopt when it does not exist.
absl::StatusOr<std::optional<std::string>> ReadUnitFile(Host& host,
                                                        std::string_view unit);

// `systemctl is-enabled UNIT`: "enabled", "disabled", "static", "masked"...
// and "not-found" when systemd does not know the unit. Read-only.
absl::StatusOr<std::string> EnabledState(Host& host, std::string_view unit);

// Whether enablement `state` already fulfils the wish `enabled`. States
// where `systemctl enable` and `disable` change nothing (static, indirect,
// generated, transient) fulfil both; a unit systemd does not know is not
// started at boot.
bool EnablementSatisfies(std::string_view state, bool enabled);

// `systemctl is-active UNIT`: "active", "inactive", "failed",
// "activating"... Read-only.
absl::StatusOr<std::string> ActiveState(Host& host, std::string_view unit);

// Whether an active state counts as running (active, activating,
// reloading).
bool IsRunning(std::string_view active_state);

// Whether systemd has not yet read the unit file as it is on disk
// (`systemctl show --property=NeedDaemonReload`). Read-only.
absl::StatusOr<bool> NeedsDaemonReload(Host& host, std::string_view unit);

// Runs `systemctl ARGS...`; an error with its stderr unless it exits 0.
absl::Status Systemctl(Host& host, const std::vector<std::string>& args);

// Runs `command` with /bin/sh -c; an error with its stderr unless it
// exits 0. `what` names it in the error ("reload_command of service x");
// the command itself is not repeated there, since it may hold a secret.
absl::Status RunShell(Host& host, const std::string& command,
                      std::string_view what);

// Writes a unit file (0644, root) unless it already has `content`; returns
// whether it wrote.
absl::StatusOr<bool> WriteUnitFile(Host& host, std::string_view unit,
                                   std::string_view content);

}  // namespace cairn::agent::systemd

#endif  // CAIRN_AGENT_PROVIDERS_SYSTEMD_H_
