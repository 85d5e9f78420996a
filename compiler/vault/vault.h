#ifndef CAIRN_COMPILER_VAULT_VAULT_H_
#define CAIRN_COMPILER_VAULT_VAULT_H_

// Ansible Vault files, byte-compatible with ansible-vault's formats 1.1 and
// 1.2 (AES256): PBKDF2-HMAC-SHA256 with 10,000 iterations derives an AES-256
// key, an HMAC-SHA256 key and a CTR counter from the password and a random
// salt; the PKCS#7-padded plaintext is encrypted with AES-256-CTR and the
// ciphertext is authenticated with HMAC-SHA256. Files written here open with
// ansible-vault and the other way round.
//
// No function here puts a password or a plaintext into an error message.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cairn::vault {

// What the header line of vault text says: `$ANSIBLE_VAULT;1.1;AES256` or
// `$ANSIBLE_VAULT;1.2;AES256;<vault_id>`.
struct VaultFile {
  // "1.1" or "1.2".
  std::string version;
  // The label of the password that encrypted the file; empty for 1.1.
  std::string vault_id;
};

// Whether `text` looks like vault text the way ansible decides it: it starts
// with `$ANSIBLE_VAULT` and is pure ASCII.
bool IsVaultText(std::string_view text);

// Decrypts vault text (a whole vault file, or the indented block of a YAML
// `!vault |` value with its indentation removed). Fills `*header`, when
// given, as soon as the header line is read. A wrong password and altered
// ciphertext both give "HMAC mismatch: wrong password or corrupted file" and
// nothing is decrypted (PermissionDenied); malformed text gives an error
// naming the line and column of the problem (InvalidArgument). Tolerates what
// ansible-vault tolerates: CRLF or CR line ends, blank lines in the body,
// spaces around the header's fields, upper-case hex, a missing final newline.
// Like ansible, rejects spaces inside or after body lines.
absl::StatusOr<std::string> Decrypt(std::string_view vault_text,
                                    std::string_view password,
                                    VaultFile* header = nullptr);

// Encrypts `plaintext` with a fresh random 32-byte salt. With an empty
// `vault_id` (or "default", as ansible does) the header is 1.1, otherwise
// it is 1.2 and names `vault_id`, which must be printable ASCII without
// spaces or ';'. The output is ansible's exact layout: header, hex wrapped
// at 80 columns, `\n` line ends, a final newline. Fails on an empty password
// and, like ansible, on a plaintext that is already vault text.
absl::StatusOr<std::string> Encrypt(std::string_view plaintext,
                                    std::string_view password,
                                    std::string_view vault_id = "");

// Encrypt() with a caller-chosen, non-empty `salt` instead of a random one,
// so that tests can compare output byte for byte. Never reuse a salt for
// real secrets.
absl::StatusOr<std::string> EncryptWithSalt(std::string_view plaintext,
                                            std::string_view password,
                                            std::string_view vault_id,
                                            std::string_view salt);

// Returns `existing_vault_text` unchanged (byte for byte) when it decrypts
// with `password` to exactly `new_plaintext`; otherwise encrypts
// `new_plaintext` afresh under the existing file's vault id. Re-encrypting
// only when something changed keeps vault files stable in git. Fails when
// the existing text does not decrypt: it is never silently replaced.
absl::StatusOr<std::string> ReencryptIfChanged(
    std::string_view existing_vault_text, std::string_view new_plaintext,
    std::string_view password);

// Reads the secrets of a YAML vars file, keyed by their dotted path
// ("db_password", "mysql.root_password"):
//  - a whole-file vault (group_vars/all/vault.yml) is decrypted and its
//    plaintext read as a mapping of scalars; every value is returned;
//  - a plain vars file returns the decrypted value of every `key: !vault |`
//    block (the output of `ansible-vault encrypt_string`) and nothing else.
// Only a small subset of YAML is understood (see README.md); anything
// outside it gives an error with a line number rather than a wrong value.
// Errors about decrypted text name lines, never their content.
absl::StatusOr<std::map<std::string, std::string>> DecryptYamlVars(
    std::string_view yaml_text, std::string_view password);

// The password in the contents of a password file, read as ansible reads
// `--vault-password-file`: surrounding whitespace and line ends removed.
std::string_view PasswordFromFile(std::string_view file_contents);

// A keyed fingerprint of a secret: the first 8 hex digits of
// HMAC-SHA256(key, secret). Plans show it instead of the secret, so a
// change is visible while the value is not; without `key` it cannot be
// tested against guesses.
std::string Fingerprint(std::string_view secret, std::string_view key);

// The key for Fingerprint(), derived from the vault password so that the
// same secret shows the same fingerprint in every run (and a changed one a
// different fingerprint) while nobody without the password can test guesses
// against it. Without a password (secrets from params only) the key is
// fixed, and a fingerprint of a weak secret could then be brute-forced.
std::string FingerprintKey(std::string_view vault_password);

}  // namespace cairn::vault

#endif  // CAIRN_COMPILER_VAULT_VAULT_H_
