// Python's comparisons and membership: == across int, float and bool,
// ordering of numbers, strings and sequences, `in` for strings, lists,
// dicts, ranges and dict views.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/eval_util.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"
#include "compiler/template/value_set.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

}  // namespace

bool Evaluator::Equal(const Value& a, const Value& b) {
  Type ta = a.type(), tb = b.type();
  bool na = ta == Type::kInt || ta == Type::kBool || ta == Type::kDouble;
  bool nb = tb == Type::kInt || tb == Type::kBool || tb == Type::kDouble;
  if (na && nb) {
    if (IsInt(a) && IsInt(b)) return AsInt(a) == AsInt(b);
    // long double holds every int64 and every double exactly.
    long double x = IsInt(a) ? static_cast<long double>(AsInt(a))
                             : static_cast<long double>(a.double_value());
    long double y = IsInt(b) ? static_cast<long double>(AsInt(b))
                             : static_cast<long double>(b.double_value());
    return x == y;
  }
  if (ta != tb) return false;
  switch (ta) {
    case Type::kNull:
      return true;
    case Type::kString:
      return a.string_value() == b.string_value();
    case Type::kList: {
      if (ValueAccess::IsTuple(a) != ValueAccess::IsTuple(b)) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!Equal(x[i], y[i])) return false;
      }
      return true;
    }
    case Type::kMap: {
      if (a.entries().size() != b.entries().size()) return false;
      for (const Value::Entry& e : a.entries()) {
        const Value* other = b.Find(e.first);
        if (other == nullptr || !Equal(e.second, *other)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool Evaluator::Less(const Value& a, const Value& b, Span span, bool* out) {
  Type ta = a.type(), tb = b.type();
  bool na = ta == Type::kInt || ta == Type::kBool || ta == Type::kDouble;
  bool nb = tb == Type::kInt || tb == Type::kBool || tb == Type::kDouble;
  if (na && nb) {
    if (IsInt(a) && IsInt(b)) {
      *out = AsInt(a) < AsInt(b);
    } else {
      long double x = IsInt(a) ? static_cast<long double>(AsInt(a))
                               : static_cast<long double>(a.double_value());
      long double y = IsInt(b) ? static_cast<long double>(AsInt(b))
                               : static_cast<long double>(b.double_value());
      *out = x < y;
    }
    return true;
  }
  if (ta == Type::kString && tb == Type::kString) {
    *out = a.string_value() < b.string_value();
    return true;
  }
  if (ta == Type::kList && tb == Type::kList &&
      ValueAccess::IsTuple(a) == ValueAccess::IsTuple(b)) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equal(x[i], y[i])) return Less(x[i], y[i], span, out);
    }
    *out = x.size() < y.size();
    return true;
  }
  return Fail(span, StrCat("'<' not supported between instances of '",
                           PyTypeName(Object(a)), "' and '",
                           PyTypeName(Object(b)), "'"));
}

bool Evaluator::CompareOp(Op op, const Object& a, const Object& b, Span span,
                          bool* out) {
  if (!Defined(a) || !Defined(b)) return false;
  if (a.is_lenient_undefined() || b.is_lenient_undefined()) {
    // Jinja2's Undefined equals only another Undefined and holds nothing.
    if (op == Op::kEq || op == Op::kNe) {
      *out = (a.is_undefined() && b.is_undefined()) == (op == Op::kEq);
      return true;
    }
    if (op == Op::kIn || op == Op::kNotIn) {
      *out = op == Op::kNotIn;
      return true;
    }
    return FailUndefined(a.is_lenient_undefined() ? a : b);
  }
  if (op == Op::kIn || op == Op::kNotIn) {
    if (!Contains(b, a, span, out)) return false;
    if (op == Op::kNotIn) *out = !*out;
    return true;
  }
  if ((op == Op::kEq || op == Op::kNe) &&
      (a.kind() == Object::Kind::kList || b.kind() == Object::Kind::kList)) {
    bool equal = false;
    if (!ListEqual(a, b, &equal)) return false;
    *out = equal == (op == Op::kEq);
    return true;
  }
  if (!a.is_value() || !b.is_value()) {
    if (op == Op::kEq || op == Op::kNe) {
      return Fail(span, StrCat("comparing a ", TypeName(a), " with a ",
                               TypeName(b), " is not supported"));
    }
    return Fail(span, StrCat("'", OpSymbol(op),
                             "' not supported between instances of '",
                             PyTypeName(a), "' and '", PyTypeName(b), "'"));
  }
  const Value& x = a.value();
  const Value& y = b.value();
  switch (op) {
    case Op::kEq:
      *out = Equal(x, y);
      return true;
    case Op::kNe:
      *out = !Equal(x, y);
      return true;
    case Op::kLt:
      return Less(x, y, span, out);
    case Op::kGt:
      return Less(y, x, span, out);
    case Op::kLe:
    case Op::kGe: {
      bool less = false;
      if (!(op == Op::kLe ? Less(x, y, span, &less)
                          : Less(y, x, span, &less))) {
        return false;
      }
      *out = less || Equal(x, y);
      return true;
    }
    default:
      return Fail(span, "internal error: not a comparison");
  }
}

