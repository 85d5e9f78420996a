#include "compiler/vault/yaml_scalar.h"

namespace cairn::vault::internal {
namespace {

void AppendUtf8(std::string* out, unsigned long cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | cp >> 6));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | cp >> 12));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | cp >> 18));
    out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

int Indent(std::string_view text) {
  int n = 0;
  while (n < static_cast<int>(text.size()) && text[n] == ' ') ++n;
  return n;
}

bool IsBlankOrComment(std::string_view text) {
  size_t i = text.find_first_not_of(" \t");
  return i == std::string_view::npos || text[i] == '#';
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t") == std::string_view::npos;
}

std::string_view CutComment(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' &&
        (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      return CutComment(text.substr(0, i));
    }
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool ParseQuoted(std::string_view text, std::string* value, size_t* end,
                 std::string* error) {
  char quote = text[0];
  value->clear();
  error->clear();
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c != '\'') {
        value->push_back(c);
      } else if (i + 1 < text.size() && text[i + 1] == '\'') {
        value->push_back('\'');
        ++i;
      } else {
        *end = i + 1;
        return true;
      }
      continue;
    }
    if (c == '"') {
      *end = i + 1;
      return true;
    }
    if (c != '\\') {
      value->push_back(c);
      continue;
    }
    if (++i == text.size()) return false;  // An escaped line break.
    static constexpr std::string_view kFrom = "0abtnvfre \"/\\\t";
    static constexpr std::string_view kTo("\0\a\b\t\n\v\f\r\x1b \"/\\\t", 14);
    size_t simple = kFrom.find(text[i]);
    if (simple != std::string_view::npos) {
      value->push_back(kTo[simple]);
      continue;
    }
    int digits = text[i] == 'x'   ? 2
                 : text[i] == 'u' ? 4
                 : text[i] == 'U' ? 8
                                  : 0;
    unsigned long cp = text[i] == 'N'   ? 0x85
                       : text[i] == '_' ? 0xa0
                       : text[i] == 'L' ? 0x2028
                       : text[i] == 'P' ? 0x2029
                                        : 0;
    if (digits == 0 && cp == 0) {
      *error = "unknown escape sequence in a double-quoted string";
      return false;
    }
    for (int d = 0; d < digits; ++d) {
      char h = ++i < text.size() ? text[i] : 'g';
      int v = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (v < 0) {
        *error = "bad hex digits in an escape of a double-quoted string";
        return false;
      }
      cp = cp << 4 | v;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      *error = "an escape that is not a Unicode scalar value";
      return false;
    }
    AppendUtf8(value, cp);
  }
  return false;
}

}  // namespace cairn::vault::internal
