// A port of the parts of libyaml's emitter (src/emitter.c) that yaml.dump
// reaches for plain data, driven directly by the value instead of events,
// with PyYAML's representer deciding flow or block style and key order.

#include "compiler/template/yaml_emit.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "compiler/template/unicode.h"
#include "compiler/template/yaml_scalar.h"

namespace cairn::jinja_internal {
namespace {

using jinja::Value;

class Emitter {
 public:
  Emitter(const YamlOptions& options, int max_depth, size_t max_bytes,
          std::string* out)
      : options_(options),
        max_depth_(max_depth),
        max_bytes_(max_bytes),
        out_(out) {}

  bool Document(const Value& value) {
    if (!Node(value, 0, /*root=*/true, false, false)) return false;
    WriteIndent();
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool Node(const Value& v, int depth, bool root, bool mapping,
            bool simple_key) {
    (void)root;
    mapping_context_ = mapping;
    simple_key_context_ = simple_key;
    if (out_->size() > max_bytes_) {
      error_ = "the YAML text is larger than the output limit";
      return false;
    }
    switch (v.type()) {
      case Value::Type::kList:
      case Value::Type::kMap:
        if (depth >= max_depth_) {
          error_ =
              StrCat("a value nested more than ", max_depth_, " levels deep");
          return false;
        }
        return Collection(v, depth);
      case Value::Type::kNull:
        return Scalar("null", true);
      case Value::Type::kBool:
        return Scalar(v.bool_value() ? "true" : "false", true);
      case Value::Type::kInt:
        return Scalar(StrCat(v.int_value()), true);
      case Value::Type::kDouble:
        return Scalar(YamlFloat(v.double_value()), true);
      case Value::Type::kString:
        return Scalar(v.string_value(), false);
    }
    return false;
  }

  bool IsFlow(const Value& v) const {
    bool empty = v.type() == Value::Type::kList ? v.items().empty()
                                                : v.entries().empty();
    if (flow_level_ > 0 || empty) return true;
    switch (options_.flow) {
      case YamlOptions::Flow::kAlways:
        return true;
      case YamlOptions::Flow::kNever:
        return false;
      case YamlOptions::Flow::kAuto:
        break;
    }
    auto scalar = [](const Value& x) {
      return x.type() != Value::Type::kList && x.type() != Value::Type::kMap;
    };
    if (v.type() == Value::Type::kList) {
      return std::all_of(v.items().begin(), v.items().end(), scalar);
    }
    return std::all_of(v.entries().begin(), v.entries().end(),
                       [&](const Value::Entry& e) { return scalar(e.second); });
  }

  bool Collection(const Value& v, int depth) {
    bool is_list = v.type() == Value::Type::kList;
    std::vector<const Value::Entry*> entries;
    if (!is_list) {
      for (const Value::Entry& e : v.entries()) entries.push_back(&e);
      std::stable_sort(entries.begin(), entries.end(),
                       [](const Value::Entry* a, const Value::Entry* b) {
                         return a->first < b->first;
                       });
    }
    size_t n = is_list ? v.items().size() : entries.size();
    if (IsFlow(v)) {
      WriteIndicator(is_list ? "[" : "{", true, true, false);
      IncreaseIndent(true, false);
      ++flow_level_;
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) WriteIndicator(",", false, false, false);
        if (column_ > best_width_) WriteIndent();
        if (is_list) {
          if (!Node(v.items()[i], depth + 1, false, false, false)) return false;
          continue;
        }
        if (SimpleKey(entries[i]->first)) {
          if (!Node(Value(entries[i]->first), depth + 1, false, true, true)) {
            return false;
          }
          WriteIndicator(":", false, false, false);
        } else {
          WriteIndicator("?", true, false, false);
          if (!Node(Value(entries[i]->first), depth + 1, false, true, false)) {
            return false;
          }
          if (column_ > best_width_) WriteIndent();
          WriteIndicator(":", true, false, false);
        }
        if (!Node(entries[i]->second, depth + 1, false, true, false)) {
          return false;
        }
      }
      --flow_level_;
      PopIndent();
      WriteIndicator(is_list ? "]" : "}", false, false, false);
      return true;
    }
    if (is_list) {
      IncreaseIndent(false, mapping_context_ && !indention_);
      for (size_t i = 0; i < n; ++i) {
        WriteIndent();
        WriteIndicator("-", true, false, true);
        if (!Node(v.items()[i], depth + 1, false, false, false)) return false;
      }
      PopIndent();
      return true;
    }
    IncreaseIndent(false, false);
    for (size_t i = 0; i < n; ++i) {
      WriteIndent();
      if (SimpleKey(entries[i]->first)) {
        if (!Node(Value(entries[i]->first), depth + 1, false, true, true)) {
          return false;
        }
        WriteIndicator(":", false, false, false);
      } else {
        WriteIndicator("?", true, false, true);
        if (!Node(Value(entries[i]->first), depth + 1, false, true, false)) {
          return false;
        }
        WriteIndent();
        WriteIndicator(":", true, false, true);
      }
      if (!Node(entries[i]->second, depth + 1, false, true, false)) {
        return false;
      }
    }
    PopIndent();
    return true;
  }

