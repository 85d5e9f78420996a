// Store::Open and the store's logic, written once for both backends
// against internal::Connection.

#include "state/state.h"

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/strings.h"
#include "state/internal.h"

namespace cairn::state {
namespace internal {

absl::Status InTransaction(Connection& connection, Access access,
                           const std::function<absl::Status()>& body) {
  if (absl::Status s = connection.Begin(access); !s.ok()) return s;
  absl::Status status = body();
  if (!status.ok()) {
    connection.Rollback();
    return status;
  }
  status = connection.Commit();
  if (!status.ok()) connection.Rollback();
  return status;
}

bool IsPostgresUrl(std::string_view location) {
  return StartsWith(location, "postgresql://") ||
         StartsWith(location, "postgres://");
}

namespace {

// The only lock there is.
constexpr char kFleetLock[] = "fleet";
// The advisory lock key that guards the lock row on PostgreSQL ("cairnLK").
constexpr int64_t kLockKey = 0x636169726e4c4b;
// LIMIT for "no limit": both dialects take a BIGINT.
constexpr int64_t kNoLimit = int64_t{1} << 62;
// How long drift events are kept.
constexpr int64_t kDriftRetentionMs = int64_t{90} * 24 * 3600 * 1000;

int64_t IntAt(const Row& row, size_t i) {
  int64_t value = 0;
  if (i < row.size() && row[i]) {
    const std::string& text = *row[i];
    std::from_chars(text.data(), text.data() + text.size(), value);
  }
  return value;
}

std::string StrAt(const Row& row, size_t i) {
  return i < row.size() && row[i] ? *row[i] : std::string();
}

std::string FormatTime(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
}

// Columns: owner, pid, operation, created_at, lease_until.
LockInfo LockFromRow(const Row& row) {
  LockInfo info;
  info.owner = StrAt(row, 0);
  info.pid = IntAt(row, 1);
  info.operation = StrAt(row, 2);
  info.created_at = IntAt(row, 3);
  info.lease_until = IntAt(row, 4);
  return info;
}

std::string Describe(const LockInfo& info) {
  return StrCat(info.owner, " (pid ", info.pid, ", ", info.operation, ")");
}

class StoreImpl final : public Store {
 public:
  StoreImpl(std::unique_ptr<Connection> connection,
            std::function<int64_t()> clock)
      : db_(std::move(connection)), clock_(std::move(clock)) {}

  absl::StatusOr<int> SchemaVersion() override {
    std::lock_guard<std::mutex> lock(mu_);
    return ReadVersion(*db_);
  }

  absl::StatusOr<std::optional<Snapshot>> LastApplied(
      std::string_view target) override {
    return SelectOne<Snapshot>(
        "SELECT target, digest, body, applied_at FROM snapshots"
        " WHERE target = $1",
        {Text(target)}, [](const Row& row) {
          return Snapshot{StrAt(row, 0), StrAt(row, 1), StrAt(row, 2),
                          IntAt(row, 3)};
        });
  }

