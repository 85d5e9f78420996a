#include "compiler/vault/envelope.h"

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "compiler/vault/crypto.h"

namespace cairn::vault::internal {
namespace {

constexpr std::string_view kMagic = "$ANSIBLE_VAULT";

// The value of hex digit `c`, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Names a byte for an error message without quoting the text around it.
std::string DescribeByte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u == ' ') return "a space";
  if (u == '\t') return "a tab";
  char buf[16];
  if (u > 0x20 && u < 0x7f) {
    std::snprintf(buf, sizeof buf, "'%c'", u);
  } else {
    std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  }
  return buf;
}

// `s` quoted when it is short printable ASCII; a description otherwise.
// Only header fields go through here; they are labels, not secrets.
std::string QuoteField(std::string_view s) {
  bool printable = s.size() <= 40;
  for (char c : s) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable) return StrCat("'", s, "'");
  return "(an unprintable value)";
}

std::string At(int line, int column) {
  return StrCat("line ", line, ", column ", column, ": ");
}

// The body's hex digits joined, remembering where each line's digits came
// from so that an offset into them (or into the inner layer) can be located.
class Body {
 public:
  // Where the digits of one body line start.
  struct Piece {
    size_t offset;
    int line;
    int column;
  };

  void Add(const SourceLine& line) {
    pieces_.push_back({hex_.size(), line.line, line.column});
    hex_.append(line.text);
    end_line_ = line.line;
    end_column_ = line.column + static_cast<int>(line.text.size());
  }
  void SetEnd(int line, int column) {
    end_line_ = line;
    end_column_ = column;
  }

  const std::string& hex() const { return hex_; }

  // "line L, column C: " for offset `p` of the joined hex digits.
  std::string Locate(size_t p) const {
    if (p >= hex_.size() || pieces_.empty()) return At(end_line_, end_column_);
    auto it = std::upper_bound(
        pieces_.begin(), pieces_.end(), p,
        [](size_t v, const Piece& piece) { return v < piece.offset; });
    --it;
    return At(it->line, it->column + static_cast<int>(p - it->offset));
  }

  // The same for offset `k` of the inner layer (two hex digits a byte).
  std::string LocateInner(size_t k) const { return Locate(2 * k); }

 private:
  std::string hex_;
  std::vector<Piece> pieces_;
  int end_line_ = 1;
  int end_column_ = 1;
};

absl::Status Malformed(std::string where, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(where, what));
}

// Reads the header line into `*header`.
absl::Status ParseHeader(const SourceLine& line, VaultFile* header) {
  std::string where = At(line.line, line.column);
  if (!StartsWith(line.text, kMagic)) {
    return Malformed(where,
                     "expected a vault header ($ANSIBLE_VAULT;1.1;AES256 or "
                     "$ANSIBLE_VAULT;1.2;AES256;<vault-id>)");
  }
  std::vector<std::string_view> fields =
      StrSplit(StripAsciiSpace(line.text), ';');
  if (fields.size() < 3 || fields.size() > 4 ||
      StripAsciiSpace(fields[0]) != kMagic) {
    return Malformed(where, StrCat("the vault header has ", fields.size(),
                                   " fields separated by ';'; expected "
                                   "$ANSIBLE_VAULT;1.1;AES256 or "
                                   "$ANSIBLE_VAULT;1.2;AES256;<vault-id>"));
  }
  std::string_view version = StripAsciiSpace(fields[1]);
  if (version != "1.1" && version != "1.2") {
    return Malformed(
        where, StrCat("unsupported vault format version ", QuoteField(version),
                      "; expected 1.1 or 1.2"));
  }
  std::string_view cipher = StripAsciiSpace(fields[2]);
  if (cipher != "AES256") {
    return Malformed(where, StrCat("unsupported vault cipher ",
                                   QuoteField(cipher), "; expected AES256"));
  }
  header->version = std::string(version);
  header->vault_id =
      fields.size() == 4 ? std::string(StripAsciiSpace(fields[3])) : "";
  return absl::OkStatus();
}

// Decodes `hex`, which starts at inner offset `start`; errors are located.
absl::StatusOr<std::string> DecodeInner(const Body& body, std::string_view hex,
                                        size_t start, std::string_view name) {
  if (hex.size() % 2 != 0) {
    return Malformed(body.LocateInner(start + hex.size()),
                     StrCat("the ", name,
                            " has an odd number of hex digits: the file is "
                            "truncated or corrupted"));
  }
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < hex.size(); ++i) {
    int v = HexValue(hex[i]);
    if (v < 0) {
      return Malformed(body.LocateInner(start + i),
                       StrCat("the ", name, " contains ", DescribeByte(hex[i]),
                              " where a hex digit belongs: the file is "
                              "corrupted"));
    }
    out[i / 2] = static_cast<char>(out[i / 2] << 4 | v);
  }
  return out;
}

}  // namespace

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

std::string_view StripAsciiSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(kDigits[u >> 4]);
    out.push_back(kDigits[u & 0xf]);
  }
  return out;
}

