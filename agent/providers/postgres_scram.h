#ifndef CAIRN_AGENT_PROVIDERS_POSTGRES_SCRAM_H_
#define CAIRN_AGENT_PROVIDERS_POSTGRES_SCRAM_H_

// SCRAM-SHA-256 verifiers as PostgreSQL stores them in pg_authid.rolpassword
// (RFC 5802 and 7677):
//
//   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64
//   ServerKey>
//
// The postgres_role provider sends the server only such a verifier, never
// the password, and checks a stored one by recomputing it from the desired
// password with the stored salt and iteration count.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cairn::agent {

// The parts of a verifier, salt and keys as raw bytes.
struct ScramSecret {
  int iterations = 0;
  std::string salt;
  std::string stored_key;  // SHA-256(ClientKey), 32 bytes.
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), 32 bytes.
};

// The iteration count of new verifiers, PostgreSQL's default.
inline constexpr int kScramIterations = 4096;

// The verifier of `password` for `salt` and `iterations`: SaltedPassword =
// PBKDF2-HMAC-SHA-256(password, salt, iterations), ClientKey =
// HMAC(SaltedPassword, "Client Key"), StoredKey = SHA-256(ClientKey),
// ServerKey = HMAC(SaltedPassword, "Server Key"). The password is used as
// its bytes: see CheckScramPassword.
absl::StatusOr<ScramSecret> ComputeScramSecret(std::string_view password,
                                               std::string_view salt,
                                               int iterations);

// A verifier of `password` with a fresh random 16-byte salt and
// kScramIterations, in PostgreSQL's text form.
absl::StatusOr<std::string> NewScramVerifier(std::string_view password);

// PostgreSQL's text form of `secret`.
std::string FormatScramSecret(const ScramSecret& secret);

// The parts of a stored verifier; nullopt when `text` is not one (an MD5
// hash, a malformed value, keys that are not 32 bytes, or more than ten
// million iterations, which Check would take minutes to recompute).
std::optional<ScramSecret> ParseScramSecret(std::string_view text);

// Whether `stored` (rolpassword) is a SCRAM-SHA-256 verifier of `password`.
// False for anything that is not a verifier.
bool ScramVerifierMatches(std::string_view stored, std::string_view password);

// Whether the agent can make a verifier that clients will accept for
// `password`. Clients and the server normalize a password with SASLprep
// (RFC 4013) before hashing it; for printable ASCII that is the identity
// (and for control characters PostgreSQL uses the raw bytes, as we do), but
// for other characters it needs Unicode tables this code does not carry.
// InvalidArgument, naming no character of the password, for a non-ASCII or
// empty one.
absl::Status CheckScramPassword(std::string_view password);

// Replaces every SCRAM-SHA-256 verifier in `text` (an error message that
// quotes a statement) by "SCRAM-SHA-256$(redacted)".
std::string RedactScramVerifiers(std::string_view text);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_POSTGRES_SCRAM_H_
