#include "agent/engine/engine.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "agent/engine/journal.h"
#include "agent/host/fake_host.h"
#include "agent/providers/provider.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

// Test kinds, registered like real providers: "tfile" converges a File's
// content on the host; "tsvc" records notifications; "tfail" always fails.
std::vector<std::string>& Notified() {
  static auto* v = new std::vector<std::string>;
  return *v;
}
std::atomic<bool> block_apply{false};
std::atomic<bool> in_apply{false};

class TestFile : public Provider {
 public:
  std::string_view kind() const override { return "tfile"; }
  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& r, ProviderContext& context) const override {
    v1::File spec;
    r.spec().UnpackTo(&spec);
    v1::ResourceDiff diff;
    absl::StatusOr<std::string> now = context.host->ReadFile(spec.path());
    if (!now.ok()) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
    } else if (*now != spec.content()) {
      diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
      AddChange(r, "content", *now, spec.content(), context, diff);
    } else {
      diff.set_action(v1::ResourceDiff::ACTION_NONE);
    }
    return diff;
  }
  absl::Status Apply(const v1::Resource& r, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    in_apply = true;
    while (block_apply) std::this_thread::yield();
    in_apply = false;
    v1::File spec;
    r.spec().UnpackTo(&spec);
    return context.host->WriteFile(spec.path(), spec.content(), 0644, 0, 0);
  }
};
CAIRN_REGISTER_PROVIDER(TestFile);

class TestService : public Provider {
 public:
  std::string_view kind() const override { return "tsvc"; }
  absl::StatusOr<v1::ResourceDiff> Check(const v1::Resource&,
                                         ProviderContext&) const override {
    v1::ResourceDiff diff;
    diff.set_action(v1::ResourceDiff::ACTION_NONE);
    return diff;
  }
  absl::Status Apply(const v1::Resource&, const v1::ResourceDiff&,
                     ProviderContext&) const override {
    return absl::OkStatus();
  }
  absl::Status Notify(const v1::Resource& r, std::string_view action,
                      ProviderContext&) const override {
    Notified().push_back(r.id() + ":" + std::string(action));
    return absl::OkStatus();
  }
};
CAIRN_REGISTER_PROVIDER(TestService);

class TestFail : public Provider {
 public:
  std::string_view kind() const override { return "tfail"; }
  absl::StatusOr<v1::ResourceDiff> Check(const v1::Resource&,
                                         ProviderContext&) const override {
    v1::ResourceDiff diff;
    diff.set_action(v1::ResourceDiff::ACTION_CREATE);
    return diff;
  }
  absl::Status Apply(const v1::Resource&, const v1::ResourceDiff&,
                     ProviderContext&) const override {
    return absl::InternalError("disk on fire");
  }
};
CAIRN_REGISTER_PROVIDER(TestFail);

// "tguard" needs confirming, like the firewall: its state is the content
// of /etc/guard, kept in /var/lib/cairn/guard.kept while unconfirmed.
class TestGuard : public Provider {
 public:
  static constexpr char kLive[] = "/etc/guard";
  static constexpr char kKept[] = "/var/lib/cairn/guard.kept";
  std::string_view kind() const override { return "tguard"; }
  bool NeedsConfirm() const override { return true; }
  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& r, ProviderContext& context) const override {
    v1::ResourceDiff diff;
    absl::StatusOr<std::string> now = context.host->ReadFile(kLive);
    diff.set_action(now.ok() && *now == r.id()
                        ? v1::ResourceDiff::ACTION_NONE
                        : v1::ResourceDiff::ACTION_UPDATE);
    return diff;
  }
  absl::Status Apply(const v1::Resource& r, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    if (r.id() == "broken") return absl::InternalError("nft said no");
    return context.host->WriteFile(kLive, r.id(), 0644, 0, 0);
  }
  absl::Status SaveForRollback(ProviderContext& context) const override {
    absl::StatusOr<std::string> now = context.host->ReadFile(kLive);
    return context.host->WriteFile(kKept, now.ok() ? *now : "", 0600, 0, 0);
  }
  absl::Status Rollback(ProviderContext& context) const override {
    absl::StatusOr<std::string> kept = context.host->ReadFile(kKept);
    if (!kept.ok()) return kept.status();
    absl::Status status = context.host->WriteFile(kLive, *kept, 0644, 0, 0);
    if (!status.ok()) return status;
    return context.host->Remove(kKept);
  }
  absl::Status DiscardRollback(ProviderContext& context) const override {
    return context.host->Remove(kKept);
  }
  absl::StatusOr<bool> RollbackPending(
      ProviderContext& context) const override {
    absl::StatusOr<FileInfo> info = context.host->Stat(kKept);
    if (!info.ok()) return info.status();
    return info->exists();
  }
};
CAIRN_REGISTER_PROVIDER(TestGuard);

