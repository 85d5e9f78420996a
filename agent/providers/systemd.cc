#include "agent/providers/systemd.h"

#include <array>

#include "base/strings.h"

namespace cairn::agent::systemd {
namespace {

constexpr std::array<std::string_view, 11> kUnitTypes = {
    ".service", ".socket", ".device", ".mount", ".automount", ".swap",
    ".target",  ".path",   ".timer",  ".slice", ".scope"};

std::string_view FirstLine(std::string_view text) {
  size_t end = text.find('\n');
  text = text.substr(0, end);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string Failure(const std::vector<std::string>& argv,
                    const CommandResult& result) {
  std::string_view err = result.err.empty() ? result.out : result.err;
  while (!err.empty() && err.back() == '\n') err.remove_suffix(1);
  return StrCat("`", StrJoin(argv, " "), "` exited with ", result.exit_code,
                err.empty() ? "" : ": ", err);
}

}  // namespace

std::string UnitName(std::string_view name) {
  for (std::string_view type : kUnitTypes) {
    if (EndsWith(name, type) && name.size() > type.size()) {
      return std::string(name);
    }
  }
  return StrCat(name, ".service");
}

absl::Status ValidateUnitName(std::string_view unit) {
  bool bad = unit.empty() || unit[0] == '.' || unit[0] == '-';
  for (char c : unit) {
    bad |= c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f ||
           c == ' ';
  }
  if (bad) {
    return absl::InvalidArgumentError(
        StrCat("'", unit, "' is not a systemd unit name"));
  }
  return absl::OkStatus();
}

std::string UnitPath(std::string_view unit) {
  return StrCat(kUnitDir, "/", unit);
}

absl::StatusOr<std::optional<std::string>> ReadUnitFile(Host& host,
                                                        std::string_view unit) {
  std::string path = UnitPath(unit);
  absl::StatusOr<FileInfo> info = host.Stat(path);
  if (!info.ok()) return info.status();
  if (!info->exists()) return std::optional<std::string>();
  absl::StatusOr<std::string> content = host.ReadFile(path);
  if (!content.ok()) return content.status();
  return std::optional<std::string>(std::move(*content));
}

absl::StatusOr<std::string> EnabledState(Host& host, std::string_view unit) {
  std::vector<std::string> argv = {"systemctl", "is-enabled",
                                   std::string(unit)};
  absl::StatusOr<CommandResult> result = host.Run(argv, "", absl::Minutes(1));
  if (!result.ok()) return result.status();
  std::string_view state = FirstLine(result->out);
  if (!state.empty()) return std::string(state);
  // systemd 252 says "Failed to get unit file state for x: No such file or
  // directory" on stderr; later versions print "not-found" and exit 4.
  if (result->exit_code == 4 ||
      result->err.find("No such file or directory") != std::string::npos) {
    return std::string("not-found");
  }
  return absl::UnavailableError(Failure(argv, *result));
}

bool EnablementSatisfies(std::string_view state, bool enabled) {
  if (state == "static" || state == "indirect" || state == "generated" ||
      state == "transient") {
    return true;
  }
  bool on = state == "enabled" || state == "alias";
  return on == enabled;
}

absl::StatusOr<std::string> ActiveState(Host& host, std::string_view unit) {
  std::vector<std::string> argv = {"systemctl", "is-active", std::string(unit)};
  absl::StatusOr<CommandResult> result = host.Run(argv, "", absl::Minutes(1));
  if (!result.ok()) return result.status();
  std::string_view state = FirstLine(result->out);
  // It exits non-zero for every state but active; only silence is a
  // failure.
  if (state.empty()) return absl::UnavailableError(Failure(argv, *result));
  return std::string(state);
}

bool IsRunning(std::string_view active_state) {
  return active_state == "active" || active_state == "activating" ||
         active_state == "reloading";
}

absl::StatusOr<bool> NeedsDaemonReload(Host& host, std::string_view unit) {
  std::vector<std::string> argv = {"systemctl", "show",
                                   "--property=NeedDaemonReload", "--value",
                                   std::string(unit)};
  absl::StatusOr<CommandResult> result = host.Run(argv, "", absl::Minutes(1));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::UnavailableError(Failure(argv, *result));
  }
  return FirstLine(result->out) == "yes";
}

absl::Status Systemctl(Host& host, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"systemctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = host.Run(argv);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(Failure(argv, *result));
  }
  return absl::OkStatus();
}

absl::Status RunShell(Host& host, const std::string& command,
                      std::string_view what) {
  absl::StatusOr<CommandResult> result = host.Run({"/bin/sh", "-c", command});
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    // Not the command itself: it may hold a secret.
    std::string_view err = result->err;
    while (!err.empty() && err.back() == '\n') err.remove_suffix(1);
    return absl::FailedPreconditionError(StrCat(what, " exited with ",
                                                result->exit_code,
                                                err.empty() ? "" : ": ", err));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> WriteUnitFile(Host& host, std::string_view unit,
                                   std::string_view content) {
  absl::StatusOr<std::optional<std::string>> current = ReadUnitFile(host, unit);
  if (!current.ok()) return current.status();
  if (current->has_value() && **current == content) return false;
  absl::Status written = host.WriteFile(UnitPath(unit), content, 0644, 0, 0);
  if (!written.ok()) return written;
  return true;
}

}  // namespace cairn::agent::systemd
