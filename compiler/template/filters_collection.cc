// Filters over the elements of a sequence: Jinja2's min, max, sum, batch
// and items; Ansible's unique, union, intersect, difference,
// symmetric_difference (mathstuff.py) and flatten (core.py). What Python
// returns as an iterator is a list here, as Ansible unrolls it.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
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

bool IsNone(const Object& o) { return o.is_value() && o.value().is_null(); }

bool Elements(FilterCall& call, const Object& o, std::vector<Value>* out) {
  return call.eval.Iterate(o, call.expr.span, out);
}

bool ListResult(FilterCall& call, std::vector<Value> items, Object* out) {
  if (!call.eval.ChargeIterations(static_cast<int64_t>(items.size()),
                                  call.expr.span)) {
    return false;
  }
  *out = Object(Value::List(std::move(items)));
  return true;
}

// Ansible's unique: Jinja2's do_unique (by the key of each item: an
// attribute, lowercased unless case_sensitive), and when that fails on an
// unhashable key, Ansible's own loop comparing whole items with ==, unless
// case_sensitive=False or an attribute was asked for.
bool FilterUnique(FilterCall& call, Object* out) {
  std::vector<Value> items;
  bool case_sensitive = false, by_attribute = false;
  if (!Elements(call, call.input, &items) ||
      !call.BoolArg(0, false, &case_sensitive) ||
      !call.BoolArg(1, false, &by_attribute)) {
    return false;
  }
  bool strict = by_attribute || (call.args[0] && call.args[0]->is_value() &&
                                 call.args[0]->value().type() == Type::kBool &&
                                 !call.args[0]->value().bool_value());
  std::vector<Object> parts;
  if (!AttributeParts(call, call.Arg(1, Object(Value())), &parts)) {
    return false;
  }
  ValueSet seen;
  std::vector<Value> kept;
  for (const Value& item : items) {
    Object key;
    if (!GetAttribute(call, Object(item), parts, std::nullopt, &key)) {
      return false;
    }
    Value plain;
    bool hashable = !key.is_undefined();
    if (hashable) {
      if (!call.eval.ToValue(key, call.expr.span, &plain)) return false;
      if (!case_sensitive && !IgnoreCase(call, plain, &plain)) return false;
      hashable = PyHashable(plain);
    }
    if (!hashable) {
      if (!strict) return ListResult(call, Deduplicate(items), out);
      if (key.is_undefined()) return call.eval.FailUndefined(key);
      return call.Fail(
          StrCat("unique: unhashable type: '", PyTypeName(key), "'"));
    }
    if (seen.Insert(plain)) kept.push_back(item);
  }
  return ListResult(call, std::move(kept), out);
}

enum class SetOp { kUnion, kIntersect, kDifference, kSymmetricDifference };

// [x for x in a if (x in b) == inside], as mathstuff.py writes it; a list
// `b` is looked up through a hash set.
bool KeepIf(FilterCall& call, const std::vector<Value>& a, const Object& b,
            bool inside, std::vector<Value>* out) {
  if (b.is_value() && b.value().type() == Type::kList) {
    ValueSet set(b.value().items());
    for (const Value& x : a) {
      if (set.Contains(x) == inside) out->push_back(x);
    }
    return true;
  }
  for (const Value& x : a) {
    bool in = false;
    if (!call.eval.CompareOp(Op::kIn, Object(x), b, call.expr.span, &in)) {
      return false;
    }
    if (in == inside) out->push_back(x);
  }
  return true;
}

// Ansible's set theory filters on lists: the order of the first list,
// without duplicates. On two hashable values (strings, tuples) Python
// makes a set, whose order is not defined, so that is refused.
bool SetOperation(FilterCall& call, Object* out, SetOp op) {
  const Object& a = call.input;
  const Object& b = *call.args[0];
  auto hashable = [](const Object& o) {
    return o.kind() == Object::Kind::kRange ||
           (o.is_value() && PyHashable(o.value()));
  };
  if (hashable(a) && hashable(b)) {
    return call.Fail(StrCat("on a ", Evaluator::TypeName(a), " and a ",
                            Evaluator::TypeName(b),
                            " this gives a Python set, whose order is not "
                            "defined; pass lists"));
  }
  std::vector<Value> items, result;
  if (op == SetOp::kUnion || op == SetOp::kSymmetricDifference) {
    Object both;
    if (!call.eval.Arithmetic(Op::kAdd, a, b, call.expr.span, &both) ||
        !Elements(call, both, &items)) {
      return false;
    }
    items = Deduplicate(std::move(items));
    if (op == SetOp::kUnion) return ListResult(call, std::move(items), out);
    std::vector<Value> a_items, common;
    if (!Elements(call, a, &a_items) ||
        !KeepIf(call, a_items, b, true, &common)) {
      return false;
    }
    Object intersection(Value::List(Deduplicate(std::move(common))));
    if (!KeepIf(call, items, intersection, false, &result)) return false;
    return ListResult(call, std::move(result), out);
  }
  if (!Elements(call, a, &items) ||
      !KeepIf(call, items, b, op == SetOp::kIntersect, &result)) {
    return false;
  }
  return ListResult(call, Deduplicate(std::move(result)), out);
}

