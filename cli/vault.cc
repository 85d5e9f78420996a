// cairn vault: encrypt, decrypt, view, edit and rekey ansible-vault files and
// encrypt strings for YAML vars files, with ansible-vault's flags and
// behaviour. The cryptography is compiler/vault's; this file handles files,
// passwords and the editor. No message here contains a password or a
// plaintext.

#include "compiler/vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/vault_password.h"
#include "lang/source/source.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] = R"(usage: cairn vault SUBCOMMAND [FLAGS] [FILE...]

Subcommands:
  encrypt [FILE...]      encrypt files in place ("-" or none: stdin to stdout)
  decrypt [FILE...]      decrypt files in place ("-" or none: stdin to stdout)
  view FILE...           print the plaintext
  edit FILE...           decrypt to a private temporary file, run $EDITOR
                         (default vi), re-encrypt only if it changed; a FILE
                         that does not exist is created
  create FILE            edit a new file; refuses an existing one
  rekey FILE...          re-encrypt with --new-vault-password-file FILE or
                         --new-vault-id [LABEL@]SOURCE (default: prompt)
  encrypt-string [STRING...]
                         print `NAME: !vault |` blocks for YAML vars files:
                         -n/--name NAME (one per STRING), --stdin-name NAME
                         ("-" or no STRING: read stdin), -p/--prompt

Passwords (any subcommand):
  --vault-password-file FILE  the password, or an executable printing it
  --vault-id [LABEL@]SOURCE   SOURCE: a password file, a script or "prompt";
                              repeatable; decrypt tries the id named in the
                              file's header first
  --ask-vault-pass, -J        prompt on the terminal
  CAIRN_VAULT_PASSWORD        used when none of these is given
Other flags:
  --encrypt-vault-id LABEL    encrypt, edit, create, encrypt-string: the id to
                              encrypt with (a 1.2 header)
  --output FILE               encrypt, decrypt, encrypt-string: write FILE
                              instead ("-": stdout); one input only

Exit status: 0 success, 1 wrong password, damaged or already encrypted
input, 2 bad usage, unreadable input or no password.
)";

// Everything the command line says.
struct Options {
  std::string subcommand;
  std::vector<PasswordSource> vault_ids;       // --vault-id, in order.
  std::vector<PasswordSource> password_files;  // --vault-password-file.
  bool ask_vault_pass = false;
  std::string encrypt_vault_id;
  std::optional<std::string> output;
  std::optional<PasswordSource> new_source;  // rekey.
  std::vector<std::string> names;            // encrypt-string --name.
  std::optional<std::string> stdin_name;
  bool prompt_string = false;
  bool show_input = false;
  std::vector<std::string> operands;
};

struct FlagSpec {
  std::string_view name;
  bool takes_value;
  // The subcommands that accept it, each followed by a space; "*": all.
  std::string_view subcommands;
};

constexpr FlagSpec kFlags[] = {
    {"--vault-id", true, "*"},
    {"--vault-password-file", true, "*"},
    {"--vault-pass-file", true, "*"},
    {"--ask-vault-pass", false, "*"},
    {"--ask-vault-password", false, "*"},
    {"-J", false, "*"},
    {"--encrypt-vault-id", true, "encrypt edit create encrypt-string "},
    {"--output", true, "encrypt decrypt encrypt-string "},
    {"--new-vault-password-file", true, "rekey "},
    {"--new-vault-id", true, "rekey "},
    {"--name", true, "encrypt-string "},
    {"-n", true, "encrypt-string "},
    {"--stdin-name", true, "encrypt-string "},
    {"--prompt", false, "encrypt-string "},
    {"-p", false, "encrypt-string "},
    {"--show-input", false, "encrypt-string "},
};

// A status's message as a std::string (Debian's absl::string_view is not
// std::string_view).
std::string Message(const absl::Status& status) {
  return std::string(status.message().data(), status.message().size());
}

