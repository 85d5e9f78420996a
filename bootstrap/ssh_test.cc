// SshSession against a real OpenSSH server: the suite starts /usr/sbin/sshd
// on 127.0.0.1 at a free port, with its own host key and authorized_keys,
// and logs in to it as root. Needs root (sshd does) and the packages
// openssh-server, openssh-sftp-server and openssh-client (tools/setup).

#include "bootstrap/ssh.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace cairn::bootstrap {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSshd[] = "/usr/sbin/sshd";
constexpr char kSftpServer[] = "/usr/lib/openssh/sftp-server";

// The whole file, "" if it cannot be read.
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// Permission bits, or -1 if `path` is not there.
int Mode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777)
                                      : -1;
}

// 0 if `path` is not there.
ino_t Inode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// What /bin/sh -c `command` writes on stdout; `*status` gets its exit
// status.
std::string Shell(const std::string& command, int* status = nullptr) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int rc = pclose(pipe);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

// `count` bytes that do not compress or repeat.
std::string RandomBytes(size_t count) {
  std::mt19937 random(static_cast<unsigned>(count));
  std::string bytes(count, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// A socket on 127.0.0.1 at a port the kernel picks, listening or not, and
// that port.
int LoopbackSocket(bool listen_on_it, int& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      (listen_on_it && listen(fd, 4) != 0) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

// A port nothing listens on now (bound and released: a race with other
// processes, which a test can live with).
int FreePort() {
  int port = 0;
  close(LoopbackSocket(false, port));
  return port;
}

// Whether something accepts connections on 127.0.0.1:`port`.
bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool accepted =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return accepted;
}

// Starts `argv` with stdout and stderr appended to `log`; -1 if it could
// not.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  int error =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

// Terminates a child process and waits for it.
void Stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

// Stops a process started by the test when it goes out of scope.
struct ChildProcess {
  pid_t pid = -1;
  ~ChildProcess() { Stop(pid); }
};

// The fingerprint `ssh-keygen -lf` prints for a public key file.
std::string KeygenFingerprint(const std::string& public_key_file) {
  std::string line = Shell(StrCat("ssh-keygen -lf ", public_key_file));
  std::vector<std::string_view> fields = StrSplit(line, ' ');
  return fields.size() > 1 ? std::string(fields[1]) : "";
}

// "ssh-ed25519 AAAA..." of a public key file, without its comment.
std::string PublicKey(const std::string& public_key_file) {
  std::string line = ReadFile(public_key_file);
  std::vector<std::string_view> fields = StrSplit(line, ' ');
  if (fields.size() < 2) return "";
  return StrCat(fields[0], " ", fields[1]);
}

// The sshd the whole suite talks to, with the keys around it.
struct Server {
  std::string dir;  // Everything below is in it.
  int port = 0;
  pid_t pid = -1;
  std::string host_fingerprint;  // As `ssh-keygen -lf` prints it.
  std::string error;             // Why there is no server.

  std::string Path(std::string_view name) const {
    return StrCat(dir, "/", name);
  }
};

// The keys the tests use, made with ssh-keygen, and authorized_keys; what
// went wrong, or "".
std::string MakeKeys(const Server& server) {
  const char* keys[][3] = {
      {"host_key", "ed25519", ""},
      {"client_key", "ed25519", ""},
      {"other_key", "ed25519", ""},
      {"ecdsa_key", "ecdsa", ""},
      {"encrypted_key", "ed25519", "secret"},
  };
  for (const auto& [name, type, passphrase] : keys) {
    int status = 0;
    std::string out =
        Shell(StrCat("ssh-keygen -q -t ", type, " -N '", passphrase, "' -f ",
                     server.Path(name), " 2>&1"),
              &status);
    if (status != 0) return StrCat("ssh-keygen failed for ", name, ": ", out);
  }
  WriteFile(server.Path("authorized_keys"),
            ReadFile(server.Path("client_key.pub")));
  return "";
}

// sshd_config for `server`.
std::string Config(const Server& server) {
  return StrCat("Port ", server.port,
                "\n"
                "ListenAddress 127.0.0.1\n"
                "HostKey ",
                server.Path("host_key"),
                "\n"
                "PidFile ",
                server.Path("sshd.pid"),
                "\n"
                "AuthorizedKeysFile ",
                server.Path("authorized_keys"),
                "\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "UsePAM no\n"
                "StrictModes no\n"
                "PermitRootLogin prohibit-password\n"
                // Few, so that a channel left open shows soon.
                "MaxSessions 3\n"
                // Not root's: its ~/.bashrc (which bash reads when started
                // by sshd) may take long, and is no business of the test.
                "SetEnv HOME=",
                server.dir,
                "\n"
                "Subsystem sftp ",
                kSftpServer, "\n");
}

// Starts sshd; what went wrong, or "".
std::string StartServer(Server& server) {
  if (geteuid() != 0) {
    return "ssh_test must run as root: sshd, which it starts, needs root";
  }
  for (const char* program : {kSshd, kSftpServer}) {
    if (access(program, X_OK) != 0) {
      return StrCat(program,
                    " is missing: install openssh-server and "
                    "openssh-sftp-server (tools/setup)");
    }
  }
  int status = 0;
  Shell("command -v ssh-keygen ssh-agent ssh-add", &status);
  if (status != 0) {
    return "ssh-keygen, ssh-agent or ssh-add is missing: install "
           "openssh-client (tools/setup)";
  }
  // Short: the agent's unix socket goes in it.
  char dir[] = "/tmp/cairn-ssh-XXXXXX";
  if (mkdtemp(dir) == nullptr) return "cannot make a temporary directory";
  server.dir = dir;
  if (std::string error = MakeKeys(server); !error.empty()) return error;
  server.host_fingerprint = KeygenFingerprint(server.Path("host_key.pub"));
  if (!StartsWith(server.host_fingerprint, "SHA256:")) {
    return StrCat("unexpected ssh-keygen -lf output: ",
                  server.host_fingerprint);
  }
  // sshd's privilege separation directory.
  mkdir("/run/sshd", 0755);
  // The port may be taken between FreePort and sshd's bind: try again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    server.port = FreePort();
    WriteFile(server.Path("sshd_config"), Config(server));
    server.pid = Spawn({kSshd, "-D", "-e", "-f", server.Path("sshd_config")},
                       server.Path("sshd.log"));
    if (server.pid < 0) return StrCat("cannot start ", kSshd);
    bool exited = false;
    for (int wait = 0; wait < 100 && !exited; ++wait) {
      if (Accepts(server.port)) return "";
      exited = waitpid(server.pid, nullptr, WNOHANG) == server.pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) Stop(server.pid);
    server.pid = -1;
  }
  return StrCat("sshd did not start; its log:\n",
                ReadFile(server.Path("sshd.log")));
}

class SshTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unsetenv("SSH_AUTH_SOCK");  // No agent unless a test starts one.
    server_ = new Server;
    server_->error = StartServer(*server_);
  }

  static void TearDownTestSuite() {
    Stop(server_->pid);
    if (!server_->dir.empty()) std::filesystem::remove_all(server_->dir);
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->error.empty()) << server_->error;
    const char* name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = server_->Path(name);
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << dir_;
    known_hosts_ = Path("known_hosts");
  }

  // A file or directory of this test's own.
  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  // "[127.0.0.1]:port", as known_hosts names the server.
  std::string KnownHostsName() const {
    return StrCat("[127.0.0.1]:", server_->port);
  }

  SshOptions Options() const {
    SshOptions options;
    options.host = "127.0.0.1";
    options.port = server_->port;
    options.user = "root";
    options.identity = server_->Path("client_key");
    options.known_hosts = known_hosts_;
    options.timeout = std::chrono::seconds(5);
    return options;
  }

  // Connects with accept_new and `known` as the known_hosts file, which
  // must be left as it is.
  absl::Status ConnectAcceptingNew(const std::string& known) {
    WriteFile(known_hosts_, known);
    SshOptions options = Options();
    options.accept_new = true;
    absl::Status status = SshSession::Connect(options).status();
    EXPECT_EQ(ReadFile(known_hosts_), known);
    return status;
  }

  // A session that knows the server's key already.
  std::unique_ptr<SshSession> Connect() {
    SshOptions options = Options();
    options.accept_new = true;
    absl::StatusOr<std::unique_ptr<SshSession>> session =
        SshSession::Connect(options);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *std::move(session) : nullptr;
  }

  // The names in `dir` of files an upload left behind.
  static std::vector<std::string> Leftovers(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (name.find(".cairn-upload") != std::string::npos) {
        names.push_back(name);
      }
    }
    return names;
  }

  static Server* server_;
  std::string dir_;
  std::string known_hosts_;
};

