// One suite, run against each backend: SQLite always; PostgreSQL when
// CAIRN_TEST_POSTGRES names a server (state/postgres_test.sh starts one).

#include "state/state.h"

#include <libpq-fe.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "state/internal.h"

namespace cairn::state {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSqlite[] = "Sqlite";
constexpr char kPostgres[] = "Postgres";

const char* PostgresUrl() {
  const char* url = std::getenv("CAIRN_TEST_POSTGRES");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

std::vector<std::string> Backends() {
  std::vector<std::string> backends = {kSqlite};
  if (PostgresUrl() != nullptr) backends.push_back(kPostgres);
  return backends;
}

std::string TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(base != nullptr ? base : "/tmp") + "/state.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

// Drops every table, so that each test starts from an empty database.
void ResetPostgres(const char* url) {
  PGconn* conn = PQconnectdb(url);
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* result = PQexec(conn,
                            "SET client_min_messages = warning;"
                            "DROP SCHEMA IF EXISTS public CASCADE;"
                            "CREATE SCHEMA public");
  EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK)
      << PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
}

int LatestVersion() { return internal::Migrations().back().version; }

TargetResult Result(std::string target, std::string result = "changed") {
  TargetResult r;
  r.target = std::move(target);
  r.result = std::move(result);
  r.started_at = 100;
  r.finished_at = 110;
  return r;
}

Snapshot SnapshotOf(std::string target, std::string digest, std::string body) {
  return Snapshot{std::move(target), std::move(digest), std::move(body), 0};
}

LockInfo Owner(std::string owner, int64_t pid) {
  LockInfo info;
  info.owner = std::move(owner);
  info.pid = pid;
  info.operation = "apply";
  return info;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == kPostgres) {
      location_ = PostgresUrl();
      ResetPostgres(PostgresUrl());
    } else {
      location_ = TempDir() + "/fleet/.cairn/state.db";
    }
  }

  std::unique_ptr<Store> Open() {
    auto store = Store::Open(location_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<Store> OpenWith(internal::Options options) {
    auto store = internal::OpenWith(location_, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // One apply by "ops@ci" of `targets`, each with its snapshot.
  int64_t ApplyTo(Store& store, const std::vector<TargetResult>& targets) {
    ApplyRecord record;
    record.who = "ops@ci";
    record.plan_digest = "plan";
    auto id = store.BeginApply(record);
    EXPECT_TRUE(id.ok()) << id.status();
    for (const TargetResult& target : targets) {
      absl::Status s = store.RecordTarget(
          *id, target, SnapshotOf(target.target, "d", "body"));
      EXPECT_TRUE(s.ok()) << s;
    }
    absl::Status s = store.FinishApply(*id, "succeeded", 0);
    EXPECT_TRUE(s.ok()) << s;
    return *id;
  }

  std::string location_;
};

TEST_P(StoreTest, OpenCreatesAndReopenKeepsData) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    auto version = store->SchemaVersion();
    ASSERT_TRUE(version.ok()) << version.status();
    EXPECT_EQ(*version, LatestVersion());
    ApplyTo(*store, {Result("web1")});
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto snapshot = store->LastApplied("web1");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_TRUE(snapshot->has_value());
  EXPECT_EQ((*snapshot)->body, "body");
  auto history = store->History(std::nullopt, 0);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->size(), 1u);
}

TEST_P(StoreTest, MigratesFromVersionOne) {
  int64_t old_apply = 0;
  {
    internal::Options v1;
    v1.migrations = {internal::Migrations().front()};
    auto store = OpenWith(v1);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->SchemaVersion(), 1);
    old_apply = ApplyTo(*store, {Result("web1")});
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), LatestVersion());
  // The old data survived, and version 2's resources table works.
  auto snapshot = store->LastApplied("web1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  TargetResult with_resources = Result("web2");
  with_resources.resources = {{"package", "nginx", "changed", ""}};
  int64_t new_apply = ApplyTo(*store, {with_resources});
  auto history = store->History(std::nullopt, 0);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, new_apply);
  ASSERT_EQ((*history)[0].targets.size(), 1u);
  EXPECT_EQ((*history)[0].targets[0].resources.size(), 1u);
  EXPECT_EQ((*history)[1].id, old_apply);
  ASSERT_EQ((*history)[1].targets.size(), 1u);
  EXPECT_EQ((*history)[1].targets[0].target, "web1");
}

