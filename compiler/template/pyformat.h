#ifndef CAIRN_COMPILER_TEMPLATE_PYFORMAT_H_
#define CAIRN_COMPILER_TEMPLATE_PYFORMAT_H_

// Python's str() and repr() of values, which is what Jinja2 prints for
// {{ value }}: True, None, 1.0, 1e+16, ['a', "it's"], {'k': (1,)}. Internal.

#include <cstddef>
#include <string>
#include <string_view>

#include "compiler/template/template.h"

namespace cairn::jinja_internal {

// Bounds on formatting nested or huge values.
struct FormatLimits {
  int max_depth = 128;
  size_t max_bytes = size_t{64} << 20;
};

enum class FormatStatus { kOk, kTooDeep, kTooLarge };

// Python's repr() of a float ("1.0", "1e+16", "inf", "nan").
std::string FloatRepr(double value);

// Python's repr() of a string ('a', "it's", 'tab\t').
void AppendStringRepr(std::string_view text, std::string* out);

// Python's str() of `value`, appended to `out`.
FormatStatus AppendStr(const jinja::Value& value, const FormatLimits& limits,
                       std::string* out);

// Python's repr() of `value`, appended to `out`.
FormatStatus AppendRepr(const jinja::Value& value, const FormatLimits& limits,
                        std::string* out);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_PYFORMAT_H_
