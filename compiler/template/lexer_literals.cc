#include "compiler/template/lexer_literals.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

bool IsDigit(std::string_view text, size_t i) {
  return i < text.size() && text[i] >= '0' && text[i] <= '9';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// float_re's (\d+_)*\d+ at `pos`: returns its end, or `pos` if none.
size_t DigitRun(std::string_view text, size_t pos) {
  if (!IsDigit(text, pos)) return pos;
  size_t i = pos;
  while (IsDigit(text, i)) ++i;
  while (i < text.size() && text[i] == '_' && IsDigit(text, i + 1)) {
    ++i;
    while (IsDigit(text, i)) ++i;
  }
  return i;
}

// e[+-]?(\d+_)*\d+ at `pos`: returns its end, or 0 if none.
size_t Exponent(std::string_view text, size_t pos) {
  if (pos >= text.size() || (text[pos] != 'e' && text[pos] != 'E')) return 0;
  size_t i = pos + 1;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t end = DigitRun(text, i);
  return end == i ? 0 : end;
}

// The end of a float literal at `pos`, or 0.
size_t FloatEnd(std::string_view text, size_t pos) {
  size_t digits = DigitRun(text, pos);
  if (digits < text.size() && text[digits] == '.' &&
      IsDigit(text, digits + 1)) {
    size_t fraction = DigitRun(text, digits + 1);
    if (size_t e = Exponent(text, fraction)) return e;
  }
  if (size_t e = Exponent(text, digits)) return e;
  if (digits < text.size() && text[digits] == '.' &&
      IsDigit(text, digits + 1)) {
    return DigitRun(text, digits + 1);
  }
  return 0;
}

// (_?[digit])+ with digits of `base` at `pos`: returns its end, or `pos`.
size_t PrefixedDigits(std::string_view text, size_t pos, int base) {
  size_t i = pos;
  while (true) {
    size_t j = i;
    if (j < text.size() && text[j] == '_') ++j;
    if (j >= text.size()) break;
    int v = HexValue(text[j]);
    if (v < 0 || v >= base) break;
    i = j + 1;
  }
  return i;
}

// The end of an integer literal at `pos` and its base (0 for decimal).
size_t IntegerEnd(std::string_view text, size_t pos, int* base) {
  if (text[pos] == '0' && pos + 1 < text.size()) {
    char p = text[pos + 1];
    int b = (p == 'b' || p == 'B')   ? 2
            : (p == 'o' || p == 'O') ? 8
            : (p == 'x' || p == 'X') ? 16
                                     : 0;
    if (b != 0) {
      size_t end = PrefixedDigits(text, pos + 2, b);
      if (end > pos + 2) {
        *base = b;
        return end;
      }
    }
  }
  *base = 10;
  size_t i = pos + 1;
  if (text[pos] != '0') {
    while (true) {
      size_t j = i;
      if (j < text.size() && text[j] == '_') ++j;
      if (!IsDigit(text, j)) break;
      i = j + 1;
    }
    return i;
  }
  while (true) {
    size_t j = i;
    if (j < text.size() && text[j] == '_') ++j;
    if (j >= text.size() || text[j] != '0') break;
    i = j + 1;
  }
  return i;
}

void AppendBackslashReplace(char32_t c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  int digits = c < 0x100 ? 2 : c < 0x10000 ? 4 : 8;
  out->push_back('\\');
  out->push_back(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U');
  for (int i = digits - 1; i >= 0; --i)
    out->push_back(kHex[(c >> (4 * i)) & 0xF]);
}

}  // namespace

size_t LexNumber(std::string_view text, size_t pos, bool after_dot,
                 Token* token, std::string* message) {
  token->span.begin = pos;
  size_t end = after_dot ? 0 : FloatEnd(text, pos);
  if (end != 0) {
    std::string digits;
    for (size_t i = pos; i < end; ++i) {
      if (text[i] != '_') digits.push_back(text[i]);
    }
    double value = 0;
    auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
      // Python gives inf for a huge literal and 0.0 for a tiny one.
      size_t e = digits.find_first_of("eE");
      value = e != std::string::npos && digits[e + 1] == '-'
                  ? 0.0
                  : std::numeric_limits<double>::infinity();
    }
    token->kind = TokenKind::kFloat;
    token->float_value = value;
    token->span.end = end;
    return end;
  }
  int base = 10;
  end = IntegerEnd(text, pos, &base);
  token->kind = TokenKind::kInteger;
  token->span.end = end;
  uint64_t value = 0;
  size_t start = base == 10 ? pos : pos + 2;
  for (size_t i = start; i < end; ++i) {
    if (text[i] == '_') continue;
    uint64_t digit = static_cast<uint64_t>(HexValue(text[i]));
    if (value >
        (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) /
            base) {
      *message = "this integer does not fit in 64 bits";
      return end;
    }
    value = value * base + digit;
  }
  token->int_value = static_cast<int64_t>(value);
  return end;
}

bool DecodeStringLiteral(std::string_view raw, std::string* out,
                         std::string* message) {
  std::string body;
  body.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      body.push_back('\n');
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      body.push_back(raw[i]);
    }
  }
  out->clear();
  out->reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out->push_back(c);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        out->push_back(e);
        break;
      case 'a':
        out->push_back('\a');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t value = 0;
        for (size_t k = 0; k < digits; ++k) {
          int v = i + 1 + k < body.size() ? HexValue(body[i + 1 + k]) : -1;
          if (v < 0) {
            *message = e == 'x'   ? "truncated \\xXX escape"
                       : e == 'u' ? "truncated \\uXXXX escape"
                                  : "truncated \\UXXXXXXXX escape";
            return false;
          }
          value = value * 16 + static_cast<uint32_t>(v);
        }
        i += digits;
        if (value > 0x10FFFF) {
          *message = "illegal Unicode character";
          return false;
        }
        if (value >= 0xD800 && value <= 0xDFFF) {
          *message = "surrogate code points cannot be written to a file";
          return false;
        }
        AppendUtf8(value, out);
        break;
      }
      case 'N':
        *message = "\\N{...} escapes are not supported";
        return false;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t value = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' &&
                          body[i + 1] <= '7';
               ++k) {
            value = value * 8 + static_cast<uint32_t>(body[++i] - '0');
          }
          AppendUtf8(value, out);
        } else if (static_cast<unsigned char>(e) >= 0x80) {
          // Jinja2 encodes the literal with backslashreplace before decoding
          // it, so a backslash before a non-ASCII character escapes the
          // backslash of that character's \x, \u or \U form.
          size_t n = 1;
          while (i + n < body.size() &&
                 (static_cast<unsigned char>(body[i + n]) & 0xC0) == 0x80) {
            ++n;
          }
          std::u32string cp;
          DecodeUtf8(std::string_view(body).substr(i, n), &cp);
          if (cp.empty()) {
            *message = "invalid UTF-8 in string";
            return false;
          }
          AppendBackslashReplace(cp[0], out);
          i += n - 1;
        } else {
          out->push_back('\\');
          out->push_back(e);
        }
        break;
    }
  }
  return true;
}

}  // namespace cairn::jinja_internal
