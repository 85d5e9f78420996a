#include "cli/vault_password.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "lang/source/source.h"

namespace cairn::cli {
namespace {

// Set by the signal handler while a prompt waits for input.
volatile sig_atomic_t interrupted_by = 0;

void NoteSignal(int signo) { interrupted_by = signo; }

// Strips "\r" and "\n" at both ends, as ansible strips a script's output.
std::string_view StripLineEnds(std::string_view s) {
  while (!s.empty() && (s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Runs a password script and returns what it printed on stdout. Its stdin
// and stderr are the terminal's, so that it may prompt the user itself.
absl::StatusOr<std::string> RunScript(const PasswordSource& source) {
  // Ansible passes `--vault-id LABEL` to scripts named `*-client[.ext]`.
  std::string base = source.path.substr(source.path.rfind('/') + 1);
  if (size_t dot = base.rfind('.'); dot != std::string::npos && dot > 0) {
    base.resize(dot);
  }
  std::vector<std::string> args = {source.path};
  if (EndsWith(base, "-client") && source.labelled) {
    args.push_back("--vault-id");
    args.push_back(source.label);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(StrCat("cannot run vault password script ",
                                      source.path, ": ", std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid == 0) {
    if (dup2(pipe_fds[1], STDOUT_FILENO) < 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return absl::InternalError(StrCat("cannot run vault password script ",
                                      source.path, ": ", std::strerror(errno)));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, n);
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // The message never includes what the script printed: it may be a
  // password.
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::FailedPreconditionError(
        StrCat("cannot run vault password script ", source.path,
               " (if it is not a script, remove its executable bit)"));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2 && args.size() > 1) {
    return absl::NotFoundError(
        StrCat("vault password client script ", source.path,
               " did not find a secret for vault-id=", source.label));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::FailedPreconditionError(
        StrCat("vault password script ", source.path, " failed (",
               WIFEXITED(status) ? StrCat("exit status ", WEXITSTATUS(status))
                                 : StrCat("signal ", WTERMSIG(status)),
               ")"));
  }
  return std::string(StripLineEnds(out));
}

absl::StatusOr<std::string> LoadFile(const PasswordSource& source) {
  struct stat st;
  if (stat(source.path.c_str(), &st) != 0) {
    return absl::NotFoundError(StrCat("vault password file ", source.path, ": ",
                                      std::strerror(errno)));
  }
  std::string password;
  if (S_ISREG(st.st_mode) && (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
    absl::StatusOr<std::string> out = RunScript(source);
    if (!out.ok()) return out.status();
    password = *std::move(out);
  } else {
    absl::StatusOr<std::string> contents = ReadFile(source.path);
    if (!contents.ok()) return contents.status();
    password = std::string(vault::PasswordFromFile(*contents));
  }
  if (password.empty()) {
    return absl::InvalidArgumentError(
        StrCat("empty vault password from ", source.path));
  }
  return password;
}

absl::StatusOr<std::string> Prompt(const PasswordSource& source, bool confirm) {
  std::string first, second;
  if (source.old_style_prompt) {
    first = confirm ? "New Vault password: " : "Vault password: ";
    second = "Confirm New Vault password: ";
  } else {
    first = StrCat(confirm ? "New vault password (" : "Vault password (",
                   source.label, "): ");
    second = StrCat("Confirm new vault password (", source.label, "): ");
  }
  absl::StatusOr<std::string> answer = ReadFromTerminal(first, false);
  if (!answer.ok()) return answer.status();
  // Ansible strips prompted passwords as it strips password files.
  std::string password(vault::PasswordFromFile(*answer));
  if (password.empty()) {
    return absl::InvalidArgumentError("empty vault password");
  }
  if (confirm) {
    absl::StatusOr<std::string> again = ReadFromTerminal(second, false);
    if (!again.ok()) return again.status();
    if (vault::PasswordFromFile(*again) != password) {
      return absl::InvalidArgumentError("vault passwords do not match");
    }
  }
  return password;
}

}  // namespace

bool IsValidVaultId(std::string_view label) {
  if (label.empty()) return false;
  for (char c : label) {
    if (c <= ' ' || c > '~' || c == ';') return false;
  }
  return true;
}

absl::StatusOr<PasswordSource> ParseVaultId(std::string_view slug) {
  PasswordSource source;
  std::string_view where = slug;
  if (size_t at = slug.find('@'); at != std::string_view::npos) {
    std::string_view label = slug.substr(0, at);
    where = slug.substr(at + 1);
    if (!label.empty() && !IsValidVaultId(label)) {
      return absl::InvalidArgumentError(
          StrCat("'", label,
                 "' is not a valid vault id: use printable ASCII without "
                 "spaces or ';'"));
    }
    if (!label.empty()) {
      source.label = std::string(label);
      source.labelled = true;
    }
  }
  if (where.empty()) {
    return absl::InvalidArgumentError(
        StrCat("--vault-id ", slug, ": no password file or 'prompt' after @"));
  }
  if (where == "prompt" || where == "prompt_ask_vault_pass") {
    source.kind = PasswordSource::Kind::kPrompt;
    source.old_style_prompt = where == "prompt_ask_vault_pass";
  } else {
    source.path = std::string(where);
  }
  return source;
}

absl::StatusOr<std::vector<VaultSecret>> LoadSecrets(
    const std::vector<PasswordSource>& sources, bool confirm) {
  std::vector<VaultSecret> secrets;
  for (const PasswordSource& source : sources) {
    absl::StatusOr<std::string> password;
    switch (source.kind) {
      case PasswordSource::Kind::kFile:
        password = LoadFile(source);
        break;
      case PasswordSource::Kind::kPrompt:
        password = Prompt(source, confirm);
        break;
      case PasswordSource::Kind::kEnv: {
        const char* env = std::getenv("CAIRN_VAULT_PASSWORD");
        if (env == nullptr || *env == '\0') {
          password =
              absl::InvalidArgumentError("CAIRN_VAULT_PASSWORD is empty");
        } else {
          password = std::string(env);
        }
        break;
      }
    }
    if (!password.ok()) return password.status();
    secrets.push_back({source.label, *std::move(password)});
  }
  return secrets;
}

absl::StatusOr<std::string> ReadFromTerminal(std::string_view prompt,
                                             bool echo) {
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        "cannot prompt for a password: no terminal (give "
        "--vault-password-file or --vault-id LABEL@FILE, or set "
        "CAIRN_VAULT_PASSWORD)");
  }
  // Ctrl-C must not leave the terminal without echo: the handlers only note
  // the signal, which interrupts read() (no SA_RESTART), and the terminal
  // is restored before the signal is raised again.
  struct sigaction note = {}, old_int, old_term, old_hup, old_quit;
  note.sa_handler = NoteSignal;
  sigemptyset(&note.sa_mask);
  interrupted_by = 0;
  sigaction(SIGINT, &note, &old_int);
  sigaction(SIGTERM, &note, &old_term);
  sigaction(SIGHUP, &note, &old_hup);
  sigaction(SIGQUIT, &note, &old_quit);

  termios saved;
  bool restore = false;
  if (!echo && tcgetattr(fd, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL);
    restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  if (write(fd, prompt.data(), prompt.size()) < 0) {
    // Nowhere to show the prompt; reading still works.
  }
  std::string line;
  bool complete = false;
  while (interrupted_by == 0) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      complete = true;
      break;
    }
    line.push_back(c);
  }
  if (restore) tcsetattr(fd, TCSAFLUSH, &saved);
  if (!echo && write(fd, "\n", 1) < 0) {
    // The terminal went away; nothing to do.
  }
  close(fd);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  if (interrupted_by != 0) {
    std::fill(line.begin(), line.end(), '\0');
    raise(interrupted_by);
    return absl::CancelledError("interrupted");
  }
  if (!complete) {
    std::fill(line.begin(), line.end(), '\0');
    return absl::InvalidArgumentError(
        "end of input at the password prompt (Ctrl-D)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace cairn::cli
