// The service provider: a systemd unit, enabled or not, running or not, and
// optionally its unit file.
//
// Check runs only `systemctl is-enabled`, `is-active` and `show` and reads
// the unit file. Apply writes the unit file (when the spec has one) under
// /etc/systemd/system, runs `systemctl daemon-reload` when systemd has not
// read it yet, unmasks a masked unit that should be enabled or running,
// enables or disables it, and starts or stops it. A running unit whose unit
// file this Apply changed is restarted, so that the new definition takes
// effect at once rather than at the next restart.
//
// Notifications:
//   reload   reload_command when set; otherwise `systemctl
//            try-reload-or-restart UNIT`: a reload when the unit can reload
//            (ExecReload), a restart when it cannot, and nothing when it is
//            not running (it reads its configuration when it starts).
//   restart  restart_command when set; otherwise `systemctl restart UNIT`,
//            or `try-restart` (nothing when stopped) for a service whose
//            spec says running = false, so that a notification never
//            starts a service meant to be stopped.
// Custom commands run with /bin/sh -c.
//
// ensure = absent: the unit is stopped and disabled (a masked one is left
// masked); when the spec defines the unit (`unit`), its file under
// /etc/systemd/system is removed and systemd reloaded, so that it forgets
// the unit. A unit installed by a package is only stopped and disabled:
// its file belongs to the package (a package resource removes it). Nothing
// else of the spec matters then, and notifications do nothing.

#include <string>

#include "agent/providers/provider.h"
#include "agent/providers/systemd.h"
#include "agent/providers/unified_diff.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

// What Check and Apply read of the host.
struct Observed {
  // The unit file's content; nullopt when missing. Only read when the spec
  // defines the unit.
  std::optional<std::string> unit_file;
  // Whether systemd has not read the unit file as it is on disk.
  bool needs_reload = false;
  std::string enabled_state;
  std::string active_state;
};

absl::StatusOr<v1::Service> Unpack(const v1::Resource& resource) {
  v1::Service spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("service ", resource.id(), ": spec is not a cairn.v1.Service"));
  }
  absl::Status valid =
      systemd::ValidateUnitName(systemd::UnitName(spec.name()));
  if (!valid.ok()) return valid;
  return spec;
}

absl::StatusOr<Observed> Observe(Host& host, const v1::Service& spec,
                                 const std::string& unit) {
  Observed observed;
  if (!spec.unit().empty()) {
    absl::StatusOr<std::optional<std::string>> file =
        systemd::ReadUnitFile(host, unit);
    if (!file.ok()) return file.status();
    observed.unit_file = std::move(*file);
    if (observed.unit_file.has_value()) {
      absl::StatusOr<bool> needs_reload =
          systemd::NeedsDaemonReload(host, unit);
      if (!needs_reload.ok()) return needs_reload.status();
      observed.needs_reload = *needs_reload;
    }
  }
  absl::StatusOr<std::string> enabled = systemd::EnabledState(host, unit);
  if (!enabled.ok()) return enabled.status();
  observed.enabled_state = std::move(*enabled);
  absl::StatusOr<std::string> active = systemd::ActiveState(host, unit);
  if (!active.ok()) return active.status();
  observed.active_state = std::move(*active);
  return observed;
}

bool IsMasked(std::string_view enabled_state) {
  return StartsWith(enabled_state, "masked");
}

