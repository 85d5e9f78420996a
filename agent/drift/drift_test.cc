// The drift watcher on this machine's file system: a real engine and
// providers, real inotify, files under a temporary directory.

#include "agent/drift/drift.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "agent/engine/engine.h"
#include "agent/host/host.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

using ::testing::HasSubstr;

class DriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = getenv("TEST_TMPDIR");
    std::string dir = StrCat(base != nullptr ? base : "/tmp", "/drift_XXXXXX");
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    host_ = MakeLocalHost();
    ASSERT_TRUE(host_->MakeDirectory(Path("state"), 0700, 0, 0).ok());
    ASSERT_TRUE(host_->MakeDirectory(Path("etc"), 0755, 0, 0).ok());
    EngineOptions engine_options;
    engine_options.state_dir = Path("state");
    engine_ = std::make_unique<Engine>(*host_, engine_options);
    options_.state_dir = Path("state");
    options_.debounce = std::chrono::milliseconds(20);
    options_.period_override = std::chrono::seconds(3600);
  }
  void TearDown() override {
    watcher_.reset();
    engine_.reset();
    EXPECT_TRUE(host_->RemoveTree(dir_).ok());
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  v1::Resource File(const std::string& path, const std::string& content,
                    const std::string& on_drift = "") {
    v1::File spec;
    spec.set_path(path);
    spec.set_content(content);
    spec.set_mode("0644");
    v1::Resource r;
    r.set_kind("file");
    r.set_id(path);
    r.mutable_spec()->PackFrom(spec);
    r.set_on_drift(on_drift);
    return r;
  }

  // Applies `catalog` and starts watching it, as the service does.
  void ApplyAndWatch(const v1::Catalog& catalog) {
    if (watcher_ == nullptr) {
      watcher_ = std::make_unique<DriftWatcher>(*engine_, *host_, options_);
      ASSERT_TRUE(watcher_->Start().ok());
    }
    ApplyOptions apply;
    apply.fingerprint_key = "key";
    int64_t before = watcher_->Get(0).last_full_check_ms();
    watcher_->Pause();
    ASSERT_TRUE(
        engine_->Apply(catalog, apply, [](const v1::ApplyEvent&) {}).ok());
    // Time for the watcher to see the apply's own changes, were it to look.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    watcher_->Watch(catalog, "key", {});
    // The full check that follows a Watch: done before the test edits.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (watcher_->Get(0).last_full_check_ms() == before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // The first event after `after` in at most `seconds`.
  std::optional<v1::DriftEvent> Next(uint64_t after, int seconds = 5) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<v1::DriftEvent> events =
          watcher_->Wait(after, std::chrono::milliseconds(200));
      if (!events.empty()) return events.front();
    }
    return std::nullopt;
  }

  void Write(const std::string& path, const std::string& content) {
    std::ofstream(path) << content;
  }

  std::string dir_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<Engine> engine_;
  DriftOptions options_;
  std::unique_ptr<DriftWatcher> watcher_;
};

TEST_F(DriftTest, AnEditIsReportedThenItsRepairResolves) {
  v1::Catalog c;
  c.mutable_host()->set_name("h1");
  *c.add_resources() = File(Path("etc/app.conf"), "port = 80\n");
  ApplyAndWatch(c);
  // The full check at the start finds nothing.
  EXPECT_FALSE(Next(0, 1).has_value());

  auto edited = std::chrono::steady_clock::now();
  Write(Path("etc/app.conf"), "port = 8080\n");
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value()) << "no drift event within 5 s";
  auto latency = std::chrono::steady_clock::now() - edited;
  EXPECT_LT(latency, std::chrono::seconds(2));
  EXPECT_EQ(e->state(), v1::DriftEvent::STATE_DRIFTED);
  EXPECT_EQ(e->noticed_by(), v1::DriftEvent::SOURCE_WATCH);
  EXPECT_EQ(e->host(), "h1");
  EXPECT_EQ(e->diff().resource().id(), Path("etc/app.conf"));
  EXPECT_THAT(e->diff().text_diff(), HasSubstr("+port = 80"));
  EXPECT_THAT(e->diff().text_diff(), HasSubstr("-port = 8080"));
  EXPECT_GT(e->first_seen_ms(), 0);
  v1::GetDriftResponse now = watcher_->Get(0);
  EXPECT_TRUE(now.watching());
  ASSERT_EQ(now.current_size(), 1);

  Write(Path("etc/app.conf"), "port = 80\n");
  std::optional<v1::DriftEvent> resolved = Next(e->seq());
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->state(), v1::DriftEvent::STATE_RESOLVED);
  EXPECT_EQ(resolved->first_seen_ms(), e->first_seen_ms());
  EXPECT_EQ(watcher_->Get(0).current_size(), 0);
}

