// The filter and test tables, argument checking and binding.

#include "compiler/template/filters.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

template <typename Def>
const Def* FindIn(const std::vector<Def>& defs, std::string_view name) {
  constexpr std::string_view kPrefix = "ansible.builtin.";
  bool prefixed = StartsWith(name, kPrefix);
  if (prefixed) name.remove_prefix(kPrefix.size());
  for (const Def& def : defs) {
    if (def.name == name && (!prefixed || def.ansible)) return &def;
  }
  return nullptr;
}

}  // namespace

const FilterDef* FindFilter(std::string_view name) {
  if (const FilterDef* f = FindIn(StringFilters(), name)) return f;
  if (const FilterDef* f = FindIn(SequenceFilters(), name)) return f;
  if (const FilterDef* f = FindIn(ConvertFilters(), name)) return f;
  return FindIn(RegexFilters(), name);
}

const TestDef* FindTest(std::string_view name) { return FindIn(Tests(), name); }

std::string CheckArgs(const Signature& signature, const Args& args) {
  const auto& params = signature.params;
  size_t max_positional = std::min(params.size(), signature.max_positional);
  if (args.positional.size() > max_positional) {
    if (max_positional < params.size()) {
      return StrCat("takes at most ", max_positional, " positional argument",
                    max_positional == 1 ? "" : "s", " (",
                    args.positional.size(), " given)");
    }
    return StrCat("takes at most ", params.size(), " argument",
                  params.size() == 1 ? "" : "s", " (", args.positional.size(),
                  " given)");
  }
  std::vector<bool> given(params.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) given[i] = true;
  for (const Keyword& keyword : args.keywords) {
    size_t i = 0;
    while (i < params.size() && params[i] != keyword.name) ++i;
    if (i == params.size()) {
      return StrCat("unexpected argument '", keyword.name, "'");
    }
    if (given[i]) {
      return StrCat("argument '", keyword.name, "' is given twice");
    }
    given[i] = true;
  }
  for (size_t i = 0; i < signature.required; ++i) {
    if (!given[i]) return StrCat("missing argument '", params[i], "'");
  }
  return "";
}

std::vector<std::optional<Object>> BindArgs(
    const Signature& signature, std::vector<Object> positional,
    std::vector<std::pair<std::string, Object>> keywords) {
  std::vector<std::optional<Object>> slots(signature.params.size());
  for (size_t i = 0; i < positional.size() && i < slots.size(); ++i) {
    slots[i] = std::move(positional[i]);
  }
  for (auto& [name, value] : keywords) {
    for (size_t i = 0; i < signature.params.size(); ++i) {
      if (signature.params[i] == name) slots[i] = std::move(value);
    }
  }
  return slots;
}

bool FilterCall::Fail(std::string message) const {
  return eval.Fail({expr.name_span.begin, expr.span.end}, std::move(message));
}

bool FilterCall::BoolArg(size_t i, bool fallback, bool* out) const {
  if (!args[i]) {
    *out = fallback;
    return true;
  }
  return eval.Truthy(*args[i], expr.span, out);
}

bool FilterCall::IntArg(size_t i, int64_t fallback, int64_t* out) const {
  if (!args[i]) {
    *out = fallback;
    return true;
  }
  const Object& a = *args[i];
  if (a.is_value() && a.value().type() == Type::kInt) {
    *out = a.value().int_value();
    return true;
  }
  if (a.is_value() && a.value().type() == Type::kBool) {
    *out = a.value().bool_value();
    return true;
  }
  return Fail(
      StrCat("expected an integer argument, not a ", Evaluator::TypeName(a)));
}

bool FilterCall::StrArg(size_t i, std::string fallback,
                        std::string* out) const {
  if (!args[i]) {
    *out = std::move(fallback);
    return true;
  }
  return eval.ToStr(*args[i], expr.span, out);
}

bool FilterCall::InputStr(std::string* out) const {
  return eval.ToStr(input, expr.span, out);
}

}  // namespace cairn::jinja_internal
