#ifndef CAIRN_AGENT_CLIENT_CLIENT_H_
#define CAIRN_AGENT_CLIENT_CLIENT_H_

// The controller's side of the agent's service: connects to one
// cairn-agent (over mutual TLS, a unix socket, or plain TCP for tests) and
// runs Facts, Check, Apply (with commit-confirm), Status.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "proto/cairn/v1/agent.grpc.pb.h"

namespace cairn::agent {

struct ClientOptions {
  // "10.0.0.5:7443", "web1.example.org:7443" or "unix:/run/cairn/agent.sock".
  std::string address;
  // For TCP: a directory holding ca.pem (the fleet's CA), controller.pem
  // and controller.key (`cairn ca issue DIR controller --client`).
  std::string tls_dir;
  // The name the agent's certificate must carry, when it is not the host
  // part of `address`.
  std::string server_name;
  // Plain TCP, for tests only.
  bool insecure = false;
  // How long one call may take; Apply of a large catalog takes longest.
  std::chrono::seconds deadline = std::chrono::seconds(600);
};

// A gRPC status as an absl::Status with the same code and message.
absl::Status FromGrpc(const grpc::Status& status);

class AgentClient {
 public:
  // Reads the credentials; the connection itself is made by the first
  // call. InvalidArgument/NotFound for a bad address or missing files.
  static absl::StatusOr<std::unique_ptr<AgentClient>> Connect(
      ClientOptions options);

  absl::StatusOr<v1::HostFacts> Facts();
  absl::StatusOr<v1::CheckResponse> Check(const v1::CheckRequest& request);
  absl::StatusOr<v1::StatusResponse> Status();

  // Streams Apply's events to `on_event`; the status is the call's
  // (FailedPrecondition "busy" when another apply runs).
  // When `stop` becomes true the agent is asked (Stop, over a new
  // connection) to finish the resource it is applying and start no other;
  // the events, the skipped resources included, keep coming to the end.
  absl::Status Apply(const v1::ApplyRequest& request,
                     const std::function<void(const v1::ApplyEvent&)>& on_event,
                     const std::atomic<bool>* stop = nullptr);

  // Confirms a change awaiting it, over a new connection: the one Apply
  // used is let through as established traffic even by a firewall that
  // refuses new connections, so only a new one proves the controller can
  // still reach the host. Returns whether a change was waiting. `deadline`
  // should be well inside the agent's confirm timeout: a host the new rules
  // cut off never answers.
  // Asks the Apply running on the agent to stop between two resources.
  // Returns whether one was running.
  absl::StatusOr<bool> Stop();

  absl::StatusOr<bool> Confirm(
      std::chrono::seconds deadline = std::chrono::seconds(10));

 private:
  explicit AgentClient(ClientOptions options,
                       std::shared_ptr<grpc::ChannelCredentials> credentials);
  std::shared_ptr<grpc::Channel> NewChannel(bool fresh_connection);
  void SetDeadline(grpc::ClientContext& context) const;
  // One unary call, `call(context, response)`, under the deadline.
  template <typename Response, typename Call>
  absl::StatusOr<Response> Unary(const Call& call) {
    grpc::ClientContext context;
    SetDeadline(context);
    Response response;
    grpc::Status status = call(&context, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  ClientOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::unique_ptr<v1::Agent::Stub> stub_;
};

// Client credentials for the controller: its certificate, and the CA that
// must have signed the agent's.
std::shared_ptr<grpc::ChannelCredentials> MutualTlsChannelCredentials(
    const std::string& ca_pem, const std::string& cert_pem,
    const std::string& key_pem);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_CLIENT_CLIENT_H_
