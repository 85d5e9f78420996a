// Python's operators and conversions on values: arithmetic with Python's
// rules for int, float and bool, comparisons, membership, truth, str(),
// iteration and len().

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsNumber(const Object& o) {
  if (!o.is_value()) return false;
  Type t = o.value().type();
  return t == Type::kInt || t == Type::kBool || t == Type::kDouble;
}

bool IsInt(const Value& v) {
  return v.type() == Type::kInt || v.type() == Type::kBool;
}

int64_t AsInt(const Value& v) {
  return v.type() == Type::kBool ? v.bool_value() : v.int_value();
}

double AsDouble(const Value& v) {
  return v.type() == Type::kDouble ? v.double_value()
                                   : static_cast<double>(AsInt(v));
}

std::string_view OpSymbol(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kFloorDiv:
      return "//";
    case Op::kMod:
      return "%";
    case Op::kPow:
      return "**";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    default:
      return "?";
  }
}

// CPython's float_divmod.
void FloatDivMod(double vx, double wx, double* floordiv, double* mod) {
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double fd;
  if (div != 0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, vx / wx);
  }
  *floordiv = fd;
  *mod = m;
}

// The type name Python uses in TypeErrors ("int", "str", "NoneType").
std::string PyTypeName(const Object& o) {
  std::string name = Evaluator::TypeName(o);
  if (name == "None") return "NoneType";
  if (EndsWith(name, " object")) name.resize(name.size() - 7);
  return name;
}

}  // namespace

std::string Evaluator::TypeName(const Object& object) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return "AnsibleUndefined object";
    case Object::Kind::kRange:
      return "range object";
    case Object::Kind::kKeys:
      return "dict_keys object";
    case Object::Kind::kValues:
      return "dict_values object";
    case Object::Kind::kItems:
      return "dict_items object";
    case Object::Kind::kLoop:
      return "jinja2.runtime.LoopContext object";
    case Object::Kind::kValue:
      break;
  }
  switch (object.value().type()) {
    case Type::kNull:
      return "None";
    case Type::kBool:
      return "bool object";
    case Type::kInt:
      return "int object";
    case Type::kDouble:
      return "float object";
    case Type::kString:
      return "str object";
    case Type::kList:
      return ValueAccess::IsTuple(object.value()) ? "tuple object"
                                                  : "list object";
    case Type::kMap:
      return "dict object";
  }
  return "object";
}

