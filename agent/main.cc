// cairn-agent: applies catalogs on this host for the controller.
//
//   cairn-agent --listen 0.0.0.0:7443 --tls-dir /etc/cairn/tls
//   cairn-agent --unix /run/cairn/agent.sock
//
// Over TCP it requires mutual TLS: /etc/cairn/tls holds ca.pem (the
// fleet's CA, from `cairn ca init`), host.pem and host.key (from `cairn ca
// issue HOST`); a client whose certificate the CA did not sign is refused.
// --insecure serves plain TCP, for tests only, with a warning.
//
//   cairn-agent csr [--tls-dir DIR] [--name NAME]
//
// Enrolment (`cairn bootstrap`): makes DIR/host.key (0600) unless it exists
// and prints a certificate signing request for it; the controller signs it
// and writes back host.pem and ca.pem. The private key never leaves the host.

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "agent/ca/ca.h"
#include "agent/drift/drift.h"
#include "agent/engine/engine.h"
#include "agent/host/host.h"
#include "agent/server/service.h"
#include "base/strings.h"
#include "grpcpp/grpcpp.h"
#include "lang/source/source.h"

namespace {

constexpr char kUsage[] =
    "usage: cairn-agent [--listen HOST:PORT] [--unix PATH] [--tls-dir DIR]\n"
    "                   [--state-dir DIR] [--drift-check-ms N]\n"
    "                   [--drift-events-per-minute N] [--insecure]\n"
    "       cairn-agent csr [--tls-dir DIR] [--name NAME]\n";

void Stop(int) {
  // Shutdown is not async-signal-safe; a helper thread would be cleaner, but
  // systemd's SIGTERM only needs the process to end: exit without flushing.
  _exit(0);
}

// cairn-agent csr: the host's key (made once, kept across re-runs so that a
// bootstrap that failed later can be run again) and a signing request for it
// on stdout.
int Csr(int argc, char** argv) {
  std::string tls_dir = "/etc/cairn/tls";
  std::string name = "cairn-agent";
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 < argc && arg == "--tls-dir") {
      tls_dir = argv[++i];
    } else if (i + 1 < argc && arg == "--name") {
      name = argv[++i];
    } else {
      std::fprintf(stderr, "cairn-agent csr: unknown flag %s\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
  }
  std::string key_path = tls_dir + "/host.key";
  absl::StatusOr<std::string> key = cairn::ReadFile(key_path);
  if (!key.ok()) {
    if (mkdir(tls_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "cairn-agent csr: cannot create %s: %s\n",
                   tls_dir.c_str(), std::strerror(errno));
      return 1;
    }
    key = cairn::agent::NewKey();
    if (key.ok()) {
      // Owner-only from its first byte (WriteFileAtomically's temporary
      // file is made 0600 before anything is written to it).
      absl::Status written = cairn::WriteFileAtomically(key_path, *key, 0600);
      if (!written.ok()) key = written;
    }
  }
  absl::StatusOr<std::string> csr =
      key.ok() ? cairn::agent::MakeSigningRequest(*key, name) : key.status();
  if (!csr.ok()) {
    std::fprintf(stderr, "cairn-agent csr: %s\n",
                 std::string(csr.status().message()).c_str());
    return 1;
  }
  std::fputs(csr->c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "csr") return Csr(argc, argv);
  std::string listen;
  std::string unix_path;
  std::string tls_dir = "/etc/cairn/tls";
  std::string state_dir = "/var/lib/cairn";
  // Overrides every catalog's drift_check_seconds (tests, benchmarks).
  int64_t drift_period_ms = 0;
  // Overrides the drift events allowed per resource per minute (benchmarks
  // that flip one file hundreds of times).
  int drift_events_per_minute = 0;
  bool insecure = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "cairn-agent: %s needs a value\n%s", arg.c_str(),
                     kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--listen") {
      listen = value();
    } else if (arg == "--unix") {
      unix_path = value();
    } else if (arg == "--tls-dir") {
      tls_dir = value();
    } else if (arg == "--state-dir") {
      state_dir = value();
    } else if (arg == "--drift-check-ms") {
      drift_period_ms = std::atoll(value().c_str());
    } else if (arg == "--drift-events-per-minute") {
      drift_events_per_minute = std::atoi(value().c_str());
    } else if (arg == "--insecure") {
      insecure = true;
    } else {
      std::fprintf(stderr, "cairn-agent: unknown flag %s\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
  }
  if (listen.empty() && unix_path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // Few malloc arenas: gRPC's threads would each get one, and an agent
  // idles most of its life; memory is not worth holding on to for speed.
  mallopt(M_ARENA_MAX, 2);
  std::unique_ptr<cairn::agent::Host> host = cairn::agent::MakeLocalHost();
  cairn::agent::EngineOptions options;
  if (!state_dir.empty() && state_dir[0] != '/') {
    // Relative to where the agent was started, as a user means it.
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) {
      std::perror("cairn-agent: getcwd");
      return 2;
    }
    state_dir = std::string(cwd) + "/" + state_dir;
  }
  options.state_dir = state_dir;
  cairn::agent::Engine engine(*host, options);
  if (absl::Status recovered = engine.Recover(); !recovered.ok()) {
    std::fprintf(stderr, "cairn-agent: cannot read the journal: %s\n",
                 std::string(recovered.message()).c_str());
    return 1;
  }
  cairn::agent::DriftOptions drift_options;
  drift_options.state_dir = state_dir;
  if (drift_period_ms > 0) {
    drift_options.period_override = std::chrono::milliseconds(drift_period_ms);
  }
  if (drift_events_per_minute > 0) {
    drift_options.events_per_minute = drift_events_per_minute;
  }
  cairn::agent::DriftWatcher drift(engine, *host, drift_options);
  if (absl::Status started = drift.Start(); !started.ok()) {
    std::fprintf(stderr, "cairn-agent: cannot watch for drift: %s\n",
                 std::string(started.message()).c_str());
    return 1;
  }
  cairn::agent::AgentService service(engine, *host, &drift);
  grpc::ServerBuilder builder;
  if (!listen.empty()) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (insecure) {
      std::fprintf(stderr,
                   "cairn-agent: WARNING: --insecure: serving %s without TLS; "
                   "anyone who reaches it can change this host\n",
                   listen.c_str());
      credentials = grpc::InsecureServerCredentials();
    } else {
      auto ca = cairn::ReadFile(tls_dir + "/ca.pem");
      auto cert = cairn::ReadFile(tls_dir + "/host.pem");
      auto key = cairn::ReadFile(tls_dir + "/host.key");
      for (const auto* file : {&ca, &cert, &key}) {
        if (!file->ok()) {
          std::fprintf(stderr, "cairn-agent: %s\n",
                       std::string(file->status().message()).c_str());
          return 1;
        }
      }
      credentials = cairn::agent::MutualTlsServerCredentials(*ca, *cert, *key);
    }
    builder.AddListeningPort(listen, credentials);
  }
  if (!unix_path.empty()) {
    // Local use: the socket's permissions (root only) are the protection.
    unlink(unix_path.c_str());
    builder.AddListeningPort("unix:" + unix_path,
                             grpc::InsecureServerCredentials());
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "cairn-agent: cannot listen on %s\n",
                 (listen.empty() ? unix_path : listen).c_str());
    return 1;
  }
  if (!unix_path.empty()) chmod(unix_path.c_str(), 0600);
  std::signal(SIGTERM, Stop);
  std::signal(SIGINT, Stop);
  std::fprintf(stderr, "cairn-agent: serving %s%s%s\n", listen.c_str(),
               listen.empty() || unix_path.empty() ? "" : " and ",
               unix_path.c_str());
  server->Wait();
  return 0;
}
