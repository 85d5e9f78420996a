// The filter and test tables, argument checking and binding.

#include "compiler/template/filters.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/pystr.h"

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
  using Tables = const std::vector<FilterDef>& (*)();
  static constexpr Tables kTables[] = {
      StringFilters, SequenceFilters, ConvertFilters,
      RegexFilters,  ApplyFilters,    CollectionFilters,
      DictFilters,   NumberFilters,   AnsibleFilters,
  };
  for (Tables table : kTables) {
    if (const FilterDef* f = FindIn(table(), name)) return f;
  }
  return nullptr;
}

const TestDef* FindTest(std::string_view name) { return FindIn(Tests(), name); }

std::string CheckArgs(const Signature& signature, const Args& args) {
  std::vector<std::string_view> keywords;
  for (const Keyword& keyword : args.keywords) keywords.push_back(keyword.name);
  return CheckArgCounts(signature, args.positional.size(), keywords);
}

std::string CheckArgCounts(const Signature& signature, size_t positional,
                           const std::vector<std::string_view>& keywords) {
  const auto& params = signature.params;
  size_t max_positional = std::min(params.size(), signature.max_positional);
  if (positional > max_positional && !signature.rest_positional) {
    if (max_positional < params.size()) {
      return StrCat("takes at most ", max_positional, " positional argument",
                    max_positional == 1 ? "" : "s", " (", positional,
                    " given)");
    }
    return StrCat("takes at most ", params.size(), " argument",
                  params.size() == 1 ? "" : "s", " (", positional, " given)");
  }
  std::vector<bool> given(params.size(), false);
  for (size_t i = 0; i < positional && i < max_positional; ++i) {
    given[i] = true;
  }
  for (std::string_view keyword : keywords) {
    size_t i = 0;
    while (i < params.size() && params[i] != keyword) ++i;
    if (i == params.size()) {
      if (signature.rest_keywords) continue;
      return StrCat("unexpected argument '", keyword, "'");
    }
    if (given[i]) return StrCat("argument '", keyword, "' is given twice");
    given[i] = true;
  }
  for (size_t i = 0; i < signature.required; ++i) {
    if (!given[i]) return StrCat("missing argument '", params[i], "'");
  }
  return "";
}

void BindArgs(const Signature& signature, std::vector<Object> positional,
              std::vector<std::pair<std::string, Object>> keywords,
              FilterCall* call) {
  const auto& params = signature.params;
  size_t max_positional = std::min(params.size(), signature.max_positional);
  call->args.assign(params.size(), std::nullopt);
  for (size_t i = 0; i < positional.size(); ++i) {
    if (i < max_positional) {
      call->args[i] = std::move(positional[i]);
    } else {
      call->rest.push_back(std::move(positional[i]));
    }
  }
  for (auto& [name, value] : keywords) {
    size_t i = 0;
    while (i < params.size() && params[i] != name) ++i;
    if (i < params.size()) {
      call->args[i] = std::move(value);
    } else {
      call->rest_keywords.emplace_back(name, std::move(value));
    }
  }
}

