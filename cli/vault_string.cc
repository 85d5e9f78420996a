// cairn vault encrypt-string: `NAME: !vault |` blocks for YAML vars files,
// from the command line, stdin or a prompt, as ansible-vault encrypt_string
// prints them. No message here contains a password or a plaintext.

#include <unistd.h>

#include <cstdio>
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
#include "compiler/vault/vault.h"

namespace cairn::cli::vault_internal {
namespace {

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

}  // namespace

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

}  // namespace cairn::cli::vault_internal
