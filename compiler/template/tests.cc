// The tests of `x is name`: Jinja2's defined, undefined, none, boolean,
// true, false, integer, float, number, string, mapping, sequence, iterable,
// even, odd, divisibleby, in and the comparisons; Ansible's match and
// search.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/regex.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsType(const Object& o, Type type) {
  return o.is_value() && o.value().type() == type;
}

bool TestDefined(FilterCall& call, bool* out) {
  *out = !call.input.is_undefined();
  return true;
}
bool TestUndefined(FilterCall& call, bool* out) {
  *out = call.input.is_undefined();
  return true;
}
bool TestNone(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kNull);
  return true;
}
bool TestBoolean(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kBool);
  return true;
}
bool TestTrue(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kBool) && call.input.value().bool_value();
  return true;
}
bool TestFalse(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kBool) && !call.input.value().bool_value();
  return true;
}
bool TestInteger(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kInt);
  return true;
}
bool TestFloat(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kDouble);
  return true;
}
bool TestNumber(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kInt) || IsType(call.input, Type::kDouble) ||
         IsType(call.input, Type::kBool);
  return true;
}
bool TestString(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kString);
  return true;
}
bool TestMapping(FilterCall& call, bool* out) {
  *out = IsType(call.input, Type::kMap);
  return true;
}
// Jinja2: len() and __getitem__ work (on Jinja2's lenient Undefined too,
// not on Ansible's strict one).
bool TestSequence(FilterCall& call, bool* out) {
  Object::Kind kind = call.input.kind();
  *out = kind == Object::Kind::kRange || kind == Object::Kind::kList ||
         call.input.is_lenient_undefined() ||
         IsType(call.input, Type::kString) || IsType(call.input, Type::kList) ||
         IsType(call.input, Type::kMap);
  return true;
}
bool TestIterable(FilterCall& call, bool* out) {
  Object::Kind kind = call.input.kind();
  *out = (kind != Object::Kind::kValue && kind != Object::Kind::kLoop) ||
         IsType(call.input, Type::kString) || IsType(call.input, Type::kList) ||
         IsType(call.input, Type::kMap);
  return true;
}

bool Modulo(FilterCall& call, const Object& divisor, Object* out) {
  if (!(IsType(call.input, Type::kInt) || IsType(call.input, Type::kBool) ||
        IsType(call.input, Type::kDouble))) {
    return call.Fail(
        StrCat("a number is needed, not a ", Evaluator::TypeName(call.input)));
  }
  if (!(IsType(divisor, Type::kInt) || IsType(divisor, Type::kBool) ||
        IsType(divisor, Type::kDouble))) {
    return call.Fail(
        StrCat("a number is needed, not a ", Evaluator::TypeName(divisor)));
  }
  auto as_double = [](const Value& v) {
    return v.type() == Type::kDouble ? v.double_value()
           : v.type() == Type::kBool ? static_cast<double>(v.bool_value())
                                     : static_cast<double>(v.int_value());
  };
  auto as_int = [](const Value& v) {
    return v.type() == Type::kBool ? int64_t{v.bool_value()} : v.int_value();
  };
  // Python's %: the result takes the divisor's sign.
  const Value& a = call.input.value();
  const Value& b = divisor.value();
  if (a.type() != Type::kDouble && b.type() != Type::kDouble) {
    int64_t d = as_int(b);
    if (d == 0) return call.Fail("integer division or modulo by zero");
    int64_t r = d == -1 ? 0 : as_int(a) % d;
    if (r != 0 && ((r < 0) != (d < 0))) r += d;
    *out = Object(Value(r));
  } else {
    double d = as_double(b);
    if (d == 0) return call.Fail("float modulo");
    double m = std::fmod(as_double(a), d);
    if (m != 0 && ((m < 0) != (d < 0))) m += d;
    *out = Object(Value(m));
  }
  return true;
}

// Whether the remainder `o` equals `n` (Jinja2: value % 2 == 1).
bool Is(const Object& o, int64_t n) {
  const Value& v = o.value();
  return v.type() == Type::kDouble ? v.double_value() == static_cast<double>(n)
                                   : v.int_value() == n;
}

