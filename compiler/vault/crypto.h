#ifndef CAIRN_COMPILER_VAULT_CRYPTO_H_
#define CAIRN_COMPILER_VAULT_CRYPTO_H_

// Private to compiler/vault: the OpenSSL calls behind the vault format. Every
// OpenSSL result is checked; a failure becomes an Internal status naming the
// call and OpenSSL's reason, never the data.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cairn::vault::internal {

// Sizes fixed by the AES256 vault format.
inline constexpr size_t kKeySize = 32;
inline constexpr size_t kIvSize = 16;
inline constexpr size_t kBlockSize = 16;
inline constexpr size_t kHmacSize = 32;
inline constexpr size_t kSaltSize = 32;
inline constexpr int kIterations = 10000;

// The 80 bytes PBKDF2 derives from a password and a salt, wiped on
// destruction.
struct DerivedKeys {
  unsigned char aes_key[kKeySize];
  unsigned char hmac_key[kKeySize];
  unsigned char iv[kIvSize];

  DerivedKeys() = default;
  DerivedKeys(const DerivedKeys&) = delete;
  DerivedKeys& operator=(const DerivedKeys&) = delete;
  ~DerivedKeys();
};

// Fills `*keys` with PBKDF2-HMAC-SHA256(password, salt, 10,000 iterations).
absl::Status DeriveKeys(std::string_view password, std::string_view salt,
                        DerivedKeys* keys);

// AES-256-CTR of `input` under the derived key and counter; the same call
// encrypts and decrypts.
absl::StatusOr<std::string> AesCtr(const DerivedKeys& keys,
                                   std::string_view input);

// HMAC-SHA256 of `data` under `key`: 32 raw bytes.
absl::StatusOr<std::string> HmacSha256(std::string_view key,
                                       std::string_view data);

// `size` bytes from OpenSSL's CSPRNG.
absl::StatusOr<std::string> RandomBytes(size_t size);

// Whether `a` and `b` are equal, in time that depends only on their sizes.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Overwrites `*s` with zeros (in a way the compiler keeps) and clears it.
void Wipe(std::string* s);

}  // namespace cairn::vault::internal

#endif  // CAIRN_COMPILER_VAULT_CRYPTO_H_
