#ifndef CAIRN_AGENT_ENGINE_ENGINE_H_
#define CAIRN_AGENT_ENGINE_ENGINE_H_

// The engine runs a catalog through the providers: Check (what would
// change, no side effect) and Apply (in dependency order, with durable
// notifications and a journal). One Apply at a time.

#include <functional>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "agent/host/host.h"
#include "proto/cairn/v1/agent.pb.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::agent {

struct EngineOptions {
  // Journal, backups and the last applied catalog live here.
  std::string state_dir = "/var/lib/cairn";
  // Key for fingerprints of secrets in diffs; normally sent by the
  // controller with each request.
  std::string fingerprint_key;
};

class Engine {
 public:
  Engine(Host& host, EngineOptions options);

  // Reads what an earlier run left in the journal (changes a crash
  // interrupted, notifications owed); call once at start.
  absl::Status Recover();

  // What applying `catalog` would change. Runs only Check of each
  // provider: nothing on the host changes.
  v1::CheckResponse Check(const v1::Catalog& catalog,
                          const std::string& fingerprint_key);

  // Applies `catalog`: each resource after everything it depends on,
  // Check then Apply where something differs, events reported through
  // `on_event` as they happen. A resource whose dependency failed is
  // skipped. Notifications (reload after a changed config) are written to
  // the journal before the triggering change and run once at the end, or
  // at the next Apply if this one dies first. FailedPrecondition ("busy")
  // when another Apply is running.
  absl::Status Apply(
      const v1::Catalog& catalog, const std::string& fingerprint_key,
      const std::function<void(const v1::ApplyEvent&)>& on_event);

  v1::StatusResponse Status();

 private:
  Host& host_;
  EngineOptions options_;
  std::mutex apply_mutex_;  // Held for the whole of an Apply.
  std::mutex status_mutex_;
  v1::StatusResponse status_;
};

// The order resources are applied in: indexes into catalog.resources, each
// after what it depends on and before what it notifies; ties keep catalog
// order. InvalidArgument naming a cycle (the compiler rejects those).
absl::StatusOr<std::vector<int>> ApplyOrder(const v1::Catalog& catalog);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_ENGINE_ENGINE_H_
