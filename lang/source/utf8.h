#ifndef CAIRN_LANG_SOURCE_UTF8_H_
#define CAIRN_LANG_SOURCE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

// The length of the well-formed UTF-8 sequence at the start of `text`
// (1 to 4), or 0 if it is not one (overlong, surrogate, truncated, > U+10FFFF).
size_t Utf8SequenceLength(std::string_view text);

// Decodes the well-formed sequence at `text[0]`, whose length is `n`.
char32_t Utf8Decode(std::string_view text, size_t n);

// The byte offset of the first byte that is not part of well-formed UTF-8,
// or npos if the text is valid.
size_t FindInvalidUtf8(std::string_view text);

// The number of code points; each invalid byte counts as one.
size_t Utf8Length(std::string_view text);

// The largest offset <= `offset` that does not split a sequence.
size_t Utf8Floor(std::string_view text, size_t offset);

// `text` made safe to print on one terminal line: invalid bytes become
// U+FFFD, tabs and other control characters become spaces.
std::string SanitizeForDisplay(std::string_view text);

// `text` with each byte that is not part of well-formed UTF-8 written as
// the four characters \xNN; everything else, newlines included, as it is.
// For text that must go into a protobuf string (diffs of files in Latin-1).
std::string EscapeInvalidUtf8(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_LANG_SOURCE_UTF8_H_
