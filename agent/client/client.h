#ifndef CAIRN_AGENT_CLIENT_CLIENT_H_
#define CAIRN_AGENT_CLIENT_CLIENT_H_

// The controller's side of the agent's service: connects to one
// cairn-agent (over mutual TLS, a unix socket, or plain TCP for tests) and
// runs Facts, Check, Apply (with commit-confirm), Status, and reads its
// drift (GetDrift, WatchDrift).

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
  // A connection of its own rather than one shared with other clients of
  // the same address, so that it inherits no reconnect backoff from their
  // failures (a watch that tries again after its agent went away).
  bool own_connection = false;
  // How long one call may take; Apply of a large catalog takes longest.
  // WatchDrift has no deadline: this bounds only its connecting.
  std::chrono::seconds deadline = std::chrono::seconds(600);
  // How long one Apply may take: a first apply installs every package.
  std::chrono::seconds apply_deadline = std::chrono::seconds(3600);
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

  // The host's drift from its last applied catalog: what differs now, and
  // the events kept after `after_seq` (0: all of them).
  absl::StatusOr<v1::GetDriftResponse> GetDrift(uint64_t after_seq);

  // Streams the drift events after `after_seq` to `on_event`, the kept ones
  // first, then each new one as the agent notices it, until `stop` becomes
  // true (then OK) or the stream ends: the agent went away or stopped
  // (Unavailable, or the call's status). The connection is a new one, with
  // keepalive pings every 5 minutes so that a host gone silent ends the
  // stream; it must be made within the options' deadline, and the stream
  // itself has none.
  absl::Status WatchDrift(
      uint64_t after_seq,
      const std::function<void(const v1::DriftEvent&)>& on_event,
      const std::atomic<bool>* stop);

 private:
  explicit AgentClient(ClientOptions options,
                       std::shared_ptr<grpc::ChannelCredentials> credentials);
  // `fresh_connection`: a connection of its own (Stop, Confirm); `watch`:
  // one that pings the agent when the stream is idle (WatchDrift).
  std::shared_ptr<grpc::Channel> NewChannel(bool fresh_connection,
                                            bool watch = false);
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
