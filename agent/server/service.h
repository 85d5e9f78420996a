#ifndef CAIRN_AGENT_SERVER_SERVICE_H_
#define CAIRN_AGENT_SERVER_SERVICE_H_

// The gRPC face of the agent (proto/cairn/v1/agent.proto) over the engine,
// and the transport security it is served with.

#include <memory>
#include <string>

#include "agent/drift/drift.h"
#include "agent/engine/engine.h"
#include "agent/host/host.h"
#include "grpcpp/grpcpp.h"
#include "proto/cairn/v1/agent.grpc.pb.h"

namespace cairn::agent {

class AgentService final : public v1::Agent::Service {
 public:
  // `drift` may be null: no drift is watched (tests of the other calls).
  AgentService(Engine& engine, Host& host, DriftWatcher* drift = nullptr)
      : engine_(engine), host_(host), drift_(drift) {}

  grpc::Status Facts(grpc::ServerContext* context,
                     const v1::FactsRequest* request,
                     v1::HostFacts* response) override;
  grpc::Status Check(grpc::ServerContext* context,
                     const v1::CheckRequest* request,
                     v1::CheckResponse* response) override;
  grpc::Status Apply(grpc::ServerContext* context,
                     const v1::ApplyRequest* request,
                     grpc::ServerWriter<v1::ApplyEvent>* writer) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status GetDrift(grpc::ServerContext* context,
                        const v1::GetDriftRequest* request,
                        v1::GetDriftResponse* response) override;
  grpc::Status WatchDrift(grpc::ServerContext* context,
                          const v1::WatchDriftRequest* request,
                          grpc::ServerWriter<v1::DriftEvent>* writer) override;
  grpc::Status Stop(grpc::ServerContext* context,
                    const v1::StopRequest* request,
                    v1::StopResponse* response) override;
  grpc::Status Confirm(grpc::ServerContext* context,
                       const v1::ConfirmRequest* request,
                       v1::ConfirmResponse* response) override;

 private:
  Engine& engine_;
  DriftWatcher* drift_;
  Host& host_;
};

// Facts about the machine `host` runs on.
v1::HostFacts GatherFacts(Host& host);

// Server credentials requiring a client certificate signed by `ca_pem`:
// any other client is refused during the TLS handshake.
std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(
    const std::string& ca_pem, const std::string& cert_pem,
    const std::string& key_pem);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_SERVER_SERVICE_H_
