#include "compiler/template/testing/render_for_test.h"

#include <string>

#include "compiler/template/testing/json_value.h"

namespace cairn::jinja_testing {

std::string RenderForTest(std::string_view text, std::string_view json,
                          const jinja::ParseOptions& parse_options,
                          const jinja::RenderOptions& render_options) {
  jinja::Value vars;
  std::string error;
  if (!ParseJson(json, &vars, &error)) return "bad test JSON: " + error;
  jinja::RenderResult result =
      jinja::RenderString(text, vars, parse_options, render_options);
  if (result.error) return "error: " + result.error->ToString();
  return result.output;
}

}  // namespace cairn::jinja_testing