void PrintError(const Options& options, std::string_view message) {
  std::string line =
      StrCat("cairn vault ", options.subcommand, ": ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Prints `status` prefixed with `path` and returns `exit_code`.
int Fail(const Options& options, std::string_view path,
         const absl::Status& status, int exit_code) {
  PrintError(options, path.empty() ? Message(status)
                                   : StrCat(path, ": ", Message(status)));
  return exit_code;
}

// Applies one flag; returns an error message for bad values.
std::optional<std::string> ApplyFlag(Options& options, std::string_view flag,
                                     const std::string& value) {
  if (flag == "--vault-id") {
    absl::StatusOr<PasswordSource> source = ParseVaultId(value);
    if (!source.ok()) return Message(source.status());
    options.vault_ids.push_back(*source);
  } else if (flag == "--vault-password-file" || flag == "--vault-pass-file") {
    // Ansible runs a `*-client` password file as `FILE --vault-id default`.
    PasswordSource source;
    source.path = value;
    source.labelled = true;
    options.password_files.push_back(source);
  } else if (flag == "--ask-vault-pass" || flag == "--ask-vault-password" ||
             flag == "-J") {
    options.ask_vault_pass = true;
  } else if (flag == "--encrypt-vault-id") {
    if (!IsValidVaultId(value)) {
      return StrCat("'", value,
                    "' is not a valid vault id: use printable ASCII without "
                    "spaces or ';'");
    }
    options.encrypt_vault_id = value;
  } else if (flag == "--output") {
    options.output = value;
  } else if (flag == "--new-vault-password-file" || flag == "--new-vault-id") {
    if (options.new_source.has_value()) {
      return "give one of --new-vault-password-file and --new-vault-id";
    }
    if (flag == "--new-vault-id") {
      absl::StatusOr<PasswordSource> source = ParseVaultId(value);
      if (!source.ok()) return Message(source.status());
      options.new_source = *source;
    } else {
      options.new_source = PasswordSource();
      options.new_source->path = value;
    }
  } else if (flag == "--name" || flag == "-n") {
    options.names.push_back(value);
  } else if (flag == "--stdin-name") {
    options.stdin_name = value;
  } else if (flag == "--prompt" || flag == "-p") {
    options.prompt_string = true;
  } else if (flag == "--show-input") {
    options.show_input = true;
  }
  return std::nullopt;
}

// Parses `args` (after the subcommand). Prints the problem and returns false
// on bad usage.
bool ParseFlags(const std::vector<std::string>& args, Options& options) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg == "-" || !StartsWith(arg, "-")) {
      options.operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string> value;
    if (size_t eq = name.find('=');
        StartsWith(arg, "--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : kFlags) {
      if (f.name == name) spec = &f;
    }
    if (spec == nullptr ||
        (spec->subcommands != "*" &&
         spec->subcommands.find(StrCat(options.subcommand, " ")) ==
             std::string_view::npos)) {
      PrintError(options, StrCat("unknown flag ", name));
      return false;
    }
    if (spec->takes_value && !value.has_value()) {
      if (i + 1 >= args.size()) {
        PrintError(options, StrCat(name, " needs a value"));
        return false;
      }
      value = args[++i];
    } else if (!spec->takes_value && value.has_value()) {
      PrintError(options, StrCat(name, " takes no value"));
      return false;
    }
    if (std::optional<std::string> error =
            ApplyFlag(options, name, value.value_or(""))) {
      PrintError(options, *error);
      return false;
    }
  }
  return true;
}

// Where the passwords come from: ansible's order (--vault-id, then
// --vault-password-file, then --ask-vault-pass); without any of them,
// CAIRN_VAULT_PASSWORD, else a prompt (as ansible prompts).
std::vector<PasswordSource> PasswordSources(const Options& options) {
  std::vector<PasswordSource> sources = options.vault_ids;
  sources.insert(sources.end(), options.password_files.begin(),
                 options.password_files.end());
  if (options.ask_vault_pass || sources.empty()) {
    PasswordSource fallback;
    fallback.kind = PasswordSource::Kind::kPrompt;
    fallback.old_style_prompt = true;
    if (!options.ask_vault_pass && std::getenv("CAIRN_VAULT_PASSWORD")) {
      fallback.kind = PasswordSource::Kind::kEnv;
    }
    sources.push_back(fallback);
  }
  return sources;
}

// The password and vault id that encrypt: the only one given, or the one
// --encrypt-vault-id names. A single unlabelled password (a password file,
// the environment, a prompt) takes the label --encrypt-vault-id gives.
absl::StatusOr<VaultSecret> EncryptSecret(
    const std::vector<VaultSecret>& secrets, const std::string& wanted) {
  std::vector<std::string> labels;
  for (const VaultSecret& secret : secrets) labels.push_back(secret.label);
  if (wanted.empty()) {
    if (secrets.size() == 1) return secrets[0];
    return absl::InvalidArgumentError(
        StrCat("the vault ids ", StrJoin(labels, ", "),
               " can all encrypt: choose one with --encrypt-vault-id"));
  }
  for (const VaultSecret& secret : secrets) {
    if (secret.label == wanted) return secret;
  }
  if (secrets.size() == 1 && secrets[0].label == kDefaultVaultId) {
    return VaultSecret{wanted, secrets[0].password};
  }
  return absl::InvalidArgumentError(
      StrCat("--encrypt-vault-id ", wanted,
             " matches none of the vault ids given: ", StrJoin(labels, ", ")));
}

// The vault id in a 1.2 header, or "".
std::string_view HeaderVaultId(std::string_view text) {
  std::string_view header = text.substr(0, text.find_first_of("\r\n"));
  std::vector<std::string_view> fields = StrSplit(header, ';');
  if (fields.size() < 4) return "";
  std::string_view id = fields[3];
  while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
  while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
  return id;
}

struct Opened {
  std::string plaintext;
  const VaultSecret* secret = nullptr;
};

// Decrypts with the password whose label the header names, then with the
// others in order, as ansible does. Malformed text stops at once.
absl::StatusOr<Opened> Open(std::string_view text,
                            const std::vector<VaultSecret>& secrets) {
  if (!vault::IsVaultText(text)) {
    return absl::InvalidArgumentError(
        "not vault-encrypted (no $ANSIBLE_VAULT header)");
  }
  std::string_view id = HeaderVaultId(text);
  std::vector<const VaultSecret*> order;
  for (const VaultSecret& s : secrets) {
    if (!id.empty() && s.label == id) order.push_back(&s);
  }
  for (const VaultSecret& s : secrets) {
    if (id.empty() || s.label != id) order.push_back(&s);
  }
  std::vector<std::string> tried;
  for (const VaultSecret* secret : order) {
    absl::StatusOr<std::string> plaintext =
        vault::Decrypt(text, secret->password);
    if (plaintext.ok()) return Opened{*std::move(plaintext), secret};
    if (!absl::IsPermissionDenied(plaintext.status())) {
      return plaintext.status();
    }
    if (std::find(tried.begin(), tried.end(), secret->label) == tried.end()) {
      tried.push_back(secret->label);
    }
  }
  std::string detail = order.size() == 1
                           ? StrCat("vault id ", tried[0])
                           : StrCat(order.size(), " passwords, vault ids ",
                                    StrJoin(tried, ", "));
  return absl::PermissionDeniedError(StrCat(
      "HMAC mismatch: wrong password or corrupted file (tried ", detail, ")"));
}

absl::StatusOr<std::string> ReadStdin() {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          StrCat("cannot read stdin: ", std::strerror(errno)));
    }
    if (n == 0) return text;
    text.append(buf, n);
  }
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  if (path == "-") return ReadStdin();
  return ReadFile(path);
}

