#ifndef CAIRN_COMPILER_TEMPLATE_YAML_EMIT_H_
#define CAIRN_COMPILER_TEMPLATE_YAML_EMIT_H_

// What Ansible's to_yaml filter prints: yaml.dump(value, allow_unicode=True,
// default_flow_style=None) with PyYAML's representer and resolver and
// libyaml's emitter (Ansible uses CSafeDumper when libyaml is present, as
// on Debian): keys sorted, collections of scalars in flow style, strings
// quoted only when they would read back as something else, lines folded at
// 80 columns. Internal to the package.

#include <cstddef>
#include <string>

#include "compiler/template/template.h"

namespace cairn::jinja_internal {

struct YamlOptions {
  // default_flow_style: None (collections of scalars in flow style), True,
  // or False.
  enum class Flow { kAuto, kAlways, kNever };
  Flow flow = Flow::kAuto;
  // Spaces per level, 2 to 9.
  int indent = 2;
};

// Serialises `value` as one YAML document. Returns false with `error` when
// it nests deeper than `max_depth` or grows past `max_bytes`.
bool DumpYaml(const jinja::Value& value, const YamlOptions& options,
              int max_depth, size_t max_bytes, std::string* out,
              std::string* error);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_YAML_EMIT_H_
