// Expressions: literals, names, containers, operators, conditionals,
// filters, tests and calls.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

// Jinja2's globals and Ansible's additions that this engine does not offer,
// with the reason.
std::string_view UnsupportedGlobal(std::string_view name) {
  if (name == "lookup" || name == "query" || name == "q") {
    return "lookups are not supported: templates cannot read files, run "
           "commands or reach the network";
  }
  if (name == "now")
    return "now() is not supported: output must not depend "
           "on the clock";
  if (name == "lipsum" || name == "cycler" || name == "joiner" ||
      name == "namespace" || name == "undef") {
    return "is not supported";
  }
  return "";
}

}  // namespace

bool Evaluator::Eval(const Expr& expr, Object* out) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      *out = Object(expr.literal);
      return true;
    case ExprKind::kName: {
      *out = Lookup(expr.name, expr.level, expr.span);
      if (out->is_undefined() && (expr.name == "range" || expr.name == "dict" ||
                                  !UnsupportedGlobal(expr.name).empty())) {
        return Fail(expr.span, StrCat("'", expr.name,
                                      "' is a function; it can only be "
                                      "called"));
      }
      return true;
    }
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return EvalContainer(expr, out);
    case ExprKind::kGetAttr: {
      Object object;
      return Eval(*expr.operands[0], &object) &&
             GetAttr(object, expr.name, expr.span, out);
    }
    case ExprKind::kGetItem: {
      Object object, index;
      return Eval(*expr.operands[0], &object) &&
             Eval(*expr.operands[1], &index) &&
             GetItem(object, index, expr.span, out);
    }
    case ExprKind::kSlice: {
      Object object;
      return Eval(*expr.operands[0], &object) && Slice(object, expr, out);
    }
    case ExprKind::kUnary: {
      Object operand;
      if (!Eval(*expr.operands[0], &operand)) return false;
      if (expr.op == Op::kNot) {
        bool truthy = false;
        if (!Truthy(operand, expr.operands[0]->span, &truthy)) return false;
        *out = Object(Value(!truthy));
        return true;
      }
      return Arithmetic(expr.op, operand, Object(), expr.span, out);
    }
    case ExprKind::kBinary:
      return EvalBinary(expr, out);
    case ExprKind::kConcat: {
      std::string text;
      for (const ExprPtr& operand : expr.operands) {
        Object part;
        std::string piece;
        if (!Eval(*operand, &part) || !ToStr(part, operand->span, &piece)) {
          return false;
        }
        text += piece;
        if (!ChargeBytes(text.size(), expr.span)) return false;
      }
      *out = Object(Value(std::move(text)));
      return true;
    }
    case ExprKind::kCompare:
      return EvalCompare(expr, out);
    case ExprKind::kCondExpr: {
      Object condition;
      bool truthy = false;
      if (!Eval(*expr.operands[1], &condition) ||
          !Truthy(condition, expr.operands[1]->span, &truthy)) {
        return false;
      }
      if (truthy) return Eval(*expr.operands[0], out);
      if (expr.operands[2] != nullptr) return Eval(*expr.operands[2], out);
      *out = Object::Undefined(
          "the inline if-expression evaluated to false and has no else part",
          expr.span, /*lenient=*/true);
      return true;
    }
    case ExprKind::kFilter:
      return EvalFilter(expr, out);
    case ExprKind::kTest:
      return EvalTest(expr, out);
    case ExprKind::kCall:
      return EvalCall(expr, out);
  }
  return Fail(expr.span, "internal error: unknown expression");
}