TEST_P(StoreTest, RefusesNewerVersion) {
  {
    internal::Options future;
    future.migrations.push_back({LatestVersion() + 1,
                                 "from the future",
                                 {"CREATE TABLE future (x INTEGER)"},
                                 {"CREATE TABLE future (x INTEGER)"}});
    auto store = OpenWith(future);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->SchemaVersion(), LatestVersion() + 1);
  }
  auto store = Store::Open(location_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      std::string(store.status().message()),
      HasSubstr("schema version " + std::to_string(LatestVersion() + 1)));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("upgrade cairn"));
}

TEST_P(StoreTest, SnapshotsRoundTripBinaryBodies) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->LastApplied("web1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  std::string body;
  for (int i = 0; i < 512; ++i) body.push_back(static_cast<char>(i % 256));
  body += std::string("\0\0tail\0", 7);
  auto id = store->BeginApply(ApplyRecord{});
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(store
                  ->RecordTarget(*id, Result("zone:example.org"),
                                 SnapshotOf("zone:example.org", "abc", body))
                  .ok());
  ASSERT_TRUE(
      store->RecordTarget(*id, Result("web2"), SnapshotOf("", "e", "")).ok());
  auto got = store->LastApplied("zone:example.org");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->target, "zone:example.org");
  EXPECT_EQ((*got)->digest, "abc");
  EXPECT_EQ((*got)->body, body);
  EXPECT_EQ((*got)->applied_at, 110);  // The target's finish time.
  auto empty = store->LastApplied("web2");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_EQ((*empty)->body, "");

  // A later apply replaces it.
  auto next = store->BeginApply(ApplyRecord{});
  ASSERT_TRUE(next.ok());
  Snapshot newer = SnapshotOf("zone:example.org", "def", "new");
  newer.applied_at = 5000;
  ASSERT_TRUE(
      store->RecordTarget(*next, Result("zone:example.org"), newer).ok());
  got = store->LastApplied("zone:example.org");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->digest, "def");
  EXPECT_EQ((*got)->body, "new");
  EXPECT_EQ((*got)->applied_at, 5000);

  // A snapshot of another target is a mistake.
  EXPECT_EQ(store->RecordTarget(*next, Result("web3"), newer).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, HistoryNewestFirstFilteredAndLimited) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  TargetResult web1 = Result("web1");
  web1.resources = {{"file", "/etc/motd", "changed", ""},
                    {"service", "nginx", "failed", "exit status 1"},
                    {"package", "curl", "unchanged", ""}};
  int64_t first = ApplyTo(*store, {Result("web2"), web1});
  int64_t second = ApplyTo(*store, {Result("web2", "unreachable")});
  ApplyRecord running;
  running.who = "me@laptop";
  running.started_at = 1234;
  auto third = store->BeginApply(running);
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(
      store->RecordTarget(*third, Result("web1", "unchanged"), std::nullopt)
          .ok());

  auto all = store->History(std::nullopt, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, *third);
  EXPECT_EQ((*all)[0].who, "me@laptop");
  EXPECT_EQ((*all)[0].started_at, 1234);
  EXPECT_EQ((*all)[0].result, "running");
  EXPECT_EQ((*all)[0].finished_at, 0);
  EXPECT_EQ((*all)[1].id, second);
  EXPECT_EQ((*all)[2].id, first);
  EXPECT_EQ((*all)[2].result, "succeeded");
  EXPECT_EQ((*all)[2].plan_digest, "plan");
  EXPECT_GT((*all)[2].finished_at, 0);
  // Targets in the order they were recorded, resources in theirs.
  ASSERT_EQ((*all)[2].targets.size(), 2u);
  EXPECT_EQ((*all)[2].targets[0].target, "web2");
  const TargetResult& got = (*all)[2].targets[1];
  EXPECT_EQ(got.target, "web1");
  EXPECT_EQ(got.started_at, 100);
  EXPECT_EQ(got.finished_at, 110);
  ASSERT_EQ(got.resources.size(), 3u);
  EXPECT_EQ(got.resources[0].id, "/etc/motd");
  EXPECT_EQ(got.resources[1].kind, "service");
  EXPECT_EQ(got.resources[1].outcome, "failed");
  EXPECT_EQ(got.resources[1].error, "exit status 1");
  EXPECT_EQ(got.resources[2].id, "curl");

  auto web2 = store->History("web2", 10);
  ASSERT_TRUE(web2.ok()) << web2.status();
  ASSERT_EQ(web2->size(), 2u);
  EXPECT_EQ((*web2)[0].id, second);
  EXPECT_EQ((*web2)[0].targets[0].result, "unreachable");
  EXPECT_EQ((*web2)[1].id, first);
  ASSERT_EQ((*web2)[1].targets.size(), 1u);  // Only web2's part.
  EXPECT_EQ((*web2)[1].targets[0].target, "web2");
  EXPECT_TRUE((*web2)[1].targets[0].resources.empty());

  auto limited = store->History(std::nullopt, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[0].id, *third);
  EXPECT_EQ((*limited)[1].id, second);

  auto web1_last = store->History("web1", 1);
  ASSERT_TRUE(web1_last.ok());
  ASSERT_EQ(web1_last->size(), 1u);
  EXPECT_EQ((*web1_last)[0].id, *third);

  auto nobody = store->History("db1", 10);
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody->empty());
}

