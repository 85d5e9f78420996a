#ifndef CAIRN_COMPILER_TEMPLATE_TESTING_JSON_VALUE_H_
#define CAIRN_COMPILER_TEMPLATE_TESTING_JSON_VALUE_H_

// Reads JSON into a jinja::Value the way Python's json.load builds the
// variables of the differential tests: objects keep their key order,
// numbers with a fraction or exponent are floats, others ints. For tests
// and tools only.

#include <string>
#include <string_view>

#include "compiler/template/template.h"

namespace cairn::jinja_testing {

// Parses `text`; on failure returns false and sets `error`.
bool ParseJson(std::string_view text, jinja::Value* out, std::string* error);

}  // namespace cairn::jinja_testing

#endif  // CAIRN_COMPILER_TEMPLATE_TESTING_JSON_VALUE_H_