bool Evaluator::Arithmetic(Op op, const Object& a, const Object& b, Span span,
                           Object* out) {
  bool unary = op == Op::kNeg || op == Op::kPos;
  if (!Defined(a) || (!unary && !Defined(b))) return false;
  if (unary) {
    if (!IsNumber(a)) {
      return Fail(span, StrCat("bad operand type for unary ",
                               op == Op::kNeg ? "-" : "+", ": '",
                               PyTypeName(a), "'"));
    }
    const Value& v = a.value();
    if (v.type() == Type::kDouble) {
      *out = Object(Value(op == Op::kNeg ? -v.double_value() : v.double_value()));
    } else if (op == Op::kNeg && AsInt(v) == INT64_MIN) {
      return Fail(span, "integer overflow (values beyond 64 bits are not "
                        "supported)");
    } else {
      *out = Object(Value(op == Op::kNeg ? -AsInt(v) : AsInt(v)));
    }
    return true;
  }
  if (IsNumber(a) && IsNumber(b)) {
    const Value& x = a.value();
    const Value& y = b.value();
    if (IsInt(x) && IsInt(y) && op != Op::kDiv) {
      int64_t i = AsInt(x), j = AsInt(y), r = 0;
      bool overflow = false;
      switch (op) {
        case Op::kAdd:
          overflow = __builtin_add_overflow(i, j, &r);
          break;
        case Op::kSub:
          overflow = __builtin_sub_overflow(i, j, &r);
          break;
        case Op::kMul:
          overflow = __builtin_mul_overflow(i, j, &r);
          break;
        case Op::kFloorDiv:
        case Op::kMod: {
          if (j == 0) {
            return Fail(span, op == Op::kMod ? "integer modulo by zero"
                                             : "integer division or modulo "
                                               "by zero");
          }
          if (i == INT64_MIN && j == -1) {
            overflow = true;
            break;
          }
          int64_t q = i / j, m = i % j;
          if (m != 0 && ((m < 0) != (j < 0))) {
            q -= 1;
            m += j;
          }
          r = op == Op::kMod ? m : q;
          break;
        }
        case Op::kPow: {
          if (j < 0) {
            if (i == 0) {
              return Fail(span, "0.0 cannot be raised to a negative power");
            }
            *out = Object(Value(std::pow(static_cast<double>(i),
                                         static_cast<double>(j))));
            return true;
          }
          r = 1;
          int64_t base = i;
          for (int64_t e = j; e > 0 && !overflow; e >>= 1) {
            if (e & 1) overflow = __builtin_mul_overflow(r, base, &r);
            if (e > 1 && !overflow) {
              overflow = __builtin_mul_overflow(base, base, &base);
            }
          }
          break;
        }
        default:
          break;
      }
      if (overflow) {
        return Fail(span, "integer overflow (values beyond 64 bits are not "
                          "supported)");
      }
      *out = Object(Value(r));
      return true;
    }
    double p = AsDouble(x), q = AsDouble(y), r = 0;
    switch (op) {
      case Op::kAdd:
        r = p + q;
        break;
      case Op::kSub:
        r = p - q;
        break;
      case Op::kMul:
        r = p * q;
        break;
      case Op::kDiv:
        if (q == 0) return Fail(span, "division by zero");
        if (IsInt(x) && IsInt(y)) {
          r = static_cast<double>(static_cast<long double>(AsInt(x)) /
                                  static_cast<long double>(AsInt(y)));
        } else {
          r = p / q;
        }
        break;
      case Op::kFloorDiv:
      case Op::kMod: {
        if (q == 0) return Fail(span, "float division or modulo by zero");
        double fd, m;
        FloatDivMod(p, q, &fd, &m);
        r = op == Op::kMod ? m : fd;
        break;
      }
      case Op::kPow:
        if (p == 0 && q < 0) {
          return Fail(span, "0.0 cannot be raised to a negative power");
        }
        if (p < 0 && std::isfinite(q) && q != std::floor(q)) {
          return Fail(span, "a negative number to a fractional power is "
                            "complex, which is not supported");
        }
        r = std::pow(p, q);
        if (std::isinf(r) && std::isfinite(p) && std::isfinite(q)) {
          return Fail(span, "numerical result out of range");
        }
        break;
      default:
        break;
    }
    *out = Object(Value(r));
    return true;
  }
  if (a.is_value() && b.is_value()) {
    const Value& x = a.value();
    const Value& y = b.value();
    if (op == Op::kAdd && x.type() == Type::kString &&
        y.type() == Type::kString) {
      size_t n = x.string_value().size() + y.string_value().size();
      if (!ChargeBytes(n, span)) return false;
      *out = Object(Value(x.string_value() + y.string_value()));
      return true;
    }
    if (op == Op::kAdd && x.type() == Type::kList && y.type() == Type::kList &&
        ValueAccess::IsTuple(x) == ValueAccess::IsTuple(y)) {
      std::vector<Value> items = x.items();
      if (!ChargeIterations(static_cast<int64_t>(y.items().size()), span)) {
        return false;
      }
      items.insert(items.end(), y.items().begin(), y.items().end());
      *out = Object(ValueAccess::IsTuple(x) ? ValueAccess::Tuple(std::move(items))
                                            : Value::List(std::move(items)));
      return true;
    }
    if (op == Op::kMul && (IsInt(x) || IsInt(y)) &&
        (x.type() == Type::kString || y.type() == Type::kString ||
         x.type() == Type::kList || y.type() == Type::kList)) {
      const Value& seq = IsInt(x) ? y : x;
      int64_t times = std::max<int64_t>(0, AsInt(IsInt(x) ? x : y));
      if (seq.type() == Type::kString) {
        const std::string& s = seq.string_value();
        if (times > 0 && s.size() > options_.max_output_bytes / times) {
          return ChargeBytes(options_.max_output_bytes + 1, span);
        }
        if (!ChargeBytes(s.size() * times, span)) return false;
        std::string r;
        r.reserve(s.size() * times);
        for (int64_t k = 0; k < times; ++k) r += s;
        *out = Object(Value(std::move(r)));
        return true;
      }
      int64_t n = static_cast<int64_t>(seq.items().size());
      if (times > 0 && n > options_.max_iterations / times) {
        return ChargeIterations(options_.max_iterations + 1, span);
      }
      if (!ChargeIterations(n * times, span)) return false;
      std::vector<Value> items;
      for (int64_t k = 0; k < times; ++k) {
        items.insert(items.end(), seq.items().begin(), seq.items().end());
      }
      *out = Object(ValueAccess::IsTuple(seq)
                        ? ValueAccess::Tuple(std::move(items))
                        : Value::List(std::move(items)));
      return true;
    }
    if (op == Op::kMod && x.type() == Type::kString) {
      return Fail(span, "'%' formatting of strings is not supported");
    }
  }
  return Fail(span, StrCat("unsupported operand type(s) for ", OpSymbol(op),
                           ": '", PyTypeName(a), "' and '", PyTypeName(b),
                           "'"));
}

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
  if (op == Op::kIn || op == Op::kNotIn) {
    if (!Contains(b, a, span, out)) return false;
    if (op == Op::kNotIn) *out = !*out;
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
      if (!(op == Op::kLe ? Less(x, y, span, &less) : Less(y, x, span, &less))) {
        return false;
      }
      *out = less || Equal(x, y);
      return true;
    }
    default:
      return Fail(span, "internal error: not a comparison");
  }
}

