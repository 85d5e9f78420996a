#include "compiler/template/json_emit.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/template/pyformat.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

using jinja::Value;

void AppendHex4(uint32_t v, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u");
  for (int i = 3; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 0xF]);
}

// Appends `s` quoted; false if it is not valid UTF-8.
bool AppendJsonString(const std::string& s, bool ensure_ascii,
                      std::string* out) {
  out->push_back('"');
  std::u32string chars;
  if (!DecodeUtf8(s, &chars)) return false;
  auto escape = [&](char32_t c) {
    switch (c) {
      case '"':
        out->append("\\\"");
        return true;
      case '\\':
        out->append("\\\\");
        return true;
      case '\n':
        out->append("\\n");
        return true;
      case '\r':
        out->append("\\r");
        return true;
      case '\t':
        out->append("\\t");
        return true;
      case '\b':
        out->append("\\b");
        return true;
      case '\f':
        out->append("\\f");
        return true;
      default:
        if (c < 0x20) {
          AppendHex4(c, out);
          return true;
        }
        return false;
    }
  };
  for (char32_t c : chars) {
    if (escape(c)) continue;
    if (c < 0x7F || !ensure_ascii) {
      AppendUtf8(c, out);
    } else if (c < 0x10000) {
      AppendHex4(c, out);
    } else {
      char32_t v = c - 0x10000;
      AppendHex4(0xD800 | (v >> 10), out);
      AppendHex4(0xDC00 | (v & 0x3FF), out);
    }
  }
  out->push_back('"');
  return true;
}

class JsonWriter {
 public:
  JsonWriter(const JsonOptions& options, int max_depth, size_t max_bytes,
             std::string* out)
      : options_(options),
        max_depth_(max_depth),
        max_bytes_(max_bytes),
        out_(out) {
    item_separator_ =
        options.item_separator.value_or(options.indent ? "," : ", ");
    key_separator_ = options.key_separator.value_or(": ");
  }

  bool Write(const Value& value, int depth) {
    if (out_->size() > max_bytes_) {
      error_ = "the JSON text is larger than the output limit";
      return false;
    }
    switch (value.type()) {
      case Value::Type::kNull:
        out_->append("null");
        return true;
      case Value::Type::kBool:
        out_->append(value.bool_value() ? "true" : "false");
        return true;
      case Value::Type::kInt:
        StrAppend(out_, value.int_value());
        return true;
      case Value::Type::kDouble: {
        double d = value.double_value();
        if (std::isnan(d)) {
          out_->append("NaN");
        } else if (std::isinf(d)) {
          out_->append(d > 0 ? "Infinity" : "-Infinity");
        } else {
          out_->append(FloatRepr(d));
        }
        return true;
      }
      case Value::Type::kString:
        return String(value.string_value());
      case Value::Type::kList:
      case Value::Type::kMap:
        break;
    }
    if (depth >= max_depth_) {
      error_ = StrCat("a value nested more than ", max_depth_, " levels deep");
      return false;
    }
    bool is_list = value.type() == Value::Type::kList;
    size_t size = is_list ? value.items().size() : value.entries().size();
    if (size == 0) {
      out_->append(is_list ? "[]" : "{}");
      return true;
    }
    out_->push_back(is_list ? '[' : '{');
    std::vector<const Value::Entry*> entries;
    if (!is_list) {
      for (const Value::Entry& e : value.entries()) entries.push_back(&e);
      if (options_.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const Value::Entry* a, const Value::Entry* b) {
                           return a->first < b->first;
                         });
      }
    }
    for (size_t i = 0; i < size; ++i) {
      if (i > 0) out_->append(item_separator_);
      Newline(depth + 1);
      if (is_list) {
        if (!Write(value.items()[i], depth + 1)) return false;
      } else {
        if (!String(entries[i]->first)) return false;
        out_->append(key_separator_);
        if (!Write(entries[i]->second, depth + 1)) return false;
      }
    }
    Newline(depth);
    out_->push_back(is_list ? ']' : '}');
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool String(const std::string& s) {
    if (AppendJsonString(s, options_.ensure_ascii, out_)) return true;
    error_ = "a string is not valid UTF-8";
    return false;
  }

  void Newline(int depth) {
    if (!options_.indent) return;
    out_->push_back('\n');
    for (int i = 0; i < depth; ++i) out_->append(*options_.indent);
  }

  const JsonOptions& options_;
  int max_depth_;
  size_t max_bytes_;
  std::string* out_;
  std::string item_separator_;
  std::string key_separator_;
  std::string error_;
};

}  // namespace

bool DumpJson(const Value& value, const JsonOptions& options, int max_depth,
              size_t max_bytes, std::string* out, std::string* error) {
  JsonWriter writer(options, max_depth, max_bytes, out);
  if (writer.Write(value, 0)) return true;
  *error = writer.error();
  return false;
}

}  // namespace cairn::jinja_internal
