#ifndef CAIRN_COMPILER_VAULT_ENVELOPE_H_
#define CAIRN_COMPILER_VAULT_ENVELOPE_H_

// Private to compiler/vault: reading vault text line by line, so that errors
// can name the line and column of the file the text came from (a vault file,
// or a `!vault |` block inside a YAML file).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/vault/vault.h"

namespace cairn::vault::internal {

// One line of text, without its line end, and where its first byte is in
// the caller's file (both 1-based).
struct SourceLine {
  std::string_view text;
  int line = 1;
  int column = 1;
};

// Splits `text` at "\n", "\r\n" and "\r", as Python's bytes.splitlines()
// (and so ansible) does: "" gives no lines, a final line end adds none.
std::vector<SourceLine> SplitLines(std::string_view text);

// Decrypt() over lines already split; errors name positions from `lines`.
absl::StatusOr<std::string> DecryptLines(const std::vector<SourceLine>& lines,
                                         std::string_view password,
                                         VaultFile* header);

// Lower-case hex of `bytes`, as Python's binascii.hexlify() writes it.
std::string HexEncode(std::string_view bytes);

// Whether `c` is one of the bytes Python's bytes.strip() removes.
bool IsAsciiSpace(char c);

// `s` without the leading and trailing bytes that IsAsciiSpace() accepts.
std::string_view StripAsciiSpace(std::string_view s);

}  // namespace cairn::vault::internal

#endif  // CAIRN_COMPILER_VAULT_ENVELOPE_H_
