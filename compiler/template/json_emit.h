#ifndef CAIRN_COMPILER_TEMPLATE_JSON_EMIT_H_
#define CAIRN_COMPILER_TEMPLATE_JSON_EMIT_H_

// Python's json.dumps, which Ansible's to_json filter calls: the same
// separators, escapes, float formatting (NaN, Infinity) and indentation.
// Internal to the package.

#include <optional>
#include <string>

#include "compiler/template/template.h"

namespace cairn::jinja_internal {

// json.dumps keyword arguments.
struct JsonOptions {
  // None: one line; otherwise each level is indented by this string.
  std::optional<std::string> indent;
  bool sort_keys = false;
  bool ensure_ascii = true;
  // separators=(item, key); the defaults depend on indent, as in Python.
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
};

// Serialises `value`. Returns false with `error` when it nests deeper than
// `max_depth` or grows past `max_bytes`.
bool DumpJson(const jinja::Value& value, const JsonOptions& options,
              int max_depth, size_t max_bytes, std::string* out,
              std::string* error);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_JSON_EMIT_H_
