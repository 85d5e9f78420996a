#include "compiler/template/unicode.h"

#include <algorithm>

#include "compiler/template/unicode_tables.h"

namespace cairn::jinja_internal {
namespace {

bool InRanges(const Table<CodeRange>& table, char32_t c) {
  const CodeRange* end = table.data + table.size;
  const CodeRange* it = std::upper_bound(
      table.data, end, c,
      [](char32_t value, const CodeRange& r) { return value < r.first; });
  if (it == table.data) return false;
  --it;
  return c <= it->last;
}

// The single code point mapping of `c` in `runs`, or `c` itself.
char32_t MapRun(const Table<CaseRun>& runs, char32_t c) {
  const CaseRun* end = runs.data + runs.size;
  const CaseRun* it = std::upper_bound(
      runs.data, end, c,
      [](char32_t value, const CaseRun& r) { return value < r.first; });
  if (it == runs.data) return c;
  --it;
  if (c > it->last || (c - it->first) % it->stride != 0) return c;
  return static_cast<char32_t>(static_cast<int32_t>(c) + it->delta);
}

const CaseSpecial* FindSpecial(const Table<CaseSpecial>& table, char32_t c) {
  const CaseSpecial* end = table.data + table.size;
  const CaseSpecial* it = std::lower_bound(
      table.data, end, c, [](const CaseSpecial& s, char32_t value) {
        return s.code_point < value;
      });
  if (it == end || it->code_point != c) return nullptr;
  return it;
}

void AppendMapped(const Table<CaseRun>& runs, const Table<CaseSpecial>& special,
                  char32_t c, std::u32string* out) {
  if (const CaseSpecial* s = FindSpecial(special, c)) {
    for (char32_t m : s->mapped) {
      if (m != 0) out->push_back(m);
    }
    return;
  }
  out->push_back(MapRun(runs, c));
}

// Whether the capital sigma at `i` ends a word (Unicode's Final_Sigma).
bool IsFinalSigma(std::u32string_view text, size_t i) {
  const UnicodeTables& t = Tables();
  size_t j = i;
  while (j > 0 && InRanges(t.case_ignorable, text[j - 1])) --j;
  if (j == 0 || !InRanges(t.cased_not_ignorable, text[j - 1])) return false;
  j = i + 1;
  while (j < text.size() && InRanges(t.case_ignorable, text[j])) ++j;
  return j == text.size() || !InRanges(t.cased_not_ignorable, text[j]);
}

// The length of the well-formed sequence at `text[i]`, or 0.
size_t SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) {
    return static_cast<unsigned char>(k < text.size() ? text[k] : 0);
  };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t k) { return (byte(k) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned char b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;
    if (b0 == 0xED && b1 >= 0xA0) return 0;
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned char b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;
    if (b0 == 0xF4 && b1 >= 0x90) return 0;
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool DecodeUtf8(std::string_view text, std::u32string* out) {
  out->reserve(out->size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t n = SequenceLength(text, i);
    if (n == 0) return false;
    auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
    char32_t c;
    switch (n) {
      case 1:
        c = b(0);
        break;
      case 2:
        c = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        break;
      case 3:
        c = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        break;
      default:
        c = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) |
            ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
        break;
    }
    out->push_back(c);
    i += n;
  }
  return true;
}

size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t n = SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

void AppendUtf8(char32_t c, std::string* out) {
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

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool IsSpace(char32_t c) { return InRanges(Tables().space, c); }
bool IsPrintable(char32_t c) { return InRanges(Tables().printable, c); }
bool IsWordChar(char32_t c) { return InRanges(Tables().word, c); }
bool IsDecimal(char32_t c) { return InRanges(Tables().decimal, c); }
int DecimalValue(char32_t c) {
  // Decimal digits come in runs of ten, zero first.
  const Table<CodeRange>& table = Tables().decimal;
  const CodeRange* end = table.data + table.size;
  const CodeRange* it = std::upper_bound(
      table.data, end, c,
      [](char32_t value, const CodeRange& r) { return value < r.first; });
  if (it == table.data) return -1;
  --it;
  if (c > it->last) return -1;
  return static_cast<int>((c - it->first) % 10);
}

char32_t SimpleLower(char32_t c) {
  return MapRun(Tables().simple_lower_runs, c);
}

std::u32string Upper(std::u32string_view text) {
  const UnicodeTables& t = Tables();
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendMapped(t.upper_runs, t.upper_special, c, &out);
  return out;
}

std::u32string Title(char32_t c) {
  const UnicodeTables& t = Tables();
  std::u32string out;
  if (const CaseSpecial* s = FindSpecial(t.title_special, c)) {
    for (char32_t m : s->mapped) {
      if (m != 0) out.push_back(m);
    }
    return out;
  }
  AppendMapped(t.upper_runs, t.upper_special, c, &out);
  return out;
}

std::u32string Lower(std::u32string_view text) {
  const UnicodeTables& t = Tables();
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == U'\u03A3') {
      out.push_back(IsFinalSigma(text, i) ? U'\u03C2' : U'\u03C3');
      continue;
    }
    AppendMapped(t.lower_runs, t.lower_special, text[i], &out);
  }
  return out;
}

std::u32string_view StripSpace(std::u32string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  return text.substr(b, e - b);
}

}  // namespace cairn::jinja_internal