TEST_P(StoreTest, RecordTargetRefusesUnknownAndRepeated) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int64_t id = ApplyTo(*store, {Result("web1")});
  EXPECT_EQ(store->RecordTarget(id, Result("web1"), std::nullopt).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->RecordTarget(id + 100, Result("web1"), std::nullopt).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store->FinishApply(id + 100, "failed", 1).code(),
            absl::StatusCode::kNotFound);
}

// A RecordTarget that fails half-way (here: a version-1 store has no table
// for per-resource outcomes) leaves neither the result nor the snapshot.
TEST_P(StoreTest, RecordTargetWithSnapshotIsAtomic) {
  internal::Options v1;
  v1.migrations = {internal::Migrations().front()};
  auto store = OpenWith(v1);
  ASSERT_NE(store, nullptr);
  auto id = store->BeginApply(ApplyRecord{});
  ASSERT_TRUE(id.ok());
  TargetResult result = Result("web1");
  result.resources = {{"file", "/etc/motd", "changed", ""}};
  absl::Status s =
      store->RecordTarget(*id, result, SnapshotOf("web1", "d", "body"));
  ASSERT_FALSE(s.ok());
  auto snapshot = store->LastApplied("web1");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_FALSE(snapshot->has_value());
  // The same call again meets no half-written result of the first.
  result.resources.clear();
  s = store->RecordTarget(*id, result, SnapshotOf("web1", "d", "body"));
  ASSERT_TRUE(s.ok()) << s;
  snapshot = store->LastApplied("web1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
}

TEST_P(StoreTest, SecondOwnerIsRefused) {
  auto first = Open();
  auto second = Open();  // Another connection, as another process has.
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const int64_t before = time(nullptr);
  auto alice = first->Lock(Owner("alice@laptop", 4242), 300);
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->owner, "alice@laptop");
  EXPECT_GE(alice->created_at, before - 5);
  EXPECT_LE(alice->created_at, time(nullptr) + 5);
  EXPECT_EQ(alice->lease_until, alice->created_at + 300);

  auto bob = second->Lock(Owner("bob@ci", 7), 300);
  ASSERT_FALSE(bob.ok());
  EXPECT_EQ(bob.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(bob.status().message());
  EXPECT_THAT(message, HasSubstr("alice@laptop"));
  EXPECT_THAT(message, HasSubstr("pid 4242"));
  EXPECT_THAT(message, HasSubstr("apply"));
  EXPECT_THAT(message, HasSubstr("cairn lock break"));
  // Same user, another process: another owner.
  EXPECT_EQ(second->Lock(Owner("alice@laptop", 4243), 300).status().code(),
            absl::StatusCode::kFailedPrecondition);

  auto status = second->LockStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(status->has_value());
  EXPECT_EQ((*status)->owner, "alice@laptop");
  EXPECT_EQ((*status)->pid, 4242);
  EXPECT_EQ((*status)->operation, "apply");

  // The holder may take it again; Unlock by a non-holder changes nothing.
  EXPECT_TRUE(first->Lock(Owner("alice@laptop", 4242), 300).ok());
  EXPECT_TRUE(second->Unlock(Owner("bob@ci", 7)).ok());
  EXPECT_TRUE((*second->LockStatus()).has_value());
  EXPECT_TRUE(first->Unlock(Owner("alice@laptop", 4242)).ok());
  EXPECT_FALSE((*second->LockStatus()).has_value());
  EXPECT_TRUE(second->Lock(Owner("bob@ci", 7), 300).ok());

  EXPECT_EQ(first->Lock(Owner("", 1), 300).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(first->Lock(Owner("x", 1), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, ExpiredLeaseIsTakenOver) {
  int64_t now = 1000;
  internal::Options options;
  options.clock = [&now] { return now; };
  auto store = OpenWith(options);
  ASSERT_NE(store, nullptr);
  LockInfo alice = Owner("alice@laptop", 1);
  LockInfo bob = Owner("bob@ci", 2);
  auto taken = store->Lock(alice, 60);
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->created_at, 1000);
  EXPECT_EQ(taken->lease_until, 1060);

  now = 1060;  // The last second of the lease still holds.
  EXPECT_EQ(store->Lock(bob, 60).status().code(),
            absl::StatusCode::kFailedPrecondition);
  now = 1061;
  taken = store->Lock(bob, 60);
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->owner, "bob@ci");
  EXPECT_EQ(taken->created_at, 1061);
  EXPECT_EQ(taken->lease_until, 1121);

  absl::Status renewed = store->RenewLock(alice, 60);
  EXPECT_EQ(renewed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(renewed.message()), HasSubstr("bob@ci"));

  now = 1100;
  ASSERT_TRUE(store->RenewLock(bob, 60).ok());
  auto status = store->LockStatus();
  ASSERT_TRUE(status.ok() && status->has_value());
  EXPECT_EQ((*status)->lease_until, 1160);
  EXPECT_EQ((*status)->created_at, 1061);

  ASSERT_TRUE(store->BreakLock().ok());
  EXPECT_FALSE((*store->LockStatus()).has_value());
  renewed = store->RenewLock(bob, 60);
  EXPECT_EQ(renewed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(renewed.message()), HasSubstr("broken"));
  EXPECT_TRUE(store->BreakLock().ok());  // Nothing to break: fine.
}

// Real processes race for the lock; exactly one may win each round.
TEST_P(StoreTest, ProcessesRacingForTheLock) {
  constexpr int kRounds = 50;
  constexpr int kRacers = 3;
  Open().reset();  // Create and migrate it first; no connection across fork.
  for (int round = 0; round < kRounds; ++round) {
    int ready[2], go[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(go), 0);
    std::vector<pid_t> pids;
    for (int i = 0; i < kRacers; ++i) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        auto store = Store::Open(location_);
        char c = 'r';
        if (write(ready[1], &c, 1) != 1) _exit(4);
        if (!store.ok()) _exit(2);
        if (read(go[0], &c, 1) != 0) _exit(5);  // EOF: the parent said go.
        auto got = (*store)->Lock(Owner("racer@test", getpid()), 300);
        if (got.ok()) _exit(0);
        _exit(got.status().code() == absl::StatusCode::kFailedPrecondition ? 1
                                                                           : 3);
      }
      pids.push_back(pid);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    for (int i = 0; i < kRacers; ++i) ASSERT_EQ(read(ready[0], &c, 1), 1);
    close(go[1]);  // Go.
    close(ready[0]);
    int winners = 0;
    pid_t winner = 0;
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      ASSERT_TRUE(WIFEXITED(status));
      const int code = WEXITSTATUS(status);
      EXPECT_TRUE(code == 0 || code == 1) << "round " << round << ": " << code;
      if (code == 0) {
        ++winners;
        winner = pid;
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
    auto store = Open();
    ASSERT_NE(store, nullptr);
    auto holder = store->LockStatus();
    ASSERT_TRUE(holder.ok() && holder->has_value());
    EXPECT_EQ((*holder)->pid, winner);
    ASSERT_TRUE(store->BreakLock().ok());
  }
}

// Several processes opening the same new store at once: every one of them
// succeeds, and the migrations run once.
TEST_P(StoreTest, ProcessesCreatingTheStoreAtOnce) {
  constexpr int kRounds = 10;
  constexpr int kOpeners = 4;
  for (int round = 0; round < kRounds; ++round) {
    if (GetParam() == kPostgres) {
      ResetPostgres(PostgresUrl());
    } else {
      location_ = TempDir() + "/new/state.db";
    }
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    std::vector<pid_t> pids;
    for (int i = 0; i < kOpeners; ++i) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(go[1]);
        char c;
        if (read(go[0], &c, 1) != 0) _exit(5);
        auto store = Store::Open(location_);
        if (!store.ok()) {
          fprintf(stderr, "%s\n",
                  std::string(store.status().message()).c_str());
          _exit(2);
        }
        auto version = (*store)->SchemaVersion();
        _exit(version.ok() && *version == LatestVersion() ? 0 : 3);
      }
      pids.push_back(pid);
    }
    close(go[0]);
    close(go[1]);
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 0) << "round " << round;
    }
  }
}

