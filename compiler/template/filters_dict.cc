// Ansible's dict filters (plugins/filter/core.py): dict2items, items2dict
// and combine, with merge_hash's rules (ansible/utils/vars.py) for
// recursive= and list_merge=.

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/eval_util.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/value_access.h"
#include "compiler/template/value_set.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsMap(const Value& v) { return v.type() == Type::kMap; }
// A Python list (MutableSequence), not a tuple.
bool IsList(const Value& v) {
  return v.type() == Type::kList && !ValueAccess::IsTuple(v);
}

bool FilterDict2Items(FilterCall& call, Object* out) {
  if (!call.input.is_value() || !IsMap(call.input.value())) {
    return call.Fail(StrCat("dict2items requires a dictionary, got <class '",
                            PyTypeName(call.input), "'> instead."));
  }
  std::string key_name, value_name;
  for (size_t i = 0; i < 2; ++i) {
    if (call.args[i] && !(call.args[i]->is_value() &&
                          call.args[i]->value().type() == Type::kString)) {
      return call.Fail(StrCat(i == 0 ? "key_name" : "value_name",
                              " must be a string (only strings are supported "
                              "as dict keys), not a ",
                              Evaluator::TypeName(*call.args[i])));
    }
  }
  if (!call.StrArg(0, "key", &key_name) ||
      !call.StrArg(1, "value", &value_name)) {
    return false;
  }
  const auto& entries = call.input.value().entries();
  if (!call.eval.ChargeIterations(static_cast<int64_t>(entries.size()),
                                  call.expr.span)) {
    return false;
  }
  std::vector<Value> items;
  for (const Value::Entry& e : entries) {
    items.push_back(
        Value::Map({{key_name, Value(e.first)}, {value_name, e.second}}));
  }
  *out = Object(Value::List(std::move(items)));
  return true;
}

enum class Lookup { kFound, kMissing, kWrongType };

// Python's container[key] on plain values.
Lookup PyGetItem(const Value& container, const Value& key, Value* out) {
  switch (container.type()) {
    case Type::kMap:
      if (key.type() != Type::kString) return Lookup::kMissing;
      if (const Value* v = container.Find(key.string_value())) {
        *out = *v;
        return Lookup::kFound;
      }
      return Lookup::kMissing;
    case Type::kList: {
      if (key.type() != Type::kInt && key.type() != Type::kBool) {
        return Lookup::kWrongType;
      }
      int64_t n = static_cast<int64_t>(container.items().size());
      int64_t i =
          key.type() == Type::kBool ? key.bool_value() : key.int_value();
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Lookup::kMissing;
      *out = container.items()[static_cast<size_t>(i)];
      return Lookup::kFound;
    }
    default:
      return Lookup::kWrongType;
  }
}

bool FilterItems2Dict(FilterCall& call, Object* out) {
  const Object& in = call.input;
  if (!(in.kind() == Object::Kind::kRange ||
        (in.is_value() && in.value().type() == Type::kList))) {
    return call.Fail(StrCat("items2dict requires a list, got <class '",
                            PyTypeName(in), "'> instead."));
  }
  std::vector<Value> items;
  Value key_name("key"), value_name("value");
  if (!call.eval.Iterate(in, call.expr.span, &items) ||
      (call.args[0] &&
       !call.eval.ToValue(*call.args[0], call.expr.span, &key_name)) ||
      (call.args[1] &&
       !call.eval.ToValue(*call.args[1], call.expr.span, &value_name)) ||
      !call.eval.ChargeIterations(static_cast<int64_t>(items.size()),
                                  call.expr.span)) {
    return false;
  }
  std::vector<Value::Entry> entries;
  for (const Value& item : items) {
    Value key, value;
    Lookup k = PyGetItem(item, key_name, &key);
    Lookup v = k == Lookup::kFound ? PyGetItem(item, value_name, &value) : k;
    if (k == Lookup::kWrongType || v == Lookup::kWrongType) {
      return call.Fail("items2dict requires a list of dictionaries");
    }
    if (k == Lookup::kMissing || v == Lookup::kMissing) {
      std::string names;
      if (!call.eval.ToStr(Object(key_name), call.expr.span, &names)) {
        return false;
      }
      std::string value_text;
      if (!call.eval.ToStr(Object(value_name), call.expr.span, &value_text)) {
        return false;
      }
      return call.Fail(StrCat(
          "items2dict requires each dictionary in the list to contain the "
          "keys '",
          names, "' and '", value_text, "'"));
    }
    if (key.type() != Type::kString) {
      return call.Fail(StrCat("only strings are supported as dict keys, not a ",
                              Evaluator::TypeName(Object(key))));
    }
    entries.emplace_back(key.string_value(), std::move(value));
  }
  *out = Object(Value::Map(std::move(entries)));
  return true;
}

