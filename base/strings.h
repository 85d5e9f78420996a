#ifndef CAIRN_BASE_STRINGS_H_
#define CAIRN_BASE_STRINGS_H_

// String building over std::string_view. Debian's Abseil is built with its
// own absl::string_view, which std::string_view does not convert to, so the
// project's code uses these instead of absl::StrCat and friends.

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cairn {
namespace strings_internal {

inline void Append(std::string& out, std::string_view s) { out.append(s); }
inline void Append(std::string& out, const char* s) { out.append(s); }
inline void Append(std::string& out, const std::string& s) { out.append(s); }
inline void Append(std::string& out, char c) { out.push_back(c); }

template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T> &&
                                                  !std::is_same_v<T, char> &&
                                                  !std::is_same_v<T, bool>>>
void Append(std::string& out, T value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

inline void Append(std::string& out, bool value) {
  out.append(value ? "true" : "false");
}

}  // namespace strings_internal

// Concatenates strings, characters and numbers.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::Append(out, args), ...);
  return out;
}

// Appends strings, characters and numbers to `*out`.
template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::Append(*out, args), ...);
}

// Joins `parts` with `separator`.
template <typename Container>
std::string StrJoin(const Container& parts, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) out.append(separator);
    first = false;
    strings_internal::Append(out, part);
  }
  return out;
}

// Splits `text` at every `separator`; "" gives one empty piece.
std::vector<std::string_view> StrSplit(std::string_view text, char separator);

// Whether `text` starts or ends with `affix`.
// `text` in double quotes as the configuration language writes a string:
// a quote, a backslash, \n, \t and \r escaped, other control characters as
// \u{HEX}, everything else (UTF-8 included) as it is.
std::string QuotedString(std::string_view text);

inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
inline bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace cairn

#endif  // CAIRN_BASE_STRINGS_H_
