#ifndef CAIRN_BOOTSTRAP_BOOTSTRAP_H_
#define CAIRN_BOOTSTRAP_BOOTSTRAP_H_

// cairn bootstrap: from a host with nothing but sshd and a key to an
// enrolled agent answering over mutual TLS. Over SSH it checks the host
// key, becomes root (directly or with `sudo -n`), uploads the agent's .deb
// over SFTP and installs it with apt (which pulls its libraries), has the
// agent make its key and a signing request on the host, signs the request
// here with the fleet's CA, installs the certificate, starts the unit and
// waits for the agent's Facts. The private key never leaves the host; no
// secret passes through a temporary file on either side.
//
// Every failure names its step and leaves the host in a state that running
// bootstrap again fixes. Bootstrapping an enrolled host only checks it.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bootstrap/ssh.h"

namespace cairn::bootstrap {

// The steps, in the order they run.
enum class Step {
  kPrepare,       // Here: the package and the CA are readable.
  kConnect,       // TCP and the SSH handshake.
  kHostKey,       // The host's key against known_hosts.
  kAuthenticate,  // The user's key or the ssh-agent.
  kPrivileges,    // Root, or sudo without a password.
  kCheck,         // A Debian host with systemd; is an agent there already?
  kDiskSpace,     // Room for the package, apt's cache and the libraries.
  kUpload,        // The .deb, over SFTP, into a private temporary directory.
  kInstall,       // apt-get install, pulling the agent's dependencies.
  kCertificate,   // Key and request on the host, signed here, installed.
  kStart,         // systemctl enable and restart.
  kWaitForAgent,  // Until the agent answers Facts over mutual TLS.
};

// "host key", "wait for agent": the step as messages name it.
const char* StepName(Step step);

struct Options {
  SshOptions ssh;
  // The name the agent's certificate carries (its common name): the host's
  // name in the fleet, which the controller checks when it connects.
  std::string name;
  // Further names and addresses in the certificate (subject alternative
  // names), usually the host's name and address.
  std::vector<std::string> alt_names;
  // The agent's .deb on this machine (bazel build //agent/packaging:deb).
  std::string package;
  // The fleet's CA and the controller's client certificate: ca.pem, ca.key,
  // controller.pem and controller.key.
  std::string tls_dir;
  // Where the agent will listen: "10.0.0.5:7443".
  std::string agent_address;
  // Installs the package even where an agent answers (in place: the key
  // and certificate stay).
  bool upgrade = false;
  // How long the agent may take to answer once started.
  std::chrono::seconds agent_timeout{60};
  // Reports an answering agent as enrolled without connecting over SSH
  // (`--all`, `apply --bootstrap`); otherwise SSH checks the host key even
  // of an enrolled host.
  bool trust_answering_agent = false;
};

enum class Outcome {
  kEnrolled,         // It had no answering agent; now it has.
  kAlreadyEnrolled,  // Its agent answered; nothing was changed.
  kUpgraded,         // Its agent answered; the package was installed again.
  kFailed,
};

struct Report {
  Outcome outcome = Outcome::kFailed;
  // When failed: the step, and what went wrong, naming the host.
  Step failed_step = Step::kPrepare;
  absl::Status error;
  // The version the answering agent reports.
  std::string agent_version;
  // Wall time of the whole bootstrap, and of each step that ran.
  double seconds = 0;
  std::vector<std::pair<Step, double>> steps;
};

// What Bootstrap reaches the world through: RealWorld() in the command,
// fakes in unit tests.
struct World {
  std::function<absl::StatusOr<std::unique_ptr<Remote>>(const SshOptions&)>
      connect;
  // One Facts call to the agent at options.agent_address over mutual TLS,
  // bounded by `deadline`: the agent's version when it answers.
  std::function<absl::StatusOr<std::string>(const Options& options,
                                            std::chrono::seconds deadline)>
      facts;
  std::function<void(std::chrono::milliseconds)> sleep;
};

// libssh, gRPC and the real clock.
World RealWorld();

// Called as each step ends (from the thread doing the host).
using StepCallback =
    std::function<void(const Options& options, Step step, double seconds)>;

// Bootstraps one host. Never throws; a failure is in the report.
Report Bootstrap(const Options& options, const World& world,
                 const StepCallback& on_step = nullptr);

// Bootstraps every host, `parallelism` at a time; the reports are in the
// order of `hosts`.
std::vector<Report> BootstrapAll(const std::vector<Options>& hosts,
                                 int parallelism, const World& world,
                                 const StepCallback& on_step = nullptr);

}  // namespace cairn::bootstrap

#endif  // CAIRN_BOOTSTRAP_BOOTSTRAP_H_
