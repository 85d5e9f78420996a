// AgentClient's drift calls against FakeAgent: GetDrift, and WatchDrift's
// stop, end and connect deadline.

#include "agent/client/client.h"

#include <atomic>
#include <chrono>
#include <vector>

#include "agent/client/fake_agent.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

std::unique_ptr<AgentClient> ClientOf(const std::string& address,
                                      int deadline_seconds = 5) {
  ClientOptions options;
  options.address = address;
  options.deadline = std::chrono::seconds(deadline_seconds);
  auto client = AgentClient::Connect(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(AgentClient, GetDriftAsksAfterASeq) {
  FakeAgent agent;
  agent.Add(1);
  agent.Add(2);
  agent.Add(3);
  auto client = ClientOf(agent.address());
  auto drift = client->GetDrift(1);
  ASSERT_TRUE(drift.ok()) << drift.status();
  ASSERT_EQ(drift->events_size(), 2);
  EXPECT_EQ(drift->events(0).seq(), 2u);
  EXPECT_EQ(drift->last_seq(), 3u);
  EXPECT_EQ(agent.asked(), std::vector<uint64_t>{1});
}

TEST(AgentClient, WatchDriftStreamsUntilStopped) {
  FakeAgent agent;
  agent.Add(4);
  agent.Add(5);
  auto client = ClientOf(agent.address());
  std::atomic<bool> stop{false};
  std::vector<uint64_t> seen;
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    agent.Add(6);  // While the stream waits.
  });
  auto start = std::chrono::steady_clock::now();
  absl::Status status = client->WatchDrift(
      4,
      [&](const v1::DriftEvent& e) {
        seen.push_back(e.seq());
        if (e.seq() == 6) stop = true;
      },
      &stop);
  later.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(seen, (std::vector<uint64_t>{5, 6}));
  EXPECT_LT(SecondsSince(start), 3);  // No deadline, but stop is heeded.
  for (int i = 0; i < 100 && agent.cancelled() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(agent.cancelled(), 1);  // The agent saw it cancelled.
}

TEST(AgentClient, WatchDriftThatEndsIsUnavailable) {
  FakeAgent agent;
  agent.Add(1);
  agent.EndStreams();
  auto client = ClientOf(agent.address());
  int seen = 0;
  absl::Status status = client->WatchDrift(
      0, [&](const v1::DriftEvent&) { ++seen; }, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(seen, 1);
}

TEST(AgentClient, WatchDriftGivesUpConnectingAfterTheDeadline) {
  FakeAgent agent;
  std::string address = agent.address();
  agent.Shutdown();
  auto client = ClientOf(address + ".gone", 1);
  auto start = std::chrono::steady_clock::now();
  absl::Status status = client->WatchDrift(
      0, [](const v1::DriftEvent&) {}, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_GE(SecondsSince(start), 0.9);
  EXPECT_LT(SecondsSince(start), 3);
  // Stopped while connecting: at once, and OK.
  std::atomic<bool> stop{true};
  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client
                  ->WatchDrift(
                      0, [](const v1::DriftEvent&) {}, &stop)
                  .ok());
  EXPECT_LT(SecondsSince(start), 0.5);
}

}  // namespace
}  // namespace cairn::agent