TEST_F(DriftTest, AnApplyIsNotDrift) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/app.conf"), "v1\n");
  ApplyAndWatch(c);
  v1::Catalog next;
  *next.add_resources() = File(Path("etc/app.conf"), "v2\n");
  ApplyAndWatch(next);
  EXPECT_FALSE(Next(0, 1).has_value())
      << "the apply's own change was taken for drift: "
      << watcher_->Get(0).DebugString();
}

TEST_F(DriftTest, AnApplyResolvesTheDriftItRepairsAtOnce) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/app.conf"), "v1\n");
  ApplyAndWatch(c);
  Write(Path("etc/app.conf"), "hand\n");
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value());
  watcher_->Pause();
  ApplyOptions apply;
  apply.fingerprint_key = "key";
  ASSERT_TRUE(engine_->Apply(c, apply, [](const v1::ApplyEvent&) {}).ok());
  watcher_->Watch(c, "key", {});
  // No wait: Watch itself says it.
  v1::GetDriftResponse now = watcher_->Get(e->seq());
  EXPECT_EQ(now.current_size(), 0);
  ASSERT_EQ(now.events_size(), 1);
  EXPECT_EQ(now.events(0).state(), v1::DriftEvent::STATE_RESOLVED);
  // And the check after it does not say it twice.
  EXPECT_FALSE(Next(now.events(0).seq(), 1).has_value());
}

TEST_F(DriftTest, WhatCannotBeCheckedAnyMoreIsDrift) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/app.conf"), "a\n");
  ApplyAndWatch(c);
  // A directory where the file was: the provider refuses to compare.
  ASSERT_TRUE(host_->Remove(Path("etc/app.conf")).ok());
  ASSERT_TRUE(host_->MakeDirectory(Path("etc/app.conf"), 0755, 0, 0).ok());
  std::optional<v1::DriftEvent> e;
  for (uint64_t after = 0; (e = Next(after)).has_value(); after = e->seq()) {
    if (e->diff().changes_size() > 0 &&
        e->diff().changes(0).field() == "state") {
      break;
    }
  }
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state(), v1::DriftEvent::STATE_DRIFTED);
  EXPECT_THAT(e->diff().changes(0).current(), HasSubstr("cannot be checked"));
}

TEST_F(DriftTest, AChmodIsReported) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/key"), "k\n");
  ApplyAndWatch(c);
  ASSERT_EQ(chmod(Path("etc/key").c_str(), 0666), 0);
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value());
  bool mode = false;
  for (const v1::FieldChange& f : e->diff().changes()) {
    if (f.field() == "mode") {
      mode = true;
      EXPECT_EQ(f.current(), "0666");
      EXPECT_EQ(f.desired(), "0644");
    }
  }
  EXPECT_TRUE(mode) << e->DebugString();
}

TEST_F(DriftTest, HealPutsItBackAndSaysSo) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/motd"), "hello\n", "heal");
  ApplyAndWatch(c);
  Write(Path("etc/motd"), "defaced\n");
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state(), v1::DriftEvent::STATE_HEALED);
  EXPECT_EQ(*host_->ReadFile(Path("etc/motd")), "hello\n");
  EXPECT_EQ(watcher_->Get(0).current_size(), 0);
}

TEST_F(DriftTest, HealingIsRateLimited) {
  options_.heals_per_window = 2;
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/fought"), "ours\n", "heal");
  ApplyAndWatch(c);
  uint64_t after = 0;
  int healed = 0;
  std::optional<v1::DriftEvent> held;
  for (int round = 0; round < 4 && !held; ++round) {
    Write(Path("etc/fought"), StrCat("theirs ", round, "\n"));
    std::optional<v1::DriftEvent> e = Next(after);
    ASSERT_TRUE(e.has_value()) << "round " << round;
    after = e->seq();
    if (e->state() == v1::DriftEvent::STATE_HEALED) ++healed;
    if (e->state() == v1::DriftEvent::STATE_HEAL_FAILED) held = e;
  }
  EXPECT_EQ(healed, 2);
  ASSERT_TRUE(held.has_value());
  EXPECT_THAT(held->error(), HasSubstr("reporting only"));
  EXPECT_THAT(*host_->ReadFile(Path("etc/fought")), HasSubstr("theirs"));
}

