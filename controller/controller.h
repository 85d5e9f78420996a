#ifndef CAIRN_CONTROLLER_CONTROLLER_H_
#define CAIRN_CONTROLLER_CONTROLLER_H_

// The controller: plan and apply across a fleet. It turns each host's
// catalog and its last applied one into what the agent is sent (declared
// resources, plus the removal of what is no longer declared), asks every
// agent what that would change (in parallel), and rolls an apply out in the
// order and batches the configuration asks for. It also reads, and renders,
// how hosts drifted from what was applied.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/client/client.h"
#include "proto/cairn/v1/agent.pb.h"
#include "proto/cairn/v1/catalog.pb.h"
#include "proto/cairn/v1/drift.pb.h"
#include "proto/cairn/v1/plan.pb.h"

namespace cairn::controller {

// What the agent of one host is sent.
struct Outgoing {
  // The declared resources, then the removals: each resource of the last
  // applied catalog that is no longer declared, as its own absence (ensure
  // = absent; a package removed), ordered after whatever depended on it.
  v1::Catalog catalog;
  // Resources no longer declared but marked `keep = true`: released from
  // management, left on the host (ACTION_RELEASE, never sent).
  std::vector<v1::ResourceDiff> releases;
  // The removals in `catalog`.
  std::vector<v1::ResourceRef> removals;
};

// `last_applied` is the catalog recorded at the host's last apply, secrets
// already fingerprinted; nullptr before the first.
Outgoing WithRemovals(const v1::Catalog& declared,
                      const v1::Catalog* last_applied);

// What to record as the host's last applied catalog after an apply: the
// declared resources with secrets as fingerprints, plus the removals that
// did not happen (still on the host, so still to remove next time).
// `removed` lists the removals that succeeded.
v1::Catalog Snapshot(const Outgoing& outgoing, const v1::Catalog& declared,
                     const std::vector<v1::ResourceRef>& removed,
                     std::string_view fingerprint_key);

// HMAC-SHA256 (hex) of `catalog`'s deterministic serialization, keyed with
// the fingerprint key: names a catalog without revealing its secrets.
std::string CatalogDigest(const v1::Catalog& catalog,
                          std::string_view fingerprint_key);

// One host to plan.
struct HostTarget {
  // As compiled, secrets included.
  v1::Catalog declared;
  // The host's last applied catalog, from the state store.
  std::optional<v1::Catalog> last_applied;
  // How to reach its agent.
  agent::ClientOptions agent;
};

// Asks the agent of every host what its Outgoing catalog would change, at
// most `parallelism` at a time. One HostPlan per target, in order; an
// agent that does not answer is PLAN_STATUS_UNREACHABLE, never left out.
// Nothing changes on any host.
std::vector<v1::HostPlan> PlanHosts(const std::vector<HostTarget>& targets,
                                    const std::vector<Outgoing>& outgoing,
                                    std::string_view fingerprint_key,
                                    int parallelism);

// Asks one agent; `address` names it in messages.
v1::HostPlan PlanHost(agent::AgentClient& client, const std::string& host,
                      const std::string& address, const Outgoing& outgoing,
                      std::string_view fingerprint_key);

// Runs `work(i)` for every i below `n`, on at most `parallelism` threads
// at once (on the caller's alone when n <= 1); returns when all are done.
void ForEachParallel(size_t n, int parallelism,
                     const std::function<void(size_t)>& work);

// How a failed call to an agent shows in a plan or drift report:
// UNREACHABLE when it did not answer (Unavailable, DeadlineExceeded),
// ERROR otherwise.
v1::PlanStatus FailureStatus(const absl::Status& status);

// Whether two plans of one host ask for exactly the same changes.
bool SameChanges(const v1::HostPlan& a, const v1::HostPlan& b);
// How `now` differs from `planned`, for people: "file /etc/motd: the change
// differs from the plan", "user bob: not in the plan". Empty when the same.
std::string ChangesSincePlan(const v1::HostPlan& planned,
                             const v1::HostPlan& now);

// How a rollout goes.
struct RolloutOptions {
  // Hosts applying at once, at most.
  int parallelism = 50;
  // Hosts per batch: a batch ends before the next starts. 0: one batch.
  int serial = 0;
  // Failures allowed before no new host starts; unset: no limit.
  std::optional<int> max_fail;
  // Set (by Ctrl-C) to start no new host.
  const std::atomic<bool>* stop = nullptr;
};

// What became of one host of a rollout.
enum class Outcome {
  kSucceeded,
  kFailed,
  // Not started: a host it comes after failed, the failures exceeded
  // max_fail, or the rollout was stopped.
  kNotStarted,
};

struct HostRun {
  Outcome outcome = Outcome::kNotStarted;
  // For kNotStarted: why.
  std::string reason;
};

// Runs `run(i)` for hosts 0..n-1 (true when host i succeeded): host i
// starts after every host of after[i] succeeded (a failed one means i never
// starts), in batches of options.serial hosts in order (host order breaks
// ties), at most options.parallelism at once. InvalidArgument naming the
// hosts of a cycle in `after`. `names` are the hosts' names, for reasons.
absl::StatusOr<std::vector<HostRun>> Rollout(
    const std::vector<std::string>& names,
    const std::vector<std::vector<int>>& after, const RolloutOptions& options,
    const std::function<bool(int)>& run);

// `serial` as written in the fleet block ("2", "25%") for `hosts` targets;
// 0 (one batch) when empty. A percentage rounds up, to at least one host.
absl::StatusOr<int> SerialCount(std::string_view serial, int hosts);

// Text for people.
// A plan of one host: a header line, then each change (+ create, ~ change,
// - remove, -/+ replace, release) with its attribute changes and content
// diff, secrets as "(secret changed)".
std::string HostPlanText(const v1::HostPlan& plan, bool color);
std::string ZonePlanText(const v1::ZonePlan& plan, bool color);
// The summary line: "Plan: 3 to create, 1 to change, 0 to remove, ...".
std::string PlanSummary(const v1::Plan& plan);
// One apply event of `host`: a line, and with `verbose` the attribute
// changes and diff under it, and unchanged resources too (empty otherwise).
std::string EventText(const std::string& host, const v1::ApplyEvent& event,
                      bool verbose);

// How many changes a plan holds (every host and zone).
int ChangeCount(const v1::Plan& plan);

// ---- Drift ----------------------------------------------------------------

// One host whose drift to read.
struct DriftTarget {
  std::string host;
  agent::ClientOptions agent;
  // The last event seq already read (from the state store): only later
  // events are asked for. 0 for every event the agent kept.
  uint64_t after_seq = 0;
};

// Asks one agent (GetDrift) for its drift and the events after
// `after_seq`; `address` names it in messages. When the agent's last seq
// is below `after_seq`, its queue started over: every kept event is asked
// for again and `queue_restarted` set. `events_lost` counts the seqs its
// queue dropped after `after_seq` (none on a first read, after_seq 0). A
// failed call is UNREACHABLE or ERROR, as in a plan.
v1::HostDrift ReadDrift(agent::AgentClient& client, const std::string& host,
                        const std::string& address, uint64_t after_seq);

// ReadDrift of every target, at most `parallelism` at a time: one
// HostDrift per target, in order, never left out.
std::vector<v1::HostDrift> ReadDrifts(const std::vector<DriftTarget>& targets,
                                      int parallelism);

// Text for people; `now_ms` (milliseconds since the epoch) dates events
// ("12 s ago").
// The drift of one host: a header (`host web (ADDR): 2 resources
// drifted`, `no drift`, `not watching (nothing applied yet)`,
// `UNREACHABLE: ...`), then each resource that differs now (`! file
// /etc/motd: drifted 12 s ago (noticed by watch)`) with its attribute
// changes and content diff, secrets as "(secret changed)", then the events
// of `drift.events` one line each.
std::string HostDriftText(const v1::HostDrift& drift, int64_t now_ms,
                          bool color);
// One event of `host` as it happens (cairn drift --watch): a line, `web: !
// file /etc/motd: drifted just now (noticed by watch)`, `= ...: resolved`,
// `* ...: healed`, `x ...: heal failed: WHY`, and for drifted and heal
// failed the attribute changes and diff under it, each line prefixed with
// the host.
std::string DriftEventText(const std::string& host, const v1::DriftEvent& event,
                           int64_t now_ms, bool color);
// The state of a drift event as the state store and --notify-command name
// it: "drifted", "resolved", "healed", "heal_failed".
std::string DriftStateName(v1::DriftEvent::State state);
// The summary line: "Drift: 3 resources drifted on 2 of 5 hosts; ...".
std::string DriftSummary(const v1::DriftReport& report);
// Under a host of a plan, the drift the state store knows of: "  (2
// resources drifted since the last apply, last seen 3 min ago: cairn
// drift)".
std::string KnownDriftNote(int drifted, int64_t seconds_ago);
// A duration for people: "just now" under a second, else "12 s ago",
// "3 min ago", "2 h ago", "4 d ago".
std::string Ago(int64_t ms);

}  // namespace cairn::controller

#endif  // CAIRN_CONTROLLER_CONTROLLER_H_
