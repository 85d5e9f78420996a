#ifndef CAIRN_COMPILER_TEMPLATE_FILTERS_H_
#define CAIRN_COMPILER_TEMPLATE_FILTERS_H_

// The filters ({{ x | upper }}) and tests ({% if x is defined %}) the engine
// supports, each matching Jinja2's or Ansible's implementation. Arguments
// are checked against a signature when the template is parsed and bound to
// parameter slots when it is rendered. Internal to the package.
//
// Files: filters.cc (the tables, binding, calling a filter or test by
// name), filters_string.cc (join, upper, lower, trim, replace, indent,
// quote, title, capitalize, center, wordcount, split), filters_sequence.cc
// (first, last, sort, dictsort, reverse), filters_convert.cc (default, int,
// float, bool, string, list, length, ternary, b64encode, to_json, to_yaml,
// mandatory, basename, dirname), filters_apply.cc (map, select, reject,
// selectattr, rejectattr), filters_collection.cc (unique, union,
// intersect, difference, symmetric_difference, min, max, sum, batch,
// flatten, items), filters_dict.cc (dict2items, items2dict, combine),
// filters_number.cc (abs, round), filters_ansible.cc (extract, comment,
// b64decode, splitext, path_join), filters_regex.cc (regex_replace and
// friends), tests.cc (the tests).

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
  // Positional arguments beyond the parameters (or beyond max_positional)
  // are accepted and kept in FilterCall::rest: combine's dicts, the name
  // and arguments of the filter or test that map and select apply.
  bool rest_positional = false;
  // Named arguments that are not parameters are accepted and kept in
  // FilterCall::rest_keywords (map and select pass them on).
  bool rest_keywords = false;
};

// What a filter or test receives: the input and one slot per parameter
// (empty when the argument was not given).
struct FilterCall {
  Evaluator& eval;
  const Expr& expr;
  Object input;
  std::vector<std::optional<Object>> args;
  // With Signature::rest_positional and rest_keywords: the arguments that
  // are not parameters, in order.
  std::vector<Object> rest;
  std::vector<std::pair<std::string, Object>> rest_keywords;

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
// A check made when parsing, beyond the signature: map and select check
// the filter or test they name, when it is a literal. Returns why `args`
// are wrong (and sets `*where` when a narrower place than the whole filter
// is at fault), or "".
using ArgsCheck = std::string (*)(const Args& args, Span* where);

struct FilterDef {
  std::string_view name;
  Signature signature;
  FilterFn fn;
  // Only `default`: an undefined input or argument is not an error.
  bool accepts_undefined = false;
  // Ansible's own filters also answer to "ansible.builtin.<name>".
  bool ansible = false;
  // Checks the arguments further when parsing, or nullptr.
  ArgsCheck check = nullptr;
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
// The same for `positional` arguments and the named ones in `keywords`.
std::string CheckArgCounts(const Signature& signature, size_t positional,
                           const std::vector<std::string_view>& keywords);

// Puts evaluated arguments into the parameter slots of `call` and its rest
// (CheckArgs passed).
void BindArgs(const Signature& signature, std::vector<Object> positional,
              std::vector<std::pair<std::string, Object>> keywords,
              FilterCall* call);

// Applies the filter or test `name` to `input` with evaluated arguments,
// as Jinja2's call_filter and call_test do for map and select: checks the
// name and the arguments first. Errors are reported at `outer`'s filter.
bool CallFilterByName(const FilterCall& outer, const Object& name, Object input,
                      std::vector<Object> positional,
                      std::vector<std::pair<std::string, Object>> keywords,
                      Object* out);
bool CallTestByName(const FilterCall& outer, const Object& name, Object input,
                    std::vector<Object> positional,
                    std::vector<std::pair<std::string, Object>> keywords,
                    bool* out);

// Jinja2's make_attrgetter: `attribute` ("a.b.0", or an int) split into
// the keys looked up one after the other; None gives no keys (the item
// itself).
bool AttributeParts(const FilterCall& call, const Object& attribute,
                    std::vector<Object>* parts);
// Looks `parts` up in `item` with Jinja2's getitem rules; a missing one is
// undefined, or `default_value` when given (as map(default=...) does).
bool GetAttribute(const FilterCall& call, const Object& item,
                  const std::vector<Object>& parts,
                  const std::optional<Object>& default_value, Object* out);
// Jinja2's ignore_case: a string lowercased, anything else as it is.
bool IgnoreCase(const FilterCall& call, const Value& value, Value* out);

// The filters of each file, for FindFilter.
const std::vector<FilterDef>& StringFilters();
const std::vector<FilterDef>& SequenceFilters();
const std::vector<FilterDef>& ConvertFilters();
const std::vector<FilterDef>& RegexFilters();
const std::vector<FilterDef>& ApplyFilters();
const std::vector<FilterDef>& CollectionFilters();
const std::vector<FilterDef>& DictFilters();
const std::vector<FilterDef>& NumberFilters();
const std::vector<FilterDef>& AnsibleFilters();
const std::vector<TestDef>& Tests();

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_FILTERS_H_
