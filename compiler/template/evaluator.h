#ifndef CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_
#define CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_

// Renders parsed statements and evaluates expressions with Python's and
// Jinja2's semantics, within the bounds of RenderOptions. Every failure is
// recorded once, with the span of the construct that caused it; functions
// return false (or an Object that is never used) after that. Methods are
// split by concern: evaluator.cc (statements, frames, budgets), eval_expr.cc
// (expressions), eval_arith.cc, eval_compare.cc and eval_convert.cc
// (operators and conversions), eval_access.cc (attributes, items, slices)
// and eval_methods.cc (method calls). Internal.

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

// One rendering of one template with one set of variables.
class Evaluator {
 public:
  // `vars` must be a map and outlive the evaluator.
  Evaluator(const jinja::RenderOptions& options, const Value& vars);

  // Renders a whole template: enters its frame, then renders `body`.
  bool RenderTemplate(const Body& body, const Frame& frame, std::string* out);
  // Appends the rendering of `body` to `out`.
  bool RenderBody(const Body& body, std::string* out);
  // Evaluates `expr` into `out`.
  bool Eval(const Expr& expr, Object* out);

  // The first error, if any.
  std::optional<SourceError> TakeError() { return std::move(error_); }
  // Whether an error was recorded.
  bool failed() const { return error_.has_value(); }

  // Records an error at `span`; returns false.
  bool Fail(Span span, std::string message);
  // Fails with an undefined object's own message and place.
  bool FailUndefined(const Object& undefined);
  // Fails if `object` is undefined (a lenient undefined passes, for the
  // operations that accept it to handle); returns whether it is usable.
  bool Defined(const Object& object) {
    return !object.is_undefined() || object.is_lenient_undefined() ||
           FailUndefined(object);
  }

  // Counts `n` loop iterations (or elements built); fails past the limit.
  bool ChargeIterations(int64_t n, Span span);
  // Counts a string of `n` bytes being built; fails if it is larger than
  // the output limit or the total work exceeds its limit.
  bool ChargeBytes(size_t n, Span span);
  // The limits of this rendering.
  const jinja::RenderOptions& options() const { return options_; }
  // The limits for formatting values with pyformat.h.
  FormatLimits format_limits() const {
    return {options_.max_value_depth, options_.max_output_bytes};
  }

  // Python's bool() (eval_convert.cc); fails on undefined values.
  bool Truthy(const Object& object, Span span, bool* out);
  // Python's str(); fails on undefined values.
  bool ToStr(const Object& object, Span span, std::string* out);
  // Python's repr(), appended to `out`.
  bool ToRepr(const Value& value, Span span, std::string* out);
  // The object as a plain value: ranges and dict views become lists.
  bool ToValue(const Object& object, Span span, Value* out);
  // The elements iterating over `object` yields (a for loop, list(), join).
  bool Iterate(const Object& object, Span span, std::vector<Value>* out);
  // The same, keeping the undefined elements of a kList.
  bool IterateObjects(const Object& object, Span span,
                      std::vector<Object>* out);
  // A list of `elements` as filters return it: a plain value, or a kList
  // when some are undefined. Ranges and dict views become lists.
  bool MakeList(std::vector<Object> elements, Span span, Object* out);
  // Python's len().
  bool Length(const Object& object, Span span, int64_t* out);
  // Python's == (numbers compare across int, float and bool).
  static bool Equal(const Value& a, const Value& b);
  // Python's <; fails on types that do not order.
  bool Less(const Value& a, const Value& b, Span span, bool* out);
  // A comparison (==, <, in, ...) with Python's semantics.
  bool CompareOp(Op op, const Object& a, const Object& b, Span span, bool* out);
  // Jinja2's name for a value's type in messages ("int object").
  static std::string TypeName(const Object& object);
  // Python's arithmetic operator `op` (eval_arith.cc); the unary ones
  // ignore `b`.
  bool Arithmetic(Op op, const Object& a, const Object& b, Span span,
                  Object* out);
  // Jinja2's environment.getitem, `object[index]` (eval_access.cc): what is
  // missing is an undefined object.
  bool GetItem(const Object& object, const Object& index, Span span,
               Object* out);
  // Follows a filter's attribute path ("a.b.0") part by part as item
  // access, like Jinja2's make_attrgetter.
  bool GetAttributePath(const Object& object, std::string_view path, Span span,
                        Object* out);

 private:
  // The variables of one frame (scopes.h); a missing name is undefined.
  using FrameVars = std::unordered_map<std::string, Object>;

  bool RenderNode(const Node& node, std::string* out);
  bool RenderFor(const Node& node, std::string* out);
  bool Output(std::string_view text, Span span, std::string* out);
  void EnterFrame(const Frame& frame);
  bool Assign(const Target& target, const Object& value, Span span);
  void Store(const std::string& name, int level, Object value);
  // The variable `name` of the frame at `level`, or an undefined object.
  Object Lookup(const std::string& name, int level, Span span) const;
  // Whether the variable exists (is not "missing").
  bool Bound(const std::string& name, int level) const;
  // Jinja2's context.resolve_or_missing: top-level sets so far, then the
  // input variables.
  bool Resolve(const std::string& name, Object* out) const;

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

  // Operators (eval_compare.cc).
  bool Contains(const Object& container, const Object& item, Span span,
                bool* out);
  // == where one side is a kList.
  bool ListEqual(const Object& a, const Object& b, bool* out);

  // Access (eval_access.cc, eval_methods.cc).
  bool GetAttr(const Object& object, const std::string& name, Span span,
               Object* out);
  bool Slice(const Object& object, const Expr& expr, Object* out);
  bool CallMethod(const Object& object, const std::string& name,
                  const std::vector<Object>& args, Span span, Object* out);

  jinja::RenderOptions options_;
  const Value& vars_;
  std::vector<FrameVars> frames_;
  FrameVars context_vars_;
  int64_t iterations_ = 0;
  int64_t work_bytes_ = 0;
  std::optional<SourceError> error_;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_EVALUATOR_H_
