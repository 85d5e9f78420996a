// cairn vault edit and create: decrypt into a private temporary directory,
// run $EDITOR, re-encrypt only if the text changed, and scrub the plaintext
// on every way out, including SIGTERM and SIGHUP while the editor runs. No
// message here contains a password or a plaintext.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/vault_internal.h"
#include "cli/vault_password.h"
#include "compiler/vault/vault.h"
#include "lang/source/source.h"

namespace cairn::cli::vault_internal {
namespace {

// A private directory for plaintext, mode 0700 (mkdtemp). The destructor
// overwrites every file in it with zeros and removes it with everything the
// editor left there (swap and backup files), on every path out of Edit.
class PrivateDir {
 public:
  PrivateDir() = default;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  ~PrivateDir() { Remove(); }

  absl::Status Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    std::string templ = StrCat(base, "/cairn-vault-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::UnavailableError(
          StrCat("cannot create a private temporary directory in ", base, ": ",
                 std::strerror(errno)));
    }
    path_ = templ;
    return absl::OkStatus();
  }

  const std::string& path() const { return path_; }

 private:
  static void Scrub(const std::string& file) {
    int fd = open(file.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      static const char kZeros[65536] = {};
      off_t left = st.st_size;
      while (left > 0) {
        ssize_t n =
            write(fd, kZeros,
                  std::min<off_t>(left, static_cast<off_t>(sizeof kZeros)));
        if (n <= 0) break;
        left -= n;
      }
      fsync(fd);
    }
    close(fd);
  }

  void Remove() {
    if (path_.empty()) return;
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(path_, ec), end; !ec && it != end;
         it.increment(ec)) {
      Scrub(it->path().string());
    }
    fs::remove_all(path_, ec);
    path_.clear();
  }

  std::string path_;
};

// The signal that arrived while the editor ran.
volatile sig_atomic_t editor_signal = 0;

void NoteEditorSignal(int signo) { editor_signal = signo; }

