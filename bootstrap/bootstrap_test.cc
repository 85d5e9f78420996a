// The step logic against a fake host: what bootstrap runs, in what order,
// and where it stops. The real thing (libssh, sshd, apt, systemd) is tested
// by ssh_test against a loopback sshd and by //tests:bootstrap_test against
// booted Debian hosts.

#include "bootstrap/bootstrap.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>

#include "agent/ca/ca.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace cairn::bootstrap {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A Debian host as bootstrap sees it through Run and Upload. Each command
// is answered by the first rule whose key it contains; the tests change
// rules to make a step fail.
class FakeHost {
 public:
  using Rule = std::function<CommandResult(const std::string& command,
                                           std::string_view input)>;

  FakeHost() {
    Set("id -u", Ok("0\n"));
    Set("sudo -n true", Ok(""));
    Set("dpkg-query", [this](const std::string&, std::string_view) {
      return Ok(installed ? "install ok installed 0.1.0" : "")("", "");
    });
    Set("df -Pk",
        Ok("Filesystem 1024-blocks Used Available Capacity Mounted on\n"
           "tmpfs 1024000 0 1024000 0% /tmp\n"
           "/dev/sda1 10000000 0 9000000 0% /\n"
           "/dev/sda1 10000000 0 9000000 0% /\n"));
    Set("mktemp -d", Ok("/tmp/cairn-bootstrap.abc123\n"));
    Set("apt-get update", Ok(""));
    Set("apt-get install", [this](const std::string&, std::string_view) {
      installed = true;
      return Ok("Setting up cairn-agent (0.1.0) ...\n")("", "");
    });
    Set("rm -rf", Ok(""));
    Set(" csr ", [this](const std::string&, std::string_view) {
      if (host_key.empty()) host_key = *agent::NewKey();
      return Ok(*agent::MakeSigningRequest(host_key, "asked"))("", "");
    });
    Set("cat >/etc/cairn/tls/",
        [this](const std::string& command, std::string_view input) {
          std::string path =
              command.substr(command.find("cat >") + 5,
                             command.find(".new") - command.find("cat >") - 5);
          files[path] = std::string(input);
          return Ok("")("", "");
        });
    Set("systemctl daemon-reload",
        [this](const std::string&, std::string_view) {
          started = true;
          return Ok("")("", "");
        });
    Set("journalctl", Ok("active\nlistening on 0.0.0.0:7443\n"));
  }

  static Rule Ok(std::string out) {
    return [out](const std::string&, std::string_view) {
      return CommandResult{0, out, ""};
    };
  }
  static Rule Exit(int status, std::string err) {
    return [status, err](const std::string&, std::string_view) {
      return CommandResult{status, "", err};
    };
  }
  void Set(const std::string& key, Rule rule) {
    for (auto& [k, r] : rules_) {
      if (k == key) {
        r = std::move(rule);
        return;
      }
    }
    rules_.emplace_back(key, std::move(rule));
  }

  CommandResult Run(const std::string& command, std::string_view input) {
    commands.push_back(command);
    for (auto& [key, rule] : rules_) {
      if (command.find(key) != std::string::npos) return rule(command, input);
    }
    ADD_FAILURE() << "unexpected command: " << command;
    return CommandResult{127, "", "not found"};
  }

  // Whether any command run contains `text`.
  bool Ran(std::string_view text) const {
    for (const std::string& c : commands) {
      if (c.find(text) != std::string::npos) return true;
    }
    return false;
  }

  bool installed = false;
  bool started = false;
  std::string host_key;
  std::map<std::string, std::string> files;
  std::map<std::string, std::pair<std::string, int>> uploads;
  std::vector<std::string> commands;
  absl::Status upload_error;

 private:
  std::vector<std::pair<std::string, Rule>> rules_;
};

