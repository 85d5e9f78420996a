#ifndef CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_
#define CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_

// Renders parsed statements and evaluates expressions with Python's and
// Jinja2's semantics, within the bounds of RenderOptions. Every failure is
// recorded once, with the span of the construct that caused it; functions
// return false (or an Object that is never used) after that. Methods are
// split by concern: evaluator.cc (statements, scopes, budgets), eval_expr.cc
// (expressions), eval_ops.cc (operators and conversions), eval_access.cc
// (attributes, items, slices and method calls). Internal.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/template/ast.h"
#include "compiler/template/object.h"
#include "compiler/template/pyformat.h"
#include "compiler/template/source_error.h"
#include "compiler/template/template.h"

namespace cairn::jinja_internal {

class Evaluator {
 public:
  Evaluator(const jinja::RenderOptions& options, const Value& vars);

  // Appends the rendering of `body` to `out`.
  bool RenderBody(const Body& body, std::string* out);
  // Evaluates `expr` into `out`.
  bool Eval(const Expr& expr, Object* out);

  // The first error, if any.
  std::optional<SourceError> TakeError() { return std::move(error_); }
  bool failed() const { return error_.has_value(); }

  // Records an error at `span`; returns false.
  bool Fail(Span span, std::string message);
  // Fails with an undefined object's own message and place.
  bool FailUndefined(const Object& undefined);
  // Fails if `object` is undefined; returns whether it is usable.
  bool Defined(const Object& object) {
    return !object.is_undefined() || FailUndefined(object);
  }

  // Budgets: loop iterations (and elements built), bytes of strings built.
  bool ChargeIterations(int64_t n, Span span);
  bool ChargeBytes(size_t n, Span span);
  const jinja::RenderOptions& options() const { return options_; }
  FormatLimits format_limits() const {
    return {options_.max_value_depth, options_.max_output_bytes};
  }

  // Python conversions (eval_ops.cc).
  bool Truthy(const Object& object, Span span, bool* out);
  bool ToStr(const Object& object, Span span, std::string* out);
  bool ToRepr(const Value& value, Span span, std::string* out);
  // The object as a plain value: ranges and dict views become lists.
  bool ToValue(const Object& object, Span span, Value* out);
  // The elements iterating over `object` yields (a for loop, list(), join).
  bool Iterate(const Object& object, Span span, std::vector<Value>* out);
  // Python's len().
  bool Length(const Object& object, Span span, int64_t* out);
  // Python's == (numbers compare across int, float and bool).
  static bool Equal(const Value& a, const Value& b);
  // Python's <; fails on types that do not order.
  bool Less(const Value& a, const Value& b, Span span, bool* out);
  // Jinja2's name for a value's type in messages ("int object").
  static std::string TypeName(const Object& object);
  // Follows a filter's attribute path ("a.b.0") part by part as item
  // access, like Jinja2's make_attrgetter.
  bool GetAttributePath(const Object& object, std::string_view path, Span span,
                        Object* out);

 private:
  using Scope = std::unordered_map<std::string, Object>;

  bool RenderNode(const Node& node, std::string* out);
  bool RenderFor(const Node& node, std::string* out);
  bool Output(std::string_view text, Span span, std::string* out);
  bool Assign(const Target& target, const Object& value, Span span);
  bool BindLoopTarget(const Target& target, const Value& item, Span span);
  Object Lookup(const std::string& name, Span span) const;
  bool IsLocal(const std::string& name) const;

  // Expressions (eval_expr.cc).
  bool EvalBinary(const Expr& expr, Object* out);
  bool EvalCompare(const Expr& expr, Object* out);
  bool EvalContainer(const Expr& expr, Object* out);
  bool EvalFilter(const Expr& expr, Object* out);
  bool EvalTest(const Expr& expr, Object* out);
  bool EvalCall(const Expr& expr, Object* out);
  bool EvalGlobalCall(const Expr& expr, Object* out);
  bool EvalArgs(const Args& args, std::vector<Object>* positional,
                std::vector<std::pair<std::string, Object>>* keywords);

  // Operators (eval_ops.cc).
  bool Arithmetic(Op op, const Object& a, const Object& b, Span span,
                  Object* out);
  bool Contains(const Object& container, const Object& item, Span span,
                bool* out);
  bool CompareOp(Op op, const Object& a, const Object& b, Span span,
                 bool* out);

  // Access (eval_access.cc).
  bool GetAttr(const Object& object, const std::string& name, Span span,
               Object* out);
  bool GetItem(const Object& object, const Object& index, Span span,
               Object* out);
  bool Slice(const Object& object, const Expr& expr, Object* out);
  bool CallMethod(const Object& object, const std::string& name,
                  const std::vector<Object>& args, Span span, Object* out);

  jinja::RenderOptions options_;
  const Value& vars_;
  std::vector<Scope> scopes_;
  int64_t iterations_ = 0;
  int64_t work_bytes_ = 0;
  std::optional<SourceError> error_;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_
