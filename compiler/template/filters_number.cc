// Jinja2's number filters: abs (Python's abs()) and round (Python's
// round(), or math.ceil and math.floor at a precision).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/eval_util.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool FilterAbs(FilterCall& call, Object* out) {
  const Object& in = call.input;
  if (!IsNumber(in)) {
    return call.Fail(
        StrCat("bad operand type for abs(): '", PyTypeName(in), "'"));
  }
  const Value& v = in.value();
  if (v.type() == Type::kDouble) {
    *out = Object(Value(std::fabs(v.double_value())));
    return true;
  }
  int64_t i = AsInt(v);
  if (i == INT64_MIN) {
    return call.Fail(
        "integer overflow (values beyond 64 bits are not "
        "supported)");
  }
  *out = Object(Value(i < 0 ? -i : i));
  return true;
}

// Python's round(x, ndigits) of a float: the exact binary value rounded
// half to even at `ndigits` decimal places (negative: tens, hundreds...),
// read back correctly rounded, as CPython's double_round does with dtoa.
double RoundFloat(double x, int64_t ndigits) {
  if (!std::isfinite(x) || x == 0 || ndigits > 323) return x;
  if (ndigits < -308) return 0.0 * x;
  // Every double has at most 1074 digits after the point, so this is exact.
  std::vector<char> buffer(1500);
  int n = std::snprintf(buffer.data(), buffer.size(), "%.1100f", std::fabs(x));
  std::string text(buffer.data(), static_cast<size_t>(n));
  size_t point = text.find('.');
  std::string digits = text.substr(0, point) + text.substr(point + 1);
  int64_t keep = static_cast<int64_t>(point) + ndigits;
  if (keep < 0) return std::copysign(0.0, x);
  std::string kept = digits.substr(0, static_cast<size_t>(keep));
  char next = static_cast<size_t>(keep) < digits.size()
                  ? digits[static_cast<size_t>(keep)]
                  : '0';
  bool rest = digits.find_first_not_of('0', static_cast<size_t>(keep) + 1) !=
              std::string::npos;
  bool odd = !kept.empty() && (kept.back() - '0') % 2 == 1;
  if (next > '5' || (next == '5' && (rest || odd))) {
    size_t i = kept.size();
    while (i > 0 && kept[i - 1] == '9') kept[--i] = '0';
    if (i == 0) {
      kept.insert(kept.begin(), '1');
    } else {
      ++kept[i - 1];
    }
  }
  std::string number = StrCat("0", kept, "e", -ndigits);
  return std::copysign(std::strtod(number.c_str(), nullptr), x);
}

// Python's round(i, ndigits) of an int: itself, or rounded half to even
// at tens, hundreds, ... for a negative ndigits.
bool RoundInt(FilterCall& call, int64_t i, int64_t ndigits, Object* out) {
  if (ndigits >= 0) {
    *out = Object(Value(i));
    return true;
  }
  if (ndigits < -38) {
    *out = Object(Value(0));
    return true;
  }
  __int128 m = 1;
  for (int64_t k = 0; k < -ndigits; ++k) m *= 10;
  __int128 q = i / m, r = i % m;
  if (r < 0) {
    r += m;
    q -= 1;
  }
  if (2 * r > m || (2 * r == m && q % 2 != 0)) q += 1;
  __int128 result = q * m;
  if (result > INT64_MAX || result < INT64_MIN) {
    return call.Fail(
        "integer overflow (values beyond 64 bits are not "
        "supported)");
  }
  *out = Object(Value(static_cast<int64_t>(result)));
  return true;
}

// math.ceil or math.floor of value * 10**precision, divided again.
bool RoundCeilFloor(FilterCall& call, const Value& v, int64_t precision,
                    bool ceil, Object* out) {
  double scale = 1;
  if (precision > 22) {
    return call.Fail(
        "round: a precision beyond 22 is not supported with "
        "ceil and floor");
  }
  if (precision >= 0) {
    for (int64_t k = 0; k < precision; ++k) scale *= 10;  // Exact.
  } else {
    scale = std::pow(10.0, static_cast<double>(precision));
  }
  double scaled;
  if (IsInt(v)) {
    int64_t product = 0;
    if (precision >= 0) {
      // An int times an int, then an exact ceil: divided as ints.
      if (precision > 18 ||
          __builtin_mul_overflow(AsInt(v), static_cast<int64_t>(scale),
                                 &product) ||
          static_cast<int64_t>(static_cast<double>(product)) != product) {
        return call.Fail("round: the number is too large to round exactly");
      }
      *out = Object(Value(static_cast<double>(product) / scale));
      return true;
    }
    scaled = static_cast<double>(AsInt(v)) * scale;
  } else {
    scaled = v.double_value() * scale;
  }
  if (!std::isfinite(scaled)) {
    return call.Fail(std::isnan(scaled)
                         ? "cannot convert float NaN to integer"
                         : "cannot convert float infinity to integer");
  }
  if (scale == 0) return call.Fail("float division by zero");
  double whole = ceil ? std::ceil(scaled) : std::floor(scaled);
  *out = Object(Value(whole / scale));
  return true;
}

bool FilterRound(FilterCall& call, Object* out) {
  std::string method;
  if (!call.StrArg(1, "common", &method)) return false;
  if (call.args[1] && !(call.args[1]->is_value() &&
                        call.args[1]->value().type() == Type::kString)) {
    method.clear();
  }
  if (method != "common" && method != "ceil" && method != "floor") {
    return call.Fail("method must be common, ceil or floor");
  }
  const Object& in = call.input;
  Object precision_arg = call.Arg(0, Object(Value(0)));
  bool to_int = precision_arg.is_value() && precision_arg.value().is_null() &&
                method == "common";
  int64_t precision = 0;
  if (!to_int) {
    if (!precision_arg.is_value() || !IsInt(precision_arg.value())) {
      return call.Fail(StrCat("'", PyTypeName(precision_arg),
                              "' object cannot be interpreted as an integer"));
    }
    precision = AsInt(precision_arg.value());
  }
  if (!IsNumber(in)) {
    return call.Fail(
        StrCat("type ", PyTypeName(in), " doesn't define __round__ method"));
  }
  const Value& v = in.value();
  if (method != "common") {
    return RoundCeilFloor(call, v, precision, method == "ceil", out);
  }
  if (IsInt(v)) return RoundInt(call, AsInt(v), precision, out);
  if (!to_int) {
    *out = Object(Value(RoundFloat(v.double_value(), precision)));
    return true;
  }
  // round(x) without ndigits: an int, half to even.
  double r = std::nearbyint(v.double_value());
  if (!std::isfinite(r)) {
    return call.Fail(std::isnan(r) ? "cannot convert float NaN to integer"
                                   : "cannot convert float infinity to "
                                     "integer");
  }
  if (r < -9223372036854775808.0 || r >= 9223372036854775808.0) {
    return call.Fail(
        "integer overflow (values beyond 64 bits are not "
        "supported)");
  }
  *out = Object(Value(static_cast<int64_t>(r)));
  return true;
}

std::vector<FilterDef> MakeNumberFilters() {
  return {
      {"abs", {{}, 0}, FilterAbs},
      {"round", {{"precision", "method"}, 0}, FilterRound},
  };
}

}  // namespace

const std::vector<FilterDef>& NumberFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeNumberFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
