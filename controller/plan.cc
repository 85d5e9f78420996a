// Asking agents what their catalogs would change, many at once.

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <utility>

#include "base/strings.h"
#include "controller/controller.h"

namespace cairn::controller {

void ForEachParallel(size_t n, int parallelism,
                     const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < n;) work(i);
  };
  if (n <= 1) {
    worker();
    return;
  }
  size_t threads = std::clamp<size_t>(parallelism, 1, n);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
}

v1::PlanStatus FailureStatus(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
                 status.code() == absl::StatusCode::kDeadlineExceeded
             ? v1::PLAN_STATUS_UNREACHABLE
             : v1::PLAN_STATUS_ERROR;
}

v1::HostPlan PlanHost(agent::AgentClient& client, const std::string& host,
                      const std::string& address, const Outgoing& outgoing,
                      std::string_view fingerprint_key) {
  v1::HostPlan plan;
  plan.set_host(host);
  plan.set_agent(address);
  v1::CheckRequest request;
  *request.mutable_catalog() = outgoing.catalog;
  request.set_fingerprint_key(std::string(fingerprint_key));
  absl::StatusOr<v1::CheckResponse> response = client.Check(request);
  if (!response.ok()) {
    plan.set_status(FailureStatus(response.status()));
    plan.set_error(std::string(response.status().message()));
    return plan;
  }
  plan.set_status(v1::PLAN_STATUS_OK);
  plan.set_catalog_digest(CatalogDigest(outgoing.catalog, fingerprint_key));
  std::set<std::pair<std::string, std::string>> removals;
  for (const v1::ResourceRef& r : outgoing.removals) {
    removals.insert({r.kind(), r.id()});
  }
  int unchanged = 0;
  for (v1::ResourceDiff& diff : *response->mutable_diffs()) {
    if (diff.action() == v1::ResourceDiff::ACTION_NONE) {
      unchanged +=
          removals.count({diff.resource().kind(), diff.resource().id()}) == 0;
      continue;
    }
    *plan.add_changes() = std::move(diff);
  }
  for (const v1::ResourceDiff& release : outgoing.releases) {
    *plan.add_changes() = release;
  }
  plan.set_unchanged(unchanged);
  *plan.mutable_unreadable() = std::move(*response->mutable_errors());
  return plan;
}

std::vector<v1::HostPlan> PlanHosts(const std::vector<HostTarget>& targets,
                                    const std::vector<Outgoing>& outgoing,
                                    std::string_view fingerprint_key,
                                    int parallelism) {
  std::vector<v1::HostPlan> plans(targets.size());
  ForEachParallel(targets.size(), parallelism, [&](size_t i) {
    const HostTarget& target = targets[i];
    const std::string& host = target.declared.host().name();
    absl::StatusOr<std::unique_ptr<agent::AgentClient>> client =
        agent::AgentClient::Connect(target.agent);
    if (!client.ok()) {
      plans[i].set_host(host);
      plans[i].set_agent(target.agent.address);
      plans[i].set_status(v1::PLAN_STATUS_ERROR);
      plans[i].set_error(std::string(client.status().message()));
      return;
    }
    plans[i] = PlanHost(**client, host, target.agent.address, outgoing[i],
                        fingerprint_key);
  });
  return plans;
}

}  // namespace cairn::controller