class FakeRemote : public Remote {
 public:
  explicit FakeRemote(FakeHost& host) : host_(host) {}
  absl::StatusOr<CommandResult> Run(const std::string& command,
                                    std::string_view input) override {
    return host_.Run(command, input);
  }
  absl::Status Upload(const std::string& local_path,
                      const std::string& remote_path, int mode) override {
    if (!host_.upload_error.ok()) return host_.upload_error;
    std::ifstream in(local_path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    host_.uploads[remote_path] = {data, mode};
    return absl::OkStatus();
  }

 private:
  FakeHost& host_;
};

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        StrCat(::testing::TempDir(), "/bootstrap_test_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(
        std::system(StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str()), 0);
    absl::StatusOr<agent::KeyPair> ca = agent::MakeCa("test CA");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    Write("ca.pem", ca_.cert_pem);
    Write("ca.key", ca_.key_pem);
    Write("controller.pem", "cert");
    Write("controller.key", "key");
    Write("cairn-agent.deb", "!<arch>\nthe package");
    options_.ssh.host = "10.0.0.5";
    options_.ssh.user = "root";
    options_.name = "web1";
    options_.alt_names = {"web1", "10.0.0.5"};
    options_.package = dir_ + "/cairn-agent.deb";
    options_.tls_dir = dir_;
    options_.agent_address = "10.0.0.5:7443";
    options_.agent_timeout = std::chrono::seconds(1);

    world_.connect =
        [this](
            const SshOptions& ssh) -> absl::StatusOr<std::unique_ptr<Remote>> {
      ++connects_;
      if (!connect_error_.ok()) return connect_error_;
      return std::unique_ptr<Remote>(new FakeRemote(host_));
    };
    world_.facts = [this](const Options&,
                          std::chrono::seconds) -> absl::StatusOr<std::string> {
      ++facts_calls_;
      // An agent answers once it runs with a certificate for its key.
      if (agent_answers_ ||
          (host_.started && host_.files.count("/etc/cairn/tls/host.pem"))) {
        return std::string("0.1.0");
      }
      return absl::UnavailableError("connection refused");
    };
    world_.sleep = [](std::chrono::milliseconds d) { usleep(d.count() * 100); };
  }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ + "/" + name) << contents;
  }

  Report Run() {
    return Bootstrap(options_, world_, [this](const Options&, Step s, double) {
      done_.push_back(StepName(s));
    });
  }

  std::string dir_;
  agent::KeyPair ca_;
  Options options_;
  World world_;
  FakeHost host_;
  absl::Status connect_error_;
  bool agent_answers_ = false;
  int connects_ = 0;
  int facts_calls_ = 0;
  std::vector<std::string> done_;
};

std::string Describe(const Report& r) {
  return StrCat("failed at ", StepName(r.failed_step), ": ",
                std::string(r.error.message()));
}

TEST_F(BootstrapTest, EnrolsABlankHostStepByStep) {
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kEnrolled) << Describe(r);
  EXPECT_EQ(r.agent_version, "0.1.0");
  EXPECT_THAT(
      done_, ::testing::ElementsAre("prepare", "connect", "privileges", "check",
                                    "disk space", "upload", "install",
                                    "certificate", "start", "wait for agent"));
  // The package went up whole into the private directory, and is gone.
  ASSERT_EQ(host_.uploads.count("/tmp/cairn-bootstrap.abc123/cairn-agent.deb"),
            1u);
  EXPECT_EQ(host_.uploads["/tmp/cairn-bootstrap.abc123/cairn-agent.deb"].first,
            "!<arch>\nthe package");
  EXPECT_TRUE(host_.Ran("rm -rf '/tmp/cairn-bootstrap.abc123'"));
  // As root: nothing goes through sudo.
  EXPECT_FALSE(host_.Ran("sudo -n sh"));
  EXPECT_TRUE(host_.Ran("apt-get install -y"));
  EXPECT_FALSE(host_.Ran("--reinstall"));

  // The certificate is for the key the host made, named as the fleet says.
  ASSERT_EQ(host_.files.count("/etc/cairn/tls/host.pem"), 1u);
  EXPECT_EQ(host_.files["/etc/cairn/tls/ca.pem"], ca_.cert_pem);
  const std::string& pem = host_.files["/etc/cairn/tls/host.pem"];
  BIO* bio = BIO_new_mem_buf(pem.data(), pem.size());
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO* kbio = BIO_new_mem_buf(host_.host_key.data(), host_.host_key.size());
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio, nullptr, nullptr, nullptr);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EXPECT_EQ(X509_check_host(cert, "web1", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "10.0.0.5", 0), 1);
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(bio);
  BIO_free(kbio);
  // Nothing sent to the host is a private key.
  for (const auto& [path, contents] : host_.files) {
    EXPECT_THAT(contents, Not(HasSubstr("PRIVATE KEY"))) << path;
  }
}

