#include "agent/providers/fake_systemd.h"

#include "base/strings.h"

namespace cairn::agent {
namespace {

constexpr char kUnitDir[] = "/etc/systemd/system";

CommandResult Fail(int code, std::string err) {
  CommandResult r;
  r.exit_code = code;
  r.err = std::move(err);
  return r;
}

}  // namespace

FakeSystemd::FakeSystemd(FakeHost& host) : host_(host) {
  host_.PutDirectory(kUnitDir);
  host_.OnCommand("systemctl", [this](const std::vector<std::string>& argv,
                                      std::string_view) { return Run(argv); });
}

void FakeSystemd::AddPackageUnit(const std::string& name) {
  AddPackageUnit(name, Unit());
}

void FakeSystemd::AddPackageUnit(const std::string& name, Unit unit) {
  if (!unit.loaded.has_value()) unit.loaded = "(from its package)";
  units_[name] = std::move(unit);
}

bool FakeSystemd::known(const std::string& name) const {
  auto it = units_.find(name);
  return it != units_.end() && it->second.loaded.has_value();
}

CommandResult FakeSystemd::Run(const std::vector<std::string>& argv) {
  CommandResult r;
  if (argv.size() < 2) return Fail(1, "too few arguments");
  const std::string& verb = argv[1];
  if (verb == failing_verb_) return Fail(1, StrCat("Failed to ", verb, "."));
  if (verb == "daemon-reload") {
    absl::StatusOr<std::vector<std::string>> names =
        host_.ListDirectory(kUnitDir);
    if (!names.ok()) return Fail(1, std::string(names.status().message()));
    for (auto it = units_.begin(); it != units_.end();) {
      bool gone = it->second.in_unit_dir &&
                  !host_.Stat(StrCat(kUnitDir, "/", it->first))->exists();
      if (gone && !it->second.active) {
        it = units_.erase(it);
        continue;
      }
      // A running unit stays loaded until it stops, as in systemd.
      if (gone) it->second.in_unit_dir = false;
      ++it;
    }
    for (const std::string& name : *names) {
      std::string path = StrCat(kUnitDir, "/", name);
      absl::StatusOr<FileInfo> info = host_.Stat(path);
      if (!info.ok() || info->type != FileInfo::Type::kFile) continue;
      units_[name].loaded = *host_.ReadFile(path);
      units_[name].in_unit_dir = true;
    }
    return r;
  }
  std::vector<std::string> args(argv.begin() + 2, argv.end());
  bool now = !args.empty() && args[0] == "--now";
  if (now) args.erase(args.begin());
  if (verb == "show") {
    // show --property=NeedDaemonReload --value UNIT
    if (args.size() != 3 || args[0] != "--property=NeedDaemonReload" ||
        args[1] != "--value") {
      return Fail(1, StrCat("unexpected: ", StrJoin(argv, " ")));
    }
    std::string path = StrCat(kUnitDir, "/", args[2]);
    absl::StatusOr<std::string> disk = host_.ReadFile(path);
    bool stale = disk.ok() ? !known(args[2]) || *units_[args[2]].loaded != *disk
                           : known(args[2]) && units_[args[2]].in_unit_dir;
    r.out = stale ? "yes\n" : "no\n";
    return r;
  }
  if (args.size() != 1) {
    return Fail(1, StrCat("unexpected: ", StrJoin(argv, " ")));
  }
  const std::string& name = args[0];
  if (verb == "is-active") {
    bool active = known(name) && units_[name].active;
    r.out = active ? "active\n" : "inactive\n";
    r.exit_code = active ? 0 : 3;
    return r;
  }
  if (!known(name)) {
    if (verb == "is-enabled") {
      return Fail(1, StrCat("Failed to get unit file state for ", name,
                            ": No such file or directory\n"));
    }
    if (verb == "stop" || verb == "try-restart" ||
        verb == "try-reload-or-restart" || verb == "disable") {
      return r;
    }
    return Fail(5, StrCat("Failed to ", verb, " ", name, ": Unit ", name,
                          " not found.\n"));
  }
  Unit& unit = units_[name];
  bool masked = StartsWith(unit.enabled, "masked");
  if (verb == "is-enabled") {
    r.out = unit.enabled + "\n";
    bool on = unit.enabled == "enabled" || unit.enabled == "static" ||
              unit.enabled == "alias" || unit.enabled == "indirect";
    r.exit_code = on ? 0 : 1;
    return r;
  }
  if (verb == "unmask") {
    if (masked) unit.enabled = "disabled";
    return r;
  }
  if (masked && verb != "stop" && verb != "disable") {
    return Fail(1, StrCat("Failed to ", verb, " ", name, ": Unit ", name,
                          " is masked.\n"));
  }
  if (verb == "enable" || verb == "disable") {
    if (unit.enabled != "static") {
      unit.enabled = verb == "enable" ? "enabled" : "disabled";
    }
    if (now) {
      if (verb == "enable" && !unit.active) ++unit.starts;
      unit.active = verb == "enable";
    }
  } else if (verb == "start") {
    if (!unit.active) ++unit.starts;
    unit.active = true;
  } else if (verb == "stop") {
    unit.active = false;
  } else if (verb == "restart") {
    ++unit.restarts;
    unit.active = true;
  } else if (verb == "try-restart") {
    if (unit.active) ++unit.restarts;
  } else if (verb == "try-reload-or-restart") {
    if (unit.active) ++(unit.can_reload ? unit.reloads : unit.restarts);
  } else {
    return Fail(1, StrCat("unknown verb ", verb));
  }
  return r;
}

bool IsReadOnlySystemctl(const std::string& command) {
  return StartsWith(command, "systemctl is-enabled ") ||
         StartsWith(command, "systemctl is-active ") ||
         StartsWith(command, "systemctl show ");
}

}  // namespace cairn::agent
