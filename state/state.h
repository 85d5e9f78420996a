#ifndef CAIRN_STATE_STATE_H_
#define CAIRN_STATE_STATE_H_

// The state store: what the controller remembers between runs of `cairn
// plan` and `cairn apply`. Per target (a host, or a DNS zone as
// "zone:example.org") the last applied snapshot — the catalog as applied,
// with every secret field already replaced by its fingerprint, so the
// store never holds a secret — the history of applies with one outcome per
// resource, and the fleet's lock. Per host, the drift its agent reported:
// the events (`cairn drift` notifies each once) and the latest report.
//
// Two backends with the same schema and behaviour:
//   - SQLite, embedded, the default: a file (.cairn/state.db beside the
//     configuration); the lock is a row, taken in an IMMEDIATE transaction.
//   - PostgreSQL, for teams and CI runners sharing one truth: a
//     "postgresql://" or "postgres://" URL (libpq syntax); the lock is a
//     row too, guarded by a transaction-scoped advisory lock.
// The schema is versioned: Open migrates an older store forward, in one
// transaction per step, and refuses a newer one.
//
// Every method is one transaction: a store is never half-written. A Store
// may be used from several threads (calls are serialised on its one
// connection); several processes may open the same store at once.
// Times are seconds since the epoch; the lease is measured by the store's
// clock (the server's for PostgreSQL, so machines that share a lock agree).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::state {

// The last applied state of one target.
struct Snapshot {
  // "web1", or "zone:example.org".
  std::string target;
  // The digest the plan used for it (hex).
  std::string digest;
  // A serialized cairn.v1.Catalog (hosts) or cairn.v1.ZoneCatalog-like
  // record list (zones), secrets already fingerprinted. Opaque here.
  std::string body;
  // When it was recorded, seconds since the epoch.
  int64_t applied_at = 0;
};

// What one apply did to one resource of one target.
struct ResourceOutcome {
  std::string kind;
  std::string id;
  // "changed", "unchanged", "failed", "skipped", "removed", "released",
  // "notified".
  std::string outcome;
  // For failures: why (never a secret: agents report no values).
  std::string error;
};

// One target's part in one apply.
struct TargetResult {
  std::string target;
  // "changed", "unchanged", "failed", "refused" (changed since plan),
  // "unreachable", "cancelled" (Ctrl-C before it started).
  std::string result;
  std::string error;
  int64_t started_at = 0;   // Seconds since the epoch.
  int64_t finished_at = 0;  // Seconds since the epoch.
  std::vector<ResourceOutcome> resources;
};

// One run of `cairn apply`.
struct ApplyRecord {
  int64_t id = 0;  // Assigned by BeginApply.
  // Who ran it: "user@machine".
  std::string who;
  int64_t started_at = 0;   // Seconds since the epoch.
  int64_t finished_at = 0;  // 0 while it runs (or when it died).
  // The saved plan it applied (SHA-256 hex of the plan file), or empty.
  std::string plan_digest;
  // "running", "succeeded", "failed", "cancelled".
  std::string result;
  std::vector<TargetResult> targets;
};

// Who holds the fleet's lock.
struct LockInfo {
  // "user@machine".
  std::string owner;
  int64_t pid = 0;
  // What it is doing: "apply".
  std::string operation;
  int64_t created_at = 0;  // Seconds since the epoch.
  // Until when the lease holds unless renewed; after it, the lock is stale
  // and may be taken over.
  int64_t lease_until = 0;
};

// One drift event of a host, as its agent reported it.
struct DriftEvent {
  // The agent's sequence number: increasing, per host.
  int64_t seq = 0;
  // The resource.
  std::string kind;
  std::string id;
  // "drifted", "resolved", "healed", "heal_failed".
  std::string state;
  // When it happened, milliseconds since the epoch (the host's clock).
  int64_t at_ms = 0;
  // A serialized cairn.v1.DriftEvent (secrets as fingerprints). Opaque
  // here.
  std::string body;
};

// What the controller last learnt of one host's drift.
struct DriftStatus {
  std::string target;
  // The last event read: the next `cairn drift` asks for those after it.
  int64_t last_seq = 0;
  // When the agent was asked, seconds since the epoch; 0 when recording
  // means now.
  int64_t checked_at = 0;
  // Whether the agent watched, and how many resources differed then.
  bool watching = false;
  int drifted = 0;
  // The host's drift as reported (a serialized cairn.v1.HostDrift).
  // Opaque here.
  std::string body;
};

class Store {
 public:
  // Opens (creating when missing, migrating when older) the store at
  // `location`: a postgresql:// URL, or a path to a SQLite file whose
  // directory is created with mode 0700 and the file 0600.
  // FailedPrecondition for a store written by a newer cairn;
  // Unavailable when a server cannot be reached; InvalidArgument for a
  // malformed URL. No message ever contains the URL's password.
  static absl::StatusOr<std::unique_ptr<Store>> Open(std::string_view location);

