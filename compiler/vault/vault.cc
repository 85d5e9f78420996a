#include "compiler/vault/vault.h"

#include <cstdio>
#include <cstdlib>

#include "base/strings.h"
#include "compiler/vault/crypto.h"
#include "compiler/vault/envelope.h"

namespace cairn::vault {
namespace {

using internal::kBlockSize;
using internal::kKeySize;

constexpr size_t kLineWidth = 80;

// Checks a vault id the way it must look to survive a round trip through a
// header line that ansible splits at ';' and strips.
absl::Status CheckVaultId(std::string_view vault_id) {
  for (char c : vault_id) {
    if (c <= 0x20 || c >= 0x7f || c == ';') {
      return absl::InvalidArgumentError(
          "a vault id must be printable ASCII without spaces or ';'");
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsVaultText(std::string_view text) {
  if (!StartsWith(text, "$ANSIBLE_VAULT")) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

absl::StatusOr<std::string> Decrypt(std::string_view vault_text,
                                    std::string_view password,
                                    VaultFile* header) {
  return internal::DecryptLines(internal::SplitLines(vault_text), password,
                                header);
}

absl::StatusOr<std::string> EncryptWithSalt(std::string_view plaintext,
                                            std::string_view password,
                                            std::string_view vault_id,
                                            std::string_view salt) {
  if (password.empty()) {
    return absl::InvalidArgumentError(
        "empty vault password (ansible-vault refuses them too)");
  }
  if (salt.empty()) return absl::InvalidArgumentError("empty vault salt");
  if (absl::Status s = CheckVaultId(vault_id); !s.ok()) return s;
  if (IsVaultText(plaintext)) {
    return absl::InvalidArgumentError(
        "the plaintext is already vault text (it starts with $ANSIBLE_VAULT)");
  }

  // PKCS#7: 1 to 16 bytes, each holding the count.
  size_t pad = kBlockSize - plaintext.size() % kBlockSize;
  std::string padded;
  padded.reserve(plaintext.size() + pad);
  padded.append(plaintext);
  padded.append(pad, static_cast<char>(pad));

  internal::DerivedKeys keys;
  if (absl::Status s = internal::DeriveKeys(password, salt, &keys); !s.ok()) {
    internal::Wipe(&padded);
    return s;
  }
  auto ciphertext = internal::AesCtr(keys, padded);
  internal::Wipe(&padded);
  if (!ciphertext.ok()) return ciphertext.status();
  auto mac = internal::HmacSha256(
      std::string_view(reinterpret_cast<const char*>(keys.hmac_key), kKeySize),
      *ciphertext);
  if (!mac.ok()) return mac.status();

  std::string body = internal::HexEncode(
      StrCat(internal::HexEncode(salt), "\n", internal::HexEncode(*mac), "\n",
             internal::HexEncode(*ciphertext)));

  // Ansible writes 1.1 unless a vault id other than "default" is given.
  bool v12 = !vault_id.empty() && vault_id != "default";
  std::string out = v12 ? StrCat("$ANSIBLE_VAULT;1.2;AES256;", vault_id, "\n")
                        : std::string("$ANSIBLE_VAULT;1.1;AES256\n");
  out.reserve(out.size() + body.size() + body.size() / kLineWidth + 1);
  for (size_t i = 0; i < body.size(); i += kLineWidth) {
    StrAppend(&out, std::string_view(body).substr(i, kLineWidth), "\n");
  }
  return out;
}

absl::StatusOr<std::string> Encrypt(std::string_view plaintext,
                                    std::string_view password,
                                    std::string_view vault_id) {
  auto salt = internal::RandomBytes(internal::kSaltSize);
  if (!salt.ok()) return salt.status();
  return EncryptWithSalt(plaintext, password, vault_id, *salt);
}

absl::StatusOr<std::string> ReencryptIfChanged(
    std::string_view existing_vault_text, std::string_view new_plaintext,
    std::string_view password) {
  VaultFile header;
  auto old = Decrypt(existing_vault_text, password, &header);
  if (!old.ok()) return old.status();
  bool same = internal::ConstantTimeEquals(*old, new_plaintext);
  internal::Wipe(&*old);
  if (same) return std::string(existing_vault_text);
  return Encrypt(new_plaintext, password, header.vault_id);
}

std::string_view PasswordFromFile(std::string_view file_contents) {
  return internal::StripAsciiSpace(file_contents);
}

std::string Fingerprint(std::string_view secret, std::string_view key) {
  auto mac = internal::HmacSha256(key, secret);
  if (!mac.ok()) {
    // HMAC-SHA256 over memory cannot fail short of a broken OpenSSL; a
    // made-up fingerprint could hide a change, so stop instead.
    std::fprintf(stderr, "cairn: vault fingerprint: %s\n",
                 mac.status().ToString().c_str());
    std::abort();
  }
  return internal::HexEncode(std::string_view(*mac).substr(0, 4));
}

std::string FingerprintKey(std::string_view vault_password) {
  auto mac = internal::HmacSha256(vault_password, "cairn fingerprint key v1");
  if (!mac.ok()) {
    std::fprintf(stderr, "cairn: vault fingerprint key: %s\n",
                 mac.status().ToString().c_str());
    std::abort();
  }
  return *std::move(mac);
}

}  // namespace cairn::vault
