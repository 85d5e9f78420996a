#include "agent/client/client.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/strings.h"
#include "lang/source/source.h"

namespace cairn::agent {

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
  stub_ = v1::Agent::NewStub(NewChannel(false));
}

std::shared_ptr<grpc::Channel> AgentClient::NewChannel(bool fresh_connection) {
  grpc::ChannelArguments args;
  if (!options_.server_name.empty()) {
    args.SetSslTargetNameOverride(options_.server_name);
  }
  // Catalogs of thousands of files exceed gRPC's 4 MiB default.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // A channel of its own, sharing no connection with earlier channels.
  if (fresh_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
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
  SetDeadline(context);
  std::unique_ptr<grpc::ClientReader<v1::ApplyEvent>> reader =
      stub_->Apply(&context, request);
  // Watches `stop` while the events come.
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
  std::thread watcher;
  if (stop != nullptr) {
    watcher = std::thread([&] {
      std::unique_lock<std::mutex> lock(mutex);
      while (!done_changed.wait_for(lock, std::chrono::milliseconds(50),
                                    [&] { return done; })) {
        if (stop->load()) {
          lock.unlock();
          absl::StatusOr<bool> stopping = Stop();
          if (!stopping.ok()) context.TryCancel();  // The agent stops too.
          return;
        }
      }
    });
  }
  v1::ApplyEvent event;
  while (reader->Read(&event)) on_event(event);
  grpc::Status status = reader->Finish();
  if (watcher.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    done_changed.notify_all();
    watcher.join();
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

}  // namespace cairn::agent
