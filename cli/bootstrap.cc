// cairn bootstrap: an agent on a host that has only sshd and a key.
//
//   cairn bootstrap HOST PATH...      HOST as the fleet at PATH declares it
//   cairn bootstrap ADDRESS --tls-dir DIR [--name NAME]
//   cairn bootstrap --all PATH...     every host whose agent does not answer
//
// The steps are bootstrap/bootstrap.h's; this file turns flags and the fleet
// into its Options and prints what happens.

#include "bootstrap/bootstrap.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "cli/fleet_load.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] =
    "usage: cairn bootstrap HOST PATH... | ADDRESS | --all PATH...\n"
    "         [--user USER] [--key FILE] [--port N] [--known-hosts FILE]\n"
    "         [--accept-new] [--upgrade] [--package DEB] [--tls-dir DIR]\n"
    "         [--name NAME] [--agent-port N] [--timeout S] [--parallelism N]"
    "\n         %s\n";

bool Readable(const std::string& path) {
  return !path.empty() && access(path.c_str(), R_OK) == 0;
}

// The agent's .deb: --package, $CAIRN_AGENT_DEB, where a cairn package
// installs it, or beside this binary in a Bazel output tree.
std::string PackagePath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("CAIRN_AGENT_DEB")) return env;
  std::vector<std::string> candidates = {"/usr/share/cairn/cairn-agent.deb"};
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    std::string dir = Dirname(Dirname(exe));
    candidates.push_back(dir + "/agent/packaging/cairn-agent.deb");
  }
  for (const std::string& c : candidates) {
    if (Readable(c)) return c;
  }
  return candidates.front();
}

bootstrap::SshOptions Ssh(const BootstrapFlags& flags,
                          const std::string& address) {
  bootstrap::SshOptions ssh;
  ssh.host = address;
  ssh.port = flags.port;
  ssh.user = flags.user;
  ssh.identity = flags.key;
  ssh.known_hosts = flags.known_hosts;
  ssh.accept_new = flags.accept_new;
  return ssh;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// Bootstraps `hosts`, printing each step as it ends and then one line per
// host; the number that failed.
int Run(const std::vector<bootstrap::Options>& hosts, int parallelism) {
  std::mutex out;
  bool progress = hosts.size() == 1 || isatty(STDERR_FILENO);
  auto on_step = [&](const bootstrap::Options& o, bootstrap::Step step,
                     double seconds) {
    if (!progress) return;
    std::lock_guard<std::mutex> lock(out);
    std::fprintf(stderr, "%s: %s done (%s)\n", o.name.c_str(),
                 bootstrap::StepName(step), Seconds(seconds).c_str());
  };
  std::vector<bootstrap::Report> reports = bootstrap::BootstrapAll(
      hosts, parallelism, bootstrap::RealWorld(), on_step);
  int counts[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < hosts.size(); ++i) {
    const bootstrap::Report& r = reports[i];
    const std::string& name = hosts[i].name;
    ++counts[static_cast<int>(r.outcome)];
    switch (r.outcome) {
      case bootstrap::Outcome::kEnrolled:
        std::fprintf(stderr, "%s: enrolled in %s (agent %s)\n", name.c_str(),
                     Seconds(r.seconds).c_str(), r.agent_version.c_str());
        break;
      case bootstrap::Outcome::kAlreadyEnrolled:
        std::fprintf(stderr, "%s: already enrolled (agent %s answers)\n",
                     name.c_str(), r.agent_version.c_str());
        break;
      case bootstrap::Outcome::kUpgraded:
        std::fprintf(stderr, "%s: upgraded in %s (agent %s)\n", name.c_str(),
                     Seconds(r.seconds).c_str(), r.agent_version.c_str());
        break;
      case bootstrap::Outcome::kFailed:
        std::fprintf(stderr, "%s: failed at step '%s': %s\n", name.c_str(),
                     bootstrap::StepName(r.failed_step),
                     std::string(r.error.message()).c_str());
        break;
    }
  }
  if (hosts.size() > 1) {
    std::fprintf(stderr,
                 "%d enrolled, %d already enrolled, %d upgraded, %d failed\n",
                 counts[0], counts[1], counts[2], counts[3]);
  }
  return counts[static_cast<int>(bootstrap::Outcome::kFailed)];
}

}  // namespace