// "tpkg" batches like packages: installed lists what is there, Batches()
// each ApplyBatch's ids; a batch holding "bad" fails as a whole.
std::vector<std::string>& Installed() {
  static auto* v = new std::vector<std::string>;
  return *v;
}
std::vector<std::string>& Batches() {
  static auto* v = new std::vector<std::string>;
  return *v;
}
class TestPackage : public Provider {
 public:
  std::string_view kind() const override { return "tpkg"; }
  bool batches() const override { return true; }
  absl::StatusOr<v1::ResourceDiff> Check(const v1::Resource& r,
                                         ProviderContext&) const override {
    v1::ResourceDiff diff;
    bool there = std::count(Installed().begin(), Installed().end(), r.id());
    diff.set_action(there ? v1::ResourceDiff::ACTION_NONE
                          : v1::ResourceDiff::ACTION_CREATE);
    return diff;
  }
  absl::Status Apply(const v1::Resource&, const v1::ResourceDiff&,
                     ProviderContext&) const override {
    return absl::InternalError("tpkg is applied in batches only");
  }
  std::vector<absl::Status> ApplyBatch(
      const std::vector<const v1::Resource*>& resources,
      const std::vector<v1::ResourceDiff>&, ProviderContext&) const override {
    std::vector<absl::Status> out(resources.size());
    std::string ids;
    for (const v1::Resource* r : resources)
      ids += (ids.empty() ? "" : ",") + r->id();
    Batches().push_back(ids);
    if (ids.find("bad") != std::string::npos) {
      return std::vector<absl::Status>(
          resources.size(),
          absl::InternalError("E: Unable to locate package bad"));
    }
    for (const v1::Resource* r : resources) Installed().push_back(r->id());
    return out;
  }
};
CAIRN_REGISTER_PROVIDER(TestPackage);

v1::Resource File(const std::string& path, const std::string& content) {
  v1::Resource r;
  r.set_kind("tfile");
  r.set_id(path);
  v1::File spec;
  spec.set_path(path);
  spec.set_content(content);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

v1::Resource Simple(const std::string& kind, const std::string& id) {
  v1::Resource r;
  r.set_kind(kind);
  r.set_id(id);
  return r;
}

void Notifies(v1::Resource& r, const std::string& service,
              const std::string& action) {
  v1::Notify* n = r.add_notify();
  n->mutable_target()->set_kind("tsvc");
  n->mutable_target()->set_id(service);
  n->set_action(action);
}

void DependsOn(v1::Resource& r, const std::string& kind,
               const std::string& id) {
  v1::ResourceRef* ref = r.add_depends_on();
  ref->set_kind(kind);
  ref->set_id(id);
}

struct Outcome {
  absl::Status status;
  std::vector<v1::ApplyEvent> events;
  int Count(v1::ApplyEvent::Outcome o) const {
    int n = 0;
    for (const auto& e : events) n += e.outcome() == o;
    return n;
  }
};

Outcome ApplyAll(Engine& engine, const v1::Catalog& catalog,
                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  Outcome run;
  ApplyOptions options;
  options.fingerprint_key = "key";
  options.confirm_timeout = timeout;
  run.status = engine.Apply(catalog, options, [&](const v1::ApplyEvent& e) {
    run.events.push_back(e);
  });
  return run;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Notified().clear();
    host.PutDirectory("/etc");
    host.PutDirectory("/var/lib/cairn");
  }
  FakeHost host;
  EngineOptions options;
};

