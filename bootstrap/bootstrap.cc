#include "bootstrap/bootstrap.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <utility>

#include "agent/ca/ca.h"
#include "agent/client/client.h"
#include "base/strings.h"
#include "lang/source/source.h"

namespace cairn::bootstrap {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAgent[] = "/usr/sbin/cairn-agent";
constexpr char kTlsDir[] = "/etc/cairn/tls";
constexpr int64_t kMiB = 1024 * 1024;
// What the agent's libraries take once installed (/usr) and what apt needs
// to download and unpack them (/var), with room to spare: about 20 MiB and
// 8 MiB for Debian 12's gRPC, protobuf and Abseil.
constexpr int64_t kUsrNeeds = 48 * kMiB;
constexpr int64_t kVarNeeds = 32 * kMiB;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The last `n` non-empty lines of `text`, indented, for an error message.
std::string Tail(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  for (std::string_view line : StrSplit(text, '\n')) {
    if (!line.empty()) lines.emplace_back(line);
  }
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - n);
  std::string out;
  for (const std::string& line : lines) StrAppend(&out, "\n    ", line);
  return out;
}

std::string MiB(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / kMiB);
  return buf;
}

// One step's failure.
struct Failure {
  Step step;
  absl::Status status;
};

// The step an SshSession::Connect error belongs to (ssh.h lists the codes).
Step ConnectStep(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return Step::kHostKey;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kInvalidArgument:
      return Step::kAuthenticate;
    default:
      return Step::kConnect;
  }
}

class Bootstrapper {
 public:
  Bootstrapper(const Options& options, const World& world,
               const StepCallback& on_step)
      : options_(options), world_(world), on_step_(on_step) {}

  Report Run() {
    Clock::time_point start = Clock::now();
    absl::StatusOr<Outcome> outcome = Steps();
    report_.seconds = Since(start);
    if (outcome.ok()) {
      report_.outcome = *outcome;
    } else {
      report_.outcome = Outcome::kFailed;
      report_.error = outcome.status();
    }
    return report_;
  }

 private:
  // Runs one step, timing it; a failure records which step it was.
  absl::Status Do(Step step, const std::function<absl::Status()>& body) {
    Clock::time_point start = Clock::now();
    absl::Status status = body();
    double seconds = Since(start);
    report_.steps.emplace_back(step, seconds);
    if (!status.ok()) {
      report_.failed_step = step;
      return status;
    }
    if (on_step_) on_step_(options_, step, seconds);
    return absl::OkStatus();
  }

  std::string Host() const {
    return StrCat(options_.ssh.host, ":", options_.ssh.port);
  }

  // `command` as root: as it is when logged in as root, else through
  // `sudo -n sh -c` (never a password prompt).
  std::string AsRoot(const std::string& command) const {
    if (!use_sudo_) return command;
    return StrCat("sudo -n sh -c ", ShellQuote(command));
  }

  absl::StatusOr<CommandResult> RunOnHost(const std::string& command,
                                          std::string_view input = {}) {
    return remote_->Run(command, input);
  }