DriftEvent Drift(int64_t seq, std::string id, std::string state = "drifted") {
  DriftEvent e;
  e.seq = seq;
  e.kind = "file";
  e.id = std::move(id);
  e.state = std::move(state);
  e.at_ms = static_cast<int64_t>(time(nullptr)) * 1000 + seq;
  e.body = std::string("body\0", 5) + std::to_string(seq);
  return e;
}

DriftStatus DriftOf(std::string target, int64_t last_seq, int drifted) {
  DriftStatus s;
  s.target = std::move(target);
  s.last_seq = last_seq;
  s.watching = true;
  s.drifted = drifted;
  s.body = "report " + std::to_string(last_seq);
  return s;
}

std::vector<int64_t> Seqs(const std::vector<DriftEvent>& events) {
  std::vector<int64_t> seqs;
  for (const DriftEvent& e : events) seqs.push_back(e.seq);
  return seqs;
}

TEST_P(StoreTest, DriftEventsAreNewOnce) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->LastDrift("web1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  auto added = store->RecordDrift(
      DriftOf("web1", 3, 2), {Drift(1, "/etc/motd"), Drift(2, "/etc/hosts"),
                              Drift(3, "/etc/motd", "resolved")});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, (std::vector<int64_t>{1, 2, 3}));
  // The same events again, and one more: only that one is new.
  added = store->RecordDrift(
      DriftOf("web1", 4, 1),
      {Drift(2, "/etc/hosts"), Drift(3, "/etc/motd", "resolved"),
       Drift(4, "/etc/hosts", "healed")});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, (std::vector<int64_t>{4}));
  // Another host's seqs are its own.
  added = store->RecordDrift(DriftOf("web2", 1, 1), {Drift(1, "/srv")});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, (std::vector<int64_t>{1}));

  auto status = store->LastDrift("web1");
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_TRUE(status->has_value());
  EXPECT_EQ((*status)->target, "web1");
  EXPECT_EQ((*status)->last_seq, 4);
  EXPECT_TRUE((*status)->watching);
  EXPECT_EQ((*status)->drifted, 1);
  EXPECT_EQ((*status)->body, "report 4");
  EXPECT_GT((*status)->checked_at, 0);

  // An older report (a slower controller) never moves last_seq back.
  DriftStatus late = DriftOf("web1", 2, 0);
  late.checked_at = 1234;
  late.watching = false;
  ASSERT_TRUE(store->RecordDrift(late, {}).ok());
  status = store->LastDrift("web1");
  ASSERT_TRUE(status.ok() && status->has_value());
  EXPECT_EQ((*status)->last_seq, 4);
  EXPECT_EQ((*status)->checked_at, 1234);
  EXPECT_FALSE((*status)->watching);
  EXPECT_EQ((*status)->drifted, 0);

  auto events = store->DriftEvents("web1", 0, 0);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(Seqs(*events), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ((*events)[2].id, "/etc/motd");
  EXPECT_EQ((*events)[2].kind, "file");
  EXPECT_EQ((*events)[2].state, "resolved");
  EXPECT_EQ((*events)[2].at_ms, Drift(3, "").at_ms);
  EXPECT_EQ((*events)[2].body, Drift(3, "").body);
  events = store->DriftEvents("web1", 1, 2);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(Seqs(*events), (std::vector<int64_t>{2, 3}));
  events = store->DriftEvents("db1", 0, 0);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());

  EXPECT_EQ(store->RecordDrift(DriftOf("", 1, 0), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, ForgetDriftStartsTheHostOver) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->RecordDrift(DriftOf("web1", 9, 1), {Drift(9, "/a")}).ok());
  ASSERT_TRUE(store->RecordDrift(DriftOf("web2", 1, 1), {Drift(1, "/b")}).ok());
  ASSERT_TRUE(store->ForgetDrift("web1").ok());
  auto status = store->LastDrift("web1");
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->has_value());
  EXPECT_TRUE(store->DriftEvents("web1", 0, 0)->empty());
  EXPECT_EQ(store->DriftEvents("web2", 0, 0)->size(), 1u);
  // Its new queue's first event is new, and last_seq may start low.
  auto added = store->RecordDrift(DriftOf("web1", 1, 1), {Drift(1, "/a")});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, (std::vector<int64_t>{1}));
  EXPECT_EQ((*store->LastDrift("web1"))->last_seq, 1);
}

