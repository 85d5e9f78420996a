#ifndef CAIRN_COMPILER_TEMPLATE_FILTERS_H_
#define CAIRN_COMPILER_TEMPLATE_FILTERS_H_

// The filters ({{ x | upper }}) and tests ({% if x is defined %}) the engine
// supports, each matching Jinja2's or Ansible's implementation. Arguments
// are checked against a signature when the template is parsed and bound to
// parameter slots when it is rendered. Internal to the package.
//
// Files: filters.cc (the tables, binding), filters_string.cc (join, upper,
// lower, trim, replace, indent, quote), filters_sequence.cc (first, last,
// sort, dictsort, reverse), filters_convert.cc (default, int, float, bool,
// string, list, length, ternary, b64encode, to_json, to_yaml),
// filters_regex.cc (regex_replace and friends), tests.cc (the tests).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/template/ast.h"
#include "compiler/template/object.h"

namespace cairn::jinja_internal {

class Evaluator;

// The parameters after the input value, how many are required, and how
// many may be given by position (the rest only by name).
struct Signature {
  std::vector<std::string_view> params;
  size_t required = 0;
  size_t max_positional = SIZE_MAX;
};

// What a filter or test receives: the input and one slot per parameter
// (empty when the argument was not given).
struct FilterCall {
  Evaluator& eval;
  const Expr& expr;
  Object input;
  std::vector<std::optional<Object>> args;

  // Records an error at the filter's name and arguments; returns false.
  bool Fail(std::string message) const;
  // The argument in slot `i`, or `fallback`.
  Object Arg(size_t i, Object fallback) const {
    return args[i] ? *args[i] : std::move(fallback);
  }
  // Converts slot `i` (or `fallback`) with Python's truth rules.
  bool BoolArg(size_t i, bool fallback, bool* out) const;
  // Slot `i` as an int (bools count), or `fallback`.
  bool IntArg(size_t i, int64_t fallback, int64_t* out) const;
  // Slot `i` converted with str(), or `fallback`.
  bool StrArg(size_t i, std::string fallback, std::string* out) const;
  // The input converted with str().
  bool InputStr(std::string* out) const;
};

using FilterFn = bool (*)(FilterCall& call, Object* out);
using TestFn = bool (*)(FilterCall& call, bool* out);

struct FilterDef {
  std::string_view name;
  Signature signature;
  FilterFn fn;
  // Only `default`: an undefined input or argument is not an error.
  bool accepts_undefined = false;
  // Ansible's own filters also answer to "ansible.builtin.<name>".
  bool ansible = false;
};

struct TestDef {
  std::string_view name;
  Signature signature;
  TestFn fn;
  // `defined`, `undefined` and `none` look at undefined inputs.
  bool accepts_undefined = false;
  // Ansible's own tests also answer to "ansible.builtin.<name>".
  bool ansible = false;
};

// The filter or test called `name`, or nullptr. Ansible's own filters and
// tests may be called "ansible.builtin.<name>"; Jinja2's may not.
const FilterDef* FindFilter(std::string_view name);
const TestDef* FindTest(std::string_view name);

// Why `args` do not fit `signature` ("unexpected argument 'x'"), or "".
std::string CheckArgs(const Signature& signature, const Args& args);

// Puts evaluated arguments into parameter slots (CheckArgs passed).
std::vector<std::optional<Object>> BindArgs(
    const Signature& signature, std::vector<Object> positional,
    std::vector<std::pair<std::string, Object>> keywords);

// The filters of each file, for FindFilter.
const std::vector<FilterDef>& StringFilters();
const std::vector<FilterDef>& SequenceFilters();
const std::vector<FilterDef>& ConvertFilters();
const std::vector<FilterDef>& RegexFilters();
const std::vector<TestDef>& Tests();

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_FILTERS_H_