// Runs $EDITOR (default vi) on `file` through /bin/sh, so that EDITOR may
// hold arguments ("code --wait"). Like system(), ignores Ctrl-C meanwhile;
// SIGTERM and SIGHUP are passed on to the editor and reported afterwards,
// so the caller still removes the plaintext. Fails unless the editor exits
// with status 0 (`:cq` in vim abandons an edit).
absl::Status RunEditor(const std::string& file) {
  const char* env = std::getenv("EDITOR");
  std::string editor = env != nullptr && *env != '\0' ? env : "vi";
  std::string command = StrCat(editor, " \"$1\"");
  struct sigaction ignore = {}, note = {}, old_int, old_quit, old_term, old_hup;
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  note.sa_handler = NoteEditorSignal;
  sigemptyset(&note.sa_mask);
  editor_signal = 0;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  sigaction(SIGTERM, &note, &old_term);
  sigaction(SIGHUP, &note, &old_hup);
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execl("/bin/sh", "sh", "-c", command.c_str(), "sh", file.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int fork_errno = errno;
  int status = 0;
  bool forwarded = false;
  while (pid > 0 && waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
    if (editor_signal != 0 && !forwarded) {
      kill(pid, editor_signal);
      forwarded = true;
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  if (pid < 0) {
    return absl::UnavailableError(
        StrCat("cannot run the editor: ", std::strerror(fork_errno)));
  }
  if (editor_signal != 0) {
    return absl::AbortedError(
        StrCat("interrupted by signal ", static_cast<int>(editor_signal)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::AbortedError(
      WIFEXITED(status) ? StrCat("the editor (", editor,
                                 ") exited with status ", WEXITSTATUS(status))
                        : StrCat("the editor (", editor,
                                 ") was killed by signal ", WTERMSIG(status)));
}

// Writes `text` to a new file `path`, mode 0600, refusing to follow links.
absl::Status WritePrivateFile(const std::string& path, std::string_view text) {
  int fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = absl::UnavailableError(
          StrCat("cannot write ", path, ": ", std::strerror(errno)));
      close(fd);
      return status;
    }
    written += n;
  }
  if (close(fd) != 0) {
    return absl::UnavailableError(
        StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// edit and create for one file. A file that exists is decrypted with
// whichever password opens it and re-encrypted, only if the text changed,
// under the same password and vault id; a new file is encrypted with the
// encrypting password (--encrypt-vault-id).
int EditFile(const Options& options, const std::string& path,
             const std::vector<VaultSecret>& secrets) {
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) {
    return Fail(options, path, absl::UnavailableError(std::strerror(errno)),
                kExitUsage);
  }
  if (exists && options.subcommand == "create") {
    return Fail(
        options, path,
        absl::AlreadyExistsError("exists; use `cairn vault edit` to change it"),
        kExitFindings);
  }
  std::string target = exists ? RealPath(path) : path;
  std::string existing, plaintext;
  VaultSecret secret;
  if (exists) {
    absl::StatusOr<std::string> text = ReadFile(target);
    if (!text.ok()) return Fail(options, "", text.status(), kExitUsage);
    absl::StatusOr<Opened> opened = Open(*text, secrets);
    if (!opened.ok())
      return Fail(options, path, opened.status(), kExitFindings);
    existing = *std::move(text);
    plaintext = std::move(opened->plaintext);
    secret = *opened->secret;
  } else {
    // Check the directory before the user spends time in the editor.
    std::string dir = path.substr(0, path.rfind('/') + 1);
    if (!dir.empty() && !std::filesystem::is_directory(dir)) {
      return Fail(options, path,
                  absl::NotFoundError(StrCat("no directory ", dir)),
                  kExitUsage);
    }
    absl::StatusOr<VaultSecret> chosen =
        EncryptSecret(secrets, options.encrypt_vault_id);
    if (!chosen.ok()) return Fail(options, "", chosen.status(), kExitUsage);
    secret = *std::move(chosen);
  }

  PrivateDir dir;
  absl::Status status = dir.Create();
  if (!status.ok()) return Fail(options, "", status, kExitFindings);
  // Same base name, so that the editor picks the right syntax.
  std::string temp = StrCat(dir.path(), "/", path.substr(path.rfind('/') + 1));
  status = WritePrivateFile(temp, plaintext);
  if (!status.ok()) return Fail(options, "", status, kExitFindings);
  std::fill(plaintext.begin(), plaintext.end(), '\0');
  status = RunEditor(temp);
  if (!status.ok()) {
    return Fail(
        options, path,
        absl::AbortedError(StrCat(Message(status), "; ",
                                  exists ? "left unchanged" : "not created")),
        kExitFindings);
  }
  absl::StatusOr<std::string> edited = ReadFile(temp);
  absl::StatusOr<std::string> updated =
      !edited.ok() ? edited.status()
      : exists ? vault::ReencryptIfChanged(existing, *edited, secret.password)
               : vault::Encrypt(*edited, secret.password, secret.label);
  if (edited.ok()) std::fill(edited->begin(), edited->end(), '\0');
  if (!updated.ok()) {
    return Fail(options, path,
                absl::InvalidArgumentError(
                    StrCat(Message(updated.status()), "; ",
                           exists ? "left unchanged" : "not created")),
                kExitFindings);
  }
  if (exists && *updated == existing) return kExitOk;
  status = exists ? WriteFileAtomically(target, *updated)
                  : WriteOutput(path, *updated);
  if (!status.ok()) return Fail(options, "", status, kExitFindings);
  return kExitOk;
}

}  // namespace

int Edit(const Options& options) {
  bool create = options.subcommand == "create";
  if (options.operands.empty() || (create && options.operands.size() != 1)) {
    PrintError(options, create ? "usage: cairn vault create FILE"
                               : "usage: cairn vault edit FILE...");
    return kExitUsage;
  }
  bool any_new = false;
  for (const std::string& path : options.operands) {
    if (path == "-") {
      PrintError(options, "cannot edit stdin");
      return kExitUsage;
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0) any_new = true;
  }
  // A new file gets a new password, so a prompt asks twice.
  auto secrets = Secrets(options, PasswordSources(options), any_new);
  if (!secrets) return kExitUsage;
  int exit_code = kExitOk;
  for (const std::string& path : options.operands) {
    exit_code = std::max(exit_code, EditFile(options, path, *secrets));
  }
  return exit_code;
}

}  // namespace cairn::cli::vault_internal
