#ifndef CAIRN_COMPILER_TEMPLATE_UNICODE_H_
#define CAIRN_COMPILER_TEMPLATE_UNICODE_H_

// UTF-8 and the character properties that Python's str and re use, so that
// filters such as upper, trim and regex_replace give Python's results.
// Internal to the package.

#include <cstddef>
#include <string>
#include <string_view>

namespace cairn::jinja_internal {

// Decodes well-formed UTF-8 into code points. Returns false (and leaves
// `out` partly filled) at the first ill-formed sequence.
bool DecodeUtf8(std::string_view text, std::u32string* out);

// The byte offset of the first ill-formed UTF-8 sequence, or npos.
size_t FindInvalidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `c`.
void AppendUtf8(char32_t c, std::string* out);

// Encodes code points as UTF-8.
std::string EncodeUtf8(std::u32string_view text);

// The number of code points in well-formed UTF-8 text.
size_t CountCodePoints(std::string_view text);

// Python's str.isspace() for one character.
bool IsSpace(char32_t c);
// Python's str.isprintable() for one character.
bool IsPrintable(char32_t c);
// Whether re's \w matches `c` (alphanumeric or '_').
bool IsWordChar(char32_t c);
// Whether re's \d matches `c` (a decimal digit of any script).
bool IsDecimal(char32_t c);
// The digit value of a decimal digit of any script, or -1.
int DecimalValue(char32_t c);
// The simple lowercase mapping, as re uses for IGNORECASE.
char32_t SimpleLower(char32_t c);

// Python's str.upper() and str.lower(): full case mappings ("ß" -> "SS"),
// with the final sigma rule in Lower.
std::u32string Upper(std::u32string_view text);
std::u32string Lower(std::u32string_view text);

// The full title case mapping of one character, which str.capitalize()
// applies to the first ("ǆ" -> "ǅ", "ß" -> "Ss").
std::u32string Title(char32_t c);

// Python's str.strip() without arguments: Unicode whitespace off both ends.
std::u32string_view StripSpace(std::u32string_view text);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_UNICODE_H_
