#include "agent/client/client.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/strings.h"
#include "lang/source/source.h"

namespace cairn::agent {
namespace {

// Calls `on_stop` once, when `*stop` becomes true, watching it from a
// thread of its own until destroyed. Does nothing for a null `stop`.
class StopWatcher {
 public:
  StopWatcher(const std::atomic<bool>* stop, std::function<void()> on_stop) {
    if (stop == nullptr) return;
    thread_ = std::thread([this, stop, on_stop = std::move(on_stop)] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!done_changed_.wait_for(lock, std::chrono::milliseconds(50),
                                     [&] { return done_; })) {
        if (stop->load()) {
          lock.unlock();
          on_stop();
          return;
        }
      }
    });
  }
  ~StopWatcher() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_changed_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(
    const std::string& ca_pem, const std::string& cert_pem,
    const std::string& key_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  options.pem_cert_chain = cert_pem;
  options.pem_private_key = key_pem;
  return grpc::SslCredentials(options);
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::unique_ptr<AgentClient>> AgentClient::Connect(
    ClientOptions options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("no agent address");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (StartsWith(options.address, "unix:") || options.insecure) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    if (options.tls_dir.empty()) {
      return absl::InvalidArgumentError(
          StrCat("no TLS directory to reach ", options.address,
                 " with: give --tls-dir (ca.pem, controller.pem, "
                 "controller.key from `cairn ca`)"));
    }
    std::string files[3];
    const char* names[3] = {"ca.pem", "controller.pem", "controller.key"};
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::string> file =
          ReadFile(StrCat(options.tls_dir, "/", names[i]));
      if (!file.ok()) return file.status();
      files[i] = *std::move(file);
    }
    credentials = MutualTlsChannelCredentials(files[0], files[1], files[2]);
  }
  return std::unique_ptr<AgentClient>(
      new AgentClient(std::move(options), std::move(credentials)));
}

AgentClient::AgentClient(ClientOptions options,
                         std::shared_ptr<grpc::ChannelCredentials> credentials)
    : options_(std::move(options)), credentials_(std::move(credentials)) {
  stub_ = v1::Agent::NewStub(NewChannel(options_.own_connection));
}

std::shared_ptr<grpc::Channel> AgentClient::NewChannel(bool fresh_connection,
                                                       bool watch) {
  grpc::ChannelArguments args;
  if (!options_.server_name.empty()) {
    args.SetSslTargetNameOverride(options_.server_name);
  }
  // Catalogs of thousands of files exceed gRPC's 4 MiB default.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // A channel of its own, sharing no connection with earlier channels.
  if (fresh_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (watch) {
    // Not more often: servers by default refuse pings closer than 5 min
    // on a connection that sends no data.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 5 * 60 * 1000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  }
  return grpc::CreateCustomChannel(options_.address, credentials_, args);
}

void AgentClient::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
}

absl::StatusOr<v1::HostFacts> AgentClient::Facts() {
  return Unary<v1::HostFacts>([&](auto* context, auto* response) {
    return stub_->Facts(context, v1::FactsRequest(), response);
  });
}

absl::StatusOr<v1::CheckResponse> AgentClient::Check(
    const v1::CheckRequest& request) {
  return Unary<v1::CheckResponse>([&](auto* context, auto* response) {
    return stub_->Check(context, request, response);
  });
}

absl::StatusOr<v1::StatusResponse> AgentClient::Status() {
  return Unary<v1::StatusResponse>([&](auto* context, auto* response) {
    return stub_->Status(context, v1::StatusRequest(), response);
  });
}

absl::Status AgentClient::Apply(
    const v1::ApplyRequest& request,
    const std::function<void(const v1::ApplyEvent&)>& on_event,
    const std::atomic<bool>* stop) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       options_.apply_deadline);
  std::unique_ptr<grpc::ClientReader<v1::ApplyEvent>> reader =
      stub_->Apply(&context, request);
  grpc::Status status;
  {
    StopWatcher watcher(stop, [&] {
      absl::StatusOr<bool> stopping = Stop();
      if (!stopping.ok()) context.TryCancel();  // The agent stops too.
    });
    v1::ApplyEvent event;
    while (reader->Read(&event)) on_event(event);
    status = reader->Finish();
  }
  if (status.error_code() == grpc::StatusCode::CANCELLED && stop != nullptr &&
      stop->load()) {
    return absl::CancelledError(
        "interrupted: the agent finishes the resource it was applying and "
        "starts no other");
  }
  return FromGrpc(status);
}

absl::StatusOr<bool> AgentClient::Stop() {
  // A new connection: the Apply's own carries its stream.
  std::unique_ptr<v1::Agent::Stub> stub = v1::Agent::NewStub(NewChannel(true));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::StopResponse response;
  grpc::Status status = stub->Stop(&context, v1::StopRequest(), &response);
  if (!status.ok()) return FromGrpc(status);
  return response.stopping();
}

absl::StatusOr<bool> AgentClient::Confirm(std::chrono::seconds deadline) {
  std::unique_ptr<v1::Agent::Stub> stub = v1::Agent::NewStub(NewChannel(true));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  v1::ConfirmResponse response;
  grpc::Status status =
      stub->Confirm(&context, v1::ConfirmRequest(), &response);
  if (!status.ok()) return FromGrpc(status);
  return response.confirmed();
}

absl::StatusOr<v1::GetDriftResponse> AgentClient::GetDrift(uint64_t after_seq) {
  v1::GetDriftRequest request;
  request.set_after_seq(after_seq);
  return Unary<v1::GetDriftResponse>([&](auto* context, auto* response) {
    return stub_->GetDrift(context, request, response);
  });
}

absl::Status AgentClient::WatchDrift(
    uint64_t after_seq,
    const std::function<void(const v1::DriftEvent&)>& on_event,
    const std::atomic<bool>* stop) {
  std::shared_ptr<grpc::Channel> channel = NewChannel(true, true);
  auto give_up = std::chrono::system_clock::now() + options_.deadline;
  // In slices, so that `stop` is heeded while connecting.
  while (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                    std::chrono::milliseconds(200))) {
    if (stop != nullptr && stop->load()) return absl::OkStatus();
    if (std::chrono::system_clock::now() >= give_up) {
      return absl::UnavailableError(StrCat("cannot connect to ",
                                           options_.address, " within ",
                                           options_.deadline.count(), " s"));
    }
  }
  std::unique_ptr<v1::Agent::Stub> stub = v1::Agent::NewStub(channel);
  grpc::ClientContext context;
  v1::WatchDriftRequest request;
  request.set_after_seq(after_seq);
  std::unique_ptr<grpc::ClientReader<v1::DriftEvent>> reader =
      stub->WatchDrift(&context, request);
  grpc::Status status;
  {
    StopWatcher watcher(stop, [&] { context.TryCancel(); });
    v1::DriftEvent event;
    while (reader->Read(&event)) on_event(event);
    status = reader->Finish();
  }
  if (stop != nullptr && stop->load()) return absl::OkStatus();
  if (status.ok()) {
    return absl::UnavailableError(
        StrCat(options_.address, " ended the watch (the agent stopped?)"));
  }
  return FromGrpc(status);
}

}  // namespace cairn::agent
