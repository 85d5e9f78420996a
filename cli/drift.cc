// cairn drift: how the targeted hosts stopped matching what was applied to
// them, as their agents noticed (docs/drift.md). Once: every agent is asked
// at once and one report printed. --watch: every agent's events as they
// come, until Ctrl-C. Either way the state store keeps the events, so that
// "new" means new to whoever shares the store, and --notify-command runs
// once for each.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/client/client.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "cli/drift_store.h"
#include "cli/files.h"
#include "cli/fleet_load.h"
#include "controller/controller.h"
#include "proto/cairn/v1/drift.pb.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] =
    "usage: cairn drift PATH... [--host NAME] [--tag TAG] [--json]\n"
    "             [--exit-code] [--watch] [--all] [--notify-command CMD]\n"
    "             [--parallelism N] [--timeout S] [--state LOCATION]\n"
    "             [--tls-dir DIR] %s\n";

// The flags of FleetFlags that drift takes.
const std::set<std::string>& DriftFlags() {
  static const auto* const flags = new std::set<std::string>{
      "--host",  "--tag",     "--json",        "--exit-code",
      "--watch", "--all",     "--parallelism", "--timeout",
      "--state", "--tls-dir", "--insecure",    "--notify-command",
  };
  return *flags;
}

std::atomic<bool> g_stop{false};

void OnInterrupt(int) { g_stop = true; }