  absl::StatusOr<int64_t> BeginApply(const ApplyRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t id = 0;
    absl::Status status = Tx(Access::kWrite, [&]() -> absl::Status {
      int64_t started_at = record.started_at;
      if (started_at == 0) {
        auto now = Now();
        if (!now.ok()) return now.status();
        started_at = *now;
      }
      std::string_view result =
          record.result.empty() ? std::string_view("running") : record.result;
      auto rows = db_->Exec(
          "INSERT INTO applies"
          " (who, started_at, finished_at, plan_digest, result)"
          " VALUES ($1, $2, $3, $4, $5) RETURNING id",
          {Text(record.who), Int(started_at), Int(record.finished_at),
           Text(record.plan_digest), Text(result)});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return Error("INSERT … RETURNING gave no id");
      id = IntAt(rows->front(), 0);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return id;
  }

  absl::Status RecordTarget(int64_t apply_id, const TargetResult& result,
                            const std::optional<Snapshot>& snapshot) override {
    if (result.target.empty()) {
      return absl::InvalidArgumentError("RecordTarget: the target is empty");
    }
    if (snapshot && !snapshot->target.empty() &&
        snapshot->target != result.target) {
      return absl::InvalidArgumentError(
          StrCat("RecordTarget: the snapshot is of ", snapshot->target,
                 ", the result of ", result.target));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      if (absl::Status s = RequireApply(apply_id); !s.ok()) return s;
      auto existing = db_->Exec(
          "SELECT 1 FROM apply_targets WHERE apply_id = $1 AND target = $2",
          {Int(apply_id), Text(result.target)});
      if (!existing.ok()) return existing.status();
      if (!existing->empty()) {
        return absl::AlreadyExistsError(StrCat(
            "apply ", apply_id, " already has a result for ", result.target));
      }
      auto seq = db_->Exec(
          "SELECT COALESCE(MAX(seq), 0) + 1 FROM apply_targets"
          " WHERE apply_id = $1",
          {Int(apply_id)});
      if (!seq.ok()) return seq.status();
      auto inserted = db_->Exec(
          "INSERT INTO apply_targets (apply_id, target, seq, result, error,"
          " started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {Int(apply_id), Text(result.target), Int(IntAt(seq->front(), 0)),
           Text(result.result), Text(result.error), Int(result.started_at),
           Int(result.finished_at)});
      if (!inserted.ok()) return inserted.status();
      for (size_t i = 0; i < result.resources.size(); ++i) {
        const ResourceOutcome& r = result.resources[i];
        auto row = db_->Exec(
            "INSERT INTO apply_resources (apply_id, target, seq, kind,"
            " resource_id, outcome, error)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {Int(apply_id), Text(result.target), Int(int64_t(i) + 1),
             Text(r.kind), Text(r.id), Text(r.outcome), Text(r.error)});
        if (!row.ok()) return row.status();
      }
      if (!snapshot) return absl::OkStatus();
      int64_t applied_at = snapshot->applied_at;
      if (applied_at == 0) applied_at = result.finished_at;
      if (applied_at == 0) {
        auto now = Now();
        if (!now.ok()) return now.status();
        applied_at = *now;
      }
      return db_
          ->Exec(
              "INSERT INTO snapshots (target, digest, body, applied_at)"
              " VALUES ($1, $2, $3, $4) ON CONFLICT (target) DO UPDATE SET"
              " digest = excluded.digest, body = excluded.body,"
              " applied_at = excluded.applied_at",
              {Text(result.target), Text(snapshot->digest),
               Blob(snapshot->body), Int(applied_at)})
          .status();
    });
  }

  absl::Status FinishApply(int64_t apply_id, std::string_view result,
                           int64_t finished_at) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      if (finished_at == 0) {
        auto now = Now();
        if (!now.ok()) return now.status();
        finished_at = *now;
      }
      auto rows = db_->Exec(
          "UPDATE applies SET result = $2, finished_at = $3 WHERE id = $1"
          " RETURNING id",
          {Int(apply_id), Text(result), Int(finished_at)});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return NoSuchApply(apply_id);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<ApplyRecord>> History(
      std::optional<std::string_view> target, int limit) override {
    return Locked<std::vector<ApplyRecord>>(
        Access::kRead, [&](std::vector<ApplyRecord>& records) {
          return ReadHistory(target, limit, records);
        });
  }

  absl::StatusOr<LockInfo> Lock(const LockInfo& owner,
                                int lease_seconds) override {
    if (absl::Status s = CheckOwner(owner, lease_seconds); !s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    LockInfo taken;
    absl::Status status = Tx(Access::kWrite, [&]() -> absl::Status {
      if (absl::Status s = db_->Guard(kLockKey); !s.ok()) return s;
      auto now = Now();
      if (!now.ok()) return now.status();
      auto holder = ReadLock();
      if (!holder.ok()) return holder.status();
      taken = owner;
      taken.created_at = *now;
      taken.lease_until = *now + lease_seconds;
      if (*holder) {
        const LockInfo& h = **holder;
        if (SameOwner(h, owner)) {
          taken.created_at = h.created_at;  // Taken again: a renewal.
        } else if (h.lease_until >= *now) {
          return absl::FailedPreconditionError(StrCat(
              "the fleet is locked by ", Describe(h), " since ",
              FormatTime(h.created_at), ", lease until ",
              FormatTime(h.lease_until),
              "; if that run is dead, `cairn lock break` removes the lock"));
        }
      }
      return db_
          ->Exec(
              "INSERT INTO locks (name, owner, pid, operation, created_at,"
              " lease_until) VALUES ($1, $2, $3, $4, $5, $6)"
              " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
              " pid = excluded.pid, operation = excluded.operation,"
              " created_at = excluded.created_at,"
              " lease_until = excluded.lease_until",
              {Text(kFleetLock), Text(taken.owner), Int(taken.pid),
               Text(taken.operation), Int(taken.created_at),
               Int(taken.lease_until)})
          .status();
    });
    if (!status.ok()) return status;
    return taken;
  }

  absl::Status RenewLock(const LockInfo& owner, int lease_seconds) override {
    if (absl::Status s = CheckOwner(owner, lease_seconds); !s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      if (absl::Status s = db_->Guard(kLockKey); !s.ok()) return s;
      auto now = Now();
      if (!now.ok()) return now.status();
      auto holder = ReadLock();
      if (!holder.ok()) return holder.status();
      if (!*holder) {
        return absl::FailedPreconditionError(
            StrCat("the fleet's lock held by ", owner.owner, " (pid ",
                   owner.pid, ") was broken: nobody holds it now"));
      }
      if (!SameOwner(**holder, owner)) {
        return absl::FailedPreconditionError(StrCat(
            "the fleet's lock is no longer held by ", owner.owner, " (pid ",
            owner.pid, "): it was broken and taken by ", Describe(**holder),
            " at ", FormatTime((*holder)->created_at)));
      }
      return db_
          ->Exec("UPDATE locks SET lease_until = $2 WHERE name = $1",
                 {Text(kFleetLock), Int(*now + lease_seconds)})
          .status();
    });
  }

