// cairn plan, cairn apply, cairn lock, cairn history: the fleet-wide
// commands. plan asks every targeted agent what its catalog would change
// (and every zone's server); apply rolls those changes out, refusing any
// host that changed since the plan; both remember what was applied in the
// state store, so that what the configuration no longer declares is
// removed.

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/client/client.h"
#include "base/digest.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "cli/drift_store.h"
#include "cli/files.h"
#include "cli/fleet_load.h"
#include "controller/controller.h"
#include "dns/dns.h"
#include "lang/source/source.h"
#include "proto/cairn/v1/plan.pb.h"
#include "state/state.h"

namespace cairn::cli {
namespace {

constexpr int kLeaseSeconds = 60;

std::string Who() {
  std::string user;
  if (const passwd* pw = getpwuid(getuid())) user = pw->pw_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return StrCat(user.empty() ? "?" : user, "@", host);
}

// Reads what the store says each target holds, and works out what each is
// sent: the declared resources and the removals. Apply calls it once it
// holds the lock, so that no other apply changes the store in between.
absl::Status ReadState(Fleet& fleet) {
  fleet.outgoing.clear();
  for (controller::HostTarget& target : fleet.targets) {
    const std::string& host = target.declared.host().name();
    absl::StatusOr<std::optional<state::Snapshot>> last =
        fleet.store->LastApplied(host);
    if (!last.ok()) return last.status();
    target.last_applied.reset();
    if (last->has_value()) {
      v1::Catalog previous;
      if (!previous.ParseFromString((*last)->body)) {
        return absl::DataLossError(
            StrCat("the state store's catalog of ", host, " is unreadable"));
      }
      target.last_applied = std::move(previous);
    }
    fleet.outgoing.push_back(controller::WithRemovals(
        target.declared,
        target.last_applied ? &*target.last_applied : nullptr));
  }
  for (dns::ZoneTarget& target : fleet.zone_targets) {
    target.previous.clear();
    absl::StatusOr<std::optional<state::Snapshot>> last =
        fleet.store->LastApplied(StrCat("zone:", target.zone.name()));
    if (!last.ok()) return last.status();
    if (!last->has_value()) continue;
    v1::Catalog previous;
    if (!previous.ParseFromString((*last)->body)) {
      return absl::DataLossError(StrCat("the state store's records of zone ",
                                        target.zone.name(), " are unreadable"));
    }
    for (const v1::Resource& r : previous.resources()) {
      v1::DnsRecord record;
      if (r.spec().UnpackTo(&record)) target.previous.push_back(record);
    }
  }
  return absl::OkStatus();
}

v1::ZonePlan PlanZone(const dns::ZoneTarget& target, int timeout) {
  dns::Options options;
  options.timeout = std::chrono::seconds(std::max(1, timeout));
  absl::StatusOr<v1::ZonePlan> plan = dns::Plan(target, options);
  if (plan.ok()) return *plan;
  v1::ZonePlan failed;
  failed.set_zone(target.zone.name());
  failed.set_server(target.zone.server());
  failed.set_status(plan.status().code() == absl::StatusCode::kUnavailable
                        ? v1::PLAN_STATUS_UNREACHABLE
                        : v1::PLAN_STATUS_ERROR);
  failed.set_error(std::string(plan.status().message()));
  return failed;
}

v1::Plan MakePlan(Fleet& fleet, const CompileFlags& flags, int timeout) {
  v1::Plan plan;
  plan.set_format_version(1);
  plan.set_created(Rfc3339(Now()));
  plan.set_compiler("cairn 0.1.0");
  for (const std::string& p : flags.paths) plan.add_paths(p);
  // The parameters given, but never a secret one: the compiler leaves
  // those out of the catalogs' params, and apply asks for them again.
  std::map<std::string, std::string> recorded;
  for (const v1::Catalog& c : fleet.compiled->result.catalogs) {
    recorded.insert(c.params().begin(), c.params().end());
  }
  for (const auto& [k, v] : flags.options.params) {
    if (recorded.count(k)) (*plan.mutable_params())[k] = v;
  }
  std::vector<v1::HostPlan> hosts = controller::PlanHosts(
      fleet.targets, fleet.outgoing, fleet.fingerprint_key, fleet.parallelism);
  for (v1::HostPlan& h : hosts) *plan.add_hosts() = std::move(h);
  for (const dns::ZoneTarget& zone : fleet.zone_targets) {
    *plan.add_zones() = PlanZone(zone, timeout);
  }
  return plan;
}

// Prints `plan`; under each host's header, the drift the state store knows
// of it.
void PrintPlan(const v1::Plan& plan, bool color, state::Store& store) {
  std::string out;
  for (const v1::HostPlan& h : plan.hosts()) {
    std::string text = controller::HostPlanText(h, color);
    size_t header = text.find('\n') + 1;
    text.insert(header, KnownDrift(store, h.host()));
    StrAppend(&out, text);
  }
  for (const v1::ZonePlan& z : plan.zones()) {
    StrAppend(&out, controller::ZonePlanText(z, color));
  }
  StrAppend(&out, "\n", controller::PlanSummary(plan));
  std::fputs(out.c_str(), stdout);
}

bool PlanHasErrors(const v1::Plan& plan) {
  for (const v1::HostPlan& h : plan.hosts()) {
    if (h.status() != v1::PLAN_STATUS_OK || h.unreadable_size() > 0) {
      return true;
    }
  }
  for (const v1::ZonePlan& z : plan.zones()) {
    if (z.status() != v1::PLAN_STATUS_OK) return true;
  }
  return false;
}

// ---- apply ----------------------------------------------------------------

std::atomic<bool> g_stop{false};

void OnInterrupt(int) {
  if (g_stop.exchange(true)) _exit(130);  // A second Ctrl-C: at once.
  static const char kMessage[] =
      "\ncairn apply: interrupted: no new host starts; running ones finish "
      "(Ctrl-C again to quit at once)\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
}

// Holds the fleet's lock for the life of an apply, renewing its lease.
class LockHolder {
 public:
  LockHolder(state::Store& store, std::mutex& store_mutex)
      : store_(store), store_mutex_(store_mutex) {}
  ~LockHolder() {
    if (!held_) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    renewer_.join();
    std::lock_guard<std::mutex> lock(store_mutex_);
    absl::Status status = store_.Unlock(owner_);
    if (!status.ok()) {
      std::fprintf(stderr, "cairn apply: could not release the lock: %s\n",
                   std::string(status.message()).c_str());
    }
  }