namespace {

// The definition `name` names, found by `find`, with its arguments
// checked; nullptr after reporting what is wrong.
template <typename Def>
const Def* FindChecked(const FilterCall& outer, std::string_view kind,
                       const Object& name, const Def* (*find)(std::string_view),
                       size_t positional,
                       const std::vector<std::pair<std::string, Object>>& kw) {
  if (!outer.eval.Defined(name)) return nullptr;
  if (!name.is_value() || name.value().type() != Type::kString) {
    outer.Fail(StrCat("the ", kind, " name must be a string, not a ",
                      Evaluator::TypeName(name)));
    return nullptr;
  }
  const std::string& text = name.value().string_value();
  const Def* def = find(text);
  if (def == nullptr) {
    outer.Fail(StrCat(kind, " '", text, "' is not supported"));
    return nullptr;
  }
  std::vector<std::string_view> names;
  for (const auto& keyword : kw) names.push_back(keyword.first);
  if (std::string why = CheckArgCounts(def->signature, positional, names);
      !why.empty()) {
    outer.Fail(StrCat(kind, " '", text, "': ", why));
    return nullptr;
  }
  return def;
}

// Binds the arguments of a call made by name and checks that the input
// and the arguments are defined where `def` needs them to be.
template <typename Def>
bool Prepare(const Def& def, std::vector<Object> positional,
             std::vector<std::pair<std::string, Object>> keywords,
             FilterCall* call) {
  if (!def.accepts_undefined && !call->eval.Defined(call->input)) return false;
  BindArgs(def.signature, std::move(positional), std::move(keywords), call);
  for (const auto& arg : call->args) {
    if (arg && !def.accepts_undefined && !call->eval.Defined(*arg)) {
      return false;
    }
  }
  for (const Object& arg : call->rest) {
    if (!call->eval.Defined(arg)) return false;
  }
  return true;
}

}  // namespace

bool CallFilterByName(const FilterCall& outer, const Object& name, Object input,
                      std::vector<Object> positional,
                      std::vector<std::pair<std::string, Object>> keywords,
                      Object* out) {
  const FilterDef* def = FindChecked(outer, "filter", name, FindFilter,
                                     positional.size(), keywords);
  if (def == nullptr) return false;
  FilterCall call{outer.eval, outer.expr, std::move(input), {}};
  return Prepare(*def, std::move(positional), std::move(keywords), &call) &&
         def->fn(call, out);
}

bool CallTestByName(const FilterCall& outer, const Object& name, Object input,
                    std::vector<Object> positional,
                    std::vector<std::pair<std::string, Object>> keywords,
                    bool* out) {
  const TestDef* def =
      FindChecked(outer, "test", name, FindTest, positional.size(), keywords);
  if (def == nullptr) return false;
  FilterCall call{outer.eval, outer.expr, std::move(input), {}};
  return Prepare(*def, std::move(positional), std::move(keywords), &call) &&
         def->fn(call, out);
}

bool AttributeParts(const FilterCall& call, const Object& attribute,
                    std::vector<Object>* parts) {
  parts->clear();
  if (!call.eval.Defined(attribute)) return false;
  if (attribute.is_value() && attribute.value().is_null()) return true;
  if (!attribute.is_value() || attribute.value().type() != Type::kString) {
    parts->push_back(attribute);
    return true;
  }
  // Python's str.isdigit() parts become ints; beyond 64 bits, an index no
  // sequence has.
  for (std::string_view part :
       StrSplit(attribute.value().string_value(), '.')) {
    bool digits = !part.empty();
    int64_t index = 0;
    for (char c : part) {
      digits = digits && c >= '0' && c <= '9';
      if (!digits) break;
      if (__builtin_mul_overflow(index, 10, &index) ||
          __builtin_add_overflow(index, c - '0', &index)) {
        index = INT64_MAX;
      }
    }
    parts->push_back(digits ? Object(Value(index))
                            : Object(Value(std::string(part))));
  }
  return true;
}

bool GetAttribute(const FilterCall& call, const Object& item,
                  const std::vector<Object>& parts,
                  const std::optional<Object>& default_value, Object* out) {
  Object current = item;
  for (const Object& part : parts) {
    Object next;
    if (!call.eval.GetItem(current, part, call.expr.span, &next)) return false;
    current = std::move(next);
    if (default_value && current.is_undefined()) current = *default_value;
  }
  *out = std::move(current);
  return true;
}

bool IgnoreCase(const FilterCall& call, const Value& value, Value* out) {
  if (value.type() != Type::kString) {
    *out = value;
    return true;
  }
  std::string lower;
  if (!PyLower(value.string_value(), &lower)) {
    return call.Fail("the string is not valid UTF-8");
  }
  *out = Value(std::move(lower));
  return true;
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