bool Evaluator::Contains(const Object& container, const Object& item,
                         Span span, bool* out) {
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
      if (item.is_value() && (item.value().type() == Type::kList ||
                              item.value().type() == Type::kMap)) {
        return Fail(span, StrCat("unhashable type: '", PyTypeName(item), "'"));
      }
      return true;
    default:
      return Fail(span, StrCat("argument of type '", PyTypeName(container),
                               "' is not iterable"));
  }
}

bool Evaluator::Truthy(const Object& object, Span span, bool* out) {
  if (!Defined(object)) return false;
  switch (object.kind()) {
    case Object::Kind::kRange:
      *out = object.RangeLength() > 0;
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      *out = !object.value().entries().empty();
      return true;
    case Object::Kind::kLoop:
      *out = true;
      return true;
    default:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kNull:
      *out = false;
      break;
    case Type::kBool:
      *out = v.bool_value();
      break;
    case Type::kInt:
      *out = v.int_value() != 0;
      break;
    case Type::kDouble:
      *out = v.double_value() != 0;
      break;
    case Type::kString:
      *out = !v.string_value().empty();
      break;
    case Type::kList:
      *out = !v.items().empty();
      break;
    case Type::kMap:
      *out = !v.entries().empty();
      break;
  }
  return true;
}

bool Evaluator::ToRepr(const Value& value, Span span, std::string* out) {
  switch (AppendRepr(value, format_limits(), out)) {
    case FormatStatus::kOk:
      return true;
    case FormatStatus::kTooDeep:
      return Fail(span, StrCat("a value nested more than ",
                               options_.max_value_depth, " levels deep"));
    case FormatStatus::kTooLarge:
      return ChargeBytes(options_.max_output_bytes + 1, span);
  }
  return false;
}