Server* SshTest::server_ = nullptr;

TEST_F(SshTest, UnknownHostKeyIsRefusedWithItsFingerprint) {
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(Options());
  ASSERT_EQ(session.status().code(), absl::StatusCode::kFailedPrecondition)
      << session.status();
  std::string message(session.status().message());
  EXPECT_THAT(message, HasSubstr(server_->host_fingerprint));
  EXPECT_THAT(message, HasSubstr(StrCat("127.0.0.1:", server_->port)));
  EXPECT_THAT(message, HasSubstr(known_hosts_));
  EXPECT_THAT(message, HasSubstr("--accept-new"));
  EXPECT_FALSE(Exists(known_hosts_));

  // A known_hosts file that knows other hosts only is left as it is.
  std::string others =
      StrCat("example.org ", PublicKey(server_->Path("other_key.pub")), "\n");
  WriteFile(known_hosts_, others);
  session = SshSession::Connect(Options());
  EXPECT_EQ(session.status().code(), absl::StatusCode::kFailedPrecondition)
      << session.status();
  EXPECT_EQ(ReadFile(known_hosts_), others);
}

TEST_F(SshTest, AcceptNewRecordsTheHostKey) {
  SshOptions options = Options();
  options.accept_new = true;
  absl::StatusOr<std::unique_ptr<SshSession>> first =
      SshSession::Connect(options);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->host_key_fingerprint(), server_->host_fingerprint);
  std::string recorded = ReadFile(known_hosts_);
  EXPECT_THAT(recorded,
              HasSubstr(StrCat(KnownHostsName(), " ",
                               PublicKey(server_->Path("host_key.pub")))));

  absl::StatusOr<std::unique_ptr<SshSession>> second =
      SshSession::Connect(Options());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->host_key_fingerprint(), server_->host_fingerprint);
  EXPECT_EQ(ReadFile(known_hosts_), recorded);  // Not recorded twice.
}

