#ifndef CAIRN_CONTROLLER_CONTROLLER_H_
#define CAIRN_CONTROLLER_CONTROLLER_H_

// The controller: plan and apply across a fleet. It turns each host's
// catalog and its last applied one into what the agent is sent (declared
// resources, plus the removal of what is no longer declared), asks every
// agent what that would change (in parallel), and rolls an apply out in the
// order and batches the configuration asks for.

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

}  // namespace cairn::controller

#endif  // CAIRN_CONTROLLER_CONTROLLER_H_