TEST_F(BootstrapTest, AnEnrolledHostIsOnlyChecked) {
  host_.installed = true;
  agent_answers_ = true;
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kAlreadyEnrolled) << Describe(r);
  EXPECT_EQ(r.agent_version, "0.1.0");
  EXPECT_EQ(connects_, 1) << "the host key is checked even so";
  EXPECT_THAT(host_.uploads, IsEmpty());
  EXPECT_FALSE(host_.Ran("apt-get install"));
  EXPECT_FALSE(host_.Ran(" csr "));
  EXPECT_FALSE(host_.Ran("systemctl restart"));
}

TEST_F(BootstrapTest, AnAnsweringAgentIsTrustedWithoutSshWhenAsked) {
  agent_answers_ = true;
  options_.trust_answering_agent = true;
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kAlreadyEnrolled) << Describe(r);
  EXPECT_EQ(connects_, 0);
}

TEST_F(BootstrapTest, InstalledButNotAnsweringGetsACertificateAndAStart) {
  // A bootstrap that failed after the install: the re-run does the rest.
  host_.installed = true;
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kEnrolled) << Describe(r);
  EXPECT_FALSE(host_.Ran("apt-get install"));
  EXPECT_TRUE(host_.Ran(" csr "));
  EXPECT_TRUE(host_.started);
}

TEST_F(BootstrapTest, UpgradeReinstallsInPlaceAndKeepsTheCertificate) {
  host_.installed = true;
  agent_answers_ = true;
  options_.upgrade = true;
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kUpgraded) << Describe(r);
  EXPECT_TRUE(host_.Ran("--reinstall"));
  EXPECT_FALSE(host_.Ran(" csr "));
  EXPECT_TRUE(host_.Ran("systemctl restart cairn-agent"));
}

TEST_F(BootstrapTest, ConnectErrorsNameTheirStep) {
  const std::pair<absl::Status, const char*> cases[] = {
      {absl::UnavailableError("10.0.0.5:22: connection refused"), "connect"},
      {absl::FailedPreconditionError("host key of 10.0.0.5:22 is not in"),
       "host key"},
      {absl::PermissionDeniedError("HOST KEY HAS CHANGED"), "host key"},
      {absl::UnauthenticatedError("the server refused the key"),
       "authenticate"},
      {absl::InvalidArgumentError("no key file"), "authenticate"},
  };
  for (const auto& [error, step] : cases) {
    connect_error_ = error;
    Report r = Run();
    EXPECT_EQ(r.outcome, Outcome::kFailed);
    EXPECT_STREQ(StepName(r.failed_step), step) << error;
    EXPECT_EQ(r.error, error);
  }
  EXPECT_THAT(host_.commands, IsEmpty());
}

TEST_F(BootstrapTest, SudoNeedingAPasswordIsRefusedBeforeAnythingChanges) {
  options_.ssh.user = "deploy";
  host_.Set("id -u", FakeHost::Ok("1000\n"));
  host_.Set("sudo -n true",
            FakeHost::Exit(1, "sudo: a password is required\n"));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "privileges");
  EXPECT_EQ(r.error.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("NOPASSWD"));
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("deploy"));
  EXPECT_EQ(host_.commands.size(), 2u) << "nothing runs after the check";
}

TEST_F(BootstrapTest, PasswordlessSudoRunsEverythingAsRoot) {
  options_.ssh.user = "deploy";
  host_.Set("id -u", FakeHost::Ok("1000\n"));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kEnrolled) << Describe(r);
  for (const std::string& c : host_.commands) {
    // Only what changes the host needs root; the check does not.
    if (c.find("apt-get install") != std::string::npos ||
        c.find("systemctl restart") != std::string::npos ||
        c.find(" csr ") != std::string::npos) {
      EXPECT_EQ(c.rfind("sudo -n sh -c '", 0), 0u) << c;
    }
  }
}

TEST_F(BootstrapTest, NotADebianHostWithSystemd) {
  host_.Set("dpkg-query", FakeHost::Exit(3, ""));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "check");
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("systemd"));
}

TEST_F(BootstrapTest, TooLittleDiskStopsBeforeTheUpload) {
  host_.Set(
      "df -Pk",
      FakeHost::Ok("Filesystem 1024-blocks Used Available Capacity Mounted on\n"
                   "tmpfs 1024 1000 24 99% /tmp\n"
                   "/dev/sda1 10000000 0 9000000 0% /\n"
                   "/dev/sda1 10000000 0 9000000 0% /\n"));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "disk space");
  EXPECT_EQ(r.error.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("/tmp has 0.0 MiB"));
  EXPECT_THAT(host_.uploads, IsEmpty());
}

