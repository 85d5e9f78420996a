// Jinja2's sequence filters: first, last, sort, dictsort, reverse, with
// Ansible's unrolling of what they return into lists.

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool FilterFirstLast(FilterCall& call, Object* out, bool first) {
  int64_t n = 0;
  if (call.input.kind() == Object::Kind::kRange &&
      call.eval.Length(call.input, call.expr.span, &n)) {
    if (n == 0) {
      *out = Object::Undefined(first ? "No first item, sequence was empty."
                                     : "No last item, sequence was empty.",
                               call.expr.span);
    } else {
      *out = Object(Value(call.input.RangeAt(first ? 0 : n - 1)));
    }
    return true;
  }
  std::vector<Object> items;
  if (!call.eval.IterateObjects(call.input, call.expr.span, &items)) {
    return false;
  }
  if (items.empty()) {
    *out = Object::Undefined(first ? "No first item, sequence was empty."
                                   : "No last item, sequence was empty.",
                             call.expr.span);
    return true;
  }
  *out = first ? items.front() : items.back();
  return true;
}

bool FilterFirst(FilterCall& call, Object* out) {
  return FilterFirstLast(call, out, true);
}

bool FilterLast(FilterCall& call, Object* out) {
  return FilterFirstLast(call, out, false);
}

// Sorts `items` by `keys` like Python's sorted(): stable, and with
// reverse=True equal keys keep their order. A merge sort, so that a
// comparison failing half way (mixed types) cannot upset it.
bool SortByKeys(FilterCall& call, std::vector<Value>* items,
                std::vector<Value>* keys, bool reverse) {
  size_t n = items->size();
  std::vector<size_t> order(n), buffer(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  bool failed = false;
  auto before = [&](size_t a, size_t b) {
    if (failed) return false;
    bool less = false;
    const Value& x = (*keys)[reverse ? b : a];
    const Value& y = (*keys)[reverse ? a : b];
    if (!call.eval.Less(x, y, call.expr.span, &less)) failed = true;
    return less;
  };
  for (size_t width = 1; width < n && !failed; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        buffer[k++] = before(order[j], order[i]) ? order[j++] : order[i++];
      }
      while (i < mid) buffer[k++] = order[i++];
      while (j < hi) buffer[k++] = order[j++];
    }
    order.swap(buffer);
  }
  if (failed) return false;
  std::vector<Value> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move((*items)[i]));
  *items = std::move(sorted);
  return true;
}

bool FilterSort(FilterCall& call, Object* out) {
  std::vector<Value> items;
  bool reverse = false, case_sensitive = false;
  if (!call.eval.Iterate(call.input, call.expr.span, &items) ||
      !call.BoolArg(0, false, &reverse) ||
      !call.BoolArg(1, false, &case_sensitive)) {
    return false;
  }
  std::vector<std::string> attributes;
  if (call.args[2] &&
      !(call.args[2]->is_value() && call.args[2]->value().is_null())) {
    std::string attribute;
    if (!call.StrArg(2, "", &attribute)) return false;
    for (std::string_view part : StrSplit(attribute, ',')) {
      attributes.emplace_back(part);
    }
  }
  std::vector<Value> keys;
  for (const Value& item : items) {
    std::vector<Value> key;
    size_t parts = std::max<size_t>(attributes.size(), 1);
    for (size_t p = 0; p < parts; ++p) {
      Object part(item);
      if (!attributes.empty() &&
          !call.eval.GetAttributePath(Object(item), attributes[p],
                                      call.expr.span, &part)) {
        return false;
      }
      Value plain;
      if (!call.eval.ToValue(part, call.expr.span, &plain)) return false;
      if (!case_sensitive && !IgnoreCase(call, plain, &plain)) return false;
      key.push_back(std::move(plain));
    }
    keys.push_back(Value::List(std::move(key)));
  }
  if (!SortByKeys(call, &items, &keys, reverse)) return false;
  *out = Object(Value::List(std::move(items)));
  return true;
}

bool FilterDictsort(FilterCall& call, Object* out) {
  bool case_sensitive = false, reverse = false;
  std::string by;
  if (!call.input.is_value() || call.input.value().type() != Type::kMap) {
    return call.Fail(StrCat("dictsort needs a dict, not a ",
                            Evaluator::TypeName(call.input)));
  }
  if (!call.BoolArg(0, false, &case_sensitive) || !call.StrArg(1, "key", &by) ||
      !call.BoolArg(2, false, &reverse)) {
    return false;
  }
  if (by != "key" && by != "value") {
    return call.Fail("you can only sort by either \"key\" or \"value\"");
  }
  std::vector<Value> items, keys;
  for (const Value::Entry& e : call.input.value().entries()) {
    items.push_back(ValueAccess::Tuple({Value(e.first), e.second}));
    Value key = by == "key" ? Value(e.first) : e.second;
    if (!case_sensitive && !IgnoreCase(call, key, &key)) return false;
    keys.push_back(std::move(key));
  }
  if (!SortByKeys(call, &items, &keys, reverse)) return false;
  *out = Object(Value::List(std::move(items)));
  return true;
}

// Ansible turns the reversed iterator into a list; strings reverse as text.
bool FilterReverse(FilterCall& call, Object* out) {
  if (call.input.is_value() && call.input.value().type() == Type::kString) {
    std::u32string chars;
    if (!DecodeUtf8(call.input.value().string_value(), &chars)) {
      return call.Fail("the string is not valid UTF-8");
    }
    std::reverse(chars.begin(), chars.end());
    *out = Object(Value(EncodeUtf8(chars)));
    return true;
  }
  std::vector<Object> items;
  if (!call.eval.IterateObjects(call.input, call.expr.span, &items)) {
    return false;
  }
  std::reverse(items.begin(), items.end());
  return call.eval.MakeList(std::move(items), call.expr.span, out);
}

std::vector<FilterDef> MakeSequenceFilters() {
  return {
      {"first", {{}, 0}, FilterFirst},
      {"last", {{}, 0}, FilterLast},
      {"sort", {{"reverse", "case_sensitive", "attribute"}, 0}, FilterSort},
      {"dictsort", {{"case_sensitive", "by", "reverse"}, 0}, FilterDictsort},
      {"reverse", {{}, 0}, FilterReverse},
  };
}

}  // namespace

const std::vector<FilterDef>& SequenceFilters() {
  static const auto* filters =
      new std::vector<FilterDef>(MakeSequenceFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
