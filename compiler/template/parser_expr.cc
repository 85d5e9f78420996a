// Expressions, following jinja2/parser.py function by function so that
// precedence and associativity match: condexpr < or < and < not < compare <
// + - < ~ < * / // % < ** < unary - +. Primaries, postfix operators,
// filters and tests are in parser_postfix.cc.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/parser.h"

namespace cairn::jinja_internal {
namespace {

Span Join(const ExprPtr& a, const ExprPtr& b) {
  return {a->span.begin, b->span.end};
}

}  // namespace

ExprPtr Parser::Make(ExprKind kind, Span span, std::vector<ExprPtr> operands) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  expr->span = span;
  expr->operands = std::move(operands);
  SetDepth(expr.get());
  return expr;
}

void Parser::SetDepth(Expr* expr) {
  int depth = 0;
  auto visit = [&depth](const ExprPtr& e) {
    if (e != nullptr && e->depth > depth) depth = e->depth;
  };
  for (const ExprPtr& e : expr->operands) visit(e);
  for (const ExprPtr& e : expr->args.positional) visit(e);
  for (const Keyword& k : expr->args.keywords) visit(k.value);
  expr->depth = depth + 1;
  if (expr->depth > max_nesting_) {
    Fail(expr->span,
         StrCat("expression nested more than ", max_nesting_, " levels deep"));
  }
}

ExprPtr Parser::ParseTuple(bool with_condexpr, std::string_view extra_end,
                           bool explicit_parentheses) {
  Span span = Current().span;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty() && !Expect(TokenKind::kComma)) return nullptr;
    if (IsTupleEnd(extra_end)) break;
    ExprPtr item = ParseExpression(with_condexpr);
    if (item == nullptr) return nullptr;
    span.end = item->span.end;
    items.push_back(std::move(item));
    if (Is(TokenKind::kComma)) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parentheses) {
      FailUnexpected("an expression");
      return nullptr;
    }
  }
  return Make(ExprKind::kTuple, span, std::move(items));
}

ExprPtr Parser::ParseExpression(bool with_condexpr) {
  if (!Enter()) return nullptr;
  ExprPtr result = with_condexpr ? ParseCondExpr() : ParseOr();
  Leave();
  return result;
}

ExprPtr Parser::ParseCondExpr() {
  ExprPtr expr = ParseOr();
  while (expr != nullptr && SkipIfName("if")) {
    ExprPtr condition = ParseOr();
    if (condition == nullptr) return nullptr;
    ExprPtr otherwise;
    if (SkipIfName("else")) {
      if (!Enter()) return nullptr;
      otherwise = ParseCondExpr();
      Leave();
      if (otherwise == nullptr) return nullptr;
    }
    Span span = {expr->span.begin,
                 (otherwise ? otherwise->span : condition->span).end};
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(expr));
    operands.push_back(std::move(condition));
    operands.push_back(std::move(otherwise));
    expr = Make(ExprKind::kCondExpr, span, std::move(operands));
  }
  return expr;
}

ExprPtr Parser::ParseOr() {
  ExprPtr left = ParseAnd();
  while (left != nullptr && SkipIfName("or")) {
    ExprPtr right = ParseAnd();
    if (right == nullptr) return nullptr;
    Span span = Join(left, right);
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    left = Make(ExprKind::kBinary, span, std::move(operands));
    left->op = Op::kOr;
  }
  return left;
}

ExprPtr Parser::ParseAnd() {
  ExprPtr left = ParseNot();
  while (left != nullptr && SkipIfName("and")) {
    ExprPtr right = ParseNot();
    if (right == nullptr) return nullptr;
    Span span = Join(left, right);
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    left = Make(ExprKind::kBinary, span, std::move(operands));
    left->op = Op::kAnd;
  }
  return left;
}

ExprPtr Parser::ParseNot() {
  if (!IsName("not")) return ParseCompare();
  Span span = Current().span;
  Next();
  if (!Enter()) return nullptr;
  ExprPtr operand = ParseNot();
  Leave();
  if (operand == nullptr) return nullptr;
  span.end = operand->span.end;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(operand));
  ExprPtr expr = Make(ExprKind::kUnary, span, std::move(operands));
  expr->op = Op::kNot;
  return expr;
}