  // Takes the lock, waiting up to `wait_seconds` for another holder.
  absl::Status Take(int wait_seconds) {
    owner_.owner = Who();
    owner_.pid = getpid();
    owner_.operation = "apply";
    auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
    bool said = false;
    while (true) {
      absl::StatusOr<state::LockInfo> taken;
      {
        std::lock_guard<std::mutex> lock(store_mutex_);
        taken = store_.Lock(owner_, kLeaseSeconds);
      }
      if (taken.ok()) {
        owner_ = *taken;
        break;
      }
      if (taken.status().code() != absl::StatusCode::kFailedPrecondition ||
          std::chrono::steady_clock::now() >= give_up) {
        return absl::FailedPreconditionError(StrCat(
            std::string(taken.status().message()),
            wait_seconds > 0 ? "" : " (wait with --lock-timeout SECONDS)",
            "; `cairn lock break` removes a lock whose owner is gone"));
      }
      if (!said) {
        std::fprintf(stderr, "cairn apply: waiting for the lock: %s\n",
                     std::string(taken.status().message()).c_str());
        said = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    held_ = true;
    renewer_ = std::thread([this] { Renew(); });
    return absl::OkStatus();
  }

 private:
  void Renew() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::seconds(kLeaseSeconds / 3),
                           [&] { return stopping_; })) {
      std::lock_guard<std::mutex> store_lock(store_mutex_);
      absl::Status status = store_.RenewLock(owner_, kLeaseSeconds);
      if (!status.ok()) {
        std::fprintf(stderr, "cairn apply: WARNING: lock lost: %s\n",
                     std::string(status.message()).c_str());
      }
    }
  }

