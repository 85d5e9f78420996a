// Python's arithmetic on values: int, float and bool mix as in Python,
// ints stay exact (beyond 64 bits is an error, never a wrong number), and
// strings and lists concatenate and repeat within the budgets.

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

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

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

}  // namespace

bool Evaluator::Arithmetic(Op op, const Object& a, const Object& b, Span span,
                           Object* out) {
  bool unary = op == Op::kNeg || op == Op::kPos;
  if (!Defined(a) || (!unary && !Defined(b))) return false;
  if (a.is_undefined()) return FailUndefined(a);
  if (!unary && b.is_undefined()) return FailUndefined(b);
  if (unary) {
    if (!IsNumber(a)) {
      return Fail(
          span, StrCat("bad operand type for unary ",
                       op == Op::kNeg ? "-" : "+", ": '", PyTypeName(a), "'"));
    }
    const Value& v = a.value();
    if (v.type() == Type::kDouble) {
      *out =
          Object(Value(op == Op::kNeg ? -v.double_value() : v.double_value()));
    } else if (op == Op::kNeg && AsInt(v) == INT64_MIN) {
      return Fail(span,
                  "integer overflow (values beyond 64 bits are not "
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
            *out = Object(Value(
                std::pow(static_cast<double>(i), static_cast<double>(j))));
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
        return Fail(span,
                    "integer overflow (values beyond 64 bits are not "
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
          return Fail(span,
                      "a negative number to a fractional power is "
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
      *out =
          Object(ValueAccess::IsTuple(x) ? ValueAccess::Tuple(std::move(items))
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
        size_t total = 0;
        if (__builtin_mul_overflow(s.size(), static_cast<size_t>(times),
                                   &total)) {
          total = SIZE_MAX;
        }
        if (!ChargeBytes(total, span)) return false;
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
  return Fail(span,
              StrCat("unsupported operand type(s) for ", OpSymbol(op), ": '",
                     PyTypeName(a), "' and '", PyTypeName(b), "'"));
}

}  // namespace cairn::jinja_internal
