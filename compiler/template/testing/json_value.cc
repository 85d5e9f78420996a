#include "compiler/template/testing/json_value.h"

#include <charconv>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace cairn::jinja_testing {
namespace {

using jinja::Value;

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  bool Parse(Value* out, std::string* error) {
    bool ok = ParseValue(out, 0);
    SkipSpace();
    if (ok && pos_ != text_.size()) ok = Fail("trailing characters");
    if (!ok) *error = StrCat(error_, " at byte ", pos_);
    return ok;
  }

 private:
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return Fail("bad literal");
    pos_ += word.size();
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    if (depth > 500) return Fail("nested too deeply");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') return ParseObject(out, depth);
    if (c == '[') return ParseArray(out, depth);
    if (c == '"') {
      std::string s;
      if (!ParseString(&s)) return false;
      *out = Value(std::move(s));
      return true;
    }
    if (c == 't') {
      *out = Value(true);
      return Literal("true");
    }
    if (c == 'f') {
      *out = Value(false);
      return Literal("false");
    }
    if (c == 'n') {
      *out = Value();
      return Literal("null");
    }
    // Python's json also writes and reads these.
    if (c == 'N') {
      *out = Value(std::numeric_limits<double>::quiet_NaN());
      return Literal("NaN");
    }
    if (c == 'I' || (c == '-' && text_.substr(pos_, 2) == "-I")) {
      double inf = std::numeric_limits<double>::infinity();
      *out = Value(c == '-' ? -inf : inf);
      return Literal(c == '-' ? "-Infinity" : "Infinity");
    }
    return ParseNumber(out);
  }

  bool ParseObject(Value* out, int depth) {
    ++pos_;
    std::vector<Value::Entry> entries;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      *out = Value::Map({});
      return true;
    }
    while (true) {
      SkipSpace();
      std::string key;
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return Fail("expected a key");
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return Fail("expected ':'");
      ++pos_;
      Value v;
      if (!ParseValue(&v, depth + 1)) return false;
      entries.emplace_back(std::move(key), std::move(v));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      return Fail("expected ',' or '}'");
    }
    *out = Value::Map(std::move(entries));
    return true;
  }

  bool ParseArray(Value* out, int depth) {
    ++pos_;
    std::vector<Value> items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      *out = Value::List({});
      return true;
    }
    while (true) {
      Value v;
      if (!ParseValue(&v, depth + 1)) return false;
      items.push_back(std::move(v));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        break;
      }
      return Fail("expected ',' or ']'");
    }
    *out = Value::List(std::move(items));
    return true;
  }

  static void AppendUtf8(uint32_t c, std::string* out) {
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (c >> 12)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (c >> 18)));
      out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Fail("bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return Fail("bad \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          uint32_t v = 0;
          if (!Hex4(&v)) return false;
          if (v >= 0xD800 && v < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            uint32_t low = 0;
            if (!Hex4(&low)) return false;
            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(v, out);
          break;
        }
        default:
          out->push_back(e);
          break;
      }
    }
    if (pos_ >= text_.size()) return Fail("unterminated string");
    ++pos_;
    return true;
  }

  bool ParseNumber(Value* out) {
    size_t start = pos_;
    bool is_float = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
      } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
        break;
      }
      ++pos_;
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (digits.empty()) return Fail("unexpected character");
    if (is_float) {
      double d = 0;
      auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (ec != std::errc()) return Fail("bad number");
      *out = Value(d);
    } else {
      int64_t i = 0;
      auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), i);
      if (ec != std::errc()) return Fail("integer out of range");
      *out = Value(i);
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool ParseJson(std::string_view text, Value* out, std::string* error) {
  return JsonParser(text).Parse(out, error);
}

}  // namespace cairn::jinja_testing