bool Evaluator::ListEqual(const Object& a, const Object& b, bool* out) {
  // Python's list ==: unequal to anything but a list, then by length, then
  // element by element (where an undefined one fails).
  auto elements = [](const Object& o, std::vector<Object>* out) {
    if (o.kind() == Object::Kind::kList) {
      *out = o.elements();
      return true;
    }
    if (!o.is_value() || o.value().type() != Type::kList ||
        ValueAccess::IsTuple(o.value())) {
      return false;
    }
    for (const Value& item : o.value().items()) out->push_back(Object(item));
    return true;
  };
  std::vector<Object> x, y;
  *out = false;
  if (!elements(a, &x) || !elements(b, &y) || x.size() != y.size()) {
    return true;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!x[i].is_value()) return FailUndefined(x[i]);
    if (!y[i].is_value()) return FailUndefined(y[i]);
    if (!Equal(x[i].value(), y[i].value())) return true;
  }
  *out = true;
  return true;
}

bool Evaluator::Contains(const Object& container, const Object& item, Span span,
                         bool* out) {
  *out = false;
  switch (container.kind()) {
    case Object::Kind::kRange: {
      if (!item.is_value() || !IsNumber(item)) return true;
      const Value& v = item.value();
      if (v.type() == Type::kDouble &&
          v.double_value() != std::floor(v.double_value())) {
        return true;
      }
      if (v.type() == Type::kDouble && std::fabs(v.double_value()) > 9e18) {
        return true;
      }
      int64_t n = v.type() == Type::kDouble
                      ? static_cast<int64_t>(v.double_value())
                      : AsInt(v);
      int64_t len = container.RangeLength();
      if (len == 0) return true;
      __int128 offset = static_cast<__int128>(n) - container.start();
      __int128 step = container.step();
      if (offset % step != 0) return true;
      __int128 index = offset / step;
      *out = index >= 0 && index < len;
      return true;
    }
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems: {
      std::vector<Value> items;
      if (!Iterate(container, span, &items)) return false;
      Value plain;
      if (!ToValue(item, span, &plain)) return false;
      for (const Value& v : items) {
        if (Equal(v, plain)) {
          *out = true;
          break;
        }
      }
      return true;
    }
    case Object::Kind::kList: {
      // Python compares element by element; an undefined one fails.
      Value plain;
      if (!ToValue(item, span, &plain)) return false;
      for (const Object& element : container.elements()) {
        if (!element.is_value()) return FailUndefined(element);
        if (Equal(element.value(), plain)) {
          *out = true;
          break;
        }
      }
      return true;
    }
    case Object::Kind::kValue:
      break;
    default:
      return Fail(span, StrCat("argument of type '", PyTypeName(container),
                               "' is not iterable"));
  }
  const Value& c = container.value();
  switch (c.type()) {
    case Type::kString:
      if (!item.is_value() || item.value().type() != Type::kString) {
        return Fail(span, StrCat("'in <string>' requires string as left "
                                 "operand, not ",
                                 PyTypeName(item)));
      }
      *out = c.string_value().find(item.value().string_value()) !=
             std::string::npos;
      return true;
    case Type::kList: {
      Value plain;
      if (!item.is_value()) {
        if (!ToValue(item, span, &plain)) return false;
      } else {
        plain = item.value();
      }
      for (const Value& v : c.items()) {
        if (Equal(v, plain)) {
          *out = true;
          break;
        }
      }
      return true;
    }
    case Type::kMap:
      if (item.is_value() && item.value().type() == Type::kString) {
        *out = c.Find(item.value().string_value()) != nullptr;
        return true;
      }
      // Keys are strings, so nothing else is found; but like Python, a
      // list or dict (also inside a tuple) cannot even be looked up.
      if (item.is_value() && !PyHashable(item.value())) {
        return Fail(span, StrCat("unhashable type: '", PyTypeName(item), "'"));
      }
      return true;
    default:
      return Fail(span, StrCat("argument of type '", PyTypeName(container),
                               "' is not iterable"));
  }
}

}  // namespace cairn::jinja_internal
