#include "controller/controller.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

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

}  // namespace
}  // namespace cairn::controller
