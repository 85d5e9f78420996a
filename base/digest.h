#ifndef CAIRN_BASE_DIGEST_H_
#define CAIRN_BASE_DIGEST_H_

// Digests as lower-case hex, the form every digest Cairn shows or stores
// takes (catalog digests, plan digests, record-set digests).

#include <string>
#include <string_view>

namespace cairn {

// SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// HMAC-SHA256 of `bytes` keyed with `key`: names something secret without
// letting anyone who lacks the key test guesses against it.
std::string HmacSha256Hex(std::string_view key, std::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_BASE_DIGEST_H_