bool BootstrapFlags::Take(const std::vector<std::string>& a, size_t& i,
                          std::string_view prefix) {
  bool has_value = i + 1 < a.size();
  auto is = [&](std::string_view name) { return a[i] == StrCat(prefix, name); };
  if (is("user") && has_value) return user = a[++i], true;
  if (is("key") && has_value) return key = a[++i], true;
  if (is("port") && has_value) return port = std::atoi(a[++i].c_str()), true;
  if (a[i] == "--known-hosts" && has_value) return known_hosts = a[++i], true;
  if (a[i] == "--accept-new") return accept_new = true;
  if (a[i] == "--package" && has_value) return package = a[++i], true;
  if (prefix != "--") return false;
  if (a[i] == "--upgrade") return upgrade = true;
  if (a[i] == "--timeout" && has_value) {
    return timeout = std::atoi(a[++i].c_str()), true;
  }
  return false;
}

int BootstrapTargets(const Fleet& fleet, const BootstrapFlags& flags,
                     bool trust_answering, int parallelism) {
  std::vector<bootstrap::Options> hosts;
  std::string package = PackagePath(flags.package);
  for (const controller::HostTarget& target : fleet.targets) {
    const v1::Host& host = target.declared.host();
    if (StartsWith(target.agent.address, "unix:")) {
      std::fprintf(stderr, "%s: skipped: its agent is at %s, not over TCP\n",
                   host.name().c_str(), target.agent.address.c_str());
      continue;
    }
    bootstrap::Options o;
    o.ssh = Ssh(flags, host.address());
    o.name = host.name();
    o.alt_names = {host.name(), host.address()};
    o.package = package;
    o.tls_dir = target.agent.tls_dir;
    o.agent_address = target.agent.address;
    o.upgrade = flags.upgrade;
    o.agent_timeout = std::chrono::seconds(flags.timeout);
    o.trust_answering_agent = trust_answering;
    hosts.push_back(std::move(o));
  }
  return Run(hosts, parallelism);
}

int Bootstrap(const std::vector<std::string>& args) {
  CompileFlags flags;
  FleetFlags f;
  BootstrapFlags b;
  bool all = false;
  std::string name;
  int agent_port = 7443;
  if (!ParseCommandLine("bootstrap", args, flags,
                        [&](const std::vector<std::string>& a, size_t& i) {
                          bool has_value = i + 1 < a.size();
                          if (a[i] == "--all") return all = true;
                          if (a[i] == "--name" && has_value)
                            return name = a[++i], true;
                          if (a[i] == "--agent-port" && has_value) {
                            return agent_port = std::atoi(a[++i].c_str()), true;
                          }
                          if (b.Take(a, i, "--")) return true;
                          // --tls-dir, --parallelism, --state.
                          return f.Take(a, i);
                        })) {
    return kExitUsage;
  }
  if (flags.paths.empty() || b.port <= 0 || b.timeout <= 0) {
    std::fprintf(stderr, kUsage, CompileFlags::kUsage);
    return kExitUsage;
  }
  int parallelism = f.parallelism > 0 ? f.parallelism : 10;

  if (!all && flags.paths.size() == 1) {
    // An address, with no fleet configuration.
    std::string address = flags.paths[0];
    std::string tls_dir = f.tls_dir;
    if (tls_dir.empty()) {
      if (const char* env = std::getenv("CAIRN_TLS_DIR")) tls_dir = env;
    }
    if (tls_dir.empty()) {
      return Fail("bootstrap",
                  "bootstrapping an address needs the fleet's CA: "
                  "--tls-dir DIR (or CAIRN_TLS_DIR), or name the host and "
                  "the configuration: cairn bootstrap HOST PATH",
                  kExitUsage);
    }
    bootstrap::Options o;
    o.ssh = Ssh(b, address);
    o.name = name.empty() ? address : name;
    o.alt_names = {o.name, address};
    o.package = PackagePath(b.package);
    o.tls_dir = tls_dir;
    o.agent_address = StrCat(address, ":", agent_port);
    o.upgrade = b.upgrade;
    o.agent_timeout = std::chrono::seconds(b.timeout);
    return Run({o}, 1) == 0 ? kExitOk : kExitFindings;
  }

  if (!all) {
    f.hosts.push_back(flags.paths[0]);
    flags.paths.erase(flags.paths.begin());
  }
  // Bootstrap sends no catalog: no vault password is needed.
  absl::StatusOr<Fleet> fleet = Load(flags, f, /*without_secrets=*/true);
  if (!fleet.ok()) {
    return Fail("bootstrap", std::string(fleet.status().message()));
  }
  if (fleet->targets.empty()) {
    return Fail("bootstrap", "the configuration declares no host");
  }
  int failed =
      BootstrapTargets(*fleet, b, /*trust_answering=*/all, parallelism);
  return failed == 0 ? kExitOk : kExitFindings;
}

}  // namespace cairn::cli
