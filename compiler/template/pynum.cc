#include "compiler/template/pynum.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

// Python first turns Unicode whitespace into ' ' and digits of any script
// into ASCII digits; any other non-ASCII character makes the text invalid.
bool ToAscii(std::string_view text, std::string* out) {
  std::u32string chars;
  if (!DecodeUtf8(text, &chars)) return false;
  for (char32_t c : chars) {
    if (IsSpace(c)) {
      out->push_back(' ');
    } else if (int d = DecimalValue(c); d >= 0) {
      out->push_back(static_cast<char>('0' + d));
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

ParseStatus ParsePyInt(std::string_view text, int base, int64_t* out) {
  std::string ascii;
  if (!ToAscii(text, &ascii)) return ParseStatus::kInvalid;
  std::string_view s = Trim(ascii);
  if (base != 0 && (base < 2 || base > 36)) return ParseStatus::kInvalid;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto prefix = [&](char lower) {
    return s.size() >= 2 && s[0] == '0' &&
           (s[1] == lower || s[1] == lower - 'a' + 'A');
  };
  bool zero_only = false;
  if (base == 0) {
    base = prefix('x') ? 16 : prefix('o') ? 8 : prefix('b') ? 2 : 10;
    zero_only = base == 10 && !s.empty() && s[0] == '0';
  }
  if ((base == 16 && prefix('x')) || (base == 8 && prefix('o')) ||
      (base == 2 && prefix('b'))) {
    s.remove_prefix(2);
    if (!s.empty() && s[0] == '_') s.remove_prefix(1);
  }
  if (s.empty() || s[0] == '_') return ParseStatus::kInvalid;
  uint64_t value = 0;
  bool overflow = false;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i + 1 >= s.size() || s[i + 1] == '_') return ParseStatus::kInvalid;
      continue;
    }
    int d = DigitValue(s[i]);
    if (d >= base) return ParseStatus::kInvalid;
    if (zero_only && d != 0) return ParseStatus::kInvalid;
    if (value >
        (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
  }
  if (overflow) return ParseStatus::kOutOfRange;
  *out =
      negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return ParseStatus::kOk;
}

ParseStatus ParsePyFloat(std::string_view text, double* out) {
  std::string ascii;
  if (!ToAscii(text, &ascii)) return ParseStatus::kInvalid;
  std::string_view s = Trim(ascii);
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return ParseStatus::kOk;
  }
  if (EqualsIgnoreCase(body, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return ParseStatus::kOk;
  }
  // digits [. digits] [e [sign] digits], with '_' only between digits.
  std::string clean;
  size_t i = 0;
  auto digits = [&]() {
    size_t start = i;
    while (i < body.size()) {
      if (body[i] >= '0' && body[i] <= '9') {
        clean.push_back(body[i++]);
      } else if (body[i] == '_' && i > start && i + 1 < body.size() &&
                 body[i + 1] >= '0' && body[i + 1] <= '9' &&
                 body[i - 1] >= '0' && body[i - 1] <= '9') {
        ++i;
      } else {
        break;
      }
    }
    return i > start;
  };
  bool mantissa = digits();
  if (i < body.size() && body[i] == '.') {
    clean.push_back('.');
    ++i;
    mantissa = digits() || mantissa;
  }
  if (!mantissa) return ParseStatus::kInvalid;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    clean.push_back('e');
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) {
      clean.push_back(body[i++]);
    }
    if (!digits()) return ParseStatus::kInvalid;
  }
  if (i != body.size()) return ParseStatus::kInvalid;
  double value = 0;
  auto [ptr, ec] =
      std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (ec == std::errc::result_out_of_range) {
    size_t e = clean.find('e');
    value = e != std::string::npos && clean[e + 1] == '-'
                ? 0.0
                : std::numeric_limits<double>::infinity();
  } else if (ec != std::errc() || ptr != clean.data() + clean.size()) {
    return ParseStatus::kInvalid;
  }
  *out = negative ? -value : value;
  return ParseStatus::kOk;
}

ParseStatus FloatToInt(double value, int64_t* out) {
  if (std::isnan(value)) return ParseStatus::kInvalid;
  if (std::isinf(value)) return ParseStatus::kOutOfRange;
  double t = std::trunc(value);
  if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) {
    return ParseStatus::kOutOfRange;
  }
  *out = static_cast<int64_t>(t);
  return ParseStatus::kOk;
}

}  // namespace cairn::jinja_internal
