// render TEMPLATE [VARS.json]: renders a template with the engine and prints
// the output, or the error as "error: line L, column C: message" on stderr
// (exit status 1). A tool for comparing with Jinja2 by hand.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "compiler/template/template.h"
#include "compiler/template/testing/json_value.h"

namespace {

bool ReadAll(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using cairn::jinja::Value;
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: render TEMPLATE [VARS.json]\n";
    return 2;
  }
  std::string text, json = "{}", error;
  if (!ReadAll(argv[1], &text) || (argc == 3 && !ReadAll(argv[2], &json))) {
    std::cerr << "cannot read input\n";
    return 2;
  }
  Value vars;
  if (!cairn::jinja_testing::ParseJson(json, &vars, &error)) {
    std::cerr << "bad JSON: " << error << "\n";
    return 2;
  }
  cairn::jinja::RenderResult result = cairn::jinja::RenderString(text, vars);
  if (result.error) {
    std::cerr << "error: " << result.error->ToString() << "\n";
    return 1;
  }
  std::fwrite(result.output.data(), 1, result.output.size(), stdout);
  return 0;
}
