#include "compiler/template/pystr.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {

std::string PyReplace(std::string_view text, std::string_view old,
                      std::string_view replacement, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every character and at the end.
    size_t i = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
      out.append(replacement);
      ++done;
      if (i >= text.size()) return out;
      size_t n = 1;
      while (i + n < text.size() &&
             (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) {
        ++n;
      }
      out.append(text.substr(i, n));
      i += n;
    }
    out.append(text.substr(i));
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t found = text.find(old, pos);
    if (found == std::string_view::npos) break;
    out.append(text.substr(pos, found - pos));
    out.append(replacement);
    pos = found + old.size();
    ++done;
  }
  out.append(text.substr(pos));
  return out;
}

bool PyStrip(std::string_view text, const std::optional<std::string>& chars,
             StripSide side, std::string* out) {
  std::u32string s, set;
  if (!DecodeUtf8(text, &s)) return false;
  if (chars && !DecodeUtf8(*chars, &set)) return false;
  auto strip = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : IsSpace(c);
  };
  size_t b = 0, e = s.size();
  if (side != StripSide::kRight) {
    while (b < e && strip(s[b])) ++b;
  }
  if (side != StripSide::kLeft) {
    while (e > b && strip(s[e - 1])) --e;
  }
  *out = EncodeUtf8(std::u32string_view(s).substr(b, e - b));
  return true;
}

bool PySplit(std::string_view text, const std::optional<std::string>& sep,
             int64_t maxsplit, std::vector<std::string>* out) {
  if (sep) {
    size_t pos = 0;
    int64_t done = 0;
    while (maxsplit < 0 || done < maxsplit) {
      size_t found = text.find(*sep, pos);
      if (found == std::string_view::npos) break;
      out->emplace_back(text.substr(pos, found - pos));
      pos = found + sep->size();
      ++done;
    }
    out->emplace_back(text.substr(pos));
    return true;
  }
  std::u32string s;
  if (!DecodeUtf8(text, &s)) return false;
  size_t i = 0;
  int64_t done = 0;
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i >= s.size()) break;
    if (maxsplit >= 0 && done >= maxsplit) {
      // The rest, trailing whitespace included, as CPython does.
      out->push_back(EncodeUtf8(std::u32string_view(s).substr(i)));
      break;
    }
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    out->push_back(EncodeUtf8(std::u32string_view(s).substr(i, j - i)));
    ++done;
    i = j;
  }
  return true;
}

bool PyUpper(std::string_view text, std::string* out) {
  std::u32string s;
  if (!DecodeUtf8(text, &s)) return false;
  *out = EncodeUtf8(Upper(s));
  return true;
}

bool PyLower(std::string_view text, std::string* out) {
  std::u32string s;
  if (!DecodeUtf8(text, &s)) return false;
  *out = EncodeUtf8(Lower(s));
  return true;
}

void AdjustSlice(int64_t length, std::optional<int64_t> start,
                 std::optional<int64_t> stop, int64_t step, int64_t* first,
                 int64_t* count) {
  auto adjust = [&](std::optional<int64_t> index, int64_t fallback) {
    if (!index) return fallback;
    int64_t i = *index;
    if (i < 0) {
      i = i < -length ? (step < 0 ? -1 : 0) : i + length;
    } else if (i >= length) {
      i = step < 0 ? length - 1 : length;
    }
    return i;
  };
  int64_t b = adjust(start, step < 0 ? length - 1 : 0);
  int64_t e = adjust(stop, step < 0 ? -1 : length);
  if (step < 0) {
    *count = e < b ? (b - e - 1) / (-step) + 1 : 0;
  } else {
    *count = b < e ? (e - b - 1) / step + 1 : 0;
  }
  *first = b;
}

}  // namespace cairn::jinja_internal
