#ifndef CAIRN_AGENT_ENGINE_ENGINE_H_
#define CAIRN_AGENT_ENGINE_ENGINE_H_

// The engine runs a catalog through the providers: Check (what would
// change, no side effect) and Apply (in dependency order, with durable
// notifications and a journal). One Apply at a time.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/host.h"
#include "agent/providers/provider.h"
#include "base/digest.h"
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

struct ApplyOptions {
  // As in EngineOptions; sent by the controller.
  std::string fingerprint_key;
  // How long a change that needs confirming (the firewall) waits for
  // Confirm before the previous state is restored.
  std::chrono::milliseconds confirm_timeout = std::chrono::seconds(60);
  // Asked before each resource (or batch): when it returns true, the
  // resource being applied has finished and nothing more starts; the rest
  // are reported skipped. A notification owed to a resource that was not
  // reached stays owed, for the next apply. The controller's Ctrl-C (its
  // call cancelled) stops an apply this way.
  std::function<bool()> stop_requested;
};

class Engine {
 public:
  Engine(Host& host, EngineOptions options);
  // Waits for the confirm watchdog to stop; an unconfirmed change stays
  // pending on disk, and Recover restores it at the next start.
  ~Engine();

  // Reads what an earlier run left in the journal (changes a crash
  // interrupted, notifications owed) and restores any change that was
  // never confirmed; call once at start.
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
  // when another Apply is running, or while a change awaits Confirm.
  //
  // Commit-confirm: before a kind that can cut the controller off (the
  // firewall) changes, its state is kept; when Apply returns, the change
  // awaits Confirm until options.confirm_timeout has passed, after which
  // the kept state is restored by a watchdog thread.
  absl::Status Apply(
      const v1::Catalog& catalog, const ApplyOptions& options,
      const std::function<void(const v1::ApplyEvent&)>& on_event);

  // Keeps the change awaiting confirmation. False when nothing awaits
  // (never applied, already confirmed, or already rolled back).
  bool Confirm();

  // Applies resource `index` of `catalog` again (it drifted and says
  // on_drift = "heal"): Check, Apply when it differs, then the
  // notifications it carries (a reload after a config file came back).
  // Returns the diff it repaired (ACTION_NONE when nothing differed).
  // Unavailable when an Apply runs (the apply repairs it anyway), or a
  // change awaits Confirm.
  absl::StatusOr<v1::ResourceDiff> Heal(const v1::Catalog& catalog, int index,
                                        const std::string& fingerprint_key);

  // Whether an Apply (or a heal) is running now: drift checks wait.
  bool busy() const { return applying_; }

  // Asks the Apply in progress to stop between two resources, as
  // ApplyOptions::stop_requested does. False when none is running.
  bool RequestStop();

  v1::StatusResponse Status();

 private:
  ProviderContext Context(const std::string& fingerprint_key);
  // Restores what is kept for each kind in awaiting_, then forgets it.
  void RollBack(const std::string& why);
  // The watchdog thread: rolls back when the deadline passes.
  void Watch();

  Host& host_;
  EngineOptions options_;
  std::mutex apply_mutex_;  // Held for the whole of an Apply.
  std::atomic<bool> applying_{false};
  std::atomic<bool> stop_{false};  // Set by RequestStop, cleared per Apply.

  std::mutex status_mutex_;  // Guards everything below.
  v1::StatusResponse status_;
  // Kinds with a change awaiting Confirm, and until when.
  std::vector<std::string> awaiting_;
  std::chrono::steady_clock::time_point deadline_;
  int64_t timeout_millis_ = 0;
  bool stopping_ = false;
  std::condition_variable changed_;
  std::thread watchdog_;
};

// The order resources are applied in: indexes into catalog.resources, each
// after what it depends on and before what it notifies; ties keep catalog
// order. InvalidArgument naming a cycle (the compiler rejects those).
absl::StatusOr<std::vector<int>> ApplyOrder(const v1::Catalog& catalog);

// The digests Status and Facts report: SHA-256 in lower-case hex.
using ::cairn::Sha256Hex;

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_ENGINE_ENGINE_H_