  state::Store& store_;
  std::mutex& store_mutex_;
  state::LockInfo owner_;
  bool held_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread renewer_;
};

struct HostReport {
  std::string result = "not started";
  int changed = 0, unchanged = 0, failed = 0, skipped = 0;
  double seconds = 0;
  std::string error;
};

const char* OutcomeName(const v1::ApplyEvent& e) {
  switch (e.outcome()) {
    case v1::ApplyEvent::OUTCOME_UNCHANGED:
      return "unchanged";
    case v1::ApplyEvent::OUTCOME_CHANGED:
      return e.diff().action() == v1::ResourceDiff::ACTION_DELETE ? "removed"
                                                                  : "changed";
    case v1::ApplyEvent::OUTCOME_SKIPPED:
      return "skipped";
    case v1::ApplyEvent::OUTCOME_NOTIFIED:
      return "notified";
    default:
      return "failed";
  }
}

// Applies everything `plan` says, host by host as the fleet block orders,
// then the zones. The caller holds the fleet's lock. Returns the exit
// code.
int RollOut(Fleet& fleet, const v1::Plan& plan, const FleetFlags& f,
            const std::string& plan_digest, bool color) {
  (void)color;
  const CompileResult& result = fleet.compiled->result;
  std::mutex& store_mutex = *fleet.store_mutex;
  std::mutex out_mutex;
  state::ApplyRecord record;
  record.who = Who();
  record.started_at = Now();
  record.plan_digest = plan_digest;
  record.result = "running";
  absl::StatusOr<int64_t> apply_id = fleet.store->BeginApply(record);
  if (!apply_id.ok()) {
    return Fail("apply", std::string(apply_id.status().message()));
  }

  // Targets of the plan, matched with what is sent now.
  size_t n = plan.hosts_size();
  std::map<std::string, int> index;
  for (size_t i = 0; i < fleet.targets.size(); ++i) {
    index[fleet.targets[i].declared.host().name()] = static_cast<int>(i);
  }
  std::vector<std::string> names;
  std::map<std::string, int> position;
  for (size_t i = 0; i < n; ++i) {
    names.push_back(plan.hosts(i).host());
    position[plan.hosts(i).host()] = static_cast<int>(i);
  }
  std::vector<std::vector<int>> after(n);
  for (size_t i = 0; i < n; ++i) {
    auto it = index.find(names[i]);
    if (it == index.end()) continue;
    for (const std::string& a :
         fleet.targets[it->second].declared.host().after()) {
      auto p = position.find(a);
      if (p != position.end()) after[i].push_back(p->second);
    }
  }
  absl::StatusOr<int> serial =
      controller::SerialCount(result.fleet.serial(), static_cast<int>(n));
  if (!serial.ok())
    return Fail("apply", std::string(serial.status().message()));

  std::vector<HostReport> reports(n);
  std::atomic<int> finished{0};
  auto say = [&](const std::string& text) {
    std::lock_guard<std::mutex> lock(out_mutex);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  };
  auto record_target = [&](const state::TargetResult& target,
                           const std::optional<state::Snapshot>& snapshot) {
    std::lock_guard<std::mutex> lock(store_mutex);
    absl::Status status =
        fleet.store->RecordTarget(*apply_id, target, snapshot);
    if (!status.ok()) {
      say(StrCat("cairn apply: WARNING: could not record ", target.target,
                 " in the state store: ", std::string(status.message()), "\n"));
    }
  };

  auto run = [&](int i) -> bool {
    const v1::HostPlan& planned = plan.hosts(i);
    HostReport& report = reports[i];
    auto started = std::chrono::steady_clock::now();
    state::TargetResult target;
    target.target = planned.host();
    target.started_at = Now();
    auto finish = [&](const std::string& result, const std::string& error,
                      const std::optional<state::Snapshot>& snapshot) {
      report.result = result;
      report.error = error;
      report.seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - started)
                           .count();
      target.result = result;
      target.error = error;
      target.finished_at = Now();
      record_target(target, snapshot);
      int k = ++finished;
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2f s", report.seconds);
      say(StrCat("[", k, "/", n, "] ", planned.host(), ": ", result,
                 error.empty() ? "" : StrCat(": ", error),
                 report.changed + report.failed > 0
                     ? StrCat(" (", report.changed, " changed, ", report.failed,
                              " failed, ", seconds, ")")
                     : StrCat(" (", seconds, ")"),
                 "\n"));
      return result == "changed" || result == "unchanged";
    };
    if (planned.status() != v1::PLAN_STATUS_OK) {
      return finish("unreachable", StrCat("not planned: ", planned.error()),
                    std::nullopt);
    }
    auto it = index.find(planned.host());
    if (it == index.end()) {
      return finish("refused", "no longer in the configuration", std::nullopt);
    }
    const controller::HostTarget& host = fleet.targets[it->second];
    const controller::Outgoing& outgoing = fleet.outgoing[it->second];
    if (controller::CatalogDigest(outgoing.catalog, fleet.fingerprint_key) !=
        planned.catalog_digest()) {
      return finish("refused",
                    "changed since plan: the configuration (or the state "
                    "store) gives it another catalog now",
                    std::nullopt);
    }
    state::Snapshot snapshot;
    snapshot.target = planned.host();
    snapshot.applied_at = Now();
    auto snapshot_of = [&](const std::vector<v1::ResourceRef>& removed) {
      v1::Catalog body = controller::Snapshot(outgoing, host.declared, removed,
                                              fleet.fingerprint_key);
      snapshot.digest = planned.catalog_digest();
      body.SerializeToString(&snapshot.body);
      return snapshot;
    };
    if (planned.changes().empty() && planned.unreadable().empty()) {
      report.unchanged = planned.unchanged();
      // Nothing to do; remember the catalog when the store does not have
      // it yet (a first run, a lost store), so removals work next time.
      return finish("unchanged", "", snapshot_of(outgoing.removals));
    }
    absl::StatusOr<std::unique_ptr<agent::AgentClient>> client =
        agent::AgentClient::Connect(host.agent);
    if (!client.ok()) {
      return finish("failed", std::string(client.status().message()),
                    std::nullopt);
    }
    // Exactly what was reviewed, or nothing.
    v1::HostPlan now =
        controller::PlanHost(**client, planned.host(), planned.agent(),
                             outgoing, fleet.fingerprint_key);
    if (now.status() != v1::PLAN_STATUS_OK) {
      return finish(now.status() == v1::PLAN_STATUS_UNREACHABLE ? "unreachable"
                                                                : "failed",
                    now.error(), std::nullopt);
    }
    if (!controller::SameChanges(now, planned)) {
      return finish(
          "refused",
          StrCat("changed since plan: ",
                 controller::ChangesSincePlan(planned, now), "; plan again"),
          std::nullopt);
    }
    v1::ApplyRequest request;
    *request.mutable_catalog() = outgoing.catalog;
    request.set_fingerprint_key(fleet.fingerprint_key);
    request.set_confirm_timeout_seconds(f.confirm_timeout);
    std::set<std::pair<std::string, std::string>> removals;
    for (const v1::ResourceRef& r : outgoing.removals) {
      removals.insert({r.kind(), r.id()});
    }
    std::vector<v1::ResourceRef> removed;
    bool needs_confirm = false;
    absl::Status applied = (*client)->Apply(
        request,
        [&](const v1::ApplyEvent& e) {
          bool removal =
              removals.count({e.resource().kind(), e.resource().id()});
          switch (e.outcome()) {
            case v1::ApplyEvent::OUTCOME_CHANGED:
              ++report.changed;
              needs_confirm |= e.needs_confirm();
              if (removal) removed.push_back(e.resource());
              break;
            case v1::ApplyEvent::OUTCOME_UNCHANGED:
              ++report.unchanged;
              if (removal) removed.push_back(e.resource());
              break;
            case v1::ApplyEvent::OUTCOME_FAILED:
              ++report.failed;
              break;
            case v1::ApplyEvent::OUTCOME_SKIPPED:
              ++report.skipped;
              break;
            default:
              break;
          }
          if (e.outcome() != v1::ApplyEvent::OUTCOME_NOTIFIED) {
            target.resources.push_back({e.resource().kind(), e.resource().id(),
                                        OutcomeName(e), e.error()});
          }
          std::string text =
              controller::EventText(planned.host(), e, f.verbose);
          if (!text.empty()) say(text);
        },
        &g_stop);
    if (applied.ok() && needs_confirm) {
      int timeout = f.confirm_timeout > 0 ? f.confirm_timeout : 60;
      absl::StatusOr<bool> confirmed = (*client)->Confirm(
          std::chrono::seconds(std::clamp(timeout / 2, 1, 10)));
      if (!confirmed.ok() || !*confirmed) {
        return finish(
            "failed",
            StrCat("NOT CONFIRMED (",
                   confirmed.ok() ? std::string("already rolled back")
                                  : std::string(confirmed.status().message()),
                   "): the agent restores the previous firewall by itself"),
            snapshot_of(removed));
      }
    }
    if (!applied.ok()) {
      return finish("failed", std::string(applied.message()),
                    snapshot_of(removed));
    }
    bool ok = report.failed + report.skipped == 0;
    std::string why =
        StrCat(report.failed, " failed, ", report.skipped, " skipped");
    if (g_stop && report.skipped > 0) {
      why = StrCat("interrupted: the resource in progress finished, ",
                   report.skipped, " not started");
    }
    return finish(ok ? "changed" : "failed", ok ? "" : why,
                  snapshot_of(removed));
  };