std::vector<SourceLine> SplitLines(std::string_view text) {
  std::vector<SourceLine> lines;
  size_t start = 0;
  int number = 1;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({text.substr(start, end - start), number++, 1});
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() &&
        text[end + 1] == '\n') {
      ++end;
    }
    start = end + 1;
  }
  return lines;
}

absl::StatusOr<std::string> DecryptLines(const std::vector<SourceLine>& lines,
                                         std::string_view password,
                                         VaultFile* header) {
  if (password.empty()) {
    return absl::InvalidArgumentError("empty vault password");
  }
  if (lines.empty()) {
    return absl::InvalidArgumentError(
        "empty text where vault text was expected");
  }
  VaultFile parsed;
  if (absl::Status s = ParseHeader(lines[0], &parsed); !s.ok()) return s;
  if (header != nullptr) *header = parsed;

  // Ansible joins the body lines and unhexlifies them: blank lines are
  // ignored and anything else that is not a hex digit is an error.
  Body body;
  body.SetEnd(lines[0].line + 1, 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const SourceLine& line = lines[i];
    for (size_t c = 0; c < line.text.size(); ++c) {
      if (HexValue(line.text[c]) < 0) {
        return Malformed(At(line.line, line.column + static_cast<int>(c)),
                         StrCat(DescribeByte(line.text[c]),
                                " in the vault body, where only hex digits "
                                "may appear"));
      }
    }
    if (!line.text.empty()) body.Add(line);
  }
  const std::string& hex = body.hex();
  if (hex.empty()) {
    return Malformed(body.Locate(0),
                     "the vault body is missing: the file is truncated");
  }
  if (hex.size() % 2 != 0) {
    return Malformed(body.Locate(hex.size()),
                     "the vault body has an odd number of hex digits: the "
                     "file is truncated or corrupted");
  }
  std::string inner(hex.size() / 2, '\0');
  for (size_t i = 0; i < inner.size(); ++i) {
    inner[i] =
        static_cast<char>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  }

  // The inner layer: hex(salt) "\n" hex(hmac) "\n" hex(ciphertext).
  size_t first = inner.find('\n');
  size_t second =
      first == std::string::npos ? first : inner.find('\n', first + 1);
  if (second == std::string::npos) {
    return Malformed(body.Locate(hex.size()),
                     "the vault body ends before its salt, HMAC and "
                     "ciphertext are all there: the file is truncated or "
                     "corrupted");
  }
  std::string_view view(inner);
  auto salt = DecodeInner(body, view.substr(0, first), 0, "salt");
  if (!salt.ok()) return salt.status();
  auto mac = DecodeInner(body, view.substr(first + 1, second - first - 1),
                         first + 1, "HMAC");
  if (!mac.ok()) return mac.status();
  auto ciphertext =
      DecodeInner(body, view.substr(second + 1), second + 1, "ciphertext");
  if (!ciphertext.ok()) return ciphertext.status();
  if (salt->empty()) {
    return Malformed(body.Locate(0), "the vault salt is empty");
  }
  if (mac->size() != kHmacSize) {
    return Malformed(body.LocateInner(first + 1),
                     StrCat("the HMAC is ", mac->size(),
                            " bytes long instead of 32: the file is "
                            "corrupted"));
  }
  if (ciphertext->empty() || ciphertext->size() % kBlockSize != 0) {
    return Malformed(body.Locate(hex.size()),
                     StrCat("the ciphertext is ", ciphertext->size(),
                            " bytes long, not a positive multiple of 16: the "
                            "file is truncated or corrupted"));
  }

  // Authenticate before decrypting anything.
  DerivedKeys keys;
  if (absl::Status s = DeriveKeys(password, *salt, &keys); !s.ok()) return s;
  std::string_view hmac_key(reinterpret_cast<const char*>(keys.hmac_key),
                            kKeySize);
  auto expected = HmacSha256(hmac_key, *ciphertext);
  if (!expected.ok()) return expected.status();
  if (!ConstantTimeEquals(*expected, *mac)) {
    return absl::PermissionDeniedError(
        "HMAC mismatch: wrong password or corrupted file");
  }

  auto padded = AesCtr(keys, *ciphertext);
  if (!padded.ok()) return padded.status();
  std::string plaintext = *std::move(padded);
  unsigned char pad = static_cast<unsigned char>(plaintext.back());
  bool good = pad >= 1 && pad <= kBlockSize && pad <= plaintext.size();
  for (size_t i = 0; good && i < pad; ++i) {
    good =
        static_cast<unsigned char>(plaintext[plaintext.size() - 1 - i]) == pad;
  }
  if (!good) {
    Wipe(&plaintext);
    return absl::InvalidArgumentError(
        "the HMAC is valid but the PKCS#7 padding is not: the file was "
        "written by a faulty encoder");
  }
  plaintext.resize(plaintext.size() - pad);
  return plaintext;
}

}  // namespace cairn::vault::internal
