#include "agent/server/service.h"

#include <ifaddrs.h>
#include <malloc.h>
#include <netdb.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/strings.h"

namespace cairn::agent {
namespace {

constexpr char kAgentVersion[] = "cairn-agent 0.1.0";

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case absl::StatusCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    default:
      break;
  }
  return grpc::Status(code, std::string(s.message()));
}

// The value of KEY= in /etc/os-release text, unquoted.
std::string OsRelease(const std::string& text, std::string_view key) {
  for (std::string_view line : StrSplit(text, '\n')) {
    if (!StartsWith(line, key) || line.size() <= key.size() ||
        line[key.size()] != '=') {
      continue;
    }
    std::string_view value = line.substr(key.size() + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

}  // namespace

v1::HostFacts GatherFacts(Host& host) {
  v1::HostFacts facts;
  facts.set_agent_version(kAgentVersion);
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) facts.set_hostname(name);
  if (absl::StatusOr<std::string> os = host.ReadFile("/etc/os-release");
      os.ok()) {
    facts.set_os_id(OsRelease(*os, "ID"));
    facts.set_os_version(OsRelease(*os, "VERSION_ID"));
  }
  struct utsname u;
  if (uname(&u) == 0) facts.set_arch(u.machine);
  struct sysinfo si;
  if (sysinfo(&si) == 0) {
    facts.set_memory_bytes(static_cast<int64_t>(si.totalram) * si.mem_unit);
  }
  struct ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) == 0) {
    for (struct ifaddrs* a = addrs; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr) continue;
      int family = a->ifa_addr->sa_family;
      if (family != AF_INET && family != AF_INET6) continue;
      char text[NI_MAXHOST];
      socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
                                        : sizeof(struct sockaddr_in6);
      if (getnameinfo(a->ifa_addr, len, text, sizeof text, nullptr, 0,
                      NI_NUMERICHOST) != 0) {
        continue;
      }
      std::string address = text;
      if (address == "127.0.0.1" || address == "::1") continue;
      facts.add_addresses(address);
    }
    freeifaddrs(addrs);
  }
  if (absl::StatusOr<std::string> status =
          host.ReadFile("/var/lib/dpkg/status");
      status.ok()) {
    facts.set_packages_digest(Sha256Hex(*status));
  }
  return facts;
}

grpc::Status AgentService::Facts(grpc::ServerContext*, const v1::FactsRequest*,
                                 v1::HostFacts* response) {
  *response = GatherFacts(host_);
  return grpc::Status::OK;
}

grpc::Status AgentService::Check(grpc::ServerContext*,
                                 const v1::CheckRequest* request,
                                 v1::CheckResponse* response) {
  *response = engine_.Check(request->catalog(), request->fingerprint_key());
  malloc_trim(0);
  return grpc::Status::OK;
}

grpc::Status AgentService::Apply(grpc::ServerContext* context,
                                 const v1::ApplyRequest* request,
                                 grpc::ServerWriter<v1::ApplyEvent>* writer) {
  ApplyOptions options;
  options.fingerprint_key = request->fingerprint_key();
  if (request->confirm_timeout_seconds() > 0) {
    options.confirm_timeout =
        std::chrono::seconds(request->confirm_timeout_seconds());
  }
  // A client that cancels its call (Ctrl-C) or goes away stops the apply
  // between two resources: each resource is applied whole, and a
  // notification owed to one not reached is paid by the next apply.
  options.stop_requested = [context] { return context->IsCancelled(); };
  bool sent = true;
  if (drift_ != nullptr) drift_->Pause();
  std::vector<v1::ResourceRef> not_converged;
  absl::Status status = engine_.Apply(
      request->catalog(), options, [&](const v1::ApplyEvent& event) {
        if (event.outcome() == v1::ApplyEvent::OUTCOME_FAILED ||
            event.outcome() == v1::ApplyEvent::OUTCOME_SKIPPED) {
          not_converged.push_back(event.resource());
        }
        sent = writer->Write(event) && sent;
      });
  // Drift is measured from what this apply left: watch it now (unless the
  // apply never started: busy, a bad catalog).
  if (drift_ != nullptr) {
    if (status.ok() || status.code() != absl::StatusCode::kFailedPrecondition) {
      drift_->Watch(request->catalog(), request->fingerprint_key(),
                    not_converged);
    } else {
      drift_->Resume();
    }
  }
  // Give back what the catalog and its events took: an idle agent should
  // be small.
  malloc_trim(0);
  if (status.ok() && !sent) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the apply finished, but some of its events could not "
                        "be sent; see the agent's log");
  }
  return ToGrpc(status);
}

grpc::Status AgentService::Status(grpc::ServerContext*,
                                  const v1::StatusRequest*,
                                  v1::StatusResponse* response) {
  *response = engine_.Status();
  return grpc::Status::OK;
}

grpc::Status AgentService::GetDrift(grpc::ServerContext*,
                                    const v1::GetDriftRequest* request,
                                    v1::GetDriftResponse* response) {
  if (drift_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this agent does not watch for drift");
  }
  *response = drift_->Get(request->after_seq());
  return grpc::Status::OK;
}

grpc::Status AgentService::WatchDrift(
    grpc::ServerContext* context, const v1::WatchDriftRequest* request,
    grpc::ServerWriter<v1::DriftEvent>* writer) {
  if (drift_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this agent does not watch for drift");
  }
  uint64_t after = request->after_seq();
  while (!context->IsCancelled()) {
    for (const v1::DriftEvent& e :
         drift_->Wait(after, std::chrono::milliseconds(500))) {
      if (!writer->Write(e)) return grpc::Status::OK;
      after = e.seq();
    }
  }
  return grpc::Status::OK;
}

grpc::Status AgentService::Stop(grpc::ServerContext*, const v1::StopRequest*,
                                v1::StopResponse* response) {
  response->set_stopping(engine_.RequestStop());
  return grpc::Status::OK;
}

grpc::Status AgentService::Confirm(grpc::ServerContext*,
                                   const v1::ConfirmRequest*,
                                   v1::ConfirmResponse* response) {
  response->set_confirmed(engine_.Confirm());
  return grpc::Status::OK;
}

std::shared_ptr<grpc::ServerCredentials> MutualTlsServerCredentials(
    const std::string& ca_pem, const std::string& cert_pem,
    const std::string& key_pem) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ca_pem;
  options.pem_key_cert_pairs.push_back({key_pem, cert_pem});
  return grpc::SslServerCredentials(options);
}

}  // namespace cairn::agent