TEST(ApplyOrderTest, DependenciesFirstNotifiersBeforeTargets) {
  v1::Catalog c;
  *c.add_resources() = Simple("tsvc", "nginx");      // 0
  v1::Resource conf = File("/etc/nginx.conf", "x");  // 1
  Notifies(conf, "nginx", "reload");
  DependsOn(conf, "tfile", "/etc/pkg");
  *c.add_resources() = conf;
  *c.add_resources() = File("/etc/pkg", "p");    // 2
  *c.add_resources() = File("/etc/other", "o");  // 3
  absl::StatusOr<std::vector<int>> order = ApplyOrder(c);
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(*order, (std::vector<int>{2, 1, 0, 3}));
}

TEST(ApplyOrderTest, CycleIsAnError) {
  v1::Catalog c;
  v1::Resource a = File("/a", "");
  DependsOn(a, "tfile", "/b");
  v1::Resource b = File("/b", "");
  DependsOn(b, "tfile", "/a");
  *c.add_resources() = a;
  *c.add_resources() = b;
  EXPECT_FALSE(ApplyOrder(c).ok());
}

TEST_F(EngineTest, ApplyConvergesThenNothingChanges) {
  Engine engine(host, options);
  v1::Catalog c;
  v1::Resource conf = File("/etc/nginx.conf", "worker_processes 2;\n");
  Notifies(conf, "nginx", "reload");
  *c.add_resources() = conf;
  *c.add_resources() = Simple("tsvc", "nginx");

  v1::CheckResponse before = engine.Check(c, "key");
  ASSERT_EQ(before.diffs_size(), 2);
  EXPECT_EQ(before.diffs(0).action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_FALSE(host.Stat("/etc/nginx.conf")->exists())
      << "Check changed the host";

  Outcome first = ApplyAll(engine, c);
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  EXPECT_EQ(first.Count(v1::ApplyEvent::OUTCOME_NOTIFIED), 1);
  EXPECT_EQ(Notified(), std::vector<std::string>{"nginx:reload"});
  EXPECT_EQ(*host.ReadFile("/etc/nginx.conf"), "worker_processes 2;\n");

  v1::CheckResponse after = engine.Check(c, "key");
  for (const v1::ResourceDiff& d : after.diffs()) {
    EXPECT_EQ(d.action(), v1::ResourceDiff::ACTION_NONE) << d.resource().id();
  }
  Outcome second = ApplyAll(engine, c);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.Count(v1::ApplyEvent::OUTCOME_UNCHANGED), 2);
  EXPECT_EQ(Notified().size(), 1u) << "an unchanged config notified again";
  EXPECT_TRUE(engine.Status().success());
  EXPECT_EQ(engine.Status().catalog_digest().size(), 64u);
}

TEST_F(EngineTest, NotificationRunsBeforeWhatDependsOnItsTarget) {
  // locale.gen notifies locale-gen; a package that needs the locale comes
  // after locale-gen: the notification runs in between, not at the end.
  Engine engine(host, options);
  v1::Catalog c;
  v1::Resource gen = File("/etc/locale.gen", "en_US.UTF-8 UTF-8\n");
  Notifies(gen, "locale-gen", "run");
  *c.add_resources() = gen;
  *c.add_resources() = Simple("tsvc", "locale-gen");
  v1::Resource after = File("/etc/after", "x");
  DependsOn(after, "tsvc", "locale-gen");
  *c.add_resources() = after;
  Outcome run = ApplyAll(engine, c);
  ASSERT_TRUE(run.status.ok()) << run.status;
  std::vector<std::string> order;
  for (const v1::ApplyEvent& e : run.events) {
    if (e.outcome() == v1::ApplyEvent::OUTCOME_CHANGED ||
        e.outcome() == v1::ApplyEvent::OUTCOME_NOTIFIED) {
      order.push_back(e.resource().id());
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"/etc/locale.gen", "locale-gen",
                                             "/etc/after"}));
  EXPECT_EQ(Notified(), std::vector<std::string>{"locale-gen:run"});
}

TEST_F(EngineTest, FailureSkipsDependentsAndIsReported) {
  Engine engine(host, options);
  v1::Catalog c;
  *c.add_resources() = Simple("tfail", "broken");
  v1::Resource after = File("/etc/after", "x");
  DependsOn(after, "tfail", "broken");
  *c.add_resources() = after;
  *c.add_resources() = File("/etc/independent", "y");
  Outcome run = ApplyAll(engine, c);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_FAILED), 1);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_SKIPPED), 1);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  EXPECT_FALSE(host.Stat("/etc/after")->exists());
  EXPECT_TRUE(host.Stat("/etc/independent")->exists());
  EXPECT_FALSE(engine.Status().success());
}

