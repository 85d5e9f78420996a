// The timer provider: a command on a schedule, as NAME.service (a oneshot
// running the command) and NAME.timer (its schedule), both written under
// /etc/systemd/system, then `systemctl daemon-reload` and `systemctl
// enable --now NAME.timer`.
//
// The command runs with /bin/sh -c, so it is a shell command line (pipes,
// quotes, $VARS). It is written escaped for systemd ("%%", "$$", C escapes
// inside double quotes), so systemd passes it to the shell unchanged.
//
// Check reads both files and runs `systemctl is-enabled`, `is-active` and
// `show` on them; it reports each attribute whose line differs, and `unit`
// when the files differ otherwise. Apply restarts an active timer whose
// file changed, so that the new schedule counts from now.
//
// ensure = absent: the timer is stopped and disabled, both unit files are
// removed and systemd reloaded; only the name matters then. A run of the
// service in progress is not stopped: it finishes, and systemd forgets the
// unit when it does.

#include <map>
#include <string>
#include <vector>

#include "agent/providers/provider.h"
#include "agent/providers/systemd.h"
#include "agent/providers/unified_diff.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

constexpr std::string_view kShellPrefix = "/bin/sh -c \"";

absl::StatusOr<v1::Timer> Unpack(const v1::Resource& resource) {
  v1::Timer spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("timer ", resource.id(), ": spec is not a cairn.v1.Timer"));
  }
  absl::Status valid = systemd::ValidateUnitName(spec.name());
  if (!valid.ok()) return valid;
  // A removal needs only the name.
  if (spec.ensure() == v1::ENSURE_ABSENT) return spec;
  if (spec.on_calendar().empty() || spec.command().empty()) {
    return absl::InvalidArgumentError(
        StrCat("timer ", spec.name(), " needs on_calendar and command"));
  }
  // A newline would start a directive of its own.
  for (const auto& [field, value] :
       {std::pair<std::string_view, std::string_view>{"on_calendar",
                                                      spec.on_calendar()},
        {"user", spec.user()},
        {"randomized_delay", spec.randomized_delay()}}) {
    if (value.find_first_of("\n\r") != std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat("timer ", spec.name(), ": ", field, " has a line break"));
    }
  }
  return spec;
}

// ExecStart= for `command`: /bin/sh -c "COMMAND", escaped so that systemd
// hands the shell exactly `command`.
std::string ExecStart(std::string_view command) {
  std::string out(kShellPrefix);
  for (char c : command) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '%':
        out += "%%";
        break;
      case '$':
        out += "$$";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

// The units, and the lines of them that each attribute sets.
struct Units {
  std::string service_unit, timer_unit;
  std::string service, timer;
  // Attribute -> (which file, key, value); value "" means no such line.
  struct Line {
    bool in_timer;
    std::string_view key;
    std::string value;
  };
  std::map<std::string_view, Line> lines;
};

Units Render(const v1::Timer& spec) {
  Units units;
  units.service_unit = StrCat(spec.name(), ".service");
  units.timer_unit = StrCat(spec.name(), ".timer");
  units.lines = {
      {"command", {false, "ExecStart", ExecStart(spec.command())}},
      {"user", {false, "User", spec.user()}},
      {"on_calendar", {true, "OnCalendar", spec.on_calendar()}},
      {"persistent",
       {true, "Persistent", spec.persistent() ? "true" : "false"}},
      {"randomized_delay",
       {true, "RandomizedDelaySec", spec.randomized_delay()}},
  };
  auto line = [&](std::string_view attribute) {
    const Units::Line& l = units.lines.at(attribute);
    return l.value.empty() ? std::string() : StrCat(l.key, "=", l.value, "\n");
  };
  std::string header = StrCat("# Written by cairn for timer ", spec.name(),
                              "; change the configuration, not this file.\n");
  units.service =
      StrCat(header, "[Unit]\nDescription=", spec.name(), ", started by ",
             units.timer_unit, "\n\n[Service]\nType=oneshot\n", line("command"),
             line("user"));
  units.timer = StrCat(
      header, "[Unit]\nDescription=Starts ", units.service_unit,
      " on a schedule\n\n[Timer]\n", line("on_calendar"), line("persistent"),
      line("randomized_delay"), "\n[Install]\nWantedBy=timers.target\n");
  return units;
}

// The value of the first `key=` line of a unit file; "" when none.
std::string Value(std::string_view file, std::string_view key) {
  for (std::string_view line : StrSplit(file, '\n')) {
    if (StartsWith(line, key) && line.size() > key.size() &&
        line[key.size()] == '=') {
      return std::string(line.substr(key.size() + 1));
    }
  }
  return "";
}

// An ExecStart value shown as the command it runs when it is one of ours.
std::string ShownCommand(const std::string& exec_start) {
  if (!StartsWith(exec_start, kShellPrefix) || !EndsWith(exec_start, "\"")) {
    return exec_start;
  }
  std::string_view body(exec_start);
  body =
      body.substr(kShellPrefix.size(), body.size() - kShellPrefix.size() - 1);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if ((c == '%' || c == '$') && i + 1 < body.size() && body[i + 1] == c) {
      ++i;
    } else if (c == '\\' && i + 1 < body.size()) {
      char e = body[++i];
      c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
    }
    out += c;
  }
  return out;
}

