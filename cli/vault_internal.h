#ifndef CAIRN_CLI_VAULT_INTERNAL_H_
#define CAIRN_CLI_VAULT_INTERNAL_H_

// What the files of `cairn vault` share: the parsed command line, error
// messages, passwords, decryption and reading and writing files. Private to
// vault.cc, vault_edit.cc and vault_string.cc. No message printed here
// contains a password or a plaintext.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/vault_password.h"

namespace cairn::cli::vault_internal {

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

// A status's message as a std::string (Debian's absl::string_view is not
// std::string_view).
std::string Message(const absl::Status& status);

// Prints `cairn vault SUBCOMMAND: message` on stderr.
void PrintError(const Options& options, std::string_view message);

// Prints `status` prefixed with `path` and returns `exit_code`.
int Fail(const Options& options, std::string_view path,
         const absl::Status& status, int exit_code);

// Where the passwords come from: ansible's order (--vault-id, then
// --vault-password-file, then --ask-vault-pass); without any of them,
// CAIRN_VAULT_PASSWORD, else a prompt (as ansible prompts).
std::vector<PasswordSource> PasswordSources(const Options& options);

// Loads the passwords, printing the error (exit 2) on failure.
std::optional<std::vector<VaultSecret>> Secrets(
    const Options& options, const std::vector<PasswordSource>& sources,
    bool confirm);

// The password and vault id that encrypt: the only one given, or the one
// --encrypt-vault-id names. A single unlabelled password (a password file,
// the environment, a prompt) takes the label --encrypt-vault-id gives.
absl::StatusOr<VaultSecret> EncryptSecret(
    const std::vector<VaultSecret>& secrets, const std::string& wanted);

// A decrypted text and the password that opened it (one of the `secrets`
// given to Open).
struct Opened {
  std::string plaintext;
  const VaultSecret* secret = nullptr;
};

// Decrypts with the password whose label the header names, then with the
// others in order, as ansible does. Malformed text stops at once.
absl::StatusOr<Opened> Open(std::string_view text,
                            const std::vector<VaultSecret>& secrets);

// Reads all of stdin.
absl::StatusOr<std::string> ReadStdin();

// The file a path names, through symbolic links, so that replacing it
// keeps the link (ansible follows links too).
std::string RealPath(const std::string& path);

// Writes `data` to `path` ("-": stdout) atomically. A file that does not
// exist yet is created with mode 0600, as ansible-vault creates it; an
// existing file keeps its mode.
absl::Status WriteOutput(const std::string& path, std::string_view data);

// `cairn vault edit` and `create` (vault_edit.cc); returns the exit status.
int Edit(const Options& options);

// `cairn vault encrypt-string` (vault_string.cc); returns the exit status.
int EncryptString(const Options& options);

}  // namespace cairn::cli::vault_internal

#endif  // CAIRN_CLI_VAULT_INTERNAL_H_
