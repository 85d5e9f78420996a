// The state store's record of drift, and --notify-command (drift_store.h).

#include "cli/drift_store.h"

#include <cstdio>
#include <optional>
#include <set>

#include "absl/time/time.h"
#include "agent/host/run_command.h"
#include "base/strings.h"
#include "cli/fleet_load.h"
#include "controller/controller.h"

namespace cairn::cli {
namespace {

constexpr absl::Duration kNotifyTimeout = absl::Seconds(30);

std::string ResourceName(const v1::DriftEvent& event) {
  return StrCat(event.diff().resource().kind(), " ",
                event.diff().resource().id());
}

}  // namespace

absl::StatusOr<std::vector<v1::DriftEvent>> DriftKeeper::Record(
    const v1::HostDrift& drift) {
  if (drift.queue_restarted()) {
    if (absl::Status s = store_.ForgetDrift(drift.host()); !s.ok()) return s;
  }
  state::DriftStatus status;
  status.target = drift.host();
  status.last_seq = static_cast<int64_t>(drift.last_seq());
  status.checked_at = Now();
  status.watching = drift.watching();
  status.drifted = drift.current_size();
  v1::HostDrift latest = drift;
  latest.clear_events();  // Recorded one by one.
  latest.SerializeToString(&status.body);
  std::vector<state::DriftEvent> records;
  for (const v1::DriftEvent& e : drift.events()) {
    state::DriftEvent& r = records.emplace_back();
    r.seq = static_cast<int64_t>(e.seq());
    r.kind = e.diff().resource().kind();
    r.id = e.diff().resource().id();
    r.state = controller::DriftStateName(e.state());
    r.at_ms = e.at_ms();
    e.SerializeToString(&r.body);
  }
  absl::StatusOr<std::vector<int64_t>> added =
      store_.RecordDrift(status, records);
  if (!added.ok()) return added.status();
  std::set<int64_t> is_new(added->begin(), added->end());
  std::vector<v1::DriftEvent> fresh;
  for (const v1::DriftEvent& e : drift.events()) {
    if (!is_new.count(static_cast<int64_t>(e.seq()))) continue;
    fresh.push_back(e);
    if (!notify_command_.empty()) Notify(drift.host(), e);
  }
  return fresh;
}

void DriftKeeper::Notify(const std::string& host, const v1::DriftEvent& event) {
  std::lock_guard<std::mutex> lock(notify_mutex_);
  // env(1) sets the variables: no setenv() in a process with threads.
  absl::StatusOr<agent::CommandResult> run = agent::RunCommand(
      {"/usr/bin/env", StrCat("CAIRN_HOST=", host),
       StrCat("CAIRN_RESOURCE=", ResourceName(event)),
       StrCat("CAIRN_DRIFT_STATE=", controller::DriftStateName(event.state())),
       "/bin/sh", "-c", notify_command_},
      StrCat(ToJson(event, true), "\n"), kNotifyTimeout);
  std::string what = StrCat("--notify-command for ", host, " ",
                            ResourceName(event), " (event ", event.seq(), ")");
  if (!run.ok()) {
    std::fprintf(stderr, "cairn drift: %s: %s\n", what.c_str(),
                 std::string(run.status().message()).c_str());
    return;
  }
  std::fputs(run->out.c_str(), stderr);
  std::fputs(run->err.c_str(), stderr);
  if (run->exit_code != 0) {
    std::fprintf(stderr, "cairn drift: %s failed: exit status %d\n",
                 what.c_str(), run->exit_code);
  }
}

std::string KnownDrift(state::Store& store, const std::string& host) {
  absl::StatusOr<std::optional<state::DriftStatus>> drift =
      store.LastDrift(host);
  if (!drift.ok() || !drift->has_value() || (*drift)->drifted == 0) return "";
  absl::StatusOr<std::optional<state::Snapshot>> applied =
      store.LastApplied(host);
  if (applied.ok() && applied->has_value() &&
      (*applied)->applied_at > (*drift)->checked_at) {
    return "";  // Applied since: what drifted was put back.
  }
  return controller::KnownDriftNote((*drift)->drifted,
                                    Now() - (*drift)->checked_at);
}

}  // namespace cairn::cli