TEST_F(EngineTest, StopFinishesTheCurrentResourceAndStartsNoOther) {
  Engine engine(host, options);
  v1::Catalog c;
  v1::Resource conf = File("/etc/a", "a");
  Notifies(conf, "nginx", "reload");
  *c.add_resources() = conf;
  *c.add_resources() = File("/etc/b", "b");
  *c.add_resources() = File("/etc/c", "c");
  *c.add_resources() = Simple("tsvc", "nginx");
  ApplyOptions stop_after_one;
  stop_after_one.fingerprint_key = "key";
  int events = 0;
  stop_after_one.stop_requested = [&] { return events >= 1; };
  std::vector<v1::ApplyEvent> seen;
  absl::Status status =
      engine.Apply(c, stop_after_one, [&](const v1::ApplyEvent& e) {
        ++events;
        seen.push_back(e);
      });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0].outcome(), v1::ApplyEvent::OUTCOME_CHANGED);
  EXPECT_EQ(seen[1].outcome(), v1::ApplyEvent::OUTCOME_SKIPPED);
  EXPECT_NE(seen[1].error().find("stopped"), std::string::npos);
  EXPECT_TRUE(host.Stat("/etc/a")->exists());
  EXPECT_FALSE(host.Stat("/etc/b")->exists());
  EXPECT_FALSE(host.Stat("/etc/c")->exists());
  // The reload /etc/a owes waits for its service, which was not applied:
  // it stays owed, for the next apply.
  EXPECT_TRUE(Notified().empty());
  EXPECT_FALSE(engine.Status().success());
  ASSERT_EQ(engine.Status().pending_notifications_size(), 1);
  EXPECT_EQ(engine.Status().pending_notifications(0).target().id(), "nginx");
}

TEST_F(EngineTest, OwedNotificationSurvivesACrash) {
  // A crash after the config changed but before the reload: the journal
  // owes the reload and shows the change as interrupted.
  {
    Journal journal(host, "/var/lib/cairn/journal");
    v1::Notify n;
    n.mutable_target()->set_kind("tsvc");
    n.mutable_target()->set_id("nginx");
    n.set_action("reload");
    ASSERT_TRUE(journal.Owe(n).ok());
    v1::ResourceRef ref;
    ref.set_kind("tfile");
    ref.set_id("/etc/nginx.conf");
    ASSERT_TRUE(journal.Begin(ref).ok());
  }
  host.PutFile("/etc/nginx.conf", "new\n");
  Engine engine(host, options);
  ASSERT_TRUE(engine.Recover().ok());
  v1::StatusResponse status = engine.Status();
  ASSERT_EQ(status.interrupted_size(), 1);
  EXPECT_EQ(status.interrupted(0).id(), "/etc/nginx.conf");
  ASSERT_EQ(status.pending_notifications_size(), 1);

  v1::Catalog c;
  v1::Resource conf = File("/etc/nginx.conf", "new\n");
  Notifies(conf, "nginx", "reload");
  *c.add_resources() = conf;
  *c.add_resources() = Simple("tsvc", "nginx");
  Outcome run = ApplyAll(engine, c);
  ASSERT_TRUE(run.status.ok()) << run.status;
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_UNCHANGED), 2);
  EXPECT_EQ(Notified(), std::vector<std::string>{"nginx:reload"})
      << "the owed reload was not replayed";
  // Paid: a later apply owes nothing.
  Notified().clear();
  ApplyAll(engine, c);
  EXPECT_TRUE(Notified().empty());
}

TEST_F(EngineTest, TornJournalLineIsIgnored) {
  host.PutFile("/var/lib/cairn/journal", "begin tfile /a\ndone tfile /a\nbeg");
  Journal journal(host, "/var/lib/cairn/journal");
  absl::StatusOr<Journal::Recovered> r = journal.Read();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->interrupted.empty());
  EXPECT_TRUE(r->owed.empty());
}

