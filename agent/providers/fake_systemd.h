#ifndef CAIRN_AGENT_PROVIDERS_FAKE_SYSTEMD_H_
#define CAIRN_AGENT_PROVIDERS_FAKE_SYSTEMD_H_

// For tests of the service and timer providers: systemctl played on a
// FakeHost, with the state of each unit, so that a Check after Apply sees
// what the commands did. Not for production.

#include <map>
#include <optional>
#include <string>

#include "agent/host/fake_host.h"

namespace cairn::agent {

class FakeSystemd {
 public:
  struct Unit {
    // What `systemctl is-enabled` says.
    std::string enabled = "disabled";
    bool active = false;
    // The unit file as systemd last read it; nullopt: unknown to systemd.
    std::optional<std::string> loaded;
    bool can_reload = true;
    // Read from /etc/systemd/system (not a package's unit).
    bool in_unit_dir = false;
    int starts = 0, restarts = 0, reloads = 0;
  };

  // Answers `systemctl` on `host`: is-enabled, is-active, show
  // --property=NeedDaemonReload --value, daemon-reload (reads every file
  // in /etc/systemd/system, and forgets a stopped unit read from there
  // whose file is gone), enable [--now], disable, start, stop,
  // restart, try-restart, try-reload-or-restart, unmask; each fails like
  // systemd on an unknown or masked unit.
  explicit FakeSystemd(FakeHost& host);

  // A unit installed by a package (under /lib/systemd/system): disabled
  // and inactive, or as `unit` says.
  void AddPackageUnit(const std::string& name);
  void AddPackageUnit(const std::string& name, Unit unit);

  Unit& unit(const std::string& name) { return units_[name]; }
  bool known(const std::string& name) const;

  // A command that fails as if systemd refused it: `systemctl VERB ...`.
  void FailVerb(const std::string& verb) { failing_verb_ = verb; }

 private:
  CommandResult Run(const std::vector<std::string>& argv);

  FakeHost& host_;
  std::map<std::string, Unit> units_;
  std::string failing_verb_;
};

// Whether `command` (as FakeHost::commands() spells it) only reads.
bool IsReadOnlySystemctl(const std::string& command);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_FAKE_SYSTEMD_H_