bool Evaluator::ToStr(const Object& object, Span span, std::string* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return FailUndefined(object);
    case Object::Kind::kRange:
      *out = StrCat("range(", object.start(), ", ", object.stop());
      if (object.step() != 1) StrAppend(out, ", ", object.step());
      out->push_back(')');
      return true;
    case Object::Kind::kLoop:
      *out = StrCat("<LoopContext ", object.index0() + 1, "/",
                    object.length(), ">");
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems: {
      Value list;
      if (!ToValue(object, span, &list)) return false;
      *out = object.kind() == Object::Kind::kKeys     ? "dict_keys("
             : object.kind() == Object::Kind::kValues ? "dict_values("
                                                      : "dict_items(";
      if (!ToRepr(list, span, out)) return false;
      out->push_back(')');
      return true;
    }
    case Object::Kind::kValue:
      break;
  }
  if (object.value().type() == Type::kString) {
    *out = object.value().string_value();
    return true;
  }
  switch (AppendStr(object.value(), format_limits(), out)) {
    case FormatStatus::kOk:
      return true;
    case FormatStatus::kTooDeep:
      return Fail(span, StrCat("a value nested more than ",
                               options_.max_value_depth, " levels deep"));
    case FormatStatus::kTooLarge:
      return ChargeBytes(options_.max_output_bytes + 1, span);
  }
  return false;
}

bool Evaluator::ToValue(const Object& object, Span span, Value* out) {
  switch (object.kind()) {
    case Object::Kind::kValue:
      *out = object.value();
      return true;
    case Object::Kind::kUndefined:
      return FailUndefined(object);
    case Object::Kind::kLoop:
      return Fail(span, "the loop variable cannot be stored or passed on");
    default: {
      std::vector<Value> items;
      if (!Iterate(object, span, &items)) return false;
      *out = Value::List(std::move(items));
      return true;
    }
  }
}

bool Evaluator::Iterate(const Object& object, Span span,
                        std::vector<Value>* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return FailUndefined(object);
    case Object::Kind::kLoop:
      return Fail(span, "the loop variable cannot be iterated");
    case Object::Kind::kRange: {
      int64_t n = object.RangeLength();
      if (!ChargeIterations(n, span)) return false;
      out->reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->push_back(Value(object.RangeAt(i)));
      return true;
    }
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      for (const Value::Entry& e : object.value().entries()) {
        if (object.kind() == Object::Kind::kKeys) {
          out->push_back(Value(e.first));
        } else if (object.kind() == Object::Kind::kValues) {
          out->push_back(e.second);
        } else {
          out->push_back(ValueAccess::Tuple({Value(e.first), e.second}));
        }
      }
      return true;
    case Object::Kind::kValue:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kList:
      *out = v.items();
      return true;
    case Type::kMap:
      for (const Value::Entry& e : v.entries()) out->push_back(Value(e.first));
      return true;
    case Type::kString: {
      std::u32string chars;
      if (!DecodeUtf8(v.string_value(), &chars)) {
        return Fail(span, "the string is not valid UTF-8");
      }
      for (char32_t c : chars) {
        std::string s;
        AppendUtf8(c, &s);
        out->push_back(Value(std::move(s)));
      }
      return true;
    }
    default:
      return Fail(span, StrCat("'", PyTypeName(object),
                               "' object is not iterable"));
  }
}

bool Evaluator::Length(const Object& object, Span span, int64_t* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return FailUndefined(object);
    case Object::Kind::kRange:
      *out = object.RangeLength();
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      *out = static_cast<int64_t>(object.value().entries().size());
      return true;
    case Object::Kind::kLoop:
      return Fail(span, "object of type 'LoopContext' has no len()");
    case Object::Kind::kValue:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kString:
      *out = static_cast<int64_t>(CountCodePoints(v.string_value()));
      return true;
    case Type::kList:
      *out = static_cast<int64_t>(v.items().size());
      return true;
    case Type::kMap:
      *out = static_cast<int64_t>(v.entries().size());
      return true;
    default:
      return Fail(span, StrCat("object of type '", PyTypeName(object),
                               "' has no len()"));
  }
}

}  // namespace cairn::jinja_internal