TEST_P(StoreTest, OldDriftEventsAreDropped) {
  int64_t now = 200LL * 24 * 3600;  // Day 200.
  internal::Options options;
  options.clock = [&now] { return now; };
  auto store = OpenWith(options);
  ASSERT_NE(store, nullptr);
  DriftEvent old = Drift(1, "/old");
  old.at_ms = 100LL * 24 * 3600 * 1000;  // Day 100.
  DriftEvent recent = Drift(2, "/recent");
  recent.at_ms = 150LL * 24 * 3600 * 1000;
  ASSERT_TRUE(store->RecordDrift(DriftOf("web1", 2, 1), {old, recent}).ok());
  EXPECT_EQ(Seqs(*store->DriftEvents("web1", 0, 0)), (std::vector<int64_t>{2}));
  EXPECT_EQ((*store->LastDrift("web1"))->checked_at, now);
}

// Two controllers (two connections, as two processes have) record the same
// events at once: each event is new to exactly one of them.
TEST_P(StoreTest, ConcurrentRecordersSeeEachEventOnce) {
  auto first = Open();
  auto second = Open();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int kEvents = 40;
  std::vector<int64_t> got[2];
  auto record = [&](Store& store, std::vector<int64_t>& out) {
    for (int seq = 1; seq <= kEvents; ++seq) {
      auto added =
          store.RecordDrift(DriftOf("web1", seq, 1), {Drift(seq, "/etc/motd")});
      ASSERT_TRUE(added.ok()) << added.status();
      out.insert(out.end(), added->begin(), added->end());
    }
  };
  std::thread a([&] { record(*first, got[0]); });
  std::thread b([&] { record(*second, got[1]); });
  a.join();
  b.join();
  std::vector<int64_t> all = got[0];
  all.insert(all.end(), got[1].begin(), got[1].end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_EQ((*first->LastDrift("web1"))->last_seq, kEvents);
}

TEST_P(StoreTest, MigratesFromVersionTwoToDrift) {
  {
    internal::Options v2;
    v2.migrations = {internal::Migrations()[0], internal::Migrations()[1]};
    auto store = OpenWith(v2);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->SchemaVersion(), 2);
    ApplyTo(*store, {Result("web1")});
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), LatestVersion());
  EXPECT_TRUE((*store->LastApplied("web1")).has_value());
  auto added = store->RecordDrift(DriftOf("web1", 1, 1), {Drift(1, "/a")});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param; });