// Ansible's merge_hash(x, y): y's keys take precedence; nested dicts merge
// when `recursive`, and lists as `list_merge` says.
bool MergeHash(FilterCall& call, const Value& x, const Value& y, bool recursive,
               std::string_view list_merge, int depth, Value* out) {
  if (list_merge != "replace" && list_merge != "keep" &&
      list_merge != "append" && list_merge != "prepend" &&
      list_merge != "append_rp" && list_merge != "prepend_rp") {
    return call.Fail(
        "merge_hash: 'list_merge' argument can only be equal to 'replace', "
        "'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'");
  }
  if (!IsMap(x) || !IsMap(y)) {
    return call.Fail(
        StrCat("failed to combine variables, expected dicts but got a '",
               PyTypeName(Object(x)), "' and a '", PyTypeName(Object(y)), "'"));
  }
  if (depth > call.eval.options().max_value_depth) {
    return call.Fail(StrCat("a value nested more than ",
                            call.eval.options().max_value_depth,
                            " levels deep"));
  }
  if (!call.eval.ChargeIterations(
          static_cast<int64_t>(x.entries().size() + y.entries().size()),
          call.expr.span)) {
    return false;
  }
  if (x.entries().empty() || Evaluator::Equal(x, y)) {
    *out = y;
    return true;
  }
  std::vector<Value::Entry> entries = x.entries();
  if (!recursive && list_merge == "replace") {
    entries.insert(entries.end(), y.entries().begin(), y.entries().end());
    *out = Value::Map(std::move(entries));
    return true;
  }
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < entries.size(); ++i) index[entries[i].first] = i;
  std::vector<Value::Entry> added;
  for (const Value::Entry& e : y.entries()) {
    auto it = index.find(e.first);
    if (it == index.end()) {
      added.push_back(e);
      continue;
    }
    Value& xv = entries[it->second].second;
    const Value& yv = e.second;
    if (IsMap(xv) && IsMap(yv)) {
      if (!recursive) {
        xv = yv;
      } else if (!MergeHash(call, Value(xv), yv, recursive, list_merge,
                            depth + 1, &xv)) {
        return false;
      }
      continue;
    }
    if (!IsList(xv) || !IsList(yv)) {
      xv = yv;
      continue;
    }
    if (list_merge == "keep") continue;
    if (list_merge == "replace") {
      xv = yv;
      continue;
    }
    std::vector<Value> kept;
    if (list_merge == "append_rp" || list_merge == "prepend_rp") {
      ValueSet present(yv.items());
      for (const Value& z : xv.items()) {
        if (!present.Contains(z)) kept.push_back(z);
      }
    } else {
      kept = xv.items();
    }
    std::vector<Value> merged;
    if (list_merge == "append" || list_merge == "append_rp") {
      merged = std::move(kept);
      merged.insert(merged.end(), yv.items().begin(), yv.items().end());
    } else {
      merged = yv.items();
      merged.insert(merged.end(), kept.begin(), kept.end());
    }
    if (!call.eval.ChargeIterations(static_cast<int64_t>(merged.size()),
                                    call.expr.span)) {
      return false;
    }
    xv = Value::List(std::move(merged));
  }
  entries.insert(entries.end(), added.begin(), added.end());
  *out = Value::Map(std::move(entries));
  return true;
}

// Whether flatten() drops `v`: None, 'None' and 'null'.
bool IsNull(const Value& v) {
  return v.is_null() ||
         (v.type() == Type::kString &&
          (v.string_value() == "None" || v.string_value() == "null"));
}

// Ansible's combine(*dicts): the input and the arguments, lists of dicts
// spliced in and nulls dropped (flatten(levels=1)), merged from the right.
bool FilterCombine(FilterCall& call, Object* out) {
  std::vector<Object> terms = {call.input};
  terms.insert(terms.end(), call.rest.begin(), call.rest.end());
  std::vector<Value> dicts;
  for (const Object& term : terms) {
    Value v;
    if (!call.eval.ToValue(term, call.expr.span, &v)) return false;
    if (IsNull(v)) continue;
    if (v.type() != Type::kList) {
      dicts.push_back(std::move(v));
      continue;
    }
    for (const Value& element : v.items()) {
      if (!IsNull(element)) dicts.push_back(element);
    }
  }
  bool recursive = false;
  Object list_merge = call.Arg(1, Object(Value("replace")));
  if (!call.BoolArg(0, false, &recursive)) return false;
  if (dicts.empty()) {
    *out = Object(Value::Map({}));
    return true;
  }
  if (dicts.size() > 1 &&
      !(list_merge.is_value() && list_merge.value().type() == Type::kString)) {
    return call.Fail(StrCat("list_merge must be a string, not a ",
                            Evaluator::TypeName(list_merge)));
  }
  Value result = dicts.back();
  for (size_t i = dicts.size() - 1; i-- > 0;) {
    Value merged;
    if (!MergeHash(call, dicts[i], result, recursive,
                   list_merge.value().string_value(), 0, &merged)) {
      return false;
    }
    result = std::move(merged);
  }
  *out = Object(std::move(result));
  return true;
}

std::vector<FilterDef> MakeDictFilters() {
  Signature names{{"key_name", "value_name"}, 0};
  return {
      {"dict2items", names, FilterDict2Items, false, true},
      {"items2dict", names, FilterItems2Dict, false, true},
      {"combine",
       {{"recursive", "list_merge"}, 0, 0, true},
       FilterCombine,
       false,
       true},
  };
}

}  // namespace

const std::vector<FilterDef>& DictFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeDictFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