  controller::RolloutOptions options;
  options.parallelism = fleet.parallelism;
  options.serial = *serial;
  if (result.fleet.has_max_fail()) options.max_fail = result.fleet.max_fail();
  options.stop = &g_stop;
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  absl::StatusOr<std::vector<controller::HostRun>> runs =
      controller::Rollout(names, after, options, run);
  if (!runs.ok()) return Fail("apply", std::string(runs.status().message()));

  // Zones, once the hosts whose addresses they name are done.
  std::vector<std::string> zone_results;
  int zone_failures = 0;
  for (const v1::ZonePlan& zone : plan.zones()) {
    std::string outcome;
    state::TargetResult target;
    target.target = StrCat("zone:", zone.zone());
    target.started_at = Now();
    std::optional<state::Snapshot> snapshot;
    const dns::ZoneTarget* declared = nullptr;
    for (const dns::ZoneTarget& z : fleet.zone_targets) {
      if (z.zone.name() == zone.zone()) declared = &z;
    }
    if (g_stop) {
      outcome = "not started: the rollout was interrupted";
    } else if (declared == nullptr) {
      outcome = "refused: no longer in the configuration";
    } else if (zone.status() != v1::PLAN_STATUS_OK) {
      outcome = StrCat("unreachable: not planned: ", zone.error());
    } else {
      dns::Options options;
      options.timeout = std::chrono::seconds(std::max(1, f.timeout));
      absl::Status applied = zone.changes().empty()
                                 ? absl::OkStatus()
                                 : dns::Apply(*declared, zone, options);
      if (applied.ok()) {
        outcome = zone.changes().empty() ? "unchanged" : "changed";
        v1::Catalog body;
        for (const v1::DnsRecord& r : declared->records) {
          v1::Resource* resource = body.add_resources();
          resource->set_kind("record");
          resource->set_id(StrCat(r.name(), " ", r.type()));
          resource->mutable_spec()->PackFrom(r);
        }
        snapshot =
            state::Snapshot{target.target, zone.records_digest(), "", Now()};
        body.SerializeToString(&snapshot->body);
      } else {
        outcome = StrCat("failed: ", std::string(applied.message()));
      }
    }
    bool ok = outcome == "changed" || outcome == "unchanged";
    zone_failures += ok ? 0 : 1;
    target.result = outcome.substr(0, outcome.find(':'));
    target.error = ok ? "" : outcome.substr(outcome.find(':') + 2);
    target.finished_at = Now();
    record_target(target, snapshot);
    zone_results.push_back(StrCat("zone ", zone.zone(), ": ", outcome));
    say(StrCat(zone_results.back(), "\n"));
  }

