#ifndef CAIRN_COMPILER_TEMPLATE_PYNUM_H_
#define CAIRN_COMPILER_TEMPLATE_PYNUM_H_

// Python's int(str, base) and float(str) parsers, which the int and float
// filters use: surrounding whitespace, signs, underscores between digits,
// base prefixes, digits of any script, "inf" and "nan". Internal.

#include <cstdint>
#include <string_view>

namespace cairn::jinja_internal {

enum class ParseStatus { kOk, kInvalid, kOutOfRange };

// int(text, base) with base 0 or 2..36; kOutOfRange beyond 64 bits.
ParseStatus ParsePyInt(std::string_view text, int base, int64_t* out);

// float(text).
ParseStatus ParsePyFloat(std::string_view text, double* out);

// Python's int() of a float, which truncates: kInvalid for nan,
// kOutOfRange for inf or beyond 64 bits.
ParseStatus FloatToInt(double value, int64_t* out);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_PYNUM_H_
