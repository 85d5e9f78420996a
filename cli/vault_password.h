#ifndef CAIRN_CLI_VAULT_PASSWORD_H_
#define CAIRN_CLI_VAULT_PASSWORD_H_

// Where `cairn vault` gets its passwords, the way ansible-vault gets them:
// password files, executable password scripts (`*-client` scripts are told
// the vault id), prompts on the terminal, and CAIRN_VAULT_PASSWORD for CI.
// No error here contains a password.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::cli {

// The label of a password given without one, as ansible names it. Text
// encrypted under this label gets a 1.1 header, without a vault id.
inline constexpr char kDefaultVaultId[] = "default";

// One place a password comes from: `--vault-id LABEL@SOURCE`,
// `--vault-password-file FILE`, `--ask-vault-pass` or the environment.
struct PasswordSource {
  enum class Kind {
    kFile,    // A file, or an executable whose stdout is the password.
    kPrompt,  // Asked for on /dev/tty with echo off.
    kEnv,     // The variable CAIRN_VAULT_PASSWORD.
  };
  Kind kind = Kind::kFile;
  // The vault id; kDefaultVaultId when the source gave none.
  std::string label = kDefaultVaultId;
  // Whether the user wrote a label (`dev@...`); only then is a `*-client`
  // script passed `--vault-id LABEL`.
  bool labelled = false;
  // The file for kFile.
  std::string path;
  // kPrompt only: ansible's old prompt "Vault password: " (--ask-vault-pass)
  // instead of "Vault password (LABEL): ".
  bool old_style_prompt = false;
};

// A loaded password and its vault id.
struct VaultSecret {
  std::string label;
  std::string password;
};

// Whether `label` may name a vault id: printable ASCII without spaces or
// ';', and not empty.
bool IsValidVaultId(std::string_view label);

// Parses the value of `--vault-id`: `LABEL@SOURCE` or just `SOURCE`, where
// SOURCE is a password file, a script, or `prompt`. Fails on a label that
// is not printable ASCII or contains a space or ';'.
absl::StatusOr<PasswordSource> ParseVaultId(std::string_view slug);

// Loads every source in order. With `confirm`, prompts ask twice ("New
// vault password", "Confirm ...") and fail when the answers differ, as
// ansible does for passwords that will encrypt. Fails on a missing or
// unreadable file, a script that fails or prints nothing, an empty
// password, or a prompt without a terminal.
absl::StatusOr<std::vector<VaultSecret>> LoadSecrets(
    const std::vector<PasswordSource>& sources, bool confirm);

// Prints `prompt` on /dev/tty and reads one line from it, with echo off
// unless `echo`. The line end is removed, nothing else. Fails without a
// controlling terminal, at end of input and on Ctrl-C (the terminal is
// restored in every case).
absl::StatusOr<std::string> ReadFromTerminal(std::string_view prompt,
                                             bool echo);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_VAULT_PASSWORD_H_
