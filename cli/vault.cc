// cairn vault: encrypt, decrypt, view, edit and rekey ansible-vault files and
// encrypt strings for YAML vars files, with ansible-vault's flags and
// behaviour. The cryptography is compiler/vault's. This file parses the
// command line, dispatches, and does encrypt, decrypt, view and rekey, with
// the password, decryption and file helpers every subcommand shares
// (vault_internal.h); edit and create are in vault_edit.cc, encrypt-string in
// vault_string.cc. No message here contains a password or a plaintext.

#include "compiler/vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/vault_internal.h"
#include "cli/vault_password.h"
#include "lang/source/source.h"

namespace cairn::cli {
namespace vault_internal {
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

// Writes the result for input `path`: to --output, stdout for "-", or in
// place.
absl::Status WriteResult(const Options& options, const std::string& path,
                         std::string_view data) {
  if (options.output.has_value()) return WriteOutput(*options.output, data);
  if (path == "-") return WriteStdout(data);
  return WriteFileAtomically(RealPath(path), data);
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

// Parses the command line and runs the subcommand.
int Dispatch(const std::vector<std::string>& args) {
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

}  // namespace

// The helpers vault_internal.h declares for every subcommand.

std::string Message(const absl::Status& status) {
  return std::string(status.message().data(), status.message().size());
}

void PrintError(const Options& options, std::string_view message) {
  std::string line =
      StrCat("cairn vault ", options.subcommand, ": ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

int Fail(const Options& options, std::string_view path,
         const absl::Status& status, int exit_code) {
  PrintError(options, path.empty() ? Message(status)
                                   : StrCat(path, ": ", Message(status)));
  return exit_code;
}

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

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return path;
  return resolved;
}

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

}  // namespace vault_internal

int Vault(const std::vector<std::string>& args) {
  return vault_internal::Dispatch(args);
}

}  // namespace cairn::cli