ExprPtr Parser::ParseCompare() {
  ExprPtr first = ParseMath1();
  if (first == nullptr) return nullptr;
  std::vector<ExprPtr> operands;
  std::vector<Op> ops;
  while (true) {
    Op op;
    switch (Current().kind) {
      case TokenKind::kEq:
        op = Op::kEq;
        break;
      case TokenKind::kNe:
        op = Op::kNe;
        break;
      case TokenKind::kLt:
        op = Op::kLt;
        break;
      case TokenKind::kLe:
        op = Op::kLe;
        break;
      case TokenKind::kGt:
        op = Op::kGt;
        break;
      case TokenKind::kGe:
        op = Op::kGe;
        break;
      default:
        if (IsName("in")) {
          op = Op::kIn;
        } else if (IsName("not") && Peek().kind == TokenKind::kName &&
                   Peek().text == "in") {
          Next();
          op = Op::kNotIn;
        } else {
          op = Op::kNeg;  // No comparison follows.
        }
        break;
    }
    if (op == Op::kNeg) break;
    Next();
    ExprPtr right = ParseMath1();
    if (right == nullptr) return nullptr;
    if (operands.empty()) operands.push_back(std::move(first));
    ops.push_back(op);
    operands.push_back(std::move(right));
  }
  if (operands.empty()) return first;
  Span span = Join(operands.front(), operands.back());
  ExprPtr expr = Make(ExprKind::kCompare, span, std::move(operands));
  expr->compare_ops = std::move(ops);
  return expr;
}

ExprPtr Parser::ParseMath1() {
  ExprPtr left = ParseConcat();
  while (left != nullptr && (Is(TokenKind::kAdd) || Is(TokenKind::kSub))) {
    Op op = Is(TokenKind::kAdd) ? Op::kAdd : Op::kSub;
    Next();
    ExprPtr right = ParseConcat();
    if (right == nullptr) return nullptr;
    Span span = Join(left, right);
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    left = Make(ExprKind::kBinary, span, std::move(operands));
    left->op = op;
  }
  return left;
}

ExprPtr Parser::ParseConcat() {
  ExprPtr first = ParseMath2();
  if (first == nullptr || !Is(TokenKind::kTilde)) return first;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(first));
  while (SkipIf(TokenKind::kTilde)) {
    ExprPtr next = ParseMath2();
    if (next == nullptr) return nullptr;
    operands.push_back(std::move(next));
  }
  Span span = Join(operands.front(), operands.back());
  return Make(ExprKind::kConcat, span, std::move(operands));
}

ExprPtr Parser::ParseMath2() {
  ExprPtr left = ParsePow();
  while (left != nullptr) {
    Op op;
    if (Is(TokenKind::kMul)) {
      op = Op::kMul;
    } else if (Is(TokenKind::kDiv)) {
      op = Op::kDiv;
    } else if (Is(TokenKind::kFloorDiv)) {
      op = Op::kFloorDiv;
    } else if (Is(TokenKind::kMod)) {
      op = Op::kMod;
    } else {
      break;
    }
    Next();
    ExprPtr right = ParsePow();
    if (right == nullptr) return nullptr;
    Span span = Join(left, right);
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    left = Make(ExprKind::kBinary, span, std::move(operands));
    left->op = op;
  }
  return left;
}

ExprPtr Parser::ParsePow() {
  ExprPtr left = ParseUnary(true);
  while (left != nullptr && SkipIf(TokenKind::kPow)) {
    ExprPtr right = ParseUnary(true);
    if (right == nullptr) return nullptr;
    Span span = Join(left, right);
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(left));
    operands.push_back(std::move(right));
    left = Make(ExprKind::kBinary, span, std::move(operands));
    left->op = Op::kPow;
  }
  return left;
}

ExprPtr Parser::ParseUnary(bool with_filter) {
  ExprPtr node;
  if (Is(TokenKind::kSub) || Is(TokenKind::kAdd)) {
    Span span = Current().span;
    Op op = Is(TokenKind::kSub) ? Op::kNeg : Op::kPos;
    Next();
    if (!Enter()) return nullptr;
    ExprPtr operand = ParseUnary(false);
    Leave();
    if (operand == nullptr) return nullptr;
    span.end = operand->span.end;
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(operand));
    node = Make(ExprKind::kUnary, span, std::move(operands));
    node->op = op;
  } else {
    node = ParsePrimary();
  }
  if (node == nullptr) return nullptr;
  node = ParsePostfix(std::move(node));
  if (node != nullptr && with_filter) node = ParseFilterExpr(std::move(node));
  return node;
}

}  // namespace cairn::jinja_internal