  // libyaml's check_simple_key for a string key.
  bool SimpleKey(const std::string& key) const {
    std::u32string s;
    DecodeUtf8(key, &s);
    return !AnalyzeScalar(s).multiline && key.size() <= 128;
  }

  enum class Style { kPlain, kSingle, kDouble };

  bool Scalar(const std::string& text, bool typed) {
    std::u32string s;
    if (!DecodeUtf8(text, &s)) {
      error_ = "the string is not valid UTF-8";
      return false;
    }
    ScalarAnalysis a = AnalyzeScalar(s);
    bool plain_implicit = typed || ResolvesToString(s);
    Style style = Style::kPlain;
    if (simple_key_context_ && a.multiline) style = Style::kDouble;
    if (style == Style::kPlain) {
      if ((flow_level_ > 0 && !a.flow_plain) ||
          (flow_level_ == 0 && !a.block_plain)) {
        style = Style::kSingle;
      }
      if (s.empty() && (flow_level_ > 0 || simple_key_context_)) {
        style = Style::kSingle;
      }
      if (!plain_implicit) style = Style::kSingle;
    }
    if (style == Style::kSingle && !a.single_quoted) style = Style::kDouble;
    IncreaseIndent(true, false);
    bool breaks = !simple_key_context_;
    switch (style) {
      case Style::kPlain:
        WritePlain(s, breaks);
        break;
      case Style::kSingle:
        WriteSingleQuoted(s, breaks);
        break;
      case Style::kDouble:
        WriteDoubleQuoted(s, breaks);
        break;
    }
    PopIndent();
    return true;
  }

  void WritePlain(const std::u32string& s, bool allow_breaks) {
    if (!whitespace_ && (!s.empty() || flow_level_ > 0)) Put(' ');
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      if (c == ' ') {
        char32_t next = i + 1 < s.size() ? s[i + 1] : 0;
        if (allow_breaks && !spaces && column_ > best_width_ && next != ' ') {
          WriteIndent();
        } else {
          Put(c);
        }
        spaces = true;
      } else if (IsYamlBreak(c)) {
        if (!breaks && c == '\n') PutBreak();
        WriteBreak(c);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        Put(c);
        indention_ = false;
        spaces = breaks = false;
      }
    }
    whitespace_ = false;
    indention_ = false;
  }