bool FilterUnion(FilterCall& call, Object* out) {
  return SetOperation(call, out, SetOp::kUnion);
}
bool FilterIntersect(FilterCall& call, Object* out) {
  return SetOperation(call, out, SetOp::kIntersect);
}
bool FilterDifference(FilterCall& call, Object* out) {
  return SetOperation(call, out, SetOp::kDifference);
}
bool FilterSymmetricDifference(FilterCall& call, Object* out) {
  return SetOperation(call, out, SetOp::kSymmetricDifference);
}

// Jinja2's min and max: the first smallest (largest) item by the key of
// each (an attribute, lowercased unless case_sensitive); undefined when
// there is none.
bool MinOrMax(FilterCall& call, Object* out, bool max) {
  std::vector<Value> items;
  bool case_sensitive = false;
  std::vector<Object> parts;
  if (!Elements(call, call.input, &items) ||
      !call.BoolArg(0, false, &case_sensitive) ||
      !AttributeParts(call, call.Arg(1, Object(Value())), &parts)) {
    return false;
  }
  if (items.empty()) {
    *out = Object::Undefined("No aggregated item, sequence was empty.",
                             call.expr.span);
    return true;
  }
  auto key = [&](const Value& item, Object* k) {
    if (!GetAttribute(call, Object(item), parts, std::nullopt, k)) {
      return false;
    }
    if (k->is_undefined() || case_sensitive) return true;
    Value plain;
    if (!call.eval.ToValue(*k, call.expr.span, &plain) ||
        !IgnoreCase(call, plain, &plain)) {
      return false;
    }
    *k = Object(std::move(plain));
    return true;
  };
  size_t best = 0;
  Object best_key;
  if (!key(items[0], &best_key)) return false;
  for (size_t i = 1; i < items.size(); ++i) {
    Object k;
    Value x, y;
    bool better = false;
    if (!key(items[i], &k) || !call.eval.ToValue(k, call.expr.span, &x) ||
        !call.eval.ToValue(best_key, call.expr.span, &y) ||
        !(max ? call.eval.Less(y, x, call.expr.span, &better)
              : call.eval.Less(x, y, call.expr.span, &better))) {
      return false;
    }
    if (better) {
      best = i;
      best_key = std::move(k);
    }
  }
  *out = Object(items[best]);
  return true;
}

bool FilterMin(FilterCall& call, Object* out) {
  return MinOrMax(call, out, false);
}
bool FilterMax(FilterCall& call, Object* out) {
  return MinOrMax(call, out, true);
}

// Python's sum(iterable, start), of an attribute of each item if asked.
bool FilterSum(FilterCall& call, Object* out) {
  std::vector<Value> items;
  std::vector<Object> parts;
  Object total = call.Arg(1, Object(Value(0)));
  if (!Elements(call, call.input, &items) ||
      !AttributeParts(call, call.Arg(0, Object(Value())), &parts)) {
    return false;
  }
  if (total.is_value() && total.value().type() == Type::kString) {
    return call.Fail("sum() can't sum strings [use ''.join(seq) instead]");
  }
  for (const Value& item : items) {
    Object value;
    if (!GetAttribute(call, Object(item), parts, std::nullopt, &value) ||
        !call.eval.Arithmetic(Op::kAdd, total, value, call.expr.span, &total)) {
      return false;
    }
  }
  *out = std::move(total);
  return true;
}