  absl::Status Unlock(const LockInfo& owner) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      if (absl::Status s = db_->Guard(kLockKey); !s.ok()) return s;
      return db_
          ->Exec(
              "DELETE FROM locks WHERE name = $1 AND owner = $2 AND pid = $3",
              {Text(kFleetLock), Text(owner.owner), Int(owner.pid)})
          .status();
    });
  }

  absl::StatusOr<std::optional<LockInfo>> LockStatus() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<LockInfo> holder;
    absl::Status status = Tx(Access::kRead, [&]() -> absl::Status {
      auto read = ReadLock();
      if (!read.ok()) return read.status();
      holder = *std::move(read);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return holder;
  }

  absl::Status BreakLock() override {
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      if (absl::Status s = db_->Guard(kLockKey); !s.ok()) return s;
      return db_->Exec("DELETE FROM locks WHERE name = $1", {Text(kFleetLock)})
          .status();
    });
  }

  absl::StatusOr<std::vector<int64_t>> RecordDrift(
      const DriftStatus& status,
      const std::vector<DriftEvent>& events) override {
    if (status.target.empty()) {
      return absl::InvalidArgumentError("RecordDrift: the target is empty");
    }
    return Locked<std::vector<int64_t>>(
        Access::kWrite, [&](std::vector<int64_t>& added) -> absl::Status {
          auto now = Now();
          if (!now.ok()) return now.status();
          for (const DriftEvent& e : events) {
            auto rows = db_->Exec(
                "INSERT INTO drift_events (target, seq, kind, resource_id,"
                " state, at_ms, body) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (target, seq) DO NOTHING RETURNING seq",
                {Text(status.target), Int(e.seq), Text(e.kind), Text(e.id),
                 Text(e.state), Int(e.at_ms), Blob(e.body)});
            if (!rows.ok()) return rows.status();
            if (!rows->empty()) added.push_back(e.seq);
          }
          auto pruned = db_->Exec("DELETE FROM drift_events WHERE at_ms < $1",
                                  {Int(*now * 1000 - kDriftRetentionMs)});
          if (!pruned.ok()) return pruned.status();
          return db_
              ->Exec(
                  "INSERT INTO drift_hosts (target, last_seq, checked_at,"
                  " watching, drifted, body) VALUES ($1, $2, $3, $4, $5, $6)"
                  " ON CONFLICT (target) DO UPDATE SET last_seq = CASE WHEN"
                  " excluded.last_seq > drift_hosts.last_seq THEN"
                  " excluded.last_seq ELSE drift_hosts.last_seq END,"
                  " checked_at = excluded.checked_at,"
                  " watching = excluded.watching, drifted = excluded.drifted,"
                  " body = excluded.body",
                  {Text(status.target), Int(status.last_seq),
                   Int(status.checked_at != 0 ? status.checked_at : *now),
                   Int(status.watching ? 1 : 0), Int(status.drifted),
                   Blob(status.body)})
              .status();
        });
  }

  absl::StatusOr<std::optional<DriftStatus>> LastDrift(
      std::string_view target) override {
    return SelectOne<DriftStatus>(
        "SELECT target, last_seq, checked_at, watching, drifted, body"
        " FROM drift_hosts WHERE target = $1",
        {Text(target)}, [](const Row& row) {
          return DriftStatus{StrAt(row, 0),
                             IntAt(row, 1),
                             IntAt(row, 2),
                             IntAt(row, 3) != 0,
                             static_cast<int>(IntAt(row, 4)),
                             StrAt(row, 5)};
        });
  }

  absl::StatusOr<std::vector<DriftEvent>> DriftEvents(std::string_view target,
                                                      int64_t after_seq,
                                                      int limit) override {
    return Locked<std::vector<DriftEvent>>(
        Access::kRead, [&](std::vector<DriftEvent>& events) -> absl::Status {
          auto rows = db_->Exec(
              "SELECT seq, kind, resource_id, state, at_ms, body"
              " FROM drift_events WHERE target = $1 AND seq > $2"
              " ORDER BY seq LIMIT $3",
              {Text(target), Int(after_seq),
               Int(limit > 0 ? limit : kNoLimit)});
          if (!rows.ok()) return rows.status();
          for (const Row& row : *rows) {
            events.push_back(DriftEvent{IntAt(row, 0), StrAt(row, 1),
                                        StrAt(row, 2), StrAt(row, 3),
                                        IntAt(row, 4), StrAt(row, 5)});
          }
          return absl::OkStatus();
        });
  }

  absl::Status ForgetDrift(std::string_view target) override {
    std::lock_guard<std::mutex> lock(mu_);
    return Tx(Access::kWrite, [&]() -> absl::Status {
      auto events = db_->Exec("DELETE FROM drift_events WHERE target = $1",
                              {Text(target)});
      if (!events.ok()) return events.status();
      return db_
          ->Exec("DELETE FROM drift_hosts WHERE target = $1", {Text(target)})
          .status();
    });
  }

 private:
  absl::Status Tx(Access access, const std::function<absl::Status()>& body) {
    return InTransaction(*db_, access, body);
  }

  // Runs `body(out)` in one transaction, one call at a time on the
  // connection, and returns `out` once it committed. `out` starts empty
  // (T{}) on every attempt.
  template <typename T, typename Body>
  absl::StatusOr<T> Locked(Access access, const Body& body) {
    std::lock_guard<std::mutex> lock(mu_);
    T out;
    absl::Status status = Tx(access, [&]() -> absl::Status {
      out = T();
      return body(out);
    });
    if (!status.ok()) return status;
    return out;
  }

  // The first row `sql` selects, made a T by `from_row`; nullopt when it
  // selects none.
  template <typename T, typename FromRow>
  absl::StatusOr<std::optional<T>> SelectOne(std::string_view sql,
                                             const std::vector<Param>& params,
                                             const FromRow& from_row) {
    return Locked<std::optional<T>>(Access::kRead,
                                    [&](std::optional<T>& out) -> absl::Status {
                                      auto rows = db_->Exec(sql, params);
                                      if (!rows.ok()) return rows.status();
                                      if (!rows->empty())
                                        out = from_row(rows->front());
                                      return absl::OkStatus();
                                    });
  }

  absl::StatusOr<int64_t> Now() {
    if (clock_) return clock_();
    return db_->Now();
  }

  absl::Status Error(std::string_view what) const {
    return absl::InternalError(
        StrCat("state store ", db_->display(), ": ", what));
  }

  absl::Status NoSuchApply(int64_t apply_id) const {
    return absl::NotFoundError(
        StrCat("state store ", db_->display(), " has no apply ", apply_id));
  }

  absl::Status RequireApply(int64_t apply_id) {
    auto rows =
        db_->Exec("SELECT 1 FROM applies WHERE id = $1", {Int(apply_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return NoSuchApply(apply_id);
    return absl::OkStatus();
  }

  static absl::Status CheckOwner(const LockInfo& owner, int lease_seconds) {
    if (owner.owner.empty()) {
      return absl::InvalidArgumentError("the lock's owner is empty");
    }
    if (lease_seconds <= 0) {
      return absl::InvalidArgumentError(
          StrCat("a lease of ", lease_seconds, " seconds"));
    }
    return absl::OkStatus();
  }

  static bool SameOwner(const LockInfo& a, const LockInfo& b) {
    return a.owner == b.owner && a.pid == b.pid;
  }

  absl::StatusOr<std::optional<LockInfo>> ReadLock() {
    auto rows = db_->Exec(
        "SELECT owner, pid, operation, created_at, lease_until FROM locks"
        " WHERE name = $1",
        {Text(kFleetLock)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<LockInfo>();
    return std::optional<LockInfo>(LockFromRow(rows->front()));
  }

  absl::Status ReadHistory(std::optional<std::string_view> target, int limit,
                           std::vector<ApplyRecord>& records) {
    const int64_t max_rows = limit > 0 ? limit : kNoLimit;
    constexpr char kColumns[] =
        "SELECT id, who, started_at, finished_at, plan_digest, result"
        " FROM applies a";
    auto applies =
        target ? db_->Exec(StrCat(kColumns,
                                  " WHERE EXISTS (SELECT 1 FROM apply_targets"
                                  " t WHERE t.apply_id = a.id AND"
                                  " t.target = $2) ORDER BY id DESC LIMIT $1"),
                           {Int(max_rows), Text(*target)})
               : db_->Exec(StrCat(kColumns, " ORDER BY id DESC LIMIT $1"),
                           {Int(max_rows)});
    if (!applies.ok()) return applies.status();
    if (applies->empty()) return absl::OkStatus();
    std::map<int64_t, size_t> index;  // Apply id to position in `records`.
    for (const Row& row : *applies) {
      ApplyRecord& record = records.emplace_back();
      record.id = IntAt(row, 0);
      record.who = StrAt(row, 1);
      record.started_at = IntAt(row, 2);
      record.finished_at = IntAt(row, 3);
      record.plan_digest = StrAt(row, 4);
      record.result = StrAt(row, 5);
      index[record.id] = records.size() - 1;
    }
    // Newest first: every apply between the oldest and the newest one
    // selected is selected (or, with a target, touched nothing of it).
    std::vector<Param> range = {Int(records.back().id),
                                Int(records.front().id)};
    std::string filter = " WHERE apply_id BETWEEN $1 AND $2";
    if (target) {
      range.push_back(Text(*target));
      filter += " AND target = $3";
    }
    auto targets =
        db_->Exec(StrCat("SELECT apply_id, target, result, error, started_at,"
                         " finished_at FROM apply_targets",
                         filter, " ORDER BY apply_id, seq"),
                  range);
    if (!targets.ok()) return targets.status();
    std::map<std::pair<int64_t, std::string>, TargetResult*> by_target;
    for (const Row& row : *targets) {
      auto it = index.find(IntAt(row, 0));
      if (it == index.end()) continue;
      TargetResult& result = records[it->second].targets.emplace_back();
      result.target = StrAt(row, 1);
      result.result = StrAt(row, 2);
      result.error = StrAt(row, 3);
      result.started_at = IntAt(row, 4);
      result.finished_at = IntAt(row, 5);
    }
    // Pointers only once every vector has stopped growing.
    for (ApplyRecord& record : records) {
      for (TargetResult& result : record.targets) {
        by_target[{record.id, result.target}] = &result;
      }
    }
    auto resources = db_->Exec(
        StrCat("SELECT apply_id, target, kind, resource_id, outcome, error"
               " FROM apply_resources",
               filter, " ORDER BY apply_id, target, seq"),
        range);
    if (!resources.ok()) return resources.status();
    for (const Row& row : *resources) {
      auto it = by_target.find({IntAt(row, 0), StrAt(row, 1)});
      if (it == by_target.end()) continue;
      it->second->resources.push_back(
          {StrAt(row, 2), StrAt(row, 3), StrAt(row, 4), StrAt(row, 5)});
    }
    return absl::OkStatus();
  }

  std::mutex mu_;  // One call at a time on the one connection.
  std::unique_ptr<Connection> db_;
  std::function<int64_t()> clock_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenWith(std::string_view location,
                                                Options options) {
  if (location.empty()) {
    return absl::InvalidArgumentError("no state store location given");
  }
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      IsPostgresUrl(location) ? ConnectPostgres(location)
                              : ConnectSqlite(location);
  if (!connection.ok()) return connection.status();
  if (absl::Status s = Migrate(**connection, options.migrations); !s.ok()) {
    return s;
  }
  return std::unique_ptr<Store>(
      new StoreImpl(*std::move(connection), std::move(options.clock)));
}

}  // namespace internal

std::string RedactLocation(std::string_view location) {
  return internal::IsPostgresUrl(location) ? internal::RedactUrl(location)
                                           : std::string(location);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(std::string_view location) {
  return internal::OpenWith(location, internal::Options());
}

}  // namespace cairn::state
