#ifndef CAIRN_COMPILER_TEMPLATE_YAML_SCALAR_H_
#define CAIRN_COMPILER_TEMPLATE_YAML_SCALAR_H_

// How yaml.dump decides to write one scalar: PyYAML's resolver (whether a
// plain string would read back as another type), libyaml's character
// classes and scalar analysis, and PyYAML's float representation. Used by
// yaml_emit.cc. Internal to the package.

#include <string>

namespace cairn::jinja_internal {

// Whether a plain scalar `text` would be read back as a string (not as a
// bool, number, null, timestamp, ...).
bool ResolvesToString(const std::u32string& text);

// libyaml's IS_BREAK, IS_BLANKZ and IS_PRINTABLE.
bool IsYamlBreak(char32_t c);
bool IsYamlBlankZ(char32_t c);
bool IsYamlPrintable(char32_t c);

// What libyaml's yaml_emitter_analyze_scalar finds out about a scalar.
struct ScalarAnalysis {
  bool multiline = false;
  bool flow_plain = true;
  bool block_plain = true;
  bool single_quoted = true;
};

// Analyses a scalar's text.
ScalarAnalysis AnalyzeScalar(const std::u32string& text);

// PyYAML's represent_float: ".nan", ".inf", "1.0e+16", "2.5".
std::string YamlFloat(double value);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_YAML_SCALAR_H_