TEST_F(EngineTest, JournalEscapesIds) {
  Journal journal(host, "/var/lib/cairn/journal");
  v1::ResourceRef ref;
  ref.set_kind("record");
  ref.set_id("www A\nx\\");
  ASSERT_TRUE(journal.Begin(ref).ok());
  absl::StatusOr<Journal::Recovered> r =
      Journal(host, "/var/lib/cairn/journal").Read();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->interrupted.size(), 1u);
  EXPECT_EQ(r->interrupted[0].id(), "www A\nx\\");
}

TEST_F(EngineTest, RequestStopStopsTheApplyInProgress) {
  Engine engine(host, options);
  EXPECT_FALSE(engine.RequestStop()) << "nothing runs";
  v1::Catalog c;
  *c.add_resources() = File("/etc/slow", "x");
  *c.add_resources() = File("/etc/zlater", "y");
  block_apply = true;
  Outcome run;
  std::thread first([&] { run = ApplyAll(engine, c); });
  while (!in_apply) std::this_thread::yield();
  EXPECT_TRUE(engine.RequestStop());
  block_apply = false;
  first.join();
  ASSERT_TRUE(run.status.ok()) << run.status;
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_SKIPPED), 1);
  EXPECT_FALSE(host.Stat("/etc/zlater")->exists());
  // The next apply is not stopped.
  Outcome next = ApplyAll(engine, c);
  EXPECT_EQ(next.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  EXPECT_TRUE(host.Stat("/etc/zlater")->exists());
}

TEST_F(EngineTest, SecondApplyWhileOneRunsIsBusy) {
  Engine engine(host, options);
  v1::Catalog c;
  *c.add_resources() = File("/etc/slow", "x");
  block_apply = true;
  std::thread first([&] { ApplyAll(engine, c); });
  while (!in_apply) std::this_thread::yield();
  Outcome second = ApplyAll(engine, c);
  block_apply = false;
  first.join();
  EXPECT_EQ(second.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(second.status.message()).find("busy"),
            std::string::npos);
}

}  // namespace
}  // namespace cairn::agent

namespace cairn::agent {
namespace {

v1::Catalog Guarded(const std::string& state) {
  v1::Catalog c;
  *c.add_resources() = Simple("tguard", state);
  return c;
}

bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

TEST_F(EngineTest, ConfirmedChangeStays) {
  host.PutFile("/etc/guard", "old");
  Engine engine(host, options);
  Outcome run = ApplyAll(engine, Guarded("new"));
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_TRUE(run.events[0].needs_confirm());
  v1::StatusResponse status = engine.Status();
  EXPECT_TRUE(status.awaiting_confirm());
  EXPECT_GT(status.confirm_deadline(), 0);
  EXPECT_TRUE(host.ReadFile(TestGuard::kKept).ok());

  // Nothing else is applied while the change awaits Confirm.
  Outcome refused = ApplyAll(engine, Guarded("newer"));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status.message().find("tguard change awaits Confirm"),
            std::string::npos)
      << refused.status;

  EXPECT_TRUE(engine.Confirm());
  EXPECT_FALSE(engine.Confirm());  // Nothing left to confirm.
  EXPECT_FALSE(engine.Status().awaiting_confirm());
  EXPECT_FALSE(host.ReadFile(TestGuard::kKept).ok());
  EXPECT_EQ(*host.ReadFile("/etc/guard"), "new");
  EXPECT_TRUE(ApplyAll(engine, Guarded("newer")).status.ok());
}

TEST_F(EngineTest, UnconfirmedChangeIsRolledBackAtTheDeadline) {
  host.PutFile("/etc/guard", "old");
  Engine engine(host, options);
  Outcome run = ApplyAll(engine, Guarded("new"), std::chrono::milliseconds(50));
  ASSERT_TRUE(run.status.ok()) << run.status;
  EXPECT_EQ(*host.ReadFile("/etc/guard"), "new");
  ASSERT_TRUE(
      Eventually([&] { return !engine.Status().rolled_back().empty(); }));
  EXPECT_EQ(*host.ReadFile("/etc/guard"), "old");
  EXPECT_FALSE(engine.Status().awaiting_confirm());
  EXPECT_NE(engine.Status().rolled_back().find("tguard: restored"),
            std::string::npos)
      << engine.Status().rolled_back();
  EXPECT_FALSE(engine.Confirm());  // Too late.
  // The next Apply is allowed again, and sees the change as not made.
  Outcome again = ApplyAll(engine, Guarded("new"));
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  EXPECT_TRUE(engine.Confirm());
}

TEST_F(EngineTest, ChangeNotConfirmedBeforeARestartIsRolledBackAtStart) {
  host.PutFile("/etc/guard", "old");
  {
    Engine engine(host, options);
    ASSERT_TRUE(ApplyAll(engine, Guarded("new")).status.ok());
    // The agent stops (or dies) here, before any Confirm.
  }
  EXPECT_EQ(*host.ReadFile("/etc/guard"), "new");
  Engine restarted(host, options);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(*host.ReadFile("/etc/guard"), "old");
  EXPECT_NE(restarted.Status().rolled_back().find("stopped before"),
            std::string::npos);
  EXPECT_FALSE(restarted.Confirm());
}

TEST_F(EngineTest, FailedChangeHasNothingToConfirm) {
  host.PutFile("/etc/guard", "old");
  Engine engine(host, options);
  Outcome run = ApplyAll(engine, Guarded("broken"));
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_FAILED), 1);
  EXPECT_FALSE(engine.Status().awaiting_confirm());
  EXPECT_FALSE(host.ReadFile(TestGuard::kKept).ok());
  EXPECT_FALSE(engine.Confirm());
}

