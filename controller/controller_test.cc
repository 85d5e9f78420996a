#include "controller/controller.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "agent/client/fake_agent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Resource File(const std::string& path, bool keep = false) {
  v1::File spec;
  spec.set_path(path);
  spec.set_content("x");
  v1::Resource r;
  r.set_kind("file");
  r.set_id(path);
  r.mutable_spec()->PackFrom(spec);
  r.set_keep(keep);
  return r;
}

v1::Resource Directory(const std::string& path) {
  v1::Directory spec;
  spec.set_path(path);
  v1::Resource r;
  r.set_kind("directory");
  r.set_id(path);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

v1::Resource Package(const std::string& name) {
  v1::Package spec;
  spec.set_name(name);
  v1::Resource r;
  r.set_kind("package");
  r.set_id(name);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

void DependsOn(v1::Resource& r, const v1::Resource& on) {
  v1::ResourceRef* ref = r.add_depends_on();
  ref->set_kind(on.kind());
  ref->set_id(on.id());
}

std::vector<std::string> Ids(const v1::Catalog& c) {
  std::vector<std::string> ids;
  for (const v1::Resource& r : c.resources()) ids.push_back(r.id());
  return ids;
}

TEST(WithRemovals, NothingBeforeTheFirstApply) {
  v1::Catalog declared;
  *declared.add_resources() = File("/a");
  Outgoing out = WithRemovals(declared, nullptr);
  EXPECT_THAT(Ids(out.catalog), ElementsAre("/a"));
  EXPECT_TRUE(out.removals.empty());
  EXPECT_TRUE(out.releases.empty());
}

TEST(WithRemovals, UndeclaredResourcesAreRemovedInReverseOrder) {
  v1::Catalog last;
  v1::Resource dir = Directory("/srv/app");
  v1::Resource file = File("/srv/app/x");
  DependsOn(file, dir);
  *last.add_resources() = dir;
  *last.add_resources() = file;
  *last.add_resources() = File("/kept");
  *last.add_resources() = Package("telnet");
  v1::Catalog declared;
  *declared.add_resources() = File("/kept");

  Outgoing out = WithRemovals(declared, &last);
  EXPECT_THAT(Ids(out.catalog),
              ElementsAre("/srv/app", "/srv/app/x", "telnet", "/kept"));
  ASSERT_EQ(out.removals.size(), 3u);
  // The directory now waits for the file, not the other way round.
  const v1::Resource& removed_dir = out.catalog.resources(0);
  ASSERT_EQ(removed_dir.depends_on_size(), 1);
  EXPECT_EQ(removed_dir.depends_on(0).id(), "/srv/app/x");
  EXPECT_EQ(out.catalog.resources(1).depends_on_size(), 0);
  v1::Directory d;
  ASSERT_TRUE(removed_dir.spec().UnpackTo(&d));
  EXPECT_EQ(d.ensure(), v1::ENSURE_ABSENT);
  v1::Package p;
  ASSERT_TRUE(out.catalog.resources(2).spec().UnpackTo(&p));
  EXPECT_EQ(p.state(), v1::Package::STATE_REMOVED);
  // The kept file is sent as declared.
  v1::File f;
  ASSERT_TRUE(out.catalog.resources(3).spec().UnpackTo(&f));
  EXPECT_EQ(f.ensure(), v1::ENSURE_UNSPECIFIED);
}

TEST(WithRemovals, KeepReleasesInsteadOfRemoving) {
  v1::Catalog last;
  *last.add_resources() = File("/etc/legacy", /*keep=*/true);
  v1::Catalog declared;
  Outgoing out = WithRemovals(declared, &last);
  EXPECT_TRUE(out.catalog.resources().empty());
  ASSERT_EQ(out.releases.size(), 1u);
  EXPECT_EQ(out.releases[0].action(), v1::ResourceDiff::ACTION_RELEASE);
  EXPECT_EQ(out.releases[0].resource().id(), "/etc/legacy");
}

TEST(WithRemovals, DatabasesAndCommandsAreReleasedNotRemoved) {
  // Dropping a database from the configuration must not drop its data;
  // a command cannot be undone. Both are released; a role is removed.
  v1::Catalog last;
  v1::Resource db;
  db.set_kind("postgres_database");
  db.set_id("app");
  v1::PostgresDatabase db_spec;
  db_spec.set_name("app");
  db.mutable_spec()->PackFrom(db_spec);
  *last.add_resources() = db;
  v1::Resource exec;
  exec.set_kind("exec");
  exec.set_id("init");
  v1::Exec exec_spec;
  exec_spec.set_name("init");
  exec_spec.set_command("true");
  exec.mutable_spec()->PackFrom(exec_spec);
  *last.add_resources() = exec;
  v1::Resource role;
  role.set_kind("postgres_role");
  role.set_id("app");
  v1::PostgresRole role_spec;
  role_spec.set_name("app");
  role.mutable_spec()->PackFrom(role_spec);
  *last.add_resources() = role;

  Outgoing out = WithRemovals(v1::Catalog(), &last);
  ASSERT_EQ(out.releases.size(), 2u);
  EXPECT_EQ(out.releases[0].resource().kind(), "postgres_database");
  EXPECT_EQ(out.releases[1].resource().kind(), "exec");
  ASSERT_EQ(out.catalog.resources_size(), 1);
  v1::PostgresRole removed;
  ASSERT_TRUE(out.catalog.resources(0).spec().UnpackTo(&removed));
  EXPECT_EQ(removed.ensure(), v1::ENSURE_ABSENT);
}

TEST(Snapshot, KeepsFailedRemovalsAndHidesSecrets) {
  v1::Catalog last;
  *last.add_resources() = File("/gone");
  *last.add_resources() = File("/stuck");
  v1::Catalog declared;
  v1::Resource secret = File("/etc/key");
  v1::File spec;
  spec.set_path("/etc/key");
  spec.set_content("hunter2");
  secret.mutable_spec()->PackFrom(spec);
  secret.add_secret_fields("content");
  *declared.add_resources() = secret;
  Outgoing out = WithRemovals(declared, &last);
  v1::ResourceRef gone;
  gone.set_kind("file");
  gone.set_id("/gone");
  v1::Catalog snapshot = Snapshot(out, declared, {gone}, "key");
  EXPECT_THAT(Ids(snapshot), ElementsAre("/etc/key", "/stuck"));
  EXPECT_THAT(snapshot.DebugString(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(CatalogDigest, DependsOnContentAndKey) {
  v1::Catalog a;
  *a.add_resources() = File("/a");
  v1::Catalog b = a;
  EXPECT_EQ(CatalogDigest(a, "k"), CatalogDigest(b, "k"));
  EXPECT_NE(CatalogDigest(a, "k"), CatalogDigest(a, "other"));
  *b.add_resources() = File("/b");
  EXPECT_NE(CatalogDigest(a, "k"), CatalogDigest(b, "k"));
  EXPECT_EQ(CatalogDigest(a, "k").size(), 64u);
}

TEST(SerialCount, NumbersAndShares) {
  EXPECT_EQ(*SerialCount("", 10), 0);
  EXPECT_EQ(*SerialCount("2", 10), 2);
  EXPECT_EQ(*SerialCount("25%", 10), 3);
  EXPECT_EQ(*SerialCount("1%", 10), 1);
  EXPECT_FALSE(SerialCount("0", 10).ok());
  EXPECT_FALSE(SerialCount("two", 10).ok());
  EXPECT_FALSE(SerialCount("150%", 10).ok());
}

// Records the order hosts start in and how many run at once.
struct Recorder {
  std::mutex mutex;
  std::vector<int> started;
  int running = 0, peak = 0;
  std::function<bool(int)> Run(std::vector<bool> fails = {}) {
    return [this, fails](int h) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        started.push_back(h);
        peak = std::max(peak, ++running);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mutex);
      --running;
      return fails.empty() || !fails[h];
    };
  }
};

const std::vector<std::string> kNames = {"a", "b", "c", "d", "e", "f"};

TEST(Rollout, AfterIsRespected) {
  Recorder r;
  // b after d, d after f.
  std::vector<std::vector<int>> after = {{}, {3}, {}, {5}, {}, {}};
  auto runs = Rollout(kNames, after, {}, r.Run());
  ASSERT_TRUE(runs.ok()) << runs.status();
  auto pos = [&](int h) {
    return std::find(r.started.begin(), r.started.end(), h) - r.started.begin();
  };
  EXPECT_LT(pos(5), pos(3));
  EXPECT_LT(pos(3), pos(1));
  for (const HostRun& run : *runs) EXPECT_EQ(run.outcome, Outcome::kSucceeded);
}

TEST(Rollout, SerialBatchesBoundConcurrency) {
  Recorder r;
  RolloutOptions options;
  options.serial = 2;
  auto runs =
      Rollout(kNames, std::vector<std::vector<int>>(6), options, r.Run());
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(r.peak, 2);
  EXPECT_THAT(r.started.size(), 6u);
}

TEST(Rollout, ParallelismBoundsConcurrency) {
  Recorder r;
  RolloutOptions options;
  options.parallelism = 3;
  auto runs =
      Rollout(kNames, std::vector<std::vector<int>>(6), options, r.Run());
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(r.peak, 3);
}

TEST(Rollout, MaxFailStopsNewHosts) {
  Recorder r;
  RolloutOptions options;
  options.serial = 1;
  options.max_fail = 1;
  // a and b fail: after the second failure nothing starts.
  auto runs = Rollout(kNames, std::vector<std::vector<int>>(6), options,
                      r.Run({true, true, false, false, false, false}));
  ASSERT_TRUE(runs.ok());
  EXPECT_THAT(r.started, ElementsAre(0, 1));
  EXPECT_EQ((*runs)[0].outcome, Outcome::kFailed);
  EXPECT_EQ((*runs)[2].outcome, Outcome::kNotStarted);
  EXPECT_THAT((*runs)[2].reason, HasSubstr("max_fail = 1"));
}

TEST(Rollout, AFailedHostHoldsBackWhatComesAfterIt) {
  Recorder r;
  std::vector<std::vector<int>> after = {{}, {0}, {1}, {}, {}, {}};
  auto runs = Rollout(kNames, after, {},
                      r.Run({true, false, false, false, false, false}));
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ((*runs)[1].outcome, Outcome::kNotStarted);
  EXPECT_THAT((*runs)[1].reason, HasSubstr("after a, which failed"));
  EXPECT_THAT((*runs)[2].reason, HasSubstr("after b, which did not run"));
  EXPECT_EQ((*runs)[3].outcome, Outcome::kSucceeded);
}

TEST(Rollout, StopStartsNothingNew) {
  std::atomic<bool> stop{false};
  RolloutOptions options;
  options.serial = 1;
  options.stop = &stop;
  std::vector<int> started;
  auto runs =
      Rollout(kNames, std::vector<std::vector<int>>(6), options, [&](int h) {
        started.push_back(h);
        if (h == 1) stop = true;
        return true;
      });
  ASSERT_TRUE(runs.ok());
  EXPECT_THAT(started, ElementsAre(0, 1));
  EXPECT_EQ((*runs)[1].outcome, Outcome::kSucceeded);
  EXPECT_THAT((*runs)[4].reason, HasSubstr("interrupted"));
}

TEST(Rollout, CyclesAreNamed) {
  std::vector<std::vector<int>> after = {{1}, {0}, {}, {}, {}, {}};
  auto runs = Rollout(kNames, after, {}, [](int) { return true; });
  ASSERT_FALSE(runs.ok());
  EXPECT_THAT(std::string(runs.status().message()), HasSubstr("a, b"));
}

TEST(Render, SecretsShowAsChangedNeverAsFingerprints) {
  v1::HostPlan plan;
  plan.set_host("web1");
  plan.set_agent("10.0.0.1:7443");
  plan.set_status(v1::PLAN_STATUS_OK);
  v1::ResourceDiff* d = plan.add_changes();
  d->mutable_resource()->set_kind("file");
  d->mutable_resource()->set_id("/etc/key");
  d->set_action(v1::ResourceDiff::ACTION_UPDATE);
  v1::FieldChange* c = d->add_changes();
  c->set_field("content");
  c->set_current("(secret:1a2b3c4d)");
  c->set_desired("(secret:5e6f7a8b)");
  std::string text = HostPlanText(plan, false);
  EXPECT_THAT(text, HasSubstr("~ file /etc/key"));
  EXPECT_THAT(text, HasSubstr("content: (secret changed)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("1a2b3c4d")));
}

constexpr int64_t kNow = 1'000'000'000'000;  // ms since the epoch.

v1::DriftEvent Event(v1::DriftEvent::State state, const std::string& id,
                     int64_t ago_ms) {
  v1::DriftEvent e;
  e.set_seq(7);
  e.set_host("web");
  e.mutable_diff()->mutable_resource()->set_kind("file");
  e.mutable_diff()->mutable_resource()->set_id(id);
  e.mutable_diff()->set_action(state == v1::DriftEvent::STATE_DRIFTED
                                   ? v1::ResourceDiff::ACTION_UPDATE
                                   : v1::ResourceDiff::ACTION_NONE);
  e.set_state(state);
  e.set_first_seen_ms(kNow - ago_ms);
  e.set_at_ms(kNow - ago_ms);
  e.set_noticed_by(v1::DriftEvent::SOURCE_WATCH);
  return e;
}

void Change(v1::DriftEvent& e, const std::string& field,
            const std::string& current, const std::string& desired) {
  v1::FieldChange* c = e.mutable_diff()->add_changes();
  c->set_field(field);
  c->set_current(current);
  c->set_desired(desired);
}

TEST(Render, HostDrift) {
  v1::HostDrift drift;
  drift.set_host("web");
  drift.set_agent("10.200.0.1:7443");
  drift.set_status(v1::PLAN_STATUS_OK);
  drift.set_watching(true);
  drift.set_last_full_check_ms(kNow - 180'000);
  v1::DriftEvent motd = Event(v1::DriftEvent::STATE_DRIFTED, "/etc/motd", 0);
  motd.set_first_seen_ms(kNow - 12'000);  // Changed again since.
  Change(motd, "content", "hand", "cairn");
  motd.mutable_diff()->set_text_diff(
      "--- /etc/motd\n+++ /etc/motd (desired)\n-hand\n+cairn\n");
  v1::DriftEvent key =
      Event(v1::DriftEvent::STATE_HEAL_FAILED, "/etc/key", 3'600'000);
  key.set_noticed_by(v1::DriftEvent::SOURCE_PERIODIC);
  key.set_error("held back: healed 3 times in 10 min");
  Change(key, "content", "(secret:1a2b3c4d)", "(secret:5e6f7a8b)");
  Change(key, "mode", "0644", "0600");
  *drift.add_current() = motd;
  *drift.add_current() = key;
  v1::DriftEvent resolved =
      Event(v1::DriftEvent::STATE_RESOLVED, "/etc/hosts", 65'000);
  resolved.set_noticed_by(v1::DriftEvent::SOURCE_SERVICE_POLL);
  *drift.add_events() = resolved;
  *drift.add_events() =
      Event(v1::DriftEvent::STATE_HEALED, "/etc/issue", 3 * 86'400'000LL);
  EXPECT_EQ(HostDriftText(drift, kNow, false),
            "host web (10.200.0.1:7443): 2 resources drifted (last full "
            "check 3 min ago)\n"
            "  ! file /etc/motd: drifted 12 s ago (noticed by watch)\n"
            "      --- /etc/motd\n"
            "      +++ /etc/motd (desired)\n"
            "      -hand\n"
            "      +cairn\n"
            "  x file /etc/key: heal failed 60 min ago (noticed by periodic "
            "check): held back: healed 3 times in 10 min\n"
            "      content: (secret changed)\n"
            "      mode: 0644 -> 0600\n"
            "  events since the last look:\n"
            "    = file /etc/hosts: resolved 65 s ago (noticed by service "
            "poll)\n"
            "    * file /etc/issue: healed 3 d ago (noticed by watch)\n");
  EXPECT_THAT(HostDriftText(drift, kNow, false),
              ::testing::Not(HasSubstr("1a2b3c4d")));
}

TEST(Render, DriftHeaders) {
  v1::HostDrift drift;
  drift.set_host("db");
  drift.set_agent("unix:/run/a.sock");
  drift.set_status(v1::PLAN_STATUS_UNREACHABLE);
  drift.set_error("failed to connect to all addresses");
  EXPECT_EQ(HostDriftText(drift, kNow, false),
            "host db (unix:/run/a.sock): UNREACHABLE: failed to connect to "
            "all addresses\n");
  drift.set_status(v1::PLAN_STATUS_ERROR);
  drift.set_error("permission denied");
  EXPECT_EQ(HostDriftText(drift, kNow, false),
            "host db (unix:/run/a.sock): ERROR: permission denied\n");
  drift.set_status(v1::PLAN_STATUS_OK);
  drift.clear_error();
  EXPECT_EQ(HostDriftText(drift, kNow, false),
            "host db (unix:/run/a.sock): not watching (nothing applied "
            "yet)\n");
  drift.set_watching(true);
  drift.set_events_lost(5);
  drift.set_queue_restarted(true);
  EXPECT_EQ(HostDriftText(drift, kNow, false),
            "host db (unix:/run/a.sock): no drift\n"
            "  (its agent's event queue started over: the events read "
            "before are forgotten)\n"
            "  (5 events were dropped from the agent's queue before they "
            "were read)\n");
}

TEST(Render, DriftEventsAsTheyHappen) {
  v1::DriftEvent e = Event(v1::DriftEvent::STATE_DRIFTED, "/etc/motd", 300);
  Change(e, "mode", "0600", "0644");
  EXPECT_EQ(DriftEventText("web", e, kNow, false),
            "web: ! file /etc/motd: drifted just now (noticed by watch)\n"
            "web:       mode: 0600 -> 0644\n");
  EXPECT_EQ(DriftEventText("web", e, kNow, true),
            "web: \033[33m! file /etc/motd\033[0m: drifted just now "
            "(noticed by watch)\n"
            "web:       mode: 0600 -> 0644\n");
  v1::DriftEvent healed = Event(v1::DriftEvent::STATE_HEALED, "/etc/motd", 0);
  Change(healed, "mode", "0600", "0644");  // Not shown: it matches now.
  EXPECT_EQ(DriftEventText("web", healed, kNow, false),
            "web: * file /etc/motd: healed just now (noticed by watch)\n");
}

TEST(Render, DriftSummaryAndPlanNote) {
  v1::DriftReport report;
  v1::HostDrift* web = report.add_hosts();
  web->set_status(v1::PLAN_STATUS_OK);
  web->set_watching(true);
  *web->add_current() = Event(v1::DriftEvent::STATE_DRIFTED, "/a", 0);
  *web->add_current() = Event(v1::DriftEvent::STATE_DRIFTED, "/b", 0);
  v1::HostDrift* fresh = report.add_hosts();
  fresh->set_status(v1::PLAN_STATUS_OK);
  report.add_hosts()->set_status(v1::PLAN_STATUS_UNREACHABLE);
  EXPECT_EQ(DriftSummary(report),
            "Drift: 2 resources drifted on 1 of 3 hosts; 1 not watching; 1 "
            "UNREACHABLE.\n");
  EXPECT_EQ(KnownDriftNote(1, 180),
            "  (1 resource drifted since the last apply, last seen 3 min "
            "ago: cairn drift)\n");
  EXPECT_EQ(DriftStateName(v1::DriftEvent::STATE_HEAL_FAILED), "heal_failed");
  EXPECT_EQ(DriftStateName(v1::DriftEvent::STATE_RESOLVED), "resolved");
  EXPECT_EQ(Ago(999), "just now");
  EXPECT_EQ(Ago(119'999), "119 s ago");
  EXPECT_EQ(Ago(7'199'999), "119 min ago");
  EXPECT_EQ(Ago(7'200'000), "2 h ago");
  EXPECT_EQ(Ago(48 * 3'600'000LL), "2 d ago");
}

TEST(ReadDrift, EventsAfterTheLastSeen) {
  agent::FakeAgent fake;
  v1::GetDriftResponse response;
  response.set_watching(true);
  response.set_catalog_digest("abc");
  *response.add_current() = Event(v1::DriftEvent::STATE_DRIFTED, "/a", 0);
  fake.SetResponse(response);
  for (uint64_t seq = 5; seq <= 8; ++seq) fake.Add(seq);
  DriftTarget target{"web", {}, 6};
  target.agent.address = fake.address();
  DriftTarget gone{"db", {}, 0};
  gone.agent.address = fake.address() + ".gone";
  gone.agent.deadline = std::chrono::seconds(1);
  std::vector<v1::HostDrift> drifts = ReadDrifts({target, gone}, 2);
  ASSERT_EQ(drifts.size(), 2u);
  const v1::HostDrift& web = drifts[0];
  EXPECT_EQ(web.host(), "web");
  EXPECT_EQ(web.agent(), fake.address());
  EXPECT_EQ(web.status(), v1::PLAN_STATUS_OK);
  EXPECT_TRUE(web.watching());
  EXPECT_EQ(web.catalog_digest(), "abc");
  EXPECT_EQ(web.current_size(), 1);
  ASSERT_EQ(web.events_size(), 2);
  EXPECT_EQ(web.events(0).seq(), 7u);
  EXPECT_EQ(web.last_seq(), 8u);
  EXPECT_EQ(web.events_lost(), 0u);
  EXPECT_FALSE(web.queue_restarted());
  EXPECT_EQ(drifts[1].host(), "db");
  EXPECT_EQ(drifts[1].status(), v1::PLAN_STATUS_UNREACHABLE);
  EXPECT_FALSE(drifts[1].error().empty());
}

TEST(ReadDrift, LostEventsAndARestartedQueue) {
  agent::FakeAgent fake;
  fake.Add(10);
  fake.Add(11);
  auto client = agent::AgentClient::Connect({fake.address()});
  ASSERT_TRUE(client.ok()) << client.status();
  // Read up to 4 before: 5 to 9 were dropped from the queue.
  v1::HostDrift drift = ReadDrift(**client, "web", fake.address(), 4);
  EXPECT_EQ(drift.events_lost(), 5u);
  EXPECT_EQ(drift.events_size(), 2);
  // Read up to 30 before: the agent's queue started over.
  drift = ReadDrift(**client, "web", fake.address(), 30);
  EXPECT_TRUE(drift.queue_restarted());
  EXPECT_EQ(drift.events_size(), 2);  // Every event kept.
  EXPECT_EQ(drift.last_seq(), 11u);
  EXPECT_EQ(drift.events_lost(), 0u);
  EXPECT_EQ(fake.asked(), (std::vector<uint64_t>{4, 30, 0}));
}

}  // namespace
}  // namespace cairn::controller