absl::Status WriteStdout(std::string_view data) {
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() ||
      std::fflush(stdout) != 0) {
    return absl::UnavailableError(
        StrCat("cannot write stdout: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The file a path names, through symbolic links, so that replacing it
// keeps the link (ansible follows links too).
std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return path;
  return resolved;
}

// Writes `data` to `path` ("-": stdout) atomically. A file that does not
// exist yet is created with mode 0600, as ansible-vault creates it; an
// existing file keeps its mode.
absl::Status WriteOutput(const std::string& path, std::string_view data) {
  if (path == "-") return WriteStdout(data);
  std::string target = RealPath(path);
  int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool created = fd >= 0;
  if (created) close(fd);
  absl::Status status = WriteFileAtomically(target, data);
  if (!status.ok() && created) unlink(target.c_str());
  return status;
}

// Writes the result for input `path`: to --output, stdout for "-", or in
// place.
absl::Status WriteResult(const Options& options, const std::string& path,
                         std::string_view data) {
  if (options.output.has_value()) return WriteOutput(*options.output, data);
  if (path == "-") return WriteStdout(data);
  return WriteFileAtomically(RealPath(path), data);
}

// Loads the passwords, printing the error (exit 2) on failure.
std::optional<std::vector<VaultSecret>> Secrets(
    const Options& options, const std::vector<PasswordSource>& sources,
    bool confirm) {
  absl::StatusOr<std::vector<VaultSecret>> secrets =
      LoadSecrets(sources, confirm);
  if (!secrets.ok()) {
    Fail(options, "", secrets.status(), kExitUsage);
    return std::nullopt;
  }
  return *std::move(secrets);
}

int EncryptOrDecrypt(const Options& options) {
  bool encrypt = options.subcommand == "encrypt";
  std::vector<std::string> files = options.operands;
  if (files.empty()) files.push_back("-");
  if (options.output.has_value() && files.size() > 1) {
    PrintError(options, "--output takes one input file only");
    return kExitUsage;
  }
  auto secrets = Secrets(options, PasswordSources(options), encrypt);
  if (!secrets) return kExitUsage;
  VaultSecret encrypt_with;
  if (encrypt) {
    absl::StatusOr<VaultSecret> chosen =
        EncryptSecret(*secrets, options.encrypt_vault_id);
    if (!chosen.ok()) return Fail(options, "", chosen.status(), kExitUsage);
    encrypt_with = *std::move(chosen);
  }
  int exit_code = kExitOk;
  for (const std::string& path : files) {
    std::string name = path == "-" ? "<stdin>" : path;
    absl::StatusOr<std::string> input = ReadInput(path);
    if (!input.ok()) {
      exit_code = std::max(exit_code, kExitUsage);
      Fail(options, "", input.status(), kExitUsage);
      continue;
    }
    absl::StatusOr<std::string> result;
    if (!encrypt) {
      absl::StatusOr<Opened> opened = Open(*input, *secrets);
      if (opened.ok()) {
        result = std::move(opened->plaintext);
      } else {
        result = opened.status();
      }
    } else if (vault::IsVaultText(*input)) {
      result = absl::InvalidArgumentError(
          "already vault-encrypted; not encrypting it again");
    } else {
      result =
          vault::Encrypt(*input, encrypt_with.password, encrypt_with.label);
    }
    if (!result.ok()) {
      exit_code = std::max(exit_code, kExitFindings);
      Fail(options, name, result.status(), kExitFindings);
      continue;
    }
    absl::Status written = WriteResult(options, path, *result);
    if (!written.ok()) {
      exit_code = std::max(exit_code, kExitFindings);
      Fail(options, "", written, kExitFindings);
    }
  }
  if (exit_code == kExitOk && isatty(STDOUT_FILENO)) {
    std::fputs(encrypt ? "Encryption successful\n" : "Decryption successful\n",
               stderr);
  }
  return exit_code;
}

int View(const Options& options) {
  if (options.operands.empty()) {
    PrintError(options, "usage: cairn vault view FILE...");
    return kExitUsage;
  }
  auto secrets = Secrets(options, PasswordSources(options), false);
  if (!secrets) return kExitUsage;
  int exit_code = kExitOk;
  for (const std::string& path : options.operands) {
    absl::StatusOr<std::string> input = ReadInput(path);
    if (!input.ok()) {
      exit_code = std::max(exit_code, kExitUsage);
      Fail(options, "", input.status(), kExitUsage);
      continue;
    }
    absl::StatusOr<Opened> opened = Open(*input, *secrets);
    absl::Status status =
        opened.ok() ? WriteStdout(opened->plaintext) : opened.status();
    if (!status.ok()) {
      exit_code = std::max(exit_code, kExitFindings);
      Fail(options, path == "-" ? "<stdin>" : path, status, kExitFindings);
    }
  }
  return exit_code;
}

int Rekey(const Options& options) {
  if (options.operands.empty()) {
    PrintError(options,
               "usage: cairn vault rekey FILE... "
               "(--new-vault-password-file FILE | --new-vault-id ID)");
    return kExitUsage;
  }
  auto secrets = Secrets(options, PasswordSources(options), false);
  if (!secrets) return kExitUsage;
  PasswordSource new_source;
  if (options.new_source.has_value()) {
    new_source = *options.new_source;
  } else {
    new_source.kind = PasswordSource::Kind::kPrompt;
    new_source.old_style_prompt = true;
  }
  auto new_secrets = Secrets(options, {new_source}, true);
  if (!new_secrets) return kExitUsage;
  const VaultSecret& new_secret = (*new_secrets)[0];
  int exit_code = kExitOk;
  for (const std::string& path : options.operands) {
    absl::StatusOr<std::string> input = ReadFile(path);
    if (!input.ok()) {
      exit_code = std::max(exit_code, kExitUsage);
      Fail(options, "", input.status(), kExitUsage);
      continue;
    }
    absl::StatusOr<Opened> opened = Open(*input, *secrets);
    absl::StatusOr<std::string> rekeyed =
        opened.ok() ? vault::Encrypt(opened->plaintext, new_secret.password,
                                     new_secret.label)
                    : opened.status();
    absl::Status status = rekeyed.ok()
                              ? WriteFileAtomically(RealPath(path), *rekeyed)
                              : rekeyed.status();
    if (!status.ok()) {
      exit_code = std::max(exit_code, kExitFindings);
      Fail(options, path, status, kExitFindings);
    }
  }
  if (exit_code == kExitOk) std::fputs("Rekey successful\n", stderr);
  return exit_code;
}

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

// One string to encrypt, where it came from and its variable name.
struct Plaintext {
  std::string text;
  std::string_view from;
  std::optional<std::string> name;
};

// ansible-vault encrypt_string's YAML block: `NAME: !vault |` (or just
// `!vault |`), then the vault text indented by 10 spaces.
std::string VaultBlock(const std::optional<std::string>& name,
                       std::string_view vault_text) {
  std::string out = name.has_value() ? StrCat(*name, ": !vault |") : "!vault |";
  for (std::string_view line : StrSplit(vault_text, '\n')) {
    if (!line.empty()) StrAppend(&out, "\n          ", line);
  }
  return out;
}

int EncryptString(const Options& options) {
  bool read_stdin = options.stdin_name.has_value() ||
                    (options.operands.empty() && !options.prompt_string);
  std::vector<std::string> strings;
  for (const std::string& operand : options.operands) {
    if (operand == "-") {
      read_stdin = true;
    } else {
      strings.push_back(operand);
    }
  }
  if (options.prompt_string && read_stdin) {
    PrintError(options, "--prompt cannot be combined with reading stdin");
    return kExitUsage;
  }
  for (const std::string& s : strings) {
    if (s.empty()) {
      PrintError(options,
                 "a STRING on the command line is empty; nothing "
                 "encrypted");
      return kExitUsage;
    }
  }
  auto secrets = Secrets(options, PasswordSources(options), true);
  if (!secrets) return kExitUsage;
  absl::StatusOr<VaultSecret> secret =
      EncryptSecret(*secrets, options.encrypt_vault_id);
  if (!secret.ok()) return Fail(options, "", secret.status(), kExitUsage);

  std::vector<Plaintext> plaintexts;
  if (options.prompt_string) {
    absl::StatusOr<std::string> name =
        ReadFromTerminal("Variable name (enter for no name): ", true);
    absl::StatusOr<std::string> text =
        name.ok() ? ReadFromTerminal(options.show_input
                                         ? "String to encrypt: "
                                         : "String to encrypt (hidden): ",
                                     options.show_input)
                  : name.status();
    if (!text.ok()) return Fail(options, "", text.status(), kExitUsage);
    if (text->empty()) {
      PrintError(options,
                 "the string from the prompt is empty; nothing "
                 "encrypted");
      return kExitUsage;
    }
    plaintexts.push_back(
        {*std::move(text), "the interactive prompt",
         name->empty() ? std::nullopt : std::optional<std::string>(*name)});
  }
  if (read_stdin) {
    if (isatty(STDIN_FILENO)) {
      std::fputs(
          "Reading plaintext input from stdin. (ctrl-d to end input, "
          "twice if your content does not already have a newline)\n",
          stderr);
    }
    absl::StatusOr<std::string> text = ReadStdin();
    if (!text.ok()) return Fail(options, "", text.status(), kExitUsage);
    if (text->empty()) {
      PrintError(options, "stdin was empty; nothing encrypted");
      return kExitUsage;
    }
    plaintexts.push_back({*std::move(text), "stdin", options.stdin_name});
  }
  if (!options.names.empty() && strings.size() > options.names.size()) {
    std::fprintf(stderr,
                 "The number of --name options do not match the number of "
                 "args.\nThe last named variable will be \"%s\". The rest "
                 "will not have names.\n",
                 options.names.back().c_str());
  }
  for (size_t i = 0; i < strings.size(); ++i) {
    plaintexts.push_back({strings[i], "the command line args",
                          i < options.names.size()
                              ? std::optional(options.names[i])
                              : std::nullopt});
  }

  std::vector<std::string> blocks;
  for (size_t i = 0; i < plaintexts.size(); ++i) {
    const Plaintext& p = plaintexts[i];
    absl::StatusOr<std::string> vault_text =
        vault::Encrypt(p.text, secret->password, secret->label);
    if (!vault_text.ok()) {
      return Fail(options, StrCat("string #", i + 1, " from ", p.from),
                  vault_text.status(), kExitFindings);
    }
    if (plaintexts.size() > 1) {
      std::string note =
          p.name.has_value()
              ? StrCat("# The encrypted version of variable (\"", *p.name,
                       "\", the string #", i + 1, " from ", p.from, ").\n")
              : StrCat("# The encrypted version of the string #", i + 1,
                       " from ", p.from, ".\n");
      std::fputs(note.c_str(), stderr);
    }
    blocks.push_back(VaultBlock(p.name, *vault_text));
  }
  // ansible-core 2.14 ends without a newline; 2.15 added it (ansible PR
  // #79017) so that a pasted or appended block stays whole.
  absl::Status status =
      WriteOutput(options.output.value_or("-"), StrJoin(blocks, "\n") + "\n");
  if (!status.ok()) return Fail(options, "", status, kExitFindings);
  if (isatty(STDOUT_FILENO)) std::fputs("Encryption successful\n", stderr);
  return kExitOk;
}

}  // namespace

int Vault(const std::vector<std::string>& args) {
  Options options;
  options.subcommand = args.empty() ? "" : args[0];
  if (options.subcommand == "help" || options.subcommand == "--help" ||
      options.subcommand == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (options.subcommand == "encrypt_string") {
    options.subcommand = "encrypt-string";
  }
  constexpr std::string_view kSubcommands[] = {
      "encrypt", "decrypt", "view",          "edit",
      "create",  "rekey",   "encrypt-string"};
  if (std::find(std::begin(kSubcommands), std::end(kSubcommands),
                options.subcommand) == std::end(kSubcommands)) {
    if (!options.subcommand.empty()) {
      std::fprintf(stderr, "cairn vault: unknown subcommand '%s'\n\n",
                   options.subcommand.c_str());
    }
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (!ParseFlags(std::vector<std::string>(args.begin() + 1, args.end()),
                  options)) {
    return kExitUsage;
  }
  const std::string& sub = options.subcommand;
  if (sub == "encrypt" || sub == "decrypt") return EncryptOrDecrypt(options);
  if (sub == "view") return View(options);
  if (sub == "edit" || sub == "create") return Edit(options);
  if (sub == "rekey") return Rekey(options);
  return EncryptString(options);
}

}  // namespace cairn::cli