bool Evaluator::EvalContainer(const Expr& expr, Object* out) {
  if (!ChargeIterations(static_cast<int64_t>(expr.operands.size()),
                        expr.span)) {
    return false;
  }
  if (expr.kind == ExprKind::kDict) {
    std::vector<Value::Entry> entries;
    for (size_t i = 0; i + 1 < expr.operands.size(); i += 2) {
      Object key, value;
      Value plain;
      if (!Eval(*expr.operands[i], &key) || !Defined(key)) return false;
      if (!key.is_value() || key.value().type() != Value::Type::kString) {
        return Fail(expr.operands[i]->span,
                    "only strings are supported as dict keys");
      }
      if (!Eval(*expr.operands[i + 1], &value) ||
          !ToValue(value, expr.operands[i + 1]->span, &plain)) {
        return false;
      }
      entries.emplace_back(key.value().string_value(), std::move(plain));
    }
    *out = Object(Value::Map(std::move(entries)));
    return true;
  }
  std::vector<Value> items;
  for (const ExprPtr& operand : expr.operands) {
    Object item;
    Value plain;
    if (!Eval(*operand, &item) || !ToValue(item, operand->span, &plain)) {
      return false;
    }
    items.push_back(std::move(plain));
  }
  *out = Object(expr.kind == ExprKind::kTuple
                    ? ValueAccess::Tuple(std::move(items))
                    : Value::List(std::move(items)));
  return true;
}

bool Evaluator::EvalBinary(const Expr& expr, Object* out) {
  Object left;
  if (!Eval(*expr.operands[0], &left)) return false;
  if (expr.op == Op::kAnd || expr.op == Op::kOr) {
    bool truthy = false;
    if (!Truthy(left, expr.operands[0]->span, &truthy)) return false;
    if (truthy == (expr.op == Op::kOr)) {
      *out = std::move(left);
      return true;
    }
    return Eval(*expr.operands[1], out);
  }
  Object right;
  return Eval(*expr.operands[1], &right) &&
         Arithmetic(expr.op, left, right, expr.span, out);
}

bool Evaluator::EvalCompare(const Expr& expr, Object* out) {
  Object left;
  if (!Eval(*expr.operands[0], &left)) return false;
  for (size_t i = 0; i < expr.compare_ops.size(); ++i) {
    Object right;
    bool result = false;
    const Expr& operand = *expr.operands[i + 1];
    if (!Eval(operand, &right) ||
        !CompareOp(expr.compare_ops[i], left, right,
                   {expr.operands[i]->span.begin, operand.span.end}, &result)) {
      return false;
    }
    if (!result) {
      *out = Object(Value(false));
      return true;
    }
    left = std::move(right);
  }
  *out = Object(Value(true));
  return true;
}

bool Evaluator::EvalArgs(
    const Args& args, std::vector<Object>* positional,
    std::vector<std::pair<std::string, Object>>* keywords) {
  for (const ExprPtr& arg : args.positional) {
    Object value;
    if (!Eval(*arg, &value)) return false;
    positional->push_back(std::move(value));
  }
  for (const Keyword& keyword : args.keywords) {
    Object value;
    if (!Eval(*keyword.value, &value)) return false;
    keywords->emplace_back(keyword.name, std::move(value));
  }
  return true;
}

bool Evaluator::EvalFilter(const Expr& expr, Object* out) {
  const FilterDef& filter = *expr.filter;
  FilterCall call{*this, expr, Object(), {}};
  if (!Eval(*expr.operands[0], &call.input)) return false;
  if (!filter.accepts_undefined && !Defined(call.input)) return false;
  std::vector<Object> positional;
  std::vector<std::pair<std::string, Object>> keywords;
  if (!EvalArgs(expr.args, &positional, &keywords)) return false;
  // Arguments beyond the parameters (map's, select's, combine's) are
  // checked by the filter itself.
  BindArgs(filter.signature, std::move(positional), std::move(keywords), &call);
  if (!filter.accepts_undefined) {
    for (const auto& arg : call.args) {
      if (arg && !Defined(*arg)) return false;
    }
  }
  return filter.fn(call, out);
}

