#include "compiler/template/pyformat.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using jinja::Value;

void AppendHex(uint32_t value, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i)
    out->push_back(kHex[(value >> (4 * i)) & 0xF]);
}

FormatStatus AppendReprAt(const Value& value, const FormatLimits& limits,
                          int depth, std::string* out);

FormatStatus AppendContainer(const Value& value, const FormatLimits& limits,
                             int depth, std::string* out) {
  if (depth >= limits.max_depth) return FormatStatus::kTooDeep;
  if (value.type() == Value::Type::kList) {
    bool tuple = ValueAccess::IsTuple(value);
    out->push_back(tuple ? '(' : '[');
    bool first = true;
    for (const Value& item : value.items()) {
      if (!first) out->append(", ");
      first = false;
      FormatStatus s = AppendReprAt(item, limits, depth + 1, out);
      if (s != FormatStatus::kOk) return s;
    }
    if (tuple && value.items().size() == 1) out->push_back(',');
    out->push_back(tuple ? ')' : ']');
  } else {
    out->push_back('{');
    bool first = true;
    for (const Value::Entry& e : value.entries()) {
      if (!first) out->append(", ");
      first = false;
      AppendStringRepr(e.first, out);
      out->append(": ");
      FormatStatus s = AppendReprAt(e.second, limits, depth + 1, out);
      if (s != FormatStatus::kOk) return s;
    }
    out->push_back('}');
  }
  return out->size() > limits.max_bytes ? FormatStatus::kTooLarge
                                        : FormatStatus::kOk;
}

FormatStatus AppendScalar(const Value& value, bool repr, std::string* out) {
  switch (value.type()) {
    case Value::Type::kNull:
      out->append("None");
      break;
    case Value::Type::kBool:
      out->append(value.bool_value() ? "True" : "False");
      break;
    case Value::Type::kInt:
      StrAppend(out, value.int_value());
      break;
    case Value::Type::kDouble:
      out->append(FloatRepr(value.double_value()));
      break;
    case Value::Type::kString:
      if (repr) {
        AppendStringRepr(value.string_value(), out);
      } else {
        out->append(value.string_value());
      }
      break;
    case Value::Type::kList:
    case Value::Type::kMap:
      break;
  }
  return FormatStatus::kOk;
}

FormatStatus AppendReprAt(const Value& value, const FormatLimits& limits,
                          int depth, std::string* out) {
  Value::Type type = value.type();
  if (type == Value::Type::kList || type == Value::Type::kMap) {
    return AppendContainer(value, limits, depth, out);
  }
  return AppendScalar(value, /*repr=*/true, out);
}

}  // namespace

std::string FloatRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's layout: exponent notation when
  // the decimal point would sit more than 16 places right or 4 places left.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value,
                                 std::chars_format::scientific);
  std::string_view sci(buf, end - buf);
  bool negative = sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  int decpt = exponent + 1;
  std::string out = negative ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out.push_back('0');
    StrAppend(&out, magnitude);
    return out;
  }
  if (decpt <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-decpt), '0');
    out.append(digits);
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out.append(digits);
    out.append(decpt - digits.size(), '0');
    out.append(".0");
  } else {
    out.append(digits, 0, decpt);
    out.push_back('.');
    out.append(digits, decpt);
  }
  return out;
}

void AppendStringRepr(std::string_view text, std::string* out) {
  bool has_single = text.find('\'') != std::string_view::npos;
  bool has_double = text.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out->push_back(quote);
  std::u32string chars;
  if (!DecodeUtf8(text, &chars)) {
    // Not valid UTF-8: show the bytes as they are rather than guess.
    out->append(text);
    out->push_back(quote);
    return;
  }
  for (char32_t c : chars) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c < 0x20 || c == 0x7F) {
      out->append("\\x");
      AppendHex(c, 2, out);
    } else if (c < 0x7F || IsPrintable(c)) {
      AppendUtf8(c, out);
    } else if (c < 0x100) {
      out->append("\\x");
      AppendHex(c, 2, out);
    } else if (c < 0x10000) {
      out->append("\\u");
      AppendHex(c, 4, out);
    } else {
      out->append("\\U");
      AppendHex(c, 8, out);
    }
  }
  out->push_back(quote);
}

FormatStatus AppendStr(const Value& value, const FormatLimits& limits,
                       std::string* out) {
  Value::Type type = value.type();
  if (type == Value::Type::kList || type == Value::Type::kMap) {
    return AppendContainer(value, limits, 0, out);
  }
  AppendScalar(value, /*repr=*/false, out);
  return out->size() > limits.max_bytes ? FormatStatus::kTooLarge
                                        : FormatStatus::kOk;
}

FormatStatus AppendRepr(const Value& value, const FormatLimits& limits,
                        std::string* out) {
  return AppendReprAt(value, limits, 0, out);
}

}  // namespace cairn::jinja_internal