  // `command` as root; an error unless it exits 0, with what it printed.
  absl::Status MustRun(const std::string& what, const std::string& command,
                       std::string_view input = {}) {
    absl::StatusOr<CommandResult> r = RunOnHost(AsRoot(command), input);
    if (!r.ok()) return r.status();
    if (r->exit_status != 0) {
      return absl::InternalError(StrCat(Host(), ": ", what, " failed (exit ",
                                        r->exit_status,
                                        "):", Tail(r->err + r->out, 8)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Outcome> Steps() {
    absl::Status status = Do(Step::kPrepare, [&] { return Prepare(); });
    if (!status.ok()) return status;
    if (options_.trust_answering_agent && !options_.upgrade) {
      absl::StatusOr<std::string> version =
          world_.facts(options_, std::chrono::seconds(5));
      if (version.ok()) {
        report_.agent_version = *version;
        return Outcome::kAlreadyEnrolled;
      }
    }
    status = Connect();
    if (!status.ok()) return status;
    status = Do(Step::kPrivileges, [&] { return Privileges(); });
    if (!status.ok()) return status;
    bool installed = false;
    bool answering = false;
    status = Do(Step::kCheck, [&] { return Check(installed, answering); });
    if (!status.ok()) return status;
    if (answering && !options_.upgrade) return Outcome::kAlreadyEnrolled;
    if (!installed || options_.upgrade) {
      status = Install();
      if (!status.ok()) return status;
    }
    // An agent that answered keeps its key and certificate (an upgrade);
    // one that did not gets a certificate for the key it has or makes.
    if (!answering) {
      status = Do(Step::kCertificate, [&] { return Certificate(); });
      if (!status.ok()) return status;
    }
    status = Do(Step::kStart, [&] {
      return MustRun("starting the agent",
                     "systemctl daemon-reload && "
                     "systemctl enable --quiet cairn-agent && "
                     "systemctl restart cairn-agent");
    });
    if (!status.ok()) return status;
    status = Do(Step::kWaitForAgent, [&] { return WaitForAgent(); });
    if (!status.ok()) return status;
    return answering ? Outcome::kUpgraded : Outcome::kEnrolled;
  }

  absl::Status Prepare() {
    struct stat st;
    if (stat(options_.package.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return absl::NotFoundError(
          StrCat("no agent package at ", options_.package,
                 ": build it with `bazel build //agent/packaging:deb` and pass "
                 "--package"));
    }
    package_size_ = st.st_size;
    for (const char* file : {"controller.pem", "controller.key"}) {
      std::string path = StrCat(options_.tls_dir, "/", file);
      if (stat(path.c_str(), &st) != 0) {
        return absl::NotFoundError(
            StrCat(path, " is missing: make it with `cairn ca issue ",
                   options_.tls_dir, " controller --client`"));
      }
    }
    absl::StatusOr<std::string> key = ReadFile(options_.tls_dir + "/ca.key");
    absl::StatusOr<std::string> cert = ReadFile(options_.tls_dir + "/ca.pem");
    if (!key.ok() || !cert.ok()) {
      return absl::NotFoundError(StrCat(
          "signing the host's certificate needs the fleet's CA: ",
          options_.tls_dir, "/ca.pem and ca.key (`cairn ca init ",
          options_.tls_dir, "`): ",
          std::string((key.ok() ? cert.status() : key.status()).message())));
    }
    ca_ = agent::KeyPair{*key, *cert};
    return absl::OkStatus();
  }

  // Connect, host key and authenticate are one libssh call; its error says
  // which of them failed.
  absl::Status Connect() {
    Clock::time_point start = Clock::now();
    absl::StatusOr<std::unique_ptr<Remote>> remote =
        world_.connect(options_.ssh);
    double seconds = Since(start);
    if (!remote.ok()) {
      Step step = ConnectStep(remote.status());
      report_.steps.emplace_back(step, seconds);
      report_.failed_step = step;
      return remote.status();
    }
    remote_ = std::move(*remote);
    report_.steps.emplace_back(Step::kConnect, seconds);
    if (on_step_) on_step_(options_, Step::kConnect, seconds);
    return absl::OkStatus();
  }

  absl::Status Privileges() {
    absl::StatusOr<CommandResult> id = RunOnHost("id -u");
    if (!id.ok()) return id.status();
    if (id->exit_status == 0 && StripNewline(id->out) == "0") {
      return absl::OkStatus();
    }
    absl::StatusOr<CommandResult> sudo = RunOnHost("sudo -n true");
    if (!sudo.ok()) return sudo.status();
    if (sudo->exit_status == 0) {
      use_sudo_ = true;
      return absl::OkStatus();
    }
    std::string said = Tail(sudo->err + sudo->out, 3);
    if (said.find("password") != std::string::npos) {
      return absl::PermissionDeniedError(StrCat(
          Host(), ": ", options_.ssh.user,
          " needs a password for sudo, and bootstrap never types one: let ",
          options_.ssh.user, " use sudo without a password (NOPASSWD) or ",
          "bootstrap as root (--user root); sudo said:", said));
    }
    return absl::PermissionDeniedError(
        StrCat(Host(), ": ", options_.ssh.user,
               " is not root and cannot use sudo; sudo said:", said));
  }

  static std::string StripNewline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  absl::Status Check(bool& installed, bool& answering) {
    absl::StatusOr<CommandResult> r = RunOnHost(
        "command -v apt-get >/dev/null && command -v systemctl >/dev/null && "
        "test -d /run/systemd/system || exit 3; "
        "dpkg-query -W -f='${Status} ${Version}' cairn-agent 2>/dev/null; "
        "exit 0");
    if (!r.ok()) return r.status();
    if (r->exit_status == 3) {
      return absl::FailedPreconditionError(
          StrCat(Host(),
                 " is not a Debian host booted with systemd (apt-get, "
                 "systemctl or /run/systemd/system is missing)"));
    }
    installed = StartsWith(r->out, "install ok installed ");
    if (installed) {
      absl::StatusOr<std::string> version =
          world_.facts(options_, std::chrono::seconds(5));
      answering = version.ok();
      if (answering) report_.agent_version = *version;
    }
    return absl::OkStatus();
  }

  absl::Status Install() {
    absl::Status status = Do(Step::kDiskSpace, [&] { return DiskSpace(); });
    if (!status.ok()) return status;
    status = Do(Step::kUpload, [&] { return Upload(); });
    if (status.ok()) status = Do(Step::kInstall, [&] { return AptInstall(); });
    // The package is not needed any more, whatever happened.
    if (!upload_dir_.empty()) {
      absl::StatusOr<CommandResult> removed =
          RunOnHost(StrCat("rm -rf ", ShellQuote(upload_dir_)));
      (void)removed;
    }
    return status;
  }

  absl::Status DiskSpace() {
    absl::StatusOr<CommandResult> r =
        RunOnHost("df -Pk \"${TMPDIR:-/tmp}\" /var /usr");
    if (!r.ok()) return r.status();
    std::vector<std::string_view> lines = StrSplit(r->out, '\n');
    // Filesystem 1024-blocks Used Available Capacity Mounted-on, for the
    // temporary directory, /var and /usr in that order.
    std::vector<std::pair<std::string, int64_t>> free_by_line;
    for (size_t i = 1; i < lines.size(); ++i) {
      std::vector<std::string> fields;
      for (std::string_view f : StrSplit(lines[i], ' ')) {
        if (!f.empty()) fields.emplace_back(f);
      }
      if (fields.size() < 6) continue;
      free_by_line.emplace_back(fields[5],
                                std::atoll(fields[3].c_str()) * 1024);
    }
    if (r->exit_status != 0 || free_by_line.size() != 3) {
      return absl::InternalError(
          StrCat(Host(), ": df failed:", Tail(r->err + r->out, 4)));
    }
    const char* what[] = {"the package's upload", "apt's download cache",
                          "the agent and its libraries"};
    int64_t needs[] = {package_size_ + kMiB, kVarNeeds, kUsrNeeds};
    // Several of them may be one filesystem: their needs add up.
    std::map<std::string, int64_t> needed;
    std::map<std::string, std::vector<std::string>> uses;
    std::map<std::string, int64_t> available;
    for (size_t i = 0; i < 3; ++i) {
      const auto& [mount, free] = free_by_line[i];
      needed[mount] += needs[i];
      uses[mount].push_back(what[i]);
      available[mount] = free;
    }
    for (const auto& [mount, need] : needed) {
      if (available[mount] < need) {
        return absl::ResourceExhaustedError(StrCat(
            Host(), ": ", mount, " has ", MiB(available[mount]),
            " free; bootstrap needs ", MiB(need), " there (",
            StrJoin(uses[mount], ", "), "): free some space and run it again"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Upload() {
    // A directory only the logged-in user can read: the package is not a
    // secret, but nobody else should swap it before apt reads it.
    absl::StatusOr<CommandResult> dir =
        RunOnHost("mktemp -d \"${TMPDIR:-/tmp}/cairn-bootstrap.XXXXXX\"");
    if (!dir.ok()) return dir.status();
    if (dir->exit_status != 0) {
      return absl::InternalError(
          StrCat(Host(), ": mktemp failed:", Tail(dir->err + dir->out, 4)));
    }
    upload_dir_ = StripNewline(dir->out);
    return remote_->Upload(options_.package, upload_dir_ + "/cairn-agent.deb",
                           0644);
  }

  absl::Status AptInstall() {
    std::string install = StrCat(
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
        "--no-install-recommends -o DPkg::Lock::Timeout=300 "
        "-o Dpkg::Options::=--force-confdef -o "
        "Dpkg::Options::=--force-confold ",
        options_.upgrade ? "--reinstall " : "",
        ShellQuote(upload_dir_ + "/cairn-agent.deb"));
    absl::StatusOr<CommandResult> r = RunOnHost(AsRoot(install));
    if (!r.ok()) return r.status();
    if (r->exit_status == 0) return absl::OkStatus();
    // A fresh image often has no package lists yet: update once, try again.
    absl::StatusOr<CommandResult> update =
        RunOnHost(AsRoot("apt-get update -q -o DPkg::Lock::Timeout=300"));
    if (!update.ok()) return update.status();
    r = RunOnHost(AsRoot(install));
    if (!r.ok()) return r.status();
    if (r->exit_status == 0) return absl::OkStatus();
    std::string said = r->err.empty() ? r->out : r->err;
    if (update->exit_status != 0) {
      StrAppend(&said, "\n(apt-get update failed too:",
                Tail(update->err + update->out, 3), ")");
    }
    return absl::InternalError(
        StrCat(Host(), ": apt-get install of the agent failed (exit ",
               r->exit_status, "):", Tail(said, 10)));
  }

  absl::Status Certificate() {
    absl::StatusOr<CommandResult> csr =
        RunOnHost(AsRoot(StrCat(kAgent, " csr --tls-dir ", kTlsDir, " --name ",
                                ShellQuote(options_.name))));
    if (!csr.ok()) return csr.status();
    if (csr->exit_status != 0) {
      return absl::InternalError(StrCat(
          Host(), ": cairn-agent csr failed:", Tail(csr->err + csr->out, 4)));
    }
    agent::CertRequest request;
    request.common_name = options_.name;
    request.alt_names = options_.alt_names;
    absl::StatusOr<std::string> cert =
        agent::SignRequest(ca_, csr->out, request);
    if (!cert.ok()) {
      return absl::InvalidArgumentError(
          StrCat(Host(), ": the host's signing request: ",
                 std::string(cert.status().message())));
    }
    for (const auto& [file, contents] :
         {std::pair<std::string, const std::string*>{"host.pem", &*cert},
          {"ca.pem", &ca_.cert_pem}}) {
      std::string path = StrCat(kTlsDir, "/", file);
      absl::Status written =
          MustRun(StrCat("writing ", path),
                  StrCat("umask 022 && cat >", path, ".new && mv -f ", path,
                         ".new ", path),
                  *contents);
      if (!written.ok()) return written;
    }
    return absl::OkStatus();
  }

  absl::Status WaitForAgent() {
    Clock::time_point deadline = Clock::now() + options_.agent_timeout;
    absl::Status last;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::seconds>(
          deadline - Clock::now());
      absl::StatusOr<std::string> version = world_.facts(
          options_,
          std::clamp(left, std::chrono::seconds(1), std::chrono::seconds(5)));
      if (version.ok()) {
        report_.agent_version = *version;
        return absl::OkStatus();
      }
      last = version.status();
      if (Clock::now() >= deadline) break;
      world_.sleep(std::chrono::milliseconds(200));
    }
    std::string said;
    absl::StatusOr<CommandResult> r =
        RunOnHost(AsRoot("systemctl is-active cairn-agent; "
                         "journalctl -u cairn-agent -n 6 --no-pager -o cat"));
    if (r.ok()) said = StrCat("\n  on the host:", Tail(r->out + r->err, 7));
    return absl::DeadlineExceededError(StrCat(
        "the agent did not answer at ", options_.agent_address, " within ",
        options_.agent_timeout.count(), " s (", std::string(last.message()),
        "); a firewall on the way may block its port", said));
  }

  const Options& options_;
  const World& world_;
  const StepCallback& on_step_;
  Report report_;
  agent::KeyPair ca_;
  int64_t package_size_ = 0;
  std::unique_ptr<Remote> remote_;
  bool use_sudo_ = false;
  std::string upload_dir_;
};

}  // namespace

const char* StepName(Step step) {
  switch (step) {
    case Step::kPrepare:
      return "prepare";
    case Step::kConnect:
      return "connect";
    case Step::kHostKey:
      return "host key";
    case Step::kAuthenticate:
      return "authenticate";
    case Step::kPrivileges:
      return "privileges";
    case Step::kCheck:
      return "check";
    case Step::kDiskSpace:
      return "disk space";
    case Step::kUpload:
      return "upload";
    case Step::kInstall:
      return "install";
    case Step::kCertificate:
      return "certificate";
    case Step::kStart:
      return "start";
    case Step::kWaitForAgent:
      return "wait for agent";
  }
  return "?";
}

Report Bootstrap(const Options& options, const World& world,
                 const StepCallback& on_step) {
  return Bootstrapper(options, world, on_step).Run();
}

std::vector<Report> BootstrapAll(const std::vector<Options>& hosts,
                                 int parallelism, const World& world,
                                 const StepCallback& on_step) {
  std::vector<Report> reports(hosts.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < hosts.size(); i = next++) {
      reports[i] = Bootstrap(hosts[i], world, on_step);
    }
  };
  size_t threads = std::min<size_t>(std::max(parallelism, 1), hosts.size());
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
  return reports;
}

World RealWorld() {
  World world;
  world.connect =
      [](const SshOptions& ssh) -> absl::StatusOr<std::unique_ptr<Remote>> {
    absl::StatusOr<std::unique_ptr<SshSession>> session =
        SshSession::Connect(ssh);
    if (!session.ok()) return session.status();
    return std::unique_ptr<Remote>(std::move(*session));
  };
  world.facts =
      [](const Options& options,
         std::chrono::seconds deadline) -> absl::StatusOr<std::string> {
    agent::ClientOptions client;
    client.address = options.agent_address;
    client.tls_dir = options.tls_dir;
    client.server_name = options.name;
    // A fresh connection each time: no backoff inherited from the attempts
    // made while the agent was still starting.
    client.own_connection = true;
    client.deadline = deadline;
    absl::StatusOr<std::unique_ptr<agent::AgentClient>> agent =
        agent::AgentClient::Connect(client);
    if (!agent.ok()) return agent.status();
    absl::StatusOr<v1::HostFacts> facts = (*agent)->Facts();
    if (!facts.ok()) return facts.status();
    // "cairn-agent 0.1.0": the version is what a package would say.
    std::string version = facts->agent_version();
    if (StartsWith(version, "cairn-agent ")) version.erase(0, 12);
    return version;
  };
  world.sleep = [](std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
  };
  return world;
}

}  // namespace cairn::bootstrap