TEST_F(BootstrapTest, OneFilesystemMustHoldWhatEveryPartNeeds) {
  // /var and /usr on one filesystem with 60 MiB: each alone would fit.
  host_.Set(
      "df -Pk",
      FakeHost::Ok("Filesystem 1024-blocks Used Available Capacity Mounted on\n"
                   "tmpfs 1024000 0 1024000 0% /tmp\n"
                   "/dev/sda1 10000000 0 61440 99% /\n"
                   "/dev/sda1 10000000 0 61440 99% /\n"));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "disk space");
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("/ has 60.0 MiB"));
}

TEST_F(BootstrapTest, AptFailingTwiceSaysWhyAndCleansUp) {
  host_.Set("apt-get install",
            FakeHost::Exit(100, "E: Unable to locate package libgrpc++1.51\n"));
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "install");
  EXPECT_THAT(std::string(r.error.message()),
              HasSubstr("Unable to locate package libgrpc++1.51"));
  EXPECT_TRUE(host_.Ran("apt-get update"));
  EXPECT_TRUE(host_.Ran("rm -rf '/tmp/cairn-bootstrap.abc123'"));
  EXPECT_FALSE(host_.Ran("systemctl restart"));
}

TEST_F(BootstrapTest, AptSucceedingAfterAnUpdate) {
  int calls = 0;
  host_.Set("apt-get install", [&](const std::string&, std::string_view) {
    if (++calls == 1) return CommandResult{100, "", "E: no lists"};
    host_.installed = true;
    return CommandResult{0, "", ""};
  });
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kEnrolled) << Describe(r);
  EXPECT_EQ(calls, 2);
}

TEST_F(BootstrapTest, AFailedUploadIsTheUploadStep) {
  host_.upload_error = absl::UnavailableError("sftp: no space left");
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "upload");
  EXPECT_TRUE(host_.Ran("rm -rf '/tmp/cairn-bootstrap.abc123'"));
  EXPECT_FALSE(host_.Ran("apt-get install"));
}

TEST_F(BootstrapTest, AnAgentThatNeverAnswersIsReportedWithItsJournal) {
  world_.facts = [](const Options&,
                    std::chrono::seconds) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("failed to connect to all addresses");
  };
  Report r = Run();
  ASSERT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_STREQ(StepName(r.failed_step), "wait for agent");
  EXPECT_EQ(r.error.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(r.error.message()),
              HasSubstr("failed to connect to all addresses"));
  EXPECT_THAT(std::string(r.error.message()),
              HasSubstr("listening on 0.0.0.0:7443"));
}

TEST_F(BootstrapTest, MissingPackageOrCaStopsBeforeConnecting) {
  options_.package = dir_ + "/nope.deb";
  Report r = Run();
  EXPECT_STREQ(StepName(r.failed_step), "prepare");
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("//agent/packaging"));
  options_.package = dir_ + "/cairn-agent.deb";
  ASSERT_EQ(unlink((dir_ + "/ca.key").c_str()), 0);
  r = Run();
  EXPECT_STREQ(StepName(r.failed_step), "prepare");
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("ca.key"));
  EXPECT_EQ(connects_, 0);
}

TEST_F(BootstrapTest, AllKeepsTheHostsOrder) {
  std::vector<Options> hosts(5, options_);
  for (int i = 0; i < 5; ++i) hosts[i].name = StrCat("web", i);
  agent_answers_ = true;
  std::mutex m;
  world_.facts = [&](const Options& o,
                     std::chrono::seconds) -> absl::StatusOr<std::string> {
    std::lock_guard<std::mutex> lock(m);
    return StrCat("version of ", o.name);
  };
  for (Options& h : hosts) h.trust_answering_agent = true;
  std::vector<Report> reports = BootstrapAll(hosts, 3, world_);
  ASSERT_EQ(reports.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(reports[i].outcome, Outcome::kAlreadyEnrolled);
    EXPECT_EQ(reports[i].agent_version, StrCat("version of web", i));
  }
}

}  // namespace
}  // namespace cairn::bootstrap