bool TestEven(FilterCall& call, bool* out) {
  Object r;
  if (!Modulo(call, Object(Value(2)), &r)) return false;
  *out = Is(r, 0);
  return true;
}
bool TestOdd(FilterCall& call, bool* out) {
  Object r;
  if (!Modulo(call, Object(Value(2)), &r)) return false;
  *out = Is(r, 1);
  return true;
}
bool TestDivisibleBy(FilterCall& call, bool* out) {
  Object r;
  if (!Modulo(call, *call.args[0], &r)) return false;
  *out = Is(r, 0);
  return true;
}

template <Op op>
bool TestCompare(FilterCall& call, bool* out) {
  return call.eval.CompareOp(op, call.input, *call.args[0], call.expr.span,
                             out);
}

bool TestRegex(FilterCall& call, bool* out, bool search) {
  std::string text, pattern, error;
  RegexFlags flags;
  if (!call.InputStr(&text) || !call.StrArg(0, "", &pattern) ||
      !call.BoolArg(1, false, &flags.ignore_case) ||
      !call.BoolArg(2, false, &flags.multiline)) {
    return false;
  }
  std::unique_ptr<Regex> regex = Regex::Compile(pattern, flags, &error);
  if (regex == nullptr)
    return call.Fail(StrCat("bad regular expression: ", error));
  std::u32string chars;
  if (!DecodeUtf8(text, &chars))
    return call.Fail("the string is not valid UTF-8");
  int64_t steps = call.eval.options().max_regex_steps;
  std::vector<int64_t> groups;
  MatchResult r = search ? regex->Search(chars, 0, false, &steps, &groups)
                         : regex->MatchAt(chars, 0, &steps, &groups);
  if (r == MatchResult::kTooManySteps) {
    return call.Fail(
        "the regular expression needs too many steps on this "
        "input");
  }
  *out = r == MatchResult::kMatch;
  return true;
}
bool TestMatch(FilterCall& call, bool* out) {
  return TestRegex(call, out, false);
}
bool TestSearch(FilterCall& call, bool* out) {
  return TestRegex(call, out, true);
}

std::vector<TestDef> MakeTests() {
  Signature none{{}, 0};
  Signature one{{"value"}, 1};
  Signature regex{{"pattern", "ignorecase", "multiline"}, 1};
  return {
      {"defined", none, TestDefined, true},
      {"undefined", none, TestUndefined, true},
      {"none", none, TestNone, true},
      {"boolean", none, TestBoolean, true},
      {"true", none, TestTrue, true},
      {"false", none, TestFalse, true},
      {"integer", none, TestInteger, true},
      {"float", none, TestFloat, true},
      {"number", none, TestNumber, true},
      {"string", none, TestString, true},
      {"mapping", none, TestMapping, true},
      {"sequence", none, TestSequence, true},
      {"iterable", none, TestIterable},
      {"even", none, TestEven},
      {"odd", none, TestOdd},
      {"divisibleby", {{"num"}, 1}, TestDivisibleBy},
      {"in", {{"seq"}, 1}, TestCompare<Op::kIn>},
      {"eq", one, TestCompare<Op::kEq>},
      {"equalto", one, TestCompare<Op::kEq>},
      {"==", one, TestCompare<Op::kEq>},
      {"ne", one, TestCompare<Op::kNe>},
      {"!=", one, TestCompare<Op::kNe>},
      {"lt", one, TestCompare<Op::kLt>},
      {"lessthan", one, TestCompare<Op::kLt>},
      {"le", one, TestCompare<Op::kLe>},
      {"gt", one, TestCompare<Op::kGt>},
      {"greaterthan", one, TestCompare<Op::kGt>},
      {"ge", one, TestCompare<Op::kGe>},
      {"match", regex, TestMatch, false, true},
      {"search", regex, TestSearch, false, true},
  };
}

}  // namespace

const std::vector<TestDef>& Tests() {
  static const auto* tests = new std::vector<TestDef>(MakeTests());
  return *tests;
}

}  // namespace cairn::jinja_internal
