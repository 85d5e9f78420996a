#ifndef CAIRN_COMPILER_TEMPLATE_AST_H_
#define CAIRN_COMPILER_TEMPLATE_AST_H_

// The parsed form of a template: statements (text, {{ }}, if, for, set) and
// expressions, each with its byte range in the template text. Internal to
// the package.

#include <memory>
#include <string>
#include <vector>

#include "compiler/template/source_error.h"
#include "compiler/template/template.h"

namespace cairn::jinja_internal {

struct FilterDef;
struct TestDef;

// Every expression kind. A switch over them has no default.
enum class ExprKind {
  kLiteral,   // literal
  kName,      // name
  kList,      // operands = items
  kTuple,     // operands = items
  kDict,      // operands = key0, value0, key1, value1, ...
  kGetAttr,   // operands = [object]; name = attribute
  kGetItem,   // operands = [object, index]
  kSlice,     // operands = [object, start, stop, step] (null when absent)
  kUnary,     // op; operands = [operand]
  kBinary,    // op; operands = [left, right]
  kConcat,    // operands joined with ~
  kCompare,   // operands = [first, ...], one compare_op between each pair
  kCondExpr,  // operands = [then, condition, else (null when absent)]
  kFilter,    // operands = [value]; filter, args
  kTest,      // operands = [value]; test, args, negated
  kCall,      // operands = [callee]; args
};

// Operators of kUnary, kBinary and kCompare.
enum class Op {
  kNeg,
  kPos,
  kNot,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A named argument, as in indent(4, first=true).
struct Keyword {
  std::string name;
  Span span;
  ExprPtr value;
};

// The arguments of a filter, test or call.
struct Args {
  std::vector<ExprPtr> positional;
  std::vector<Keyword> keywords;
};

struct Expr {
  ExprKind kind;
  Span span;
  jinja::Value literal;
  std::string name;
  // Where `name` is written, for kGetAttr, kFilter and kTest.
  Span name_span;
  Op op = Op::kAdd;
  std::vector<ExprPtr> operands;
  std::vector<Op> compare_ops;
  Args args;
  const FilterDef* filter = nullptr;
  const TestDef* test = nullptr;
  bool negated = false;
  // 1 + the depth of the deepest operand or argument; bounded by the parser
  // so that evaluating cannot recurse without limit.
  int depth = 1;
  // kName: the level of the frame whose variable it reads (scopes.h).
  int level = 0;
};

// Every statement kind. A switch over them has no default.
enum class NodeKind {
  kText,      // text
  kOutput,    // {{ expr }}
  kIf,        // branches, else_body
  kFor,       // target, expr (the iterable), loop_filter, body, else_body
  kSet,       // target, expr
  kSetBlock,  // target, body: {% set x %}...{% endset %}
};

struct Node;
using Body = std::vector<std::unique_ptr<Node>>;

// What a for or set assigns to: one name, or several unpacked from a
// sequence ("for key, value in ...").
struct Target {
  std::vector<std::string> names;
  // The frame level of each name's variable (scopes.h).
  std::vector<int> levels;
  bool unpack = false;
  Span span;
};

// How a frame's variable starts out when the frame is entered (each loop
// iteration enters the loop's frame anew), as Jinja2's compiler decides it.
struct SlotInit {
  enum Kind {
    kResolve,    // from the template's variables (and top-level sets so far)
    kAlias,      // a copy of the variable of the same name at alias_level
    kUndefined,  // undefined until set
  };
  std::string name;
  Kind kind = kUndefined;
  int alias_level = 0;
};

// One frame of variables: the template, a loop body, a loop's else block,
// a loop's filter, or a {% set %} block. Frames nest by level.
struct Frame {
  int level = 0;
  std::vector<SlotInit> slots;
};

// One "if" or "elif" test and the statements it guards.
struct Branch {
  ExprPtr condition;
  Body body;
};

struct Node {
  NodeKind kind;
  Span span;
  std::string text;
  ExprPtr expr;
  std::vector<Branch> branches;
  Body body;
  Body else_body;
  Target target;
  ExprPtr loop_filter;
  // kFor: the frames of the body, the else block and the filter, and whether
  // the body reads `loop`. kSetBlock: body_frame.
  Frame body_frame;
  Frame else_frame;
  Frame filter_frame;
  bool uses_loop = false;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_AST_H_