  // The final table.
  int failed = zone_failures, changed = 0;
  std::string table = StrCat("\n", "HOST", std::string(20, ' '),
                             "RESULT        CHANGED  UNCHANGED  FAILED\n");
  for (size_t i = 0; i < n; ++i) {
    HostReport& r = reports[i];
    if ((*runs)[i].outcome == controller::Outcome::kNotStarted) {
      r.result = "not started";
      r.error = (*runs)[i].reason;
      state::TargetResult target;
      target.target = names[i];
      target.result = g_stop ? "cancelled" : "not started";
      target.error = r.error;
      record_target(target, std::nullopt);
    }
    bool ok = r.result == "changed" || r.result == "unchanged";
    failed += ok ? 0 : 1;
    changed += r.result == "changed";
    char line[200];
    std::snprintf(line, sizeof line, "%-23s %-13s %7d  %9d  %6d",
                  names[i].c_str(), r.result.c_str(), r.changed, r.unchanged,
                  r.failed);
    StrAppend(&table, line, ok || r.error.empty() ? "" : StrCat("  ", r.error),
              "\n");
  }
  for (const std::string& z : zone_results) StrAppend(&table, z, "\n");
  StrAppend(&table, "Apply: ", changed, " of ", n, " hosts changed, ", failed,
            failed == 1 ? " target" : " targets", " failed or not applied",
            g_stop ? " (interrupted)" : "", ".\n");
  say(table);
  {
    std::lock_guard<std::mutex> store_lock(store_mutex);
    absl::Status closed = fleet.store->FinishApply(*apply_id,
                                                   g_stop       ? "cancelled"
                                                   : failed > 0 ? "failed"
                                                                : "succeeded",
                                                   Now());
    if (!closed.ok()) {
      std::fprintf(stderr, "cairn apply: WARNING: %s\n",
                   std::string(closed.message()).c_str());
    }
  }
  return failed > 0 || g_stop ? kExitFindings : kExitOk;
}

