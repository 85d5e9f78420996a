#ifndef CAIRN_AGENT_CLIENT_FAKE_AGENT_H_
#define CAIRN_AGENT_CLIENT_FAKE_AGENT_H_

// An agent for the controller's unit tests: serves GetDrift and WatchDrift
// from a scripted queue of drift events on a unix socket, and nothing else.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "proto/cairn/v1/agent.grpc.pb.h"

namespace cairn::agent {

class FakeAgent final : public v1::Agent::Service {
 public:
  // Listens on a fresh unix socket under /tmp (TEST_TMPDIR is too deep for
  // a socket's path).
  FakeAgent() {
    std::string dir = "/tmp/agent.XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    dir_ = dir;
    address_ = "unix:" + dir + "/agent.sock";
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address_, grpc::InsecureServerCredentials());
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr) std::abort();
  }
  ~FakeAgent() override {
    Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Ends every call (a streaming one within 100 ms) and stops serving.
  void Shutdown() {
    if (server_ == nullptr) return;
    ending_ = true;
    server_->Shutdown();
    server_.reset();
  }

  const std::string& address() const { return address_; }

  // What GetDrift answers, but `events` (and `last_seq` when left 0): the
  // queue's.
  void SetResponse(v1::GetDriftResponse response) {
    std::lock_guard<std::mutex> lock(mutex_);
    response_ = std::move(response);
  }
  // Appends an event of `seq` to the queue.
  void Add(uint64_t seq) {
    std::lock_guard<std::mutex> lock(mutex_);
    v1::DriftEvent& e = queue_.emplace_back();
    e.set_seq(seq);
    e.set_state(v1::DriftEvent::STATE_DRIFTED);
  }
  // WatchDrift: after the kept events, end the stream (OK) rather than wait
  // for more until cancelled.
  void EndStreams() { end_streams_ = true; }
  // How many WatchDrift calls ended because the client cancelled them.
  int cancelled() const { return cancelled_; }
  // The after_seq of each GetDrift, in order.
  std::vector<uint64_t> asked() {
    std::lock_guard<std::mutex> lock(mutex_);
    return asked_;
  }

  grpc::Status GetDrift(grpc::ServerContext*,
                        const v1::GetDriftRequest* request,
                        v1::GetDriftResponse* response) override {
    std::lock_guard<std::mutex> lock(mutex_);
    asked_.push_back(request->after_seq());
    *response = response_;
    for (const v1::DriftEvent& e : queue_) {
      if (e.seq() > request->after_seq()) *response->add_events() = e;
    }
    if (!queue_.empty()) {
      response->set_oldest_seq(queue_.front().seq());
      if (response->last_seq() == 0) {
        response->set_last_seq(queue_.back().seq());
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status WatchDrift(grpc::ServerContext* context,
                          const v1::WatchDriftRequest* request,
                          grpc::ServerWriter<v1::DriftEvent>* writer) override {
    uint64_t after = request->after_seq();
    while (!ending_) {
      std::vector<v1::DriftEvent> fresh;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const v1::DriftEvent& e : queue_) {
          if (e.seq() > after) fresh.push_back(e);
        }
      }
      for (const v1::DriftEvent& e : fresh) {
        if (!writer->Write(e)) break;
        after = e.seq();
      }
      if (end_streams_) return grpc::Status::OK;
      if (context->IsCancelled()) {
        ++cancelled_;
        return grpc::Status::CANCELLED;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  }

 private:
  std::string dir_;
  std::string address_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mutex_;
  v1::GetDriftResponse response_;
  std::vector<v1::DriftEvent> queue_;
  std::vector<uint64_t> asked_;
  std::atomic<bool> end_streams_{false};
  std::atomic<bool> ending_{false};
  std::atomic<int> cancelled_{0};
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_CLIENT_FAKE_AGENT_H_
