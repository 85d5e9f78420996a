#ifndef CAIRN_COMPILER_TEMPLATE_TESTING_RENDER_FOR_TEST_H_
#define CAIRN_COMPILER_TEMPLATE_TESTING_RENDER_FOR_TEST_H_

// A one-call renderer for unit tests: template text and JSON variables in,
// the output or "error: line L, column C: message" out.

#include <string>
#include <string_view>

#include "compiler/template/template.h"

namespace cairn::jinja_testing {

// Renders `text` with the variables in `json`; returns the output, or the
// error as "error: " + TemplateError::ToString().
std::string RenderForTest(std::string_view text, std::string_view json = "{}",
                          const jinja::ParseOptions& parse_options = {},
                          const jinja::RenderOptions& render_options = {});

}  // namespace cairn::jinja_testing

#endif  // CAIRN_COMPILER_TEMPLATE_TESTING_RENDER_FOR_TEST_H_