// Where the state of the configuration at `path` lives: its fleet block's
// `state`, else .cairn/state.db beside it. The configuration is compiled
// for this, without the vault.
std::string StateOf(const std::string& path) {
  std::string root = IsDirectory(path) ? path : Dirname(path);
  CompileFlags flags;
  flags.paths = {path};
  flags.options.vault_password_optional = true;
  absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
  if (compiled.ok() && !(*compiled)->result.fleet.state().empty()) {
    return UnderRoot(root, (*compiled)->result.fleet.state());
  }
  return StrCat(root, "/.cairn/state.db");
}

constexpr char kPlanUsage[] =
    "usage: cairn plan PATH... [--host NAME] [--tag TAG] [--zone NAME]\n"
    "             [--parallelism N] [--timeout S] [--state LOCATION]\n"
    "             [--tls-dir DIR] [--out FILE] [--json] "
    "[--detailed-exitcode] %s\n";
constexpr char kApplyUsage[] =
    "usage: cairn apply PLANFILE | PATH... [--yes] [--host NAME] [--tag TAG]\n"
    "             [--zone NAME] [--parallelism N] [--timeout S] "
    "[--apply-timeout S]\n"
    "             [--confirm-timeout S] [--lock-timeout S] [--state LOCATION]\n"
    "             [--tls-dir DIR] [-v]\n"
    "             [--bootstrap [--ssh-user U] [--ssh-key FILE] [--ssh-port N]\n"
    "              [--known-hosts FILE] [--accept-new] [--package DEB]] %s\n";

