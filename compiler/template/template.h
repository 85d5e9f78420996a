#ifndef CAIRN_COMPILER_TEMPLATE_TEMPLATE_H_
#define CAIRN_COMPILER_TEMPLATE_TEMPLATE_H_

// A sandboxed engine for the subset of Jinja2 that Ansible roles use, so
// that operators bring their .j2 files unchanged. Parse a template once,
// render it for many hosts:
//
//   jinja::ParseResult parsed = jinja::Parse(text);
//   if (parsed.error) ...report parsed.error->ToString()...
//   jinja::RenderResult out = jinja::Render(*parsed.tmpl, vars);
//
// Output matches Ansible's template module byte for byte on the supported
// subset (README.md lists it); anything outside it is a located error, never
// a different rendering. Templates cannot reach files, the network, the
// environment or any object but the variables given; loops, output and
// work are bounded.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cairn::jinja_internal {
struct ValueAccess;
struct TemplateImpl;
}  // namespace cairn::jinja_internal

namespace cairn::jinja {

// The engine's data: null, bool, 64-bit int, double, UTF-8 string, list, or
// map with string keys in insertion order (like a Python dict). Immutable;
// copies share their contents, so passing values around is cheap.
class Value {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kList, kMap };
  // One key and value of a map.
  using Entry = std::pair<std::string, Value>;

  // Null (Python's None).
  Value() = default;
  // Null.
  Value(std::nullptr_t) {}
  // A bool.
  Value(bool b) : rep_(b) {}
  // An int.
  Value(int i) : rep_(int64_t{i}) {}
  // An int.
  Value(int64_t i) : rep_(i) {}
  // A float.
  Value(double d) : rep_(d) {}
  // A string; must be valid UTF-8 (Render reports it otherwise).
  Value(const char* s) : Value(std::string(s)) {}
  // A string; must be valid UTF-8.
  Value(std::string_view s) : Value(std::string(s)) {}
  // A string; must be valid UTF-8.
  Value(std::string s);

  // A list of `items`.
  static Value List(std::vector<Value> items);
  // A map of `entries` in their order. A repeated key keeps its first
  // position and takes its last value, as in a Python dict literal.
  static Value Map(std::vector<Entry> entries);

  // What this value holds.
  Type type() const;
  bool is_null() const { return type() == Type::kNull; }

  // The held bool, int, double or string; the type must match.
  bool bool_value() const { return std::get<bool>(rep_); }
  int64_t int_value() const { return std::get<int64_t>(rep_); }
  double double_value() const { return std::get<double>(rep_); }
  const std::string& string_value() const;
  // The items of a list; empty for other types.
  const std::vector<Value>& items() const;
  // The entries of a map in insertion order; empty for other types.
  const std::vector<Entry>& entries() const;
  // The value of `key` in a map, or nullptr (also for other types).
  const Value* Find(std::string_view key) const;

 private:
  friend struct jinja_internal::ValueAccess;
  struct ListRep;
  struct MapRep;

  std::variant<std::monostate, bool, int64_t, double,
               std::shared_ptr<const std::string>,
               std::shared_ptr<const ListRep>, std::shared_ptr<const MapRep>>
      rep_;
};

// A mistake in a template, or in how it uses its variables, located in the
// template's text.
struct TemplateError {
  // One line, e.g. "'port' is undefined" or "{% macro %} is not supported".
  std::string message;
  // The byte range [begin, end) of the offending construct in the text given
  // to Parse.
  size_t begin = 0;
  size_t end = 0;
  // 1-based line and column of `begin`; the column counts code points.
  int line = 1;
  int column = 1;

  // "line 3, column 5: {% macro %} is not supported".
  std::string ToString() const;
};

// How the text is split into tags and data. The defaults are those of
// Ansible's template module: trim_blocks on, lstrip_blocks off, and the
// template's trailing newlines restored after Jinja2 drops one.
struct ParseOptions {
  // Drop the first newline after a block tag or comment.
  bool trim_blocks = true;
  // Strip spaces and tabs from the start of a line up to a block tag.
  bool lstrip_blocks = false;
  // Jinja2's keep_trailing_newline: keep a final newline of the template.
  bool keep_trailing_newline = false;
  // Ansible's do_template: append newlines until the output ends with as
  // many as the template does.
  bool restore_trailing_newlines = true;
  // Honour a first line "#jinja2: trim_blocks: False, ..." as Ansible does
  // (trim_blocks, lstrip_blocks and keep_trailing_newline only).
  bool allow_overrides = true;
  // Deepest nesting of blocks and of expressions.
  int max_nesting = 128;
};

// Bounds on one rendering, so that hostile templates and data stop with an
// error instead of exhausting the machine.
struct RenderOptions {
  // Loop iterations plus elements produced by range() and list building.
  int64_t max_iterations = 1'000'000;
  // Size of the output, and of any string built on the way.
  size_t max_output_bytes = size_t{64} << 20;
  // Total bytes of all strings built while rendering.
  int64_t max_work_bytes = int64_t{1} << 30;
  // Backtracking steps of one regular expression search.
  int64_t max_regex_steps = 10'000'000;
  // Deepest nesting of lists and maps that filters walk (to_json, ...).
  int max_value_depth = 128;
};

// A parsed template; cheap to copy, immutable, and safe to render from many
// threads at once.
class Template {
 public:
  // The names of the variables the template reads from its input (not
  // those it sets itself), in order of first use.
  const std::vector<std::string>& variables() const;

 private:
  friend struct jinja_internal::TemplateImpl;
  std::shared_ptr<const jinja_internal::TemplateImpl> impl_;
};

// The outcome of Parse: exactly one of the two is set.
struct ParseResult {
  std::optional<Template> tmpl;
  std::optional<TemplateError> error;
};

// The outcome of Render: the output, or the first error.
struct RenderResult {
  std::string output;
  std::optional<TemplateError> error;
};

// Parses `text` (UTF-8). Syntax errors and constructs outside the supported
// subset ({% macro %}, unknown filters, ...) are reported with their
// position; nothing is rendered then.
ParseResult Parse(std::string_view text, const ParseOptions& options = {});

// Renders `tmpl` with `vars`, a map from variable name to value (null counts
// as empty). Undefined variables are errors unless tested with `is defined`
// or given a `default`, as with Ansible.
RenderResult Render(const Template& tmpl, const Value& vars,
                    const RenderOptions& options = {});

// Parse and Render in one call.
RenderResult RenderString(std::string_view text, const Value& vars,
                          const ParseOptions& parse_options = {},
                          const RenderOptions& render_options = {});

}  // namespace cairn::jinja

#endif  // CAIRN_COMPILER_TEMPLATE_TEMPLATE_H_
