// Jinja2's filters that apply another filter or a test to every element:
// map (a filter, or an attribute, with default=), select and reject (a test,
// or truth), selectattr and rejectattr (a test on an attribute). Jinja2
// returns generators; Ansible unrolls them into lists, and so do these. An
// attribute an element lacks stays undefined in the list (a kList), so that
// `map(attribute='x') | select('defined')` works as with Ansible.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

// When parsing: if args.positional[index] is a literal, checks that it names
// a filter or test (found by `find`) that takes the arguments after it.
template <typename Def>
std::string CheckNamed(const Args& args, size_t index, std::string_view kind,
                       const Def* (*find)(std::string_view), Span* where) {
  if (args.positional.size() <= index) return "";
  const Expr& name = *args.positional[index];
  if (name.kind != ExprKind::kLiteral) return "";
  if (name.literal.type() != Type::kString) {
    *where = name.span;
    return StrCat("the ", kind, " name must be a string, not a ",
                  Evaluator::TypeName(Object(name.literal)));
  }
  const std::string& text = name.literal.string_value();
  const Def* def = find(text);
  if (def == nullptr) {
    *where = name.span;
    return StrCat(kind, " '", text, "' is not supported");
  }
  std::vector<std::string_view> keywords;
  for (const Keyword& keyword : args.keywords) keywords.push_back(keyword.name);
  std::string why = CheckArgCounts(
      def->signature, args.positional.size() - index - 1, keywords);
  return why.empty() ? "" : StrCat(kind, " '", text, "': ", why);
}

bool HasKeyword(const Args& args, std::string_view name) {
  for (const Keyword& keyword : args.keywords) {
    if (keyword.name == name) return true;
  }
  return false;
}

std::string CheckMap(const Args& args, Span* where) {
  if (!args.positional.empty()) {
    return CheckNamed(args, 0, "filter", FindFilter, where);
  }
  if (!HasKeyword(args, "attribute")) return "map requires a filter argument";
  for (const Keyword& keyword : args.keywords) {
    if (keyword.name != "attribute" && keyword.name != "default") {
      *where = keyword.span;
      return StrCat("map: unexpected argument '", keyword.name, "'");
    }
  }
  return "";
}

std::string CheckSelect(const Args& args, Span* where) {
  return CheckNamed(args, 0, "test", FindTest, where);
}

std::string CheckSelectAttr(const Args& args, Span* where) {
  if (args.positional.empty()) return "Missing parameter for attribute name";
  return CheckNamed(args, 1, "test", FindTest, where);
}

// The elements of the input, or none when it is false (None, empty): Jinja2
// looks at `if value:` before iterating, and at the arguments only then.
bool Elements(FilterCall& call, std::vector<Object>* items) {
  bool truthy = false;
  if (!call.eval.Truthy(call.input, call.expr.span, &truthy)) return false;
  if (!truthy) return true;
  return call.eval.IterateObjects(call.input, call.expr.span, items) &&
         call.eval.ChargeIterations(static_cast<int64_t>(items->size()),
                                    call.expr.span);
}

const Object* FindKeyword(const FilterCall& call, std::string_view name) {
  for (const auto& [key, value] : call.rest_keywords) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool FilterMap(FilterCall& call, Object* out) {
  std::vector<Object> items, mapped;
  if (!Elements(call, &items)) return false;
  if (items.empty()) return call.eval.MakeList({}, call.expr.span, out);
  const Object* attribute = FindKeyword(call, "attribute");
  if (call.rest.empty() && attribute != nullptr) {
    for (const auto& keyword : call.rest_keywords) {
      if (keyword.first != "attribute" && keyword.first != "default") {
        return call.Fail(
            StrCat("map: unexpected argument '", keyword.first, "'"));
      }
    }
    // Jinja2 uses the default for every missing part unless it is None.
    std::optional<Object> default_value;
    if (const Object* d = FindKeyword(call, "default");
        d != nullptr && !(d->is_value() && d->value().is_null())) {
      default_value = *d;
    }
    std::vector<Object> parts;
    if (!AttributeParts(call, *attribute, &parts)) return false;
    for (const Object& item : items) {
      Object value;
      if (!GetAttribute(call, item, parts, default_value, &value)) return false;
      mapped.push_back(std::move(value));
    }
    return call.eval.MakeList(std::move(mapped), call.expr.span, out);
  }
  if (call.rest.empty()) return call.Fail("map requires a filter argument");
  std::vector<Object> args(call.rest.begin() + 1, call.rest.end());
  for (const Object& item : items) {
    Object value;
    if (!CallFilterByName(call, call.rest[0], item, args, call.rest_keywords,
                          &value)) {
      return false;
    }
    mapped.push_back(std::move(value));
  }
  return call.eval.MakeList(std::move(mapped), call.expr.span, out);
}

// Jinja2's select_or_reject: keeps the elements whose attribute (or which)
// pass the named test, or are true when no test is named.
bool SelectOrReject(FilterCall& call, Object* out, bool select,
                    bool by_attribute) {
  std::vector<Object> items, kept;
  if (!Elements(call, &items)) return false;
  if (items.empty()) return call.eval.MakeList({}, call.expr.span, out);
  size_t offset = 0;
  std::vector<Object> parts;
  if (by_attribute) {
    if (call.rest.empty()) {
      return call.Fail("Missing parameter for attribute name");
    }
    if (!AttributeParts(call, call.rest[0], &parts)) return false;
    offset = 1;
  }
  bool has_test = call.rest.size() > offset;
  std::vector<Object> args;
  if (has_test) args.assign(call.rest.begin() + offset + 1, call.rest.end());
  for (const Object& item : items) {
    Object value = item;
    if (by_attribute &&
        !GetAttribute(call, item, parts, std::nullopt, &value)) {
      return false;
    }
    bool passed = false;
    if (has_test ? !CallTestByName(call, call.rest[offset], value, args,
                                   call.rest_keywords, &passed)
                 : !call.eval.Truthy(value, call.expr.span, &passed)) {
      return false;
    }
    if (passed == select) kept.push_back(item);
  }
  return call.eval.MakeList(std::move(kept), call.expr.span, out);
}

bool FilterSelect(FilterCall& call, Object* out) {
  return SelectOrReject(call, out, true, false);
}

bool FilterReject(FilterCall& call, Object* out) {
  return SelectOrReject(call, out, false, false);
}

bool FilterSelectAttr(FilterCall& call, Object* out) {
  return SelectOrReject(call, out, true, true);
}

bool FilterRejectAttr(FilterCall& call, Object* out) {
  return SelectOrReject(call, out, false, true);
}

std::vector<FilterDef> MakeApplyFilters() {
  // Everything is passed on: *args and **kwargs.
  Signature any{{}, 0, SIZE_MAX, true, true};
  return {
      {"map", any, FilterMap, false, false, CheckMap},
      {"select", any, FilterSelect, false, false, CheckSelect},
      {"reject", any, FilterReject, false, false, CheckSelect},
      {"selectattr", any, FilterSelectAttr, false, false, CheckSelectAttr},
      {"rejectattr", any, FilterRejectAttr, false, false, CheckSelectAttr},
  };
}

}  // namespace

const std::vector<FilterDef>& ApplyFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeApplyFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