bool IsPlanFile(const std::string& path) {
  struct stat st;
  return !EndsWith(path, ".cairn") && path != "-" &&
         stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

int Plan(const std::vector<std::string>& args) {
  CompileFlags flags;
  FleetFlags f;
  if (!ParseCommandLine("plan", args, flags,
                        [&](const std::vector<std::string>& a, size_t& i) {
                          return f.Take(a, i);
                        })) {
    return kExitUsage;
  }
  if (flags.paths.empty()) {
    std::fprintf(stderr, kPlanUsage, CompileFlags::kUsage);
    return kExitUsage;
  }
  absl::StatusOr<Fleet> fleet = Load(flags, f);
  if (!fleet.ok()) return Fail("plan", std::string(fleet.status().message()));
  if (absl::Status read = ReadState(*fleet); !read.ok()) {
    return Fail("plan", std::string(read.message()));
  }
  v1::Plan plan = MakePlan(*fleet, flags, f.timeout);
  if (f.json) {
    PrintJson(plan);
  } else {
    PrintPlan(plan, UseColor(flags.color), *fleet->store);
  }
  if (!f.out.empty()) {
    std::string bytes;
    plan.SerializeToString(&bytes);
    absl::Status written = WriteFileAtomically(f.out, bytes, 0600);
    if (!written.ok()) return Fail("plan", std::string(written.message()));
    if (!f.json) {
      std::printf(
          "Saved the plan to %s; `cairn apply %s` applies exactly "
          "it.\n",
          f.out.c_str(), f.out.c_str());
    }
  }
  if (PlanHasErrors(plan)) return kExitFindings;
  if (f.detailed_exitcode && controller::ChangeCount(plan) > 0) {
    return kExitChanges;
  }
  return kExitOk;
}

int Apply(const std::vector<std::string>& args) {
  CompileFlags flags;
  FleetFlags f;
  if (!ParseCommandLine("apply", args, flags,
                        [&](const std::vector<std::string>& a, size_t& i) {
                          return f.Take(a, i);
                        })) {
    return kExitUsage;
  }
  if (flags.paths.empty()) {
    std::fprintf(stderr, kApplyUsage, CompileFlags::kUsage);
    return kExitUsage;
  }
  bool color = UseColor(flags.color);
  v1::Plan plan;
  std::string plan_digest;
  if (flags.paths.size() == 1 && IsPlanFile(flags.paths[0])) {
    std::string path = flags.paths[0];
    absl::StatusOr<std::string> bytes = ReadFile(path);
    if (!bytes.ok())
      return Fail("apply", std::string(bytes.status().message()), kExitUsage);
    if (!plan.ParseFromString(*bytes) || plan.format_version() == 0) {
      return Fail("apply",
                  StrCat(path,
                         " is not a plan (write one with `cairn plan "
                         "--out FILE`)"),
                  kExitUsage);
    }
    if (plan.format_version() != 1) {
      return Fail("apply",
                  StrCat(path, " is a plan of format ", plan.format_version(),
                         "; this cairn reads format 1"),
                  kExitUsage);
    }
    for (const auto& [k, v] : flags.options.params) {
      if (plan.params().count(k)) {
        return Fail("apply",
                    StrCat("-p ", k,
                           ": a saved plan keeps the parameters it was made "
                           "with; only secret ones are given again"),
                    kExitUsage);
      }
    }
    plan_digest = Sha256Hex(*bytes);
    flags.paths.assign(plan.paths().begin(), plan.paths().end());
    for (const auto& [k, v] : plan.params()) flags.options.params[k] = v;
    // Exactly the planned targets.
    for (const v1::HostPlan& h : plan.hosts()) f.hosts.push_back(h.host());
    for (const v1::ZonePlan& z : plan.zones()) f.zones.push_back(z.zone());
    if (f.hosts.empty() && f.zones.empty()) {
      std::printf("The plan has no targets: nothing to apply.\n");
      return kExitOk;
    }
    absl::StatusOr<Fleet> fleet = Load(flags, f);
    if (!fleet.ok())
      return Fail("apply", std::string(fleet.status().message()));
    LockHolder lock(*fleet->store, *fleet->store_mutex);
    if (absl::Status taken = lock.Take(f.lock_timeout); !taken.ok()) {
      return Fail("apply", std::string(taken.message()));
    }
    if (absl::Status read = ReadState(*fleet); !read.ok()) {
      return Fail("apply", std::string(read.message()));
    }
    return RollOut(*fleet, plan, f, plan_digest, color);
  }

  absl::StatusOr<Fleet> fleet = Load(flags, f);
  if (!fleet.ok()) return Fail("apply", std::string(fleet.status().message()));
  // The lock first: the plan shown is then what this apply does, with no
  // other apply in between.
  LockHolder lock(*fleet->store, *fleet->store_mutex);
  if (absl::Status taken = lock.Take(f.lock_timeout); !taken.ok()) {
    return Fail("apply", std::string(taken.message()));
  }
  if (f.bootstrap) {
    // Blank hosts get an agent first, so that one command takes a new
    // server to its catalog.
    int failed = BootstrapTargets(*fleet, f.ssh, /*trust_answering=*/true,
                                  std::min(fleet->parallelism, 10));
    if (failed > 0) {
      return Fail("apply", StrCat(failed, failed == 1 ? " host" : " hosts",
                                  " could not be bootstrapped (above): "
                                  "nothing applied"));
    }
  }
  if (absl::Status read = ReadState(*fleet); !read.ok()) {
    return Fail("apply", std::string(read.message()));
  }
  plan = MakePlan(*fleet, flags, f.timeout);
  PrintPlan(plan, color, *fleet->store);
  int changes = controller::ChangeCount(plan);
  if (changes == 0 && !PlanHasErrors(plan)) {
    // Still records each host's catalog, so that what it holds is known.
    if (!f.yes) std::printf("Nothing to apply.\n");
    return RollOut(*fleet, plan, f, "", color);
  }
  if (!f.yes) {
    if (!isatty(STDIN_FILENO)) {
      return Fail("apply",
                  "not applying without confirmation: pass --yes, or run "
                  "in a terminal",
                  kExitUsage);
    }
    std::printf("\nApply these changes? Only 'yes' is accepted: ");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") {
      std::printf("Nothing applied.\n");
      return kExitFindings;
    }
  }
  return RollOut(*fleet, plan, f, "", color);
}