  void WriteSingleQuoted(const std::u32string& s, bool allow_breaks) {
    WriteIndicator("'", true, false, false);
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      if (c == ' ') {
        char32_t next = i + 1 < s.size() ? s[i + 1] : 0;
        if (allow_breaks && !spaces && column_ > best_width_ && i != 0 &&
            i + 1 != s.size() && next != ' ') {
          WriteIndent();
        } else {
          Put(c);
        }
        spaces = true;
      } else if (IsYamlBreak(c)) {
        if (!breaks && c == '\n') PutBreak();
        WriteBreak(c);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        if (c == '\'') Put('\'');
        Put(c);
        indention_ = false;
        spaces = breaks = false;
      }
    }
    if (breaks) WriteIndent();
    WriteIndicator("'", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void WriteDoubleQuoted(const std::u32string& s, bool allow_breaks) {
    WriteIndicator("\"", true, false, false);
    bool spaces = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      if (!IsYamlPrintable(c) || c == 0xFEFF || IsYamlBreak(c) || c == '"' ||
          c == '\\') {
        Put('\\');
        static constexpr std::pair<char32_t, char> kEscapes[] = {
            {0x00, '0'}, {0x07, 'a'},   {0x08, 'b'},   {0x09, 't'},
            {0x0A, 'n'}, {0x0B, 'v'},   {0x0C, 'f'},   {0x0D, 'r'},
            {0x1B, 'e'}, {0x22, '"'},   {0x5C, '\\'},  {0x85, 'N'},
            {0xA0, '_'}, {0x2028, 'L'}, {0x2029, 'P'},
        };
        bool done = false;
        for (const auto& [code, letter] : kEscapes) {
          if (c == code) {
            Put(letter);
            done = true;
          }
        }
        if (!done) {
          int width = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
          Put(width == 2 ? 'x' : width == 4 ? 'u' : 'U');
          for (int k = (width - 1) * 4; k >= 0; k -= 4) {
            int digit = static_cast<int>((c >> k) & 0xF);
            Put(static_cast<char32_t>(digit < 10 ? '0' + digit
                                                 : 'A' + digit - 10));
          }
        }
        spaces = false;
      } else if (c == ' ') {
        if (allow_breaks && !spaces && column_ > best_width_ && i != 0 &&
            i + 1 != s.size()) {
          WriteIndent();
          if (i + 1 < s.size() && s[i + 1] == ' ') Put('\\');
        } else {
          Put(c);
        }
        spaces = true;
      } else {
        Put(c);
        spaces = false;
      }
    }
    WriteIndicator("\"", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void IncreaseIndent(bool flow, bool indentless) {
    indents_.push_back(indent_);
    if (indent_ < 0) {
      indent_ = flow ? best_indent() : 0;
    } else if (!indentless) {
      indent_ += best_indent();
    }
  }
  void PopIndent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }
  int best_indent() const { return options_.indent; }

  void WriteIndent() {
    int indent = indent_ >= 0 ? indent_ : 0;
    if (!indention_ || column_ > indent ||
        (column_ == indent && !whitespace_)) {
      PutBreak();
    }
    while (column_ < indent) Put(' ');
    whitespace_ = true;
    indention_ = true;
  }

  void WriteIndicator(std::string_view indicator, bool need_whitespace,
                      bool is_whitespace, bool is_indention) {
    if (need_whitespace && !whitespace_) Put(' ');
    for (char c : indicator) Put(static_cast<char32_t>(c));
    whitespace_ = is_whitespace;
    indention_ = indention_ && is_indention;
  }

  void Put(char32_t c) {
    AppendUtf8(c, out_);
    ++column_;
  }
  void PutBreak() {
    out_->push_back('\n');
    column_ = 0;
  }
  void WriteBreak(char32_t c) {
    if (c == '\n') {
      PutBreak();
    } else {
      AppendUtf8(c, out_);
      column_ = 0;
    }
  }

  const YamlOptions& options_;
  int max_depth_;
  size_t max_bytes_;
  std::string* out_;
  std::string error_;
  int best_width_ = 80;
  int indent_ = -1;
  std::vector<int> indents_;
  int flow_level_ = 0;
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  bool mapping_context_ = false;
  bool simple_key_context_ = false;
};

}  // namespace

bool DumpYaml(const Value& value, const YamlOptions& options, int max_depth,
              size_t max_bytes, std::string* out, std::string* error) {
  Emitter emitter(options, max_depth, max_bytes, out);
  if (emitter.Document(value)) return true;
  *error = emitter.error();
  return false;
}

}  // namespace cairn::jinja_internal