// Sleeps up to `duration`, less when g_stop is set meanwhile.
void Pause(std::chrono::milliseconds duration) {
  auto until = std::chrono::steady_clock::now() + duration;
  while (!g_stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// What to ask each targeted agent: after the last event the store holds
// of it (every kept event with --all).
absl::StatusOr<std::vector<controller::DriftTarget>> Targets(
    const Fleet& fleet, const FleetFlags& f) {
  std::vector<controller::DriftTarget> targets;
  for (const controller::HostTarget& t : fleet.targets) {
    controller::DriftTarget& target = targets.emplace_back();
    target.host = t.declared.host().name();
    target.agent = t.agent;
    if (f.all_events) continue;
    absl::StatusOr<std::optional<state::DriftStatus>> last =
        fleet.store->LastDrift(target.host);
    if (!last.ok()) return last.status();
    if (last->has_value()) target.after_seq = (*last)->last_seq;
  }
  return targets;
}

// One report of every target; the exit code.
int ReportOnce(Fleet& fleet, const FleetFlags& f, bool color) {
  absl::StatusOr<std::vector<controller::DriftTarget>> targets =
      Targets(fleet, f);
  if (!targets.ok()) {
    return Fail("drift", std::string(targets.status().message()));
  }
  DriftKeeper keeper(*fleet.store, f.notify_command);
  v1::DriftReport report;
  report.set_format_version(1);
  report.set_created(Rfc3339(Now()));
  bool errors = false;
  for (v1::HostDrift& h : controller::ReadDrifts(*targets, fleet.parallelism)) {
    errors |= h.status() != v1::PLAN_STATUS_OK;
    if (h.status() == v1::PLAN_STATUS_OK) {
      absl::StatusOr<std::vector<v1::DriftEvent>> recorded = keeper.Record(h);
      if (!recorded.ok()) {
        errors = true;
        std::fprintf(stderr,
                     "cairn drift: could not record the drift of %s in the "
                     "state store (nothing notified): %s\n",
                     h.host().c_str(),
                     std::string(recorded.status().message()).c_str());
      }
    }
    *report.add_hosts() = std::move(h);
  }
  int drifted = 0;
  for (const v1::HostDrift& h : report.hosts()) drifted += h.current_size();
  if (f.json) {
    PrintJson(report);
  } else {
    std::string out;
    int64_t now_ms = NowMillis();
    for (const v1::HostDrift& h : report.hosts()) {
      StrAppend(&out, controller::HostDriftText(h, now_ms, color));
    }
    StrAppend(&out, "\n", controller::DriftSummary(report));
    std::fputs(out.c_str(), stdout);
  }
  if (errors) return kExitFindings;
  return f.exit_code && drifted > 0 ? kExitChanges : kExitOk;
}

// Prints whole lines from many threads.
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  void Event(const std::string& host, const v1::DriftEvent& e, bool color) {
    Say(json_ ? StrCat(ToJson(e, true), "\n")
              : controller::DriftEventText(host, e, NowMillis(), color));
  }
  // A message about the watch itself: stdout for people, stderr with
  // --json (stdout holds only events).
  void Note(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::fputs(text.c_str(), json_ ? stderr : stdout);
    std::fflush(json_ ? stderr : stdout);
  }

 private:
  void Say(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }
  bool json_;
  std::mutex mutex_;
};

// `drift` after `event`: its last seq, and its current drift with the
// event's resource replaced by the event while it differs.
void AddEvent(v1::HostDrift& drift, const v1::DriftEvent& event) {
  auto* current = drift.mutable_current();
  const v1::ResourceRef& r = event.diff().resource();
  current->erase(std::remove_if(current->begin(), current->end(),
                                [&](const v1::DriftEvent& c) {
                                  return c.diff().resource().kind() ==
                                             r.kind() &&
                                         c.diff().resource().id() == r.id();
                                }),
                 current->end());
  if (event.state() == v1::DriftEvent::STATE_DRIFTED ||
      event.state() == v1::DriftEvent::STATE_HEAL_FAILED) {
    *current->Add() = event;
  }
  drift.set_last_seq(std::max<uint64_t>(drift.last_seq(), event.seq()));
}

// Watches one host until g_stop: catches up with GetDrift, then follows
// WatchDrift; when the agent goes away, says so once and tries again with
// a growing pause (1 s to 30 s). Each event is printed once, and recorded.
void WatchHost(const controller::DriftTarget& target, DriftKeeper& keeper,
               Output& out, bool color) {
  const std::string& host = target.host;
  uint64_t after = target.after_seq;
  bool down = false, first = true;
  auto pause = std::chrono::milliseconds(1000);
  // Prints every event this watch receives (another run sharing the store
  // may have recorded it first: it is new here all the same); the keeper
  // notifies only those new to the store.
  auto record = [&](const v1::HostDrift& drift) {
    for (const v1::DriftEvent& e : drift.events()) out.Event(host, e, color);
    absl::StatusOr<std::vector<v1::DriftEvent>> fresh = keeper.Record(drift);
    if (!fresh.ok()) {
      out.Note(StrCat(host, ": could not record in the state store: ",
                      std::string(fresh.status().message()), "\n"));
    }
  };
  auto went_away = [&](const std::string& why) {
    if (!down) {
      out.Note(StrCat(host, ": ", why, "; trying again until it answers\n"));
    }
    down = true;
    Pause(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(30000));
  };
  while (!g_stop) {
    absl::StatusOr<std::unique_ptr<agent::AgentClient>> client =
        agent::AgentClient::Connect(target.agent);
    if (!client.ok()) {
      went_away(std::string(client.status().message()));
      continue;
    }
    v1::HostDrift drift =
        controller::ReadDrift(**client, host, target.agent.address, after);
    if (drift.status() != v1::PLAN_STATUS_OK) {
      went_away(StrCat(drift.status() == v1::PLAN_STATUS_UNREACHABLE
                           ? "UNREACHABLE: "
                           : "ERROR: ",
                       drift.error()));
      continue;
    }
    if (down || first) {
      out.Note(StrCat(
          host, down ? ": back, " : ": ",
          drift.watching() ? "watching" : "not watching yet",
          drift.current_size() == 0 ? std::string()
          : drift.current_size() == 1
              ? std::string(", 1 resource drifted now")
              : StrCat(", ", drift.current_size(), " resources drifted now"),
          "\n"));
    }
    down = first = false;
    pause = std::chrono::milliseconds(1000);
    record(drift);
    after = drift.last_seq();
    drift.clear_events();
    drift.set_queue_restarted(false);
    absl::Status watched = (*client)->WatchDrift(
        after,
        [&](const v1::DriftEvent& e) {
          if (e.seq() <= after) return;  // Already had.
          after = e.seq();
          AddEvent(drift, e);
          *drift.mutable_events()->Add() = e;
          record(drift);
          drift.clear_events();
        },
        &g_stop);
    if (g_stop) break;
    went_away(StrCat("the watch ended: ", std::string(watched.message())));
  }
}

int Watch(Fleet& fleet, const FleetFlags& f, bool color) {
  absl::StatusOr<std::vector<controller::DriftTarget>> targets =
      Targets(fleet, f);
  if (!targets.ok()) {
    return Fail("drift", std::string(targets.status().message()));
  }
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  DriftKeeper keeper(*fleet.store, f.notify_command);
  Output out(f.json);
  out.Note(StrCat("Watching ", targets->size(),
                  targets->size() == 1 ? " host" : " hosts",
                  " for drift; Ctrl-C stops.\n"));
  std::vector<std::thread> threads;
  for (controller::DriftTarget& target : *targets) {
    // Connecting (not the stream) is bounded by --timeout, at most 10 s, so
    // that a host that is down is retried soon.
    target.agent.deadline =
        std::min(target.agent.deadline, std::chrono::seconds(10));
    // Each attempt afresh: no backoff inherited from the failed ones.
    target.agent.own_connection = true;
    threads.emplace_back(
        [&, &target = target] { WatchHost(target, keeper, out, color); });
  }
  for (std::thread& t : threads) t.join();
  return kExitOk;
}

}  // namespace

int Drift(const std::vector<std::string>& args) {
  CompileFlags flags;
  FleetFlags f;
  if (!ParseCommandLine("drift", args, flags,
                        [&](const std::vector<std::string>& a, size_t& i) {
                          return DriftFlags().count(a[i]) > 0 && f.Take(a, i);
                        })) {
    return kExitUsage;
  }
  if (flags.paths.empty()) {
    std::fprintf(stderr, kUsage, CompileFlags::kUsage);
    return kExitUsage;
  }
  // No catalog is sent: the vault's secrets are not needed.
  absl::StatusOr<Fleet> fleet = Load(flags, f, /*without_secrets=*/true);
  if (!fleet.ok()) return Fail("drift", std::string(fleet.status().message()));
  bool color = UseColor(flags.color);
  return f.watch ? Watch(*fleet, f, color) : ReportOnce(*fleet, f, color);
}

}  // namespace cairn::cli
