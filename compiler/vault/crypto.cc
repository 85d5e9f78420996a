#include "compiler/vault/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "base/strings.h"

namespace cairn::vault::internal {
namespace {

// An Internal status for a failed OpenSSL call, with OpenSSL's reason.
absl::Status OpenSslError(std::string_view call) {
  std::string message = StrCat("OpenSSL ", call, " failed");
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    StrAppend(&message, ": ", std::string_view(reason));
  }
  ERR_clear_error();
  return absl::InternalError(message);
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

DerivedKeys::~DerivedKeys() { OPENSSL_cleanse(this, sizeof *this); }

absl::Status DeriveKeys(std::string_view password, std::string_view salt,
                        DerivedKeys* keys) {
  if (password.size() > INT_MAX || salt.size() > INT_MAX) {
    return absl::InvalidArgumentError("password or salt too long");
  }
  unsigned char out[2 * kKeySize + kIvSize];
  int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             Bytes(salt), static_cast<int>(salt.size()),
                             kIterations, EVP_sha256(), sizeof out, out);
  if (ok != 1) return OpenSslError("PKCS5_PBKDF2_HMAC");
  std::copy(out, out + kKeySize, keys->aes_key);
  std::copy(out + kKeySize, out + 2 * kKeySize, keys->hmac_key);
  std::copy(out + 2 * kKeySize, out + sizeof out, keys->iv);
  OPENSSL_cleanse(out, sizeof out);
  return absl::OkStatus();
}

absl::StatusOr<std::string> AesCtr(const DerivedKeys& keys,
                                   std::string_view input) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, keys.aes_key,
                         keys.iv) != 1) {
    return OpenSslError("EVP_EncryptInit_ex");
  }
  std::string output(input.size() + kBlockSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(output.data());
  size_t written = 0;
  // EVP lengths are ints: feed large inputs in pieces.
  constexpr size_t kChunk = size_t{1} << 30;
  for (size_t offset = 0; offset < input.size(); offset += kChunk) {
    size_t n = std::min(kChunk, input.size() - offset);
    int len = 0;
    if (EVP_EncryptUpdate(ctx.get(), out + written, &len, Bytes(input) + offset,
                          static_cast<int>(n)) != 1) {
      Wipe(&output);
      return OpenSslError("EVP_EncryptUpdate");
    }
    written += static_cast<size_t>(len);
  }
  int len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out + written, &len) != 1) {
    Wipe(&output);
    return OpenSslError("EVP_EncryptFinal_ex");
  }
  written += static_cast<size_t>(len);
  if (written != input.size()) {
    Wipe(&output);
    return absl::InternalError("AES-256-CTR changed the length of its input");
  }
  output.resize(written);
  return output;
}

absl::StatusOr<std::string> HmacSha256(std::string_view key,
                                       std::string_view data) {
  if (key.size() > INT_MAX) return absl::InvalidArgumentError("key too long");
  std::string mac(EVP_MAX_MD_SIZE, '\0');
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data),
           data.size(), reinterpret_cast<unsigned char*>(mac.data()),
           &mac_size) == nullptr) {
    return OpenSslError("HMAC");
  }
  if (mac_size != kHmacSize) {
    return absl::InternalError("HMAC-SHA256 gave an unexpected size");
  }
  mac.resize(mac_size);
  return mac;
}

absl::StatusOr<std::string> RandomBytes(size_t size) {
  std::string out(size, '\0');
  if (size > INT_MAX) return absl::InvalidArgumentError("too many bytes");
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(size)) != 1) {
    return OpenSslError("RAND_bytes");
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Wipe(std::string* s) {
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace cairn::vault::internal