TEST_F(EngineTest, UnchangedGuardedKindNeedsNoConfirm) {
  host.PutFile("/etc/guard", "same");
  Engine engine(host, options);
  ASSERT_TRUE(ApplyAll(engine, Guarded("same")).status.ok());
  EXPECT_FALSE(engine.Status().awaiting_confirm());
  EXPECT_FALSE(host.ReadFile(TestGuard::kKept).ok());
}

}  // namespace
}  // namespace cairn::agent

namespace cairn::agent {
namespace {

TEST_F(EngineTest, KindsThatBatchAreAppliedTogetherInDependencyOrder) {
  Installed() = {"d"};
  Batches().clear();
  v1::Catalog c;
  *c.add_resources() = Simple("tpkg", "a");
  v1::Resource source = File("/etc/apt-source", "deb x");
  DependsOn(source, "tpkg", "a");
  *c.add_resources() = source;
  v1::Resource b = Simple("tpkg", "b");  // Needs the source file first.
  DependsOn(b, "tfile", "/etc/apt-source");
  *c.add_resources() = b;
  *c.add_resources() = Simple("tpkg", "c");
  *c.add_resources() = Simple("tpkg", "d");  // Already there.
  Engine engine(host, options);
  Outcome run = ApplyAll(engine, c);
  ASSERT_TRUE(run.status.ok()) << run.status;
  EXPECT_EQ(Batches(), (std::vector<std::string>{"a,c", "b"}));
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_CHANGED), 4);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_UNCHANGED), 1);
  // Converged: nothing is batched the second time.
  Batches().clear();
  EXPECT_EQ(ApplyAll(engine, c).Count(v1::ApplyEvent::OUTCOME_UNCHANGED), 5);
  EXPECT_TRUE(Batches().empty());
}

TEST_F(EngineTest, FailedBatchFailsEachMemberAndSkipsDependents) {
  Installed().clear();
  Batches().clear();
  v1::Catalog c;
  *c.add_resources() = Simple("tpkg", "bad");
  *c.add_resources() = Simple("tpkg", "good");
  v1::Resource conf = File("/etc/good.conf", "x");
  DependsOn(conf, "tpkg", "good");
  *c.add_resources() = conf;
  *c.add_resources() = File("/etc/other.conf", "y");
  Engine engine(host, options);
  Outcome run = ApplyAll(engine, c);
  EXPECT_EQ(Batches(), (std::vector<std::string>{"bad,good"}));
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_FAILED), 2);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_SKIPPED), 1);
  EXPECT_EQ(run.Count(v1::ApplyEvent::OUTCOME_CHANGED), 1);
  for (const v1::ApplyEvent& e : run.events) {
    if (e.outcome() == v1::ApplyEvent::OUTCOME_FAILED) {
      EXPECT_EQ(e.error(), "E: Unable to locate package bad");
    }
  }
  EXPECT_FALSE(host.ReadFile("/etc/good.conf").ok());
  EXPECT_EQ(*host.ReadFile("/etc/other.conf"), "y");
}

}  // namespace
}  // namespace cairn::agent