TEST_F(SshTest, ChangedHostKeyIsRefusedEvenWithAcceptNew) {
  absl::Status status = ConnectAcceptingNew(
      StrCat("# hosts we know\n", "example.org ",
             PublicKey(server_->Path("host_key.pub")), "\n", KnownHostsName(),
             " ", PublicKey(server_->Path("other_key.pub")), "\n"));
  ASSERT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("HAS CHANGED"));
  EXPECT_THAT(message, HasSubstr(StrCat("line 3 of ", known_hosts_)));
  EXPECT_THAT(message,
              HasSubstr(KeygenFingerprint(server_->Path("other_key.pub"))));
  EXPECT_THAT(message, HasSubstr(server_->host_fingerprint));
  EXPECT_THAT(message, HasSubstr(StrCat("ssh-keygen -f ", known_hosts_, " -R '",
                                        KnownHostsName(), "'")));
}

TEST_F(SshTest, HostKeyOfAnotherTypeIsRefused) {
  // known_hosts has an ECDSA key for the host, which offers ED25519 only.
  absl::Status status = ConnectAcceptingNew(StrCat(
      KnownHostsName(), " ", PublicKey(server_->Path("ecdsa_key.pub")), "\n"));
  ASSERT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(KeygenFingerprint(server_->Path("ecdsa_key.pub"))));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(server_->host_fingerprint));
}

TEST_F(SshTest, KeyTheServerDoesNotKnowIsUnauthenticated) {
  SshOptions options = Options();
  options.accept_new = true;
  options.identity = server_->Path("other_key");
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(options);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kUnauthenticated)
      << session.status();
  std::string message(session.status().message());
  EXPECT_THAT(message, HasSubstr(options.identity));
  EXPECT_THAT(message, HasSubstr("root"));
  EXPECT_THAT(message,
              HasSubstr(KeygenFingerprint(server_->Path("other_key.pub"))));
}