bool WantPresent(const v1::Service& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

// What is left of a service to remove.
struct Remains {
  // The unit file this configuration defined, when it is still there.
  std::optional<std::string> unit_file;
  // The unit file is gone but systemd still has the unit loaded (a
  // daemon-reload after its removal did not happen).
  bool loaded_without_file = false;
  bool enabled = false;
  bool running = false;
  std::string enabled_state, active_state;
};

absl::StatusOr<Remains> FindRemains(Host& host, const v1::Service& spec,
                                    const std::string& unit) {
  Remains remains;
  if (!spec.unit().empty()) {
    absl::StatusOr<std::optional<std::string>> file =
        systemd::ReadUnitFile(host, unit);
    if (!file.ok()) return file.status();
    remains.unit_file = std::move(*file);
    if (!remains.unit_file.has_value()) {
      absl::StatusOr<bool> stale = systemd::NeedsDaemonReload(host, unit);
      if (!stale.ok()) return stale.status();
      remains.loaded_without_file = *stale;
    }
  }
  absl::StatusOr<std::string> enabled = systemd::EnabledState(host, unit);
  if (!enabled.ok()) return enabled.status();
  remains.enabled_state = std::move(*enabled);
  remains.enabled =
      !systemd::EnablementSatisfies(remains.enabled_state, /*enabled=*/false);
  absl::StatusOr<std::string> active = systemd::ActiveState(host, unit);
  if (!active.ok()) return active.status();
  remains.active_state = std::move(*active);
  remains.running = systemd::IsRunning(remains.active_state);
  return remains;
}

// Check for ensure = absent.
v1::ResourceDiff CheckAbsent(const v1::Resource& resource,
                             const std::string& unit, const Remains& remains,
                             const ProviderContext& context) {
  v1::ResourceDiff diff;
  diff.mutable_resource()->set_kind(resource.kind());
  diff.mutable_resource()->set_id(resource.id());
  if (remains.running) {
    AddChange(resource, "running", remains.active_state, "inactive", context,
              diff);
  }
  if (remains.enabled) {
    AddChange(resource, "enabled", remains.enabled_state, "disabled", context,
              diff);
  }
  if (remains.unit_file.has_value()) {
    // Named, not shown: the file may hold a secret. The text diff shows it
    // when the spec's unit is no secret.
    v1::FieldChange* change = diff.add_changes();
    change->set_field("unit");
    change->set_current(StrCat("(", systemd::UnitPath(unit), ")"));
    change->set_desired("(none)");
    if (!IsSecretField(resource, "unit")) {
      diff.set_text_diff(
          ContentDiff(*remains.unit_file, "", systemd::UnitPath(unit)));
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
absl::Status RemoveService(Host& host, const v1::Service& spec,
                           const std::string& unit) {
  absl::StatusOr<Remains> remains = FindRemains(host, spec, unit);
  if (!remains.ok()) return remains.status();
  if (remains->running) {
    if (absl::Status s = systemd::Systemctl(host, {"stop", unit}); !s.ok()) {
      return s;
    }
  }
  // Before the file goes: disable reads its [Install] section.
  if (remains->enabled) {
    if (absl::Status s = systemd::Systemctl(host, {"disable", unit}); !s.ok()) {
      return s;
    }
  }
  if (remains->unit_file.has_value()) {
    if (absl::Status s = host.Remove(systemd::UnitPath(unit)); !s.ok()) {
      return s;
    }
  }
  if (remains->unit_file.has_value() || remains->loaded_without_file) {
    return systemd::Systemctl(host, {"daemon-reload"});
  }
  return absl::OkStatus();
}

class ServiceProvider : public Provider {
 public:
  std::string_view kind() const override { return "service"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Service> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    std::string unit = systemd::UnitName(spec->name());
    if (!WantPresent(*spec)) {
      absl::StatusOr<Remains> remains = FindRemains(*context.host, *spec, unit);
      if (!remains.ok()) return remains.status();
      return CheckAbsent(resource, unit, *remains, context);
    }
    absl::StatusOr<Observed> observed = Observe(*context.host, *spec, unit);
    if (!observed.ok()) return observed.status();

    v1::ResourceDiff diff;
    diff.mutable_resource()->set_kind(resource.kind());
    diff.mutable_resource()->set_id(resource.id());
    bool create = false;
    if (!spec->unit().empty()) {
      if (!observed->unit_file.has_value()) {
        create = true;
        AddChange(resource, "unit", "(none)", spec->unit(), context, diff);
      } else if (*observed->unit_file != spec->unit()) {
        AddChange(resource, "unit", *observed->unit_file, spec->unit(), context,
                  diff);
      } else if (observed->needs_reload) {
        v1::FieldChange* change = diff.add_changes();
        change->set_field("unit");
        change->set_current("(changed on disk, not yet loaded by systemd)");
        change->set_desired("(loaded)");
      }
      if (!IsSecretField(resource, "unit")) {
        diff.set_text_diff(ContentDiff(observed->unit_file.value_or(""),
                                       spec->unit(), systemd::UnitPath(unit),
                                       observed->unit_file.has_value()));
      }
    }
    if (!systemd::EnablementSatisfies(observed->enabled_state,
                                      spec->enabled())) {
      AddChange(resource, "enabled", observed->enabled_state,
                spec->enabled() ? "enabled" : "disabled", context, diff);
    }
    if (systemd::IsRunning(observed->active_state) != spec->running()) {
      AddChange(resource, "running", observed->active_state,
                spec->running() ? "active" : "inactive", context, diff);
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
    absl::StatusOr<v1::Service> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    std::string unit = systemd::UnitName(spec->name());
    if (!WantPresent(*spec)) return RemoveService(host, *spec, unit);

    bool unit_changed = false;
    if (!spec->unit().empty()) {
      absl::StatusOr<bool> written =
          systemd::WriteUnitFile(host, unit, spec->unit());
      if (!written.ok()) return written.status();
      unit_changed = *written;
      absl::StatusOr<bool> needs_reload =
          unit_changed ? true : systemd::NeedsDaemonReload(host, unit);
      if (!needs_reload.ok()) return needs_reload.status();
      if (*needs_reload) {
        absl::Status reloaded = systemd::Systemctl(host, {"daemon-reload"});
        if (!reloaded.ok()) return reloaded;
      }
    }

    // Read after daemon-reload: a new unit is unknown before it.
    absl::StatusOr<Observed> observed = Observe(host, *spec, unit);
    if (!observed.ok()) return observed.status();
    if ((spec->enabled() || spec->running()) &&
        IsMasked(observed->enabled_state)) {
      absl::Status unmasked = systemd::Systemctl(host, {"unmask", unit});
      if (!unmasked.ok()) return unmasked;
      absl::StatusOr<std::string> state = systemd::EnabledState(host, unit);
      if (!state.ok()) return state.status();
      observed->enabled_state = std::move(*state);
    }
    if (!systemd::EnablementSatisfies(observed->enabled_state,
                                      spec->enabled())) {
      absl::Status done = systemd::Systemctl(
          host, {spec->enabled() ? "enable" : "disable", unit});
      if (!done.ok()) return done;
    }
    bool running = systemd::IsRunning(observed->active_state);
    if (spec->running() && !running) {
      return systemd::Systemctl(host, {"start", unit});
    }
    if (spec->running() && unit_changed) {
      return systemd::Systemctl(host, {"restart", unit});
    }
    if (!spec->running() && running) {
      return systemd::Systemctl(host, {"stop", unit});
    }
    return absl::OkStatus();
  }

  absl::Status Notify(const v1::Resource& resource, std::string_view action,
                      ProviderContext& context) const override {
    absl::StatusOr<v1::Service> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    std::string unit = systemd::UnitName(spec->name());
    // A removed service has nothing to reload or restart.
    if (!WantPresent(*spec) && (action == "reload" || action == "restart")) {
      return absl::OkStatus();
    }
    if (action == "reload") {
      if (!spec->reload_command().empty()) {
        return systemd::RunShell(
            host, spec->reload_command(),
            StrCat("reload_command of service ", resource.id()));
      }
      return systemd::Systemctl(host, {"try-reload-or-restart", unit});
    }
    if (action == "restart") {
      if (!spec->restart_command().empty()) {
        return systemd::RunShell(
            host, spec->restart_command(),
            StrCat("restart_command of service ", resource.id()));
      }
      return systemd::Systemctl(
          host, {spec->running() ? "restart" : "try-restart", unit});
    }
    return Provider::Notify(resource, action, context);
  }
};

CAIRN_REGISTER_PROVIDER(ServiceProvider);

}  // namespace
}  // namespace cairn::agent
