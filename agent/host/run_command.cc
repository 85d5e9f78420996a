#include "agent/host/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "base/strings.h"

extern char** environ;

namespace cairn::agent {
namespace {

// $PATH when the agent has none (systemd units usually set one).
constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Blocks SIGPIPE in this thread while it writes to a child's stdin, so a
// child that exits without reading makes write() fail with EPIPE instead of
// killing the agent; a SIGPIPE raised meanwhile is consumed on the way out.
class SigpipeBlocker {
 public:
  SigpipeBlocker() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  ~SigpipeBlocker() {
    if (!was_pending_) {
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      timespec zero = {0, 0};
      while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

absl::StatusOr<int> Wait(pid_t pid) {
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return absl::ErrnoToStatus(errno, "waitpid");
  }
  return ExitCode(wait_status);
}

// Starts `program` with `argv` in a new process group, its stdin, stdout
// and stderr the given pipe ends, every signal at its default disposition
// and none blocked. Returns 0 or the errno of the failed start (glibc
// reports a failed exec too).
int Spawn(const std::string& program, const std::vector<std::string>& argv,
          char* const* envp, int in, int out, int err, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  // Descriptors the agent opened without O_CLOEXEC stay with the agent.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP |
                                            POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attributes, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);

  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int error = posix_spawn(&pid, program.c_str(), &actions, &attributes,
                          args.data(), envp);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

// The agent's environment with `extra` set on top: NAME=VALUE strings, a
// name of `extra` replacing the agent's.
std::vector<std::string> MergeEnvironment(
    const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view variable = *entry;
    std::string name(variable.substr(0, variable.find('=')));
    if (extra.count(name) == 0) out.emplace_back(variable);
  }
  for (const auto& [name, value] : extra)
    out.push_back(StrCat(name, "=", value));
  return out;
}

// A result for a program that never ran, as a shell reports it.
CommandResult NotRun(int exit_code, std::string message) {
  CommandResult result;
  result.exit_code = exit_code;
  result.err = std::move(message);
  return result;
}

}  // namespace

std::string FindProgram(const std::string& program,
                        std::string_view path_list) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return program;
  for (std::string_view dir : StrSplit(path_list, ':')) {
    // An empty entry means the current directory; the agent never wants it.
    if (dir.empty()) continue;
    std::string candidate = StrCat(dir, "/", program);
    struct stat info;
    if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

absl::StatusOr<CommandResult> RunCommand(
    const std::vector<std::string>& argv, std::string_view input,
    absl::Duration timeout,
    const std::map<std::string, std::string>& environment) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("run: empty command");
  }
  for (const auto& [name, value] : environment) {
    // The value is not named: it may be a secret.
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(StrCat(
          "run ", argv[0], ": environment variable '", name,
          "' has an empty name, or a '=' or NUL byte in its name or value"));
    }
  }
  // Built before the child starts: nothing is allocated between fork and
  // exec. Without `environment`, the agent's own, as it is.
  std::vector<std::string> merged;
  std::vector<char*> envp;
  if (!environment.empty()) {
    merged = MergeEnvironment(environment);
    for (std::string& variable : merged) envp.push_back(variable.data());
    envp.push_back(nullptr);
  }
  const char* path_env = getenv("PATH");
  std::string program =
      FindProgram(argv[0], path_env != nullptr ? path_env : kDefaultPath);
  if (program.empty()) {
    return NotRun(127, StrCat(argv[0], ": command not found\n"));
  }

  int fds[6];
  for (int i = 0; i < 6; i += 2) {
    if (pipe2(fds + i, O_CLOEXEC) != 0) {
      int error = errno;
      for (int j = 0; j < i; ++j) close(fds[j]);
      return absl::ErrnoToStatus(error, "pipe2");
    }
  }
  Fd stdin_read(fds[0]), stdin_write(fds[1]);
  Fd stdout_read(fds[2]), stdout_write(fds[3]);
  Fd stderr_read(fds[4]), stderr_write(fds[5]);

  pid_t pid = 0;
  int error =
      Spawn(program, argv, envp.empty() ? environ : envp.data(),
            stdin_read.get(), stdout_write.get(), stderr_write.get(), pid);
  if (error == ENOENT) {
    return NotRun(127, StrCat(argv[0], ": command not found\n"));
  }
  if (error == EACCES || error == ENOEXEC) {
    return NotRun(126, StrCat(argv[0], ": ", strerror(error), "\n"));
  }
  if (error != 0) return absl::ErrnoToStatus(error, StrCat("exec ", program));
  stdin_read.Close();
  stdout_write.Close();
  stderr_write.Close();

  SigpipeBlocker sigpipe_blocker;
  fcntl(stdin_write.get(), F_SETFL, O_NONBLOCK);
  if (input.empty()) stdin_write.Close();

  CommandResult result;
  size_t written = 0;
  absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  char buffer[65536];
  while (stdout_read.get() >= 0 || stderr_read.get() >= 0) {
    pollfd polls[3];
    int count = 0;
    int stdin_index = -1, stdout_index = -1, stderr_index = -1;
    if (stdin_write.get() >= 0) {
      stdin_index = count;
      polls[count++] = {stdin_write.get(), POLLOUT, 0};
    }
    if (stdout_read.get() >= 0) {
      stdout_index = count;
      polls[count++] = {stdout_read.get(), POLLIN, 0};
    }
    if (stderr_read.get() >= 0) {
      stderr_index = count;
      polls[count++] = {stderr_read.get(), POLLIN, 0};
    }
    int wait_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(
          absl::ToInt64Milliseconds(left + absl::Milliseconds(1)), INT_MAX));
    }
    int ready = poll(polls, count, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      kill(-pid, SIGKILL);
      (void)Wait(pid);
      return absl::ErrnoToStatus(error, "poll");
    }
    if (stdin_index >= 0 && polls[stdin_index].revents != 0) {
      ssize_t n = write(stdin_write.get(), input.data() + written,
                        input.size() - written);
      if (n > 0) written += n;
      // EPIPE: the program stopped reading; what it did not take is lost,
      // as in a shell pipeline.
      if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
          written == input.size()) {
        stdin_write.Close();
      }
    }
    auto drain = [&](int index, Fd& fd, std::string& sink) {
      if (index < 0 || polls[index].revents == 0) return;
      ssize_t n = read(fd.get(), buffer, sizeof buffer);
      if (n > 0) {
        sink.append(buffer, n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd.Close();
      }
    };
    drain(stdout_index, stdout_read, result.out);
    drain(stderr_index, stderr_read, result.err);
  }
  stdin_write.Close();

  if (timed_out) {
    // The whole group: a shell's children too. A descendant that left the
    // group may still hold the pipes; they are closed here, not waited on.
    kill(-pid, SIGKILL);
    (void)Wait(pid);
    return absl::DeadlineExceededError(StrCat(StrJoin(argv, " "),
                                              ": killed after running for ",
                                              absl::FormatDuration(timeout)));
  }
  absl::StatusOr<int> exit_code = Wait(pid);
  if (!exit_code.ok()) return exit_code.status();
  result.exit_code = *exit_code;
  return result;
}

}  // namespace cairn::agent