TEST_F(SshTest, UnusableKeyFileIsInvalidArgument) {
  SshOptions options = Options();
  options.accept_new = true;
  // Checked before connecting: found wrong whatever the host does.
  options.port = FreePort();

  options.identity = Path("missing_key");
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(options);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kInvalidArgument)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr(options.identity));
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr("No such file"));

  options.identity = server_->Path("encrypted_key");
  session = SshSession::Connect(options);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kInvalidArgument)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("encrypted"));
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("ssh-add"));

  options.identity = Path("garbage_key");
  WriteFile(options.identity, "not a key\n");
  session = SshSession::Connect(options);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kInvalidArgument)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr(options.identity));
}

TEST_F(SshTest, ConnectionRefusedIsUnavailableAtOnce) {
  SshOptions options = Options();
  options.port = FreePort();
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(session.status().code(), absl::StatusCode::kUnavailable)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()), HasSubstr("refused"));
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr(StrCat("127.0.0.1:", options.port)));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST_F(SshTest, SilentServerIsUnavailableAfterTheTimeout) {
  // A socket that accepts connections (the kernel does) and never speaks.
  SshOptions options = Options();
  int fd = LoopbackSocket(true, options.port);
  ASSERT_GE(fd, 0);
  options.timeout = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  close(fd);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kUnavailable)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr(StrCat("127.0.0.1:", options.port)));
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(SshTest, AgentKeyAuthenticatesWithoutAKeyFile) {
  SshOptions options = Options();
  options.accept_new = true;
  options.identity = "";
  // Without the agent, root's own key files (if any) are not authorized.
  absl::StatusOr<std::unique_ptr<SshSession>> session =
      SshSession::Connect(options);
  ASSERT_EQ(session.status().code(), absl::StatusCode::kUnauthenticated)
      << session.status();
  EXPECT_THAT(std::string(session.status().message()),
              HasSubstr("SSH_AUTH_SOCK"));

  std::string socket = Path("agent.sock");
  ChildProcess agent{
      Spawn({"/usr/bin/ssh-agent", "-D", "-a", socket}, Path("agent.log"))};
  ASSERT_GT(agent.pid, 0);
  for (int wait = 0; wait < 100 && !Exists(socket); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int status = 0;
  std::string out = Shell(StrCat("SSH_AUTH_SOCK=", socket, " ssh-add ",
                                 server_->Path("client_key"), " 2>&1"),
                          &status);
  ASSERT_EQ(status, 0) << out;
  setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
  session = SshSession::Connect(options);
  unsetenv("SSH_AUTH_SOCK");
  ASSERT_TRUE(session.ok()) << session.status();
  absl::StatusOr<CommandResult> result = (*session)->Run("echo in");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "in\n");
}

TEST_F(SshTest, RunSeparatesOutputsAndExitStatus) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  absl::StatusOr<CommandResult> result =
      session->Run("echo out; echo err >&2; exit 3");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_status, 3);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");

  // The session goes on after a failed command; no status for a killed one.
  result = session->Run("kill -9 $$");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_status, -1);
  result = session->Run("echo again");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_status, 0);
  EXPECT_EQ(result->out, "again\n");
  EXPECT_EQ(result->err, "");
}

TEST_F(SshTest, LostConnectionIsUnavailable) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  // The shell's parent is the sshd process that serves this connection.
  absl::StatusOr<CommandResult> result =
      session->Run("echo dying; kill -9 $PPID; sleep 5");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
      << result.status();
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr(StrCat("127.0.0.1:", server_->port)));
  result = session->Run("echo more");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
      << result.status();
  WriteFile(Path("file"), "content\n");
  absl::Status status = session->Upload(Path("file"), Path("copy"), 0644);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

TEST_F(SshTest, RunFeedsInput) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  std::string input = RandomBytes(1 << 20);
  absl::StatusOr<CommandResult> result = session->Run("wc -c", input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "1048576\n");

  // Echoed while it is written: neither side may wait for the other.
  input = RandomBytes(3 << 20);
  result = session->Run("cat", input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_status, 0);
  EXPECT_TRUE(result->out == input) << result->out.size() << " bytes back";

  // A command that reads none of it.
  result = session->Run("echo done", RandomBytes(4 << 20));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "done\n");
}

