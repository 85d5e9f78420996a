#ifndef CAIRN_COMPILER_TEMPLATE_PYSTR_H_
#define CAIRN_COMPILER_TEMPLATE_PYSTR_H_

// Python's str methods that filters and method calls share, on UTF-8
// strings: replace, strip, split, upper, lower, and code point slicing.
// Functions that must see code points return false on invalid UTF-8.
// Internal to the package.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::jinja_internal {

// str.replace(old, new, count); count < 0 replaces all.
std::string PyReplace(std::string_view text, std::string_view old,
                      std::string_view replacement, int64_t count);

enum class StripSide { kBoth, kLeft, kRight };

// str.strip(chars), lstrip and rstrip; no chars strips Unicode whitespace.
bool PyStrip(std::string_view text, const std::optional<std::string>& chars,
             StripSide side, std::string* out);

// str.split(sep, maxsplit); no sep splits on runs of whitespace. `sep` must
// not be empty.
bool PySplit(std::string_view text, const std::optional<std::string>& sep,
             int64_t maxsplit, std::vector<std::string>* out);

// str.upper() and str.lower().
bool PyUpper(std::string_view text, std::string* out);
bool PyLower(std::string_view text, std::string* out);

// Python's slice adjustment: a slice [start:stop:step] of a sequence of
// `length` visits `count` indices first, first + step, ... `step` is not 0.
void AdjustSlice(int64_t length, std::optional<int64_t> start,
                 std::optional<int64_t> stop, int64_t step, int64_t* first,
                 int64_t* count);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_PYSTR_H_