  virtual ~Store() = default;

  // The schema version of the store (after migrations).
  virtual absl::StatusOr<int> SchemaVersion() = 0;

  // The last applied snapshot of `target`, or nullopt before any.
  virtual absl::StatusOr<std::optional<Snapshot>> LastApplied(
      std::string_view target) = 0;

  // Starts an apply record; returns its id. `record.targets` and
  // `record.id` are ignored; an empty `result` is "running", a zero
  // `started_at` is now.
  virtual absl::StatusOr<int64_t> BeginApply(const ApplyRecord& record) = 0;
  // Records one target's result in apply `apply_id` and, in the same
  // transaction, its new last applied snapshot when `snapshot` is set (a
  // target that failed part-way still records what it now holds). The
  // snapshot's `target` may be left empty; a zero `applied_at` is the
  // target's `finished_at` (or now). NotFound for an unknown apply;
  // AlreadyExists when the apply already has a result for that target.
  virtual absl::Status RecordTarget(
      int64_t apply_id, const TargetResult& result,
      const std::optional<Snapshot>& snapshot) = 0;
  // Closes apply `apply_id` with its result and finish time (0: now).
  // NotFound for an unknown apply.
  virtual absl::Status FinishApply(int64_t apply_id, std::string_view result,
                                   int64_t finished_at) = 0;
  // Past applies, newest first, at most `limit` (all when `limit` <= 0);
  // with `target` set, only applies that touched it, and only its
  // TargetResult in each. Targets come in the order they were recorded,
  // resources in the order given.
  virtual absl::StatusOr<std::vector<ApplyRecord>> History(
      std::optional<std::string_view> target, int limit) = 0;

  // Takes the fleet's lock for `lease_seconds`. When another owner holds
  // a lease that has not expired: FailedPrecondition naming the owner,
  // pid, operation and since when. An expired lease is taken over (the
  // returned LockInfo is the new one). Never two holders at once, across
  // processes and machines. The holder is `owner.owner` and `owner.pid`
  // together (the same user's other process is another owner); taking it
  // again while holding it renews it. `created_at` and `lease_until` of
  // `owner` are ignored. InvalidArgument for an empty owner or a lease
  // <= 0 seconds.
  virtual absl::StatusOr<LockInfo> Lock(const LockInfo& owner,
                                        int lease_seconds) = 0;
  // Extends the lease held by `owner` (same owner and pid) to now +
  // `lease_seconds`. FailedPrecondition when it was broken or taken over.
  virtual absl::Status RenewLock(const LockInfo& owner, int lease_seconds) = 0;
  // Releases the lock held by `owner`; OK when it is not held by it.
  virtual absl::Status Unlock(const LockInfo& owner) = 0;
  // Who holds the lock, or nullopt. A lease that has expired but was not
  // taken over is still shown: compare `lease_until` with the time.
  virtual absl::StatusOr<std::optional<LockInfo>> LockStatus() = 0;
  // Removes the lock whoever holds it (`cairn lock break`).
  virtual absl::Status BreakLock() = 0;

  // Records what the agent of host `status.target` reported, in one
  // transaction: `events`, each unless one of the same seq is recorded
  // already, and `status` as the host's latest (but `last_seq` never goes
  // back: the larger of the recorded and the given one stays). Returns the
  // seqs of the events that were not recorded before, in the order given:
  // every event is new to exactly one caller, however many controllers
  // share the store. Events older than 90 days (by `at_ms`, against the
  // store's clock) are dropped on the way. InvalidArgument for an empty
  // target.
  virtual absl::StatusOr<std::vector<int64_t>> RecordDrift(
      const DriftStatus& status, const std::vector<DriftEvent>& events) = 0;
  // The latest drift status recorded for `target`, or nullopt.
  virtual absl::StatusOr<std::optional<DriftStatus>> LastDrift(
      std::string_view target) = 0;
  // The recorded events of `target` with a seq above `after_seq`, oldest
  // first, at most `limit` (all when `limit` <= 0).
  virtual absl::StatusOr<std::vector<DriftEvent>> DriftEvents(
      std::string_view target, int64_t after_seq, int limit) = 0;
  // Forgets the drift of `target`, its events and status: its agent's
  // queue started over, and its seqs mean other events now.
  virtual absl::Status ForgetDrift(std::string_view target) = 0;
};

// `location` as it may be shown to a user: a URL's password (user:PASS@
// or ?password=) replaced by "***"; a path unchanged.
std::string RedactLocation(std::string_view location);

}  // namespace cairn::state

#endif  // CAIRN_STATE_STATE_H_
