#include "agent/providers/postgres_scram.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "base/strings.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "openssl/rand.h"
#include "openssl/sha.h"

namespace cairn::agent {
namespace {

constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
constexpr int kMaxIterations = 10'000'000;
constexpr size_t kKeySize = SHA256_DIGEST_LENGTH;
constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 |
                 static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], kBase64[(n >> 6) & 63],
            kBase64[n & 63]};
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63],
            rest == 2 ? kBase64[(n >> 6) & 63] : '=', '='};
  }
  return out;
}

// Strict: a multiple of four characters, padding only at the end.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    int value;
    if (c == '=') {
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
      value = 0;
    } else {
      if (padding > 0) return std::nullopt;
      const char* at = std::char_traits<char>::find(kBase64, 64, c);
      if (at == nullptr || c == '\0') return std::nullopt;
      value = static_cast<int>(at - kBase64);
    }
    bits = bits << 6 | static_cast<uint32_t>(value);
    if (++count == 4) {
      out += {static_cast<char>(bits >> 16), static_cast<char>(bits >> 8),
              static_cast<char>(bits)};
      bits = 0;
      count = 0;
    }
  }
  out.resize(out.size() - padding);
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

// `text` split at the first `separator`; nullopt when there is none.
std::optional<std::pair<std::string_view, std::string_view>> Cut(
    std::string_view text, char separator) {
  size_t at = text.find(separator);
  if (at == std::string_view::npos) return std::nullopt;
  return std::make_pair(text.substr(0, at), text.substr(at + 1));
}

}  // namespace

absl::StatusOr<ScramSecret> ComputeScramSecret(std::string_view password,
                                               std::string_view salt,
                                               int iterations) {
  if (iterations < 1 || iterations > kMaxIterations || salt.empty()) {
    return absl::InvalidArgumentError(
        "a SCRAM verifier needs a salt and 1 to 10000000 iterations");
  }
  unsigned char salted[kKeySize];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        sizeof salted, salted) != 1) {
    return absl::InternalError("PBKDF2-HMAC-SHA-256 failed (OpenSSL)");
  }
  std::string_view salted_password(reinterpret_cast<const char*>(salted),
                                   sizeof salted);
  std::string client_key = Hmac(salted_password, "Client Key");
  unsigned char stored[kKeySize];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()),
         client_key.size(), stored);
  ScramSecret secret;
  secret.iterations = iterations;
  secret.salt = std::string(salt);
  secret.stored_key.assign(reinterpret_cast<const char*>(stored), kKeySize);
  secret.server_key = Hmac(salted_password, "Server Key");
  OPENSSL_cleanse(salted, sizeof salted);
  OPENSSL_cleanse(client_key.data(), client_key.size());
  return secret;
}

absl::StatusOr<std::string> NewScramVerifier(std::string_view password) {
  if (absl::Status s = CheckScramPassword(password); !s.ok()) return s;
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    return absl::InternalError("no random bytes for a salt (OpenSSL)");
  }
  absl::StatusOr<ScramSecret> secret = ComputeScramSecret(
      password,
      std::string_view(reinterpret_cast<const char*>(salt), sizeof salt),
      kScramIterations);
  if (!secret.ok()) return secret.status();
  return FormatScramSecret(*secret);
}

std::string FormatScramSecret(const ScramSecret& secret) {
  return StrCat(kPrefix, secret.iterations, ":", Base64Encode(secret.salt), "$",
                Base64Encode(secret.stored_key), ":",
                Base64Encode(secret.server_key));
}

std::optional<ScramSecret> ParseScramSecret(std::string_view text) {
  if (!StartsWith(text, kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  auto parameters_keys = Cut(text, '$');
  if (!parameters_keys) return std::nullopt;
  auto iterations_salt = Cut(parameters_keys->first, ':');
  auto keys = Cut(parameters_keys->second, ':');
  if (!iterations_salt || !keys) return std::nullopt;
  std::string_view iterations = iterations_salt->first;
  ScramSecret secret;
  auto [end, error] =
      std::from_chars(iterations.data(), iterations.data() + iterations.size(),
                      secret.iterations);
  if (error != std::errc() || end != iterations.data() + iterations.size() ||
      secret.iterations < 1 || secret.iterations > kMaxIterations) {
    return std::nullopt;
  }
  std::optional<std::string> salt = Base64Decode(iterations_salt->second);
  std::optional<std::string> stored_key = Base64Decode(keys->first);
  std::optional<std::string> server_key = Base64Decode(keys->second);
  if (!salt || salt->empty() || !stored_key || !server_key ||
      stored_key->size() != kKeySize || server_key->size() != kKeySize) {
    return std::nullopt;
  }
  secret.salt = *std::move(salt);
  secret.stored_key = *std::move(stored_key);
  secret.server_key = *std::move(server_key);
  return secret;
}

bool ScramVerifierMatches(std::string_view stored, std::string_view password) {
  std::optional<ScramSecret> have = ParseScramSecret(stored);
  if (!have || !CheckScramPassword(password).ok()) return false;
  absl::StatusOr<ScramSecret> want =
      ComputeScramSecret(password, have->salt, have->iterations);
  if (!want.ok()) return false;
  // Constant time, though both sides are known to whoever reads this.
  return CRYPTO_memcmp(want->stored_key.data(), have->stored_key.data(),
                       kKeySize) == 0 &&
         CRYPTO_memcmp(want->server_key.data(), have->server_key.data(),
                       kKeySize) == 0;
}

absl::Status CheckScramPassword(std::string_view password) {
  if (password.empty()) {
    return absl::InvalidArgumentError("the password is empty");
  }
  for (char c : password) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return absl::InvalidArgumentError(
          "the password has non-ASCII characters; PostgreSQL normalizes such "
          "passwords with SASLprep, which the agent does not implement: use "
          "an ASCII password");
    }
  }
  return absl::OkStatus();
}

std::string RedactScramVerifiers(std::string_view text) {
  std::string out;
  while (true) {
    size_t at = text.find(kPrefix);
    if (at == std::string_view::npos) break;
    out += text.substr(0, at + kPrefix.size());
    out += "(redacted)";
    text.remove_prefix(at + kPrefix.size());
    // A verifier is base64, digits, ':' and '$'.
    size_t end = 0;
    while (
        end < text.size() &&
        (std::isalnum(static_cast<unsigned char>(text[end])) ||
         std::string_view("+/=:$").find(text[end]) != std::string_view::npos)) {
      ++end;
    }
    text.remove_prefix(end);
  }
  out += text;
  return out;
}

}  // namespace cairn::agent
