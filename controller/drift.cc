// Reading agents' drift, many at once.

#include <string>
#include <vector>

#include "controller/controller.h"

namespace cairn::controller {

v1::HostDrift ReadDrift(agent::AgentClient& client, const std::string& host,
                        const std::string& address, uint64_t after_seq) {
  v1::HostDrift drift;
  drift.set_host(host);
  drift.set_agent(address);
  absl::StatusOr<v1::GetDriftResponse> response = client.GetDrift(after_seq);
  if (response.ok() && response->last_seq() < after_seq) {
    // The agent lost its queue (state directory, rebuilt host): its seqs
    // start again from 1 and name other events than those read before.
    drift.set_queue_restarted(true);
    after_seq = 0;
    response = client.GetDrift(0);
  }
  if (!response.ok()) {
    drift.set_status(FailureStatus(response.status()));
    drift.set_error(std::string(response.status().message()));
    return drift;
  }
  drift.set_status(v1::PLAN_STATUS_OK);
  drift.set_watching(response->watching());
  drift.set_catalog_digest(response->catalog_digest());
  *drift.mutable_current() = std::move(*response->mutable_current());
  *drift.mutable_events() = std::move(*response->mutable_events());
  drift.set_last_seq(response->last_seq());
  drift.set_last_full_check_ms(response->last_full_check_ms());
  if (after_seq > 0 && response->oldest_seq() > after_seq + 1) {
    drift.set_events_lost(response->oldest_seq() - after_seq - 1);
  }
  return drift;
}

std::vector<v1::HostDrift> ReadDrifts(const std::vector<DriftTarget>& targets,
                                      int parallelism) {
  std::vector<v1::HostDrift> drifts(targets.size());
  ForEachParallel(targets.size(), parallelism, [&](size_t i) {
    const DriftTarget& target = targets[i];
    absl::StatusOr<std::unique_ptr<agent::AgentClient>> client =
        agent::AgentClient::Connect(target.agent);
    if (!client.ok()) {
      drifts[i].set_host(target.host);
      drifts[i].set_agent(target.agent.address);
      drifts[i].set_status(v1::PLAN_STATUS_ERROR);
      drifts[i].set_error(std::string(client.status().message()));
      return;
    }
    drifts[i] = ReadDrift(**client, target.host, target.agent.address,
                          target.after_seq);
  });
  return drifts;
}

}  // namespace cairn::controller