bool Evaluator::EvalTest(const Expr& expr, Object* out) {
  const TestDef& test = *expr.test;
  FilterCall call{*this, expr, Object(), {}};
  if (!Eval(*expr.operands[0], &call.input)) return false;
  if (!test.accepts_undefined && !Defined(call.input)) return false;
  std::vector<Object> positional;
  std::vector<std::pair<std::string, Object>> keywords;
  if (!EvalArgs(expr.args, &positional, &keywords)) return false;
  BindArgs(test.signature, std::move(positional), std::move(keywords), &call);
  for (const auto& arg : call.args) {
    if (arg && !Defined(*arg)) return false;
  }
  bool result = false;
  if (!test.fn(call, &result)) return false;
  *out = Object(Value(result != expr.negated));
  return true;
}

bool Evaluator::EvalCall(const Expr& expr, Object* out) {
  const Expr& callee = *expr.operands[0];
  if (callee.kind == ExprKind::kName && !Bound(callee.name, callee.level)) {
    return EvalGlobalCall(expr, out);
  }
  if (callee.kind != ExprKind::kGetAttr) {
    Object value;
    if (!Eval(callee, &value) || !Defined(value)) return false;
    return Fail(callee.span, StrCat("'", TypeName(value), "' is not callable"));
  }
  Object object;
  if (!Eval(*callee.operands[0], &object) || !Defined(object)) return false;
  if (!expr.args.keywords.empty()) {
    return Fail(expr.args.keywords[0].span,
                "named arguments to methods are not supported");
  }
  std::vector<Object> args;
  std::vector<std::pair<std::string, Object>> unused;
  if (!EvalArgs(expr.args, &args, &unused)) return false;
  for (const Object& arg : args) {
    if (!Defined(arg)) return false;
  }
  return CallMethod(object, callee.name, args, expr.span, out);
}

bool Evaluator::EvalGlobalCall(const Expr& expr, Object* out) {
  const std::string& name = expr.operands[0]->name;
  Span span = expr.span;
  if (std::string_view why = UnsupportedGlobal(name); !why.empty()) {
    return Fail(span, why == "is not supported"
                          ? StrCat(name, "() is not supported")
                          : std::string(why));
  }
  std::vector<Object> args;
  std::vector<std::pair<std::string, Object>> keywords;
  if (name == "dict") {
    if (!expr.args.positional.empty()) {
      return Fail(span, "dict() takes only named arguments here");
    }
    if (!EvalArgs(expr.args, &args, &keywords)) return false;
    std::vector<Value::Entry> entries;
    for (auto& [key, value] : keywords) {
      Value plain;
      if (!ToValue(value, span, &plain)) return false;
      entries.emplace_back(key, std::move(plain));
    }
    *out = Object(Value::Map(std::move(entries)));
    return true;
  }
  if (name != "range") {
    return Fail(expr.operands[0]->span, StrCat("'", name, "' is undefined"));
  }
  if (!expr.args.keywords.empty()) {
    return Fail(span, "range() takes no named arguments");
  }
  if (!EvalArgs(expr.args, &args, &keywords)) return false;
  if (args.empty() || args.size() > 3) {
    return Fail(span, "range() takes 1 to 3 arguments");
  }
  int64_t bounds[3] = {0, 0, 1};
  for (size_t i = 0; i < args.size(); ++i) {
    if (!Defined(args[i])) return false;
    const Object& arg = args[i];
    Value::Type type = arg.is_value() ? arg.value().type() : Value::Type::kNull;
    if (type != Value::Type::kInt && type != Value::Type::kBool) {
      return Fail(
          expr.args.positional[i]->span,
          StrCat("'", TypeName(arg), "' cannot be interpreted as an integer"));
    }
    int64_t v = type == Value::Type::kInt ? arg.value().int_value()
                                          : arg.value().bool_value();
    bounds[args.size() == 1 ? 1 : i] = v;
  }
  if (bounds[2] == 0) return Fail(span, "range() arg 3 must not be zero");
  *out = Object::Range(bounds[0], bounds[1], bounds[2]);
  return true;
}

}  // namespace cairn::jinja_internal