int Lock(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "status" && args[0] != "break")) {
    std::fputs(
        "usage: cairn lock status|break [PATH | --state LOCATION] "
        "[--yes]\n",
        stderr);
    return kExitUsage;
  }
  std::string location;
  bool yes = false;
  std::string config = ".";
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--state" && i + 1 < args.size()) {
      location = args[++i];
    } else if (args[i] == "--yes" || args[i] == "-y") {
      yes = true;
    } else if (!args[i].empty() && args[i][0] != '-') {
      config = args[i];
    } else {
      return Fail("lock", StrCat("unknown flag ", args[i]), kExitUsage);
    }
  }
  if (location.empty()) location = StateOf(config);
  absl::StatusOr<std::unique_ptr<state::Store>> store =
      state::Store::Open(location);
  if (!store.ok()) return Fail("lock", std::string(store.status().message()));
  absl::StatusOr<std::optional<state::LockInfo>> held = (*store)->LockStatus();
  if (!held.ok()) return Fail("lock", std::string(held.status().message()));
  if (!held->has_value()) {
    std::printf("The fleet is not locked.\n");
    return kExitOk;
  }
  const state::LockInfo& info = **held;
  bool stale = info.lease_until < Now();
  std::printf("Locked by %s (pid %lld) for %s since %s; lease %s %s.\n",
              info.owner.c_str(), static_cast<long long>(info.pid),
              info.operation.c_str(), Rfc3339(info.created_at).c_str(),
              stale ? "expired at" : "until",
              Rfc3339(info.lease_until).c_str());
  if (args[0] == "status") return kExitOk;
  if (!yes) {
    if (!isatty(STDIN_FILENO)) {
      return Fail("lock", "not breaking the lock without --yes", kExitUsage);
    }
    std::printf(
        "Break it? An apply still running there would go on "
        "unlocked. Only 'yes' is accepted: ");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") return kExitFindings;
  }
  absl::Status broken = (*store)->BreakLock();
  if (!broken.ok()) return Fail("lock", std::string(broken.message()));
  std::printf("The lock is broken.\n");
  return kExitOk;
}

int History(const std::vector<std::string>& args) {
  std::string location, host, config = ".";
  int limit = 20;
  for (size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--state" && has_value) {
      location = args[++i];
    } else if (args[i] == "--host" && has_value) {
      host = args[++i];
    } else if (args[i] == "--limit" && has_value) {
      limit = std::max(1, std::atoi(args[++i].c_str()));
    } else if (!args[i].empty() && args[i][0] != '-') {
      config = args[i];
    } else {
      std::fputs(
          "usage: cairn history [PATH | --state LOCATION] "
          "[--host NAME] [--limit N]\n",
          stderr);
      return kExitUsage;
    }
  }
  if (location.empty()) location = StateOf(config);
  absl::StatusOr<std::unique_ptr<state::Store>> store =
      state::Store::Open(location);
  if (!store.ok())
    return Fail("history", std::string(store.status().message()));
  absl::StatusOr<std::vector<state::ApplyRecord>> history = (*store)->History(
      host.empty() ? std::nullopt : std::optional<std::string_view>(host),
      limit);
  if (!history.ok()) {
    return Fail("history", std::string(history.status().message()));
  }
  if (history->empty()) {
    std::printf("No apply yet%s.\n",
                host.empty() ? "" : StrCat(" touched ", host).c_str());
    return kExitOk;
  }
  for (const state::ApplyRecord& r : *history) {
    int changed = 0, failed = 0;
    for (const state::TargetResult& t : r.targets) {
      changed += t.result == "changed";
      failed += t.result != "changed" && t.result != "unchanged";
    }
    std::printf(
        "#%lld %s %s %s: %zu targets, %d changed, %d failed%s\n",
        static_cast<long long>(r.id), Rfc3339(r.started_at).c_str(),
        r.who.c_str(), r.result.c_str(), r.targets.size(), changed, failed,
        r.plan_digest.empty()
            ? ""
            : StrCat(" (plan ", r.plan_digest.substr(0, 12), ")").c_str());
    if (host.empty()) continue;
    for (const state::TargetResult& t : r.targets) {
      std::printf("  %s: %s%s\n", t.target.c_str(), t.result.c_str(),
                  t.error.empty() ? "" : StrCat(": ", t.error).c_str());
      for (const state::ResourceOutcome& o : t.resources) {
        if (o.outcome == "unchanged") continue;
        std::printf("    %s %s: %s%s\n", o.kind.c_str(), o.id.c_str(),
                    o.outcome.c_str(),
                    o.error.empty() ? "" : StrCat(": ", o.error).c_str());
      }
    }
  }
  return kExitOk;
}

}  // namespace cairn::cli