TEST_F(SshTest, RunCollectsLargeInterleavedOutput) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  absl::StatusOr<CommandResult> result = session->Run(
      "yes out | head -c 5242880 & yes err | head -c 1048576 >&2 & wait");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_status, 0);
  ASSERT_EQ(result->out.size(), 5242880u);
  ASSERT_EQ(result->err.size(), 1048576u);
  std::string out, err;
  while (out.size() < result->out.size()) out += "out\n";
  while (err.size() < result->err.size()) err += "err\n";
  EXPECT_TRUE(result->out == out);
  EXPECT_TRUE(result->err == err);
}

TEST_F(SshTest, ChannelsAreClosedAfterUse) {
  // More than sshd's MaxSessions (3), one after the other.
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<CommandResult> result = session->Run(StrCat("echo ", i));
    ASSERT_TRUE(result.ok()) << i << ": " << result.status();
    EXPECT_EQ(result->out, StrCat(i, "\n"));
  }
  for (int i = 0; i < 4; ++i) {
    WriteFile(Path("local"), StrCat(i));
    absl::Status status = session->Upload(Path("local"), Path("remote"), 0644);
    ASSERT_TRUE(status.ok()) << i << ": " << status;
  }
  EXPECT_EQ(ReadFile(Path("remote")), "3");
}

TEST_F(SshTest, UploadWritesTheWholeFileWithExactPermissions) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  std::string big = RandomBytes(5 << 20);
  WriteFile(Path("big"), big);
  WriteFile(Path("small"), "#!/bin/sh\necho hello\n");
  std::string remote = Path("remote");
  ASSERT_EQ(mkdir(remote.c_str(), 0755), 0);

  absl::Status status =
      session->Upload(Path("big"), StrCat(remote, "/big"), 0600);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(ReadFile(StrCat(remote, "/big")) == big);
  EXPECT_EQ(Mode(StrCat(remote, "/big")), 0600);

  status = session->Upload(Path("small"), StrCat(remote, "/tool"), 0755);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(ReadFile(StrCat(remote, "/tool")), ReadFile(Path("small")));
  EXPECT_EQ(Mode(StrCat(remote, "/tool")), 0755);

  // Not narrowed by the server's umask.
  status = session->Upload(Path("small"), StrCat(remote, "/shared"), 0666);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Mode(StrCat(remote, "/shared")), 0666);

  EXPECT_THAT(Leftovers(remote), IsEmpty());
}

TEST_F(SshTest, UploadReplacesAnExistingFile) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  std::string target = Path("config");
  WriteFile(target, "old\n");
  ino_t old_inode = Inode(target);
  WriteFile(Path("new"), "new\n");

  absl::Status status = session->Upload(Path("new"), target, 0640);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(ReadFile(target), "new\n");
  EXPECT_EQ(Mode(target), 0640);
  EXPECT_NE(Inode(target), old_inode);  // Renamed into place.
  EXPECT_THAT(Leftovers(dir_), IsEmpty());
}

TEST_F(SshTest, FailedUploadLeavesNothingBehind) {
  std::unique_ptr<SshSession> session = Connect();
  ASSERT_NE(session, nullptr);
  WriteFile(Path("file"), "content\n");

  // Into a directory that does not exist.
  absl::Status status =
      session->Upload(Path("file"), Path("missing/file"), 0644);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(Path("missing")));
  EXPECT_FALSE(Exists(Path("missing")));

  // Onto a directory: written, then the rename fails.
  ASSERT_EQ(mkdir(Path("adir").c_str(), 0755), 0);
  status = session->Upload(Path("file"), Path("adir"), 0644);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("is a directory"));
  EXPECT_THAT(Leftovers(dir_), IsEmpty());

  // A local file that is not there.
  status = session->Upload(Path("nothing"), Path("copy"), 0644);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_FALSE(Exists(Path("copy")));

  // The session still works.
  status = session->Upload(Path("file"), Path("copy"), 0644);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(ReadFile(Path("copy")), "content\n");
  absl::StatusOr<CommandResult> result = session->Run("echo fine");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "fine\n");
  EXPECT_THAT(Leftovers(dir_), IsEmpty());
}

}  // namespace
}  // namespace cairn::bootstrap