TEST(SqliteStoreTest, DirectoryAndFilesArePrivate) {
  const std::string dir = TempDir();
  const std::string path = dir + "/a/b/state.db";
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  struct stat st;
  for (const std::string& d : {dir + "/a", dir + "/a/b"}) {
    ASSERT_EQ(stat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
  }
  for (const std::string& f : {path, path + "-wal"}) {
    ASSERT_EQ(stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

TEST(SqliteStoreTest, NotADatabase) {
  const std::string path = TempDir() + "/state.db";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not a database, it is a text file of some length\n", f);
  for (int i = 0; i < 100; ++i) fputs("more text\n", f);
  fclose(f);
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
}

TEST(PostgresUrlTest, RedactsPasswords) {
  using internal::RedactUrl;
  EXPECT_EQ(RedactUrl("postgresql://alice:s3cret@db.example.org:5432/cairn"),
            "postgresql://alice:***@db.example.org:5432/cairn");
  EXPECT_EQ(RedactUrl("postgres://db/cairn?user=a&password=s3cret&x=1"),
            "postgres://db/cairn?user=a&password=***&x=1");
  EXPECT_EQ(RedactUrl("postgresql://alice@db/cairn"),
            "postgresql://alice@db/cairn");
  EXPECT_EQ(RedactUrl("postgresql:///cairn?host=/run/postgresql"),
            "postgresql:///cairn?host=/run/postgresql");
  EXPECT_EQ(RedactUrl("postgresql://a:p/w@d@h/db"), "postgresql://a:***@h/db");
  EXPECT_EQ(RedactLocation("postgres://u:pw@h/db"), "postgres://u:***@h/db");
  EXPECT_EQ(RedactLocation(".cairn/state.db"), ".cairn/state.db");
}

TEST(PostgresUrlTest, UnreachableServerIsUnavailableWithoutPassword) {
  // Port 1 on the loopback: refused at once.
  auto store = Store::Open(
      "postgresql://alice:hunter2@127.0.0.1:1/cairn?sslmode=disable");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(store.status().message());
  EXPECT_THAT(message, HasSubstr("alice:***@127.0.0.1:1"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST(PostgresUrlTest, MalformedUrlIsInvalidWithoutPassword) {
  for (const char* url : {"postgresql://alice:hunter2@db/cairn?bogus=1",
                          "postgresql://alice:hun%zzter2@db/cairn",
                          "postgres://db/cairn?password=hunter2&bogus=1"}) {
    auto store = Store::Open(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument)
        << store.status();
    const std::string message(store.status().message());
    EXPECT_THAT(message, Not(HasSubstr("hunter2"))) << message;
    EXPECT_THAT(message, Not(HasSubstr("zzter2"))) << message;
  }
}

}  // namespace
}  // namespace cairn::state