TEST_F(DriftTest, EventsSurviveARestart) {
  v1::Catalog c;
  c.mutable_host()->set_name("h1");
  *c.add_resources() = File(Path("etc/a"), "a\n");
  ApplyAndWatch(c);
  Write(Path("etc/a"), "b\n");
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value());

  // A new agent on the same state directory: the event is still there,
  // still current, and not reported twice.
  watcher_ = std::make_unique<DriftWatcher>(*engine_, *host_, options_);
  ASSERT_TRUE(watcher_->Start().ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (watcher_->Get(0).last_full_check_ms() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  v1::GetDriftResponse kept = watcher_->Get(0);
  ASSERT_EQ(kept.events_size(), 1);
  EXPECT_EQ(kept.events(0).seq(), e->seq());
  EXPECT_EQ(kept.current_size(), 1);
  std::optional<v1::DriftEvent> again = Next(e->seq(), 1);
  EXPECT_FALSE(again.has_value()) << "reported again: " << again->DebugString()
                                  << "\nfirst: " << e->DebugString();
  // It watches the kept catalog: a repair resolves.
  Write(Path("etc/a"), "a\n");
  std::optional<v1::DriftEvent> resolved = Next(e->seq());
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->state(), v1::DriftEvent::STATE_RESOLVED);
  EXPECT_GT(resolved->seq(), e->seq());
}

TEST_F(DriftTest, ThePeriodicCheckCatchesWhatWatchesMiss) {
  options_.period_override = std::chrono::milliseconds(300);
  v1::Catalog c;
  // In a directory made after the watch was set up: no watch reaches it.
  ASSERT_TRUE(host_->MakeDirectory(Path("late"), 0755, 0, 0).ok());
  *c.add_resources() = File(Path("late/x"), "x\n");
  ApplyAndWatch(c);
  ASSERT_TRUE(host_->RemoveTree(Path("late")).ok());
  std::optional<v1::DriftEvent> e = Next(0);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state(), v1::DriftEvent::STATE_DRIFTED);
}

TEST_F(DriftTest, TheQueueIsBounded) {
  options_.max_events = 10;
  options_.events_per_minute = 100;
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/flip"), "a\n");
  ApplyAndWatch(c);
  uint64_t after = 0;
  for (int i = 0; i < 12; ++i) {
    Write(Path("etc/flip"), i % 2 == 0 ? "b\n" : "a\n");
    std::optional<v1::DriftEvent> e = Next(after);
    ASSERT_TRUE(e.has_value()) << i;
    after = e->seq();
  }
  v1::GetDriftResponse got = watcher_->Get(0);
  EXPECT_LE(got.events_size(), 10);
  EXPECT_GT(got.oldest_seq(), 1u);
  EXPECT_EQ(got.last_seq(), after);
  struct stat st;
  ASSERT_EQ(stat(Path("state/drift.log").c_str(), &st), 0);
  EXPECT_LT(st.st_size, 10 * 4096);
}

TEST_F(DriftTest, ARestlessFileIsRateLimitedThenReported) {
  options_.events_per_minute = 3;
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/restless"), "a\n");
  ApplyAndWatch(c);
  for (int i = 0; i < 12; ++i) {
    Write(Path("etc/restless"), StrCat("x", i, "\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  v1::GetDriftResponse got = watcher_->Get(0);
  EXPECT_LE(got.events_size(), 3) << got.DebugString();
  EXPECT_GE(got.events_size(), 1);
}

TEST_F(DriftTest, AManagedFileIsNotDelayedByABusyNeighbour) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/quiet"), "q\n");
  ApplyAndWatch(c);
  std::atomic<bool> stop{false};
  std::thread noisy([&] {
    int i = 0;
    while (!stop) Write(Path("etc/noisy"), StrCat(i++));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto edited = std::chrono::steady_clock::now();
  Write(Path("etc/quiet"), "changed\n");
  std::optional<v1::DriftEvent> e = Next(0);
  auto latency = std::chrono::steady_clock::now() - edited;
  stop = true;
  noisy.join();
  ASSERT_TRUE(e.has_value());
  // The debounce (20 ms here), not the 5x cap a busy neighbour forced.
  EXPECT_LT(latency, std::chrono::milliseconds(90));
}

TEST_F(DriftTest, ChurnBesideAManagedFileCostsNoEvents) {
  v1::Catalog c;
  *c.add_resources() = File(Path("etc/managed"), "m\n");
  ApplyAndWatch(c);
  // Thousands of changes to other names in the watched directory.
  for (int i = 0; i < 5000; ++i) {
    Write(Path(StrCat("etc/noise", i % 50)), StrCat(i));
  }
  EXPECT_FALSE(Next(0, 1).has_value());
  // And the managed file is still watched.
  Write(Path("etc/managed"), "changed\n");
  EXPECT_TRUE(Next(0).has_value());
}

}  // namespace
}  // namespace cairn::agent