struct Observed {
  std::optional<std::string> service, timer;
  bool needs_reload = false;
  std::string enabled_state;
  std::string active_state;
};

absl::StatusOr<Observed> Observe(Host& host, const Units& units) {
  Observed observed;
  for (auto [unit, file] : {std::pair{&units.service_unit, &observed.service},
                            std::pair{&units.timer_unit, &observed.timer}}) {
    absl::StatusOr<std::optional<std::string>> content =
        systemd::ReadUnitFile(host, *unit);
    if (!content.ok()) return content.status();
    *file = std::move(*content);
    if (file->has_value()) {
      absl::StatusOr<bool> needs_reload =
          systemd::NeedsDaemonReload(host, *unit);
      if (!needs_reload.ok()) return needs_reload.status();
      observed.needs_reload |= *needs_reload;
    }
  }
  absl::StatusOr<std::string> enabled =
      systemd::EnabledState(host, units.timer_unit);
  if (!enabled.ok()) return enabled.status();
  observed.enabled_state = std::move(*enabled);
  absl::StatusOr<std::string> active =
      systemd::ActiveState(host, units.timer_unit);
  if (!active.ok()) return active.status();
  observed.active_state = std::move(*active);
  return observed;
}

bool WantPresent(const v1::Timer& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

// What is left of a timer to remove.
struct Remains {
  Observed observed;
  // Systemd still has a unit loaded whose file is gone.
  bool loaded_without_file = false;
  bool enabled = false;
  bool running = false;
};

absl::StatusOr<Remains> FindRemains(Host& host, const Units& units) {
  Remains remains;
  absl::StatusOr<Observed> observed = Observe(host, units);
  if (!observed.ok()) return observed.status();
  remains.observed = *std::move(observed);
  for (auto [unit, file] :
       {std::pair{&units.service_unit, &remains.observed.service},
        std::pair{&units.timer_unit, &remains.observed.timer}}) {
    if (file->has_value()) continue;
    absl::StatusOr<bool> stale = systemd::NeedsDaemonReload(host, *unit);
    if (!stale.ok()) return stale.status();
    remains.loaded_without_file |= *stale;
  }
  remains.enabled = !systemd::EnablementSatisfies(
      remains.observed.enabled_state, /*enabled=*/false);
  remains.running = systemd::IsRunning(remains.observed.active_state);
  return remains;
}

// Check for ensure = absent.
v1::ResourceDiff CheckAbsent(const v1::Resource& resource, const Units& units,
                             const Remains& remains,
                             const ProviderContext& context) {
  v1::ResourceDiff diff;
  diff.mutable_resource()->set_kind(resource.kind());
  diff.mutable_resource()->set_id(resource.id());
  if (remains.running) {
    AddChange(resource, "active", remains.observed.active_state, "inactive",
              context, diff);
  }
  if (remains.enabled) {
    AddChange(resource, "enabled", remains.observed.enabled_state, "disabled",
              context, diff);
  }
  const std::optional<std::string>& service = remains.observed.service;
  const std::optional<std::string>& timer = remains.observed.timer;
  if (service.has_value() || timer.has_value()) {
    std::vector<std::string> paths;
    if (service.has_value()) {
      paths.push_back(systemd::UnitPath(units.service_unit));
    }
    if (timer.has_value()) paths.push_back(systemd::UnitPath(units.timer_unit));
    // Named, not shown: the command may be a secret.
    v1::FieldChange* change = diff.add_changes();
    change->set_field("unit");
    change->set_current(StrCat("(", StrJoin(paths, " "), ")"));
    change->set_desired("(none)");
    if (resource.secret_fields().empty()) {
      diff.set_text_diff(StrCat(
          service.has_value()
              ? ContentDiff(*service, "", systemd::UnitPath(units.service_unit))
              : "",
          timer.has_value()
              ? ContentDiff(*timer, "", systemd::UnitPath(units.timer_unit))
              : ""));
    }
  } else if (remains.loaded_without_file) {
    AddChange(resource, "unit", "(removed on disk, still loaded by systemd)",
              "(unloaded)", context, diff);
  }
  diff.set_action(diff.changes().empty() ? v1::ResourceDiff::ACTION_NONE
                                         : v1::ResourceDiff::ACTION_DELETE);
  return diff;
}

// Apply for ensure = absent.
absl::Status RemoveTimer(Host& host, const Units& units) {
  absl::StatusOr<Remains> remains = FindRemains(host, units);
  if (!remains.ok()) return remains.status();
  if (remains->running) {
    absl::Status s = systemd::Systemctl(host, {"stop", units.timer_unit});
    if (!s.ok()) return s;
  }
  // Before the file goes: disable reads its [Install] section.
  if (remains->enabled) {
    absl::Status s = systemd::Systemctl(host, {"disable", units.timer_unit});
    if (!s.ok()) return s;
  }
  bool removed = false;
  // The timer first: without it, nothing starts the service.
  for (auto [unit, file] :
       {std::pair{&units.timer_unit, &remains->observed.timer},
        std::pair{&units.service_unit, &remains->observed.service}}) {
    if (!file->has_value()) continue;
    if (absl::Status s = host.Remove(systemd::UnitPath(*unit)); !s.ok()) {
      return s;
    }
    removed = true;
  }
  if (removed || remains->loaded_without_file) {
    return systemd::Systemctl(host, {"daemon-reload"});
  }
  return absl::OkStatus();
}

class TimerProvider : public Provider {
 public:
  std::string_view kind() const override { return "timer"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Timer> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Units units = Render(*spec);
    if (!WantPresent(*spec)) {
      absl::StatusOr<Remains> remains = FindRemains(*context.host, units);
      if (!remains.ok()) return remains.status();
      return CheckAbsent(resource, units, *remains, context);
    }
    absl::StatusOr<Observed> observed = Observe(*context.host, units);
    if (!observed.ok()) return observed.status();

    v1::ResourceDiff diff;
    diff.mutable_resource()->set_kind(resource.kind());
    diff.mutable_resource()->set_id(resource.id());
    bool create =
        !observed->service.has_value() && !observed->timer.has_value();
    std::string service = observed->service.value_or("");
    std::string timer = observed->timer.value_or("");
    bool files_differ = service != units.service || timer != units.timer;
    bool attribute_differs = false;
    for (const auto& [attribute, line] : units.lines) {
      std::string current = Value(line.in_timer ? timer : service, line.key);
      if (current == line.value) continue;
      attribute_differs = true;
      if (attribute == "command") {
        AddChange(resource, attribute, ShownCommand(current), spec->command(),
                  context, diff);
      } else {
        AddChange(resource, attribute, current, line.value, context, diff);
      }
    }
    if (files_differ && !attribute_differs) {
      v1::FieldChange* change = diff.add_changes();
      change->set_field("unit");
      change->set_current("(other content)");
      change->set_desired("(as cairn writes it)");
    } else if (!files_differ && observed->needs_reload) {
      v1::FieldChange* change = diff.add_changes();
      change->set_field("unit");
      change->set_current("(changed on disk, not yet loaded by systemd)");
      change->set_desired("(loaded)");
    }
    if (files_differ && resource.secret_fields().empty()) {
      diff.set_text_diff(StrCat(
          ContentDiff(service, units.service,
                      systemd::UnitPath(units.service_unit),
                      observed->service.has_value()),
          ContentDiff(timer, units.timer, systemd::UnitPath(units.timer_unit),
                      observed->timer.has_value())));
    }
    if (!systemd::EnablementSatisfies(observed->enabled_state, true)) {
      AddChange(resource, "enabled", observed->enabled_state, "enabled",
                context, diff);
    }
    if (!systemd::IsRunning(observed->active_state)) {
      AddChange(resource, "active", observed->active_state, "active", context,
                diff);
    }
    if (diff.changes().empty()) {
      diff.set_action(v1::ResourceDiff::ACTION_NONE);
    } else {
      diff.set_action(create ? v1::ResourceDiff::ACTION_CREATE
                             : v1::ResourceDiff::ACTION_UPDATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::Timer> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    Units units = Render(*spec);
    if (!WantPresent(*spec)) return RemoveTimer(host, units);

    absl::StatusOr<bool> service_written =
        systemd::WriteUnitFile(host, units.service_unit, units.service);
    if (!service_written.ok()) return service_written.status();
    absl::StatusOr<bool> timer_written =
        systemd::WriteUnitFile(host, units.timer_unit, units.timer);
    if (!timer_written.ok()) return timer_written.status();
    bool needs_reload = *service_written || *timer_written;
    for (const std::string* unit : {&units.service_unit, &units.timer_unit}) {
      if (needs_reload) break;
      absl::StatusOr<bool> stale = systemd::NeedsDaemonReload(host, *unit);
      if (!stale.ok()) return stale.status();
      needs_reload = *stale;
    }
    if (needs_reload) {
      absl::Status reloaded = systemd::Systemctl(host, {"daemon-reload"});
      if (!reloaded.ok()) return reloaded;
    }

    absl::StatusOr<Observed> observed = Observe(host, units);
    if (!observed.ok()) return observed.status();
    if (StartsWith(observed->enabled_state, "masked")) {
      absl::Status unmasked =
          systemd::Systemctl(host, {"unmask", units.timer_unit});
      if (!unmasked.ok()) return unmasked;
      observed->enabled_state = "disabled";
    }
    bool running = systemd::IsRunning(observed->active_state);
    if (!systemd::EnablementSatisfies(observed->enabled_state, true) ||
        !running) {
      absl::Status enabled =
          systemd::Systemctl(host, {"enable", "--now", units.timer_unit});
      if (!enabled.ok()) return enabled;
    } else if (*timer_written) {
      return systemd::Systemctl(host, {"restart", units.timer_unit});
    }
    return absl::OkStatus();
  }
};

CAIRN_REGISTER_PROVIDER(TimerProvider);

}  // namespace
}  // namespace cairn::agent