// Jinja2's batch: lists of `linecount` items, the last one filled up with
// fill_with unless that is None.
bool FilterBatch(FilterCall& call, Object* out) {
  std::vector<Value> items, batches, batch;
  const Object& linecount_arg = *call.args[0];
  if (!linecount_arg.is_value() ||
      (linecount_arg.value().type() != Type::kInt &&
       linecount_arg.value().type() != Type::kBool)) {
    return call.Fail(StrCat("batch needs an integer line count, not a ",
                            Evaluator::TypeName(linecount_arg)));
  }
  int64_t linecount = 0;
  if (!call.IntArg(0, 0, &linecount) || !Elements(call, call.input, &items)) {
    return false;
  }
  Object fill = call.Arg(1, Object(Value()));
  for (Value& item : items) {
    if (linecount >= 0 && batch.size() == static_cast<uint64_t>(linecount)) {
      batches.push_back(Value::List(std::move(batch)));
      batch.clear();
    }
    batch.push_back(std::move(item));
  }
  if (!batch.empty()) {
    if (!IsNone(fill) && static_cast<int64_t>(batch.size()) < linecount) {
      int64_t missing = linecount - static_cast<int64_t>(batch.size());
      Value plain;
      if (!call.eval.ChargeIterations(missing, call.expr.span) ||
          !call.eval.ToValue(fill, call.expr.span, &plain)) {
        return false;
      }
      batch.insert(batch.end(), static_cast<size_t>(missing), plain);
    }
    batches.push_back(Value::List(std::move(batch)));
  }
  return ListResult(call, std::move(batches), out);
}

// Ansible's flatten: nested lists (and tuples) spliced in, `levels` deep or
// all the way; None, 'None' and 'null' dropped unless skip_nulls is false.
bool Flatten(FilterCall& call, const std::vector<Value>& items,
             std::optional<double> levels, bool skip_nulls, int depth,
             std::vector<Value>* out) {
  if (depth > call.eval.options().max_value_depth) {
    return call.Fail(StrCat("a value nested more than ",
                            call.eval.options().max_value_depth,
                            " levels deep"));
  }
  for (const Value& element : items) {
    if (skip_nulls &&
        (element.is_null() || (element.type() == Type::kString &&
                               (element.string_value() == "None" ||
                                element.string_value() == "null")))) {
      continue;
    }
    if (element.type() == Type::kList && (!levels || *levels >= 1)) {
      std::optional<double> next;
      if (levels) next = std::trunc(*levels) - 1;
      if (!Flatten(call, element.items(), next, skip_nulls, depth + 1, out)) {
        return false;
      }
      continue;
    }
    out->push_back(element);
  }
  return true;
}

bool FilterFlatten(FilterCall& call, Object* out) {
  std::vector<Value> items, flat;
  bool skip_nulls = true;
  std::optional<double> levels;
  if (call.args[0] && !IsNone(*call.args[0])) {
    const Object& l = *call.args[0];
    if (!l.is_value() ||
        (l.value().type() != Type::kInt && l.value().type() != Type::kBool &&
         l.value().type() != Type::kDouble)) {
      return call.Fail(StrCat("flatten needs a number of levels, not a ",
                              Evaluator::TypeName(l)));
    }
    const Value& v = l.value();
    levels = v.type() == Type::kDouble ? v.double_value()
             : v.type() == Type::kBool ? static_cast<double>(v.bool_value())
                                       : static_cast<double>(v.int_value());
  }
  if (!call.BoolArg(1, true, &skip_nulls) ||
      !Elements(call, call.input, &items) ||
      !Flatten(call, items, levels, skip_nulls, 0, &flat)) {
    return false;
  }
  return ListResult(call, std::move(flat), out);
}

// Jinja2's items: the (key, value) pairs of a dict; none for undefined.
bool FilterItems(FilterCall& call, Object* out) {
  if (call.input.is_undefined()) {
    *out = Object(Value::List({}));
    return true;
  }
  if (!call.input.is_value() || call.input.value().type() != Type::kMap) {
    return call.Fail("Can only get item pairs from a mapping.");
  }
  std::vector<Value> pairs;
  for (const Value::Entry& e : call.input.value().entries()) {
    pairs.push_back(ValueAccess::Tuple({Value(e.first), e.second}));
  }
  return ListResult(call, std::move(pairs), out);
}

std::vector<FilterDef> MakeCollectionFilters() {
  Signature other{{"b"}, 1};
  Signature by_key{{"case_sensitive", "attribute"}, 0};
  return {
      {"unique", by_key, FilterUnique, false, true},
      {"union", other, FilterUnion, false, true},
      {"intersect", other, FilterIntersect, false, true},
      {"difference", other, FilterDifference, false, true},
      {"symmetric_difference", other, FilterSymmetricDifference, false, true},
      {"min", by_key, FilterMin},
      {"max", by_key, FilterMax},
      {"sum", {{"attribute", "start"}, 0}, FilterSum},
      {"batch", {{"linecount", "fill_with"}, 1}, FilterBatch},
      {"flatten", {{"levels", "skip_nulls"}, 0}, FilterFlatten, false, true},
      {"items", {{}, 0}, FilterItems, true},
  };
}

}  // namespace

const std::vector<FilterDef>& CollectionFilters() {
  static const auto* filters =
      new std::vector<FilterDef>(MakeCollectionFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
