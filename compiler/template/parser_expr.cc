// Expressions, following jinja2/parser.py function by function so that
// precedence and associativity match: condexpr < or < and < not < compare <
// + - < ~ < * / // % < ** < unary - + < postfix . [] () and filters, tests.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/filters.h"
#include "compiler/template/parser.h"
#include "compiler/template/value_access.h"

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
    Fail(expr->span, StrCat("expression nested more than ", max_nesting_,
                            " levels deep"));
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
  while (left != nullptr &&
         (Is(TokenKind::kAdd) || Is(TokenKind::kSub))) {
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

ExprPtr Parser::ParsePrimary() {
  const Token& token = Current();
  switch (token.kind) {
    case TokenKind::kName: {
      ExprPtr expr = Make(ExprKind::kLiteral, token.span);
      const std::string& name = token.text;
      if (name == "true" || name == "True") {
        expr->literal = jinja::Value(true);
      } else if (name == "false" || name == "False") {
        expr->literal = jinja::Value(false);
      } else if (name == "none" || name == "None") {
        expr->literal = jinja::Value();
      } else {
        expr->kind = ExprKind::kName;
        expr->name = name;
      }
      Next();
      return expr;
    }
    case TokenKind::kString: {
      ExprPtr expr = Make(ExprKind::kLiteral, token.span);
      std::string text;
      while (Is(TokenKind::kString)) {
        text += Current().text;
        expr->span.end = Current().span.end;
        Next();
      }
      expr->literal = jinja::Value(std::move(text));
      return expr;
    }
    case TokenKind::kInteger:
    case TokenKind::kFloat: {
      ExprPtr expr = Make(ExprKind::kLiteral, token.span);
      expr->literal = token.kind == TokenKind::kInteger
                          ? jinja::Value(token.int_value)
                          : jinja::Value(token.float_value);
      Next();
      return expr;
    }
    case TokenKind::kLParen: {
      Span open = token.span;
      Next();
      if (!Enter()) return nullptr;
      ExprPtr expr = ParseTuple(true, "", true);
      Leave();
      if (expr == nullptr || !Expect(TokenKind::kRParen)) return nullptr;
      if (expr->kind == ExprKind::kTuple) {
        expr->span = {open.begin, Previous().span.end};
      }
      return expr;
    }
    case TokenKind::kLBracket:
      return ParseList();
    case TokenKind::kLBrace:
      return ParseDict();
    default:
      FailUnexpected("an expression");
      return nullptr;
  }
}

ExprPtr Parser::ParseList() {
  Span span = Current().span;
  Next();
  std::vector<ExprPtr> items;
  while (!Is(TokenKind::kRBracket)) {
    if (!items.empty() && !Expect(TokenKind::kComma)) return nullptr;
    if (Is(TokenKind::kRBracket)) break;
    ExprPtr item = ParseExpression();
    if (item == nullptr) return nullptr;
    items.push_back(std::move(item));
  }
  span.end = Current().span.end;
  Next();
  return Make(ExprKind::kList, span, std::move(items));
}

ExprPtr Parser::ParseDict() {
  Span span = Current().span;
  Next();
  std::vector<ExprPtr> items;
  while (!Is(TokenKind::kRBrace)) {
    if (!items.empty() && !Expect(TokenKind::kComma)) return nullptr;
    if (Is(TokenKind::kRBrace)) break;
    ExprPtr key = ParseExpression();
    if (key == nullptr || !Expect(TokenKind::kColon)) return nullptr;
    ExprPtr value = ParseExpression();
    if (value == nullptr) return nullptr;
    items.push_back(std::move(key));
    items.push_back(std::move(value));
  }
  span.end = Current().span.end;
  Next();
  return Make(ExprKind::kDict, span, std::move(items));
}

ExprPtr Parser::ParsePostfix(ExprPtr node) {
  while (node != nullptr) {
    if (Is(TokenKind::kDot) || Is(TokenKind::kLBracket)) {
      node = ParseSubscript(std::move(node));
    } else if (Is(TokenKind::kLParen)) {
      Span span = node->span;
      std::vector<ExprPtr> operands;
      operands.push_back(std::move(node));
      node = Make(ExprKind::kCall, span, std::move(operands));
      if (!ParseArgs(&node->args, &node->span)) return nullptr;
    } else {
      break;
    }
    if (node != nullptr) SetDepth(node.get());
  }
  return node;
}

ExprPtr Parser::ParseFilterExpr(ExprPtr node) {
  while (node != nullptr) {
    if (Is(TokenKind::kPipe)) {
      node = ParseFilter(std::move(node));
    } else if (IsName("is")) {
      node = ParseTest(std::move(node));
    } else if (Is(TokenKind::kLParen)) {
      Span span = node->span;
      std::vector<ExprPtr> operands;
      operands.push_back(std::move(node));
      node = Make(ExprKind::kCall, span, std::move(operands));
      if (!ParseArgs(&node->args, &node->span)) return nullptr;
    } else {
      break;
    }
    if (node != nullptr) SetDepth(node.get());
  }
  return node;
}

ExprPtr Parser::ParseSubscript(ExprPtr node) {
  Span span = node->span;
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(node));
  if (SkipIf(TokenKind::kDot)) {
    const Token& attr = Current();
    if (attr.kind == TokenKind::kName) {
      ExprPtr expr = Make(ExprKind::kGetAttr, {span.begin, attr.span.end},
                          std::move(operands));
      expr->name = attr.text;
      expr->name_span = attr.span;
      Next();
      return expr;
    }
    if (attr.kind != TokenKind::kInteger) {
      FailUnexpected("a name or number after '.'");
      return nullptr;
    }
    ExprPtr index = Make(ExprKind::kLiteral, attr.span);
    index->literal = jinja::Value(attr.int_value);
    operands.push_back(std::move(index));
    Next();
    return Make(ExprKind::kGetItem, {span.begin, attr.span.end},
                std::move(operands));
  }
  Next();  // [
  std::vector<ExprPtr> args;
  Span args_span = Current().span;
  while (!Is(TokenKind::kRBracket)) {
    if (!args.empty() && !Expect(TokenKind::kComma)) return nullptr;
    ExprPtr arg = ParseSubscribed();
    if (arg == nullptr) return nullptr;
    args_span.end = arg->span.end;
    args.push_back(std::move(arg));
  }
  span.end = Current().span.end;
  Next();
  if (args.empty()) {
    Fail(span, "expected an index between '[' and ']'");
    return nullptr;
  }
  if (args.size() > 1) {
    operands.push_back(Make(ExprKind::kTuple, args_span, std::move(args)));
  } else if (args[0]->kind == ExprKind::kSlice) {
    // A slice node carries its bounds; it becomes the subscript itself.
    ExprPtr slice = std::move(args[0]);
    slice->operands[0] = std::move(operands[0]);
    slice->span = span;
    SetDepth(slice.get());
    return slice;
  } else {
    operands.push_back(std::move(args[0]));
  }
  return Make(ExprKind::kGetItem, span, std::move(operands));
}

ExprPtr Parser::ParseSubscribed() {
  Span span = Current().span;
  std::vector<ExprPtr> bounds(4);
  if (Is(TokenKind::kColon)) {
    Next();
  } else {
    ExprPtr first = ParseExpression();
    if (first == nullptr) return nullptr;
    if (!Is(TokenKind::kColon)) return first;
    Next();
    bounds[1] = std::move(first);
  }
  if (!Is(TokenKind::kColon) && !Is(TokenKind::kRBracket) &&
      !Is(TokenKind::kComma)) {
    bounds[2] = ParseExpression();
    if (bounds[2] == nullptr) return nullptr;
  }
  if (SkipIf(TokenKind::kColon) && !Is(TokenKind::kRBracket) &&
      !Is(TokenKind::kComma)) {
    bounds[3] = ParseExpression();
    if (bounds[3] == nullptr) return nullptr;
  }
  span.end = Previous().span.end;
  return Make(ExprKind::kSlice, span, std::move(bounds));
}

bool Parser::ParseArgs(Args* args, Span* span) {
  Next();  // (
  bool require_comma = false;
  while (!Is(TokenKind::kRParen)) {
    if (require_comma) {
      if (!Expect(TokenKind::kComma)) return false;
      if (Is(TokenKind::kRParen)) break;
    }
    if (Is(TokenKind::kMul) || Is(TokenKind::kPow)) {
      return Fail(Current().span, "*args and **kwargs are not supported");
    }
    if (Is(TokenKind::kName) && Peek().kind == TokenKind::kAssign) {
      Keyword keyword;
      keyword.name = Current().text;
      keyword.span = Current().span;
      Next();
      Next();
      keyword.value = ParseExpression();
      if (keyword.value == nullptr) return false;
      for (const Keyword& k : args->keywords) {
        if (k.name == keyword.name) {
          return Fail(keyword.span, StrCat("argument '", keyword.name,
                                           "' is given twice"));
        }
      }
      args->keywords.push_back(std::move(keyword));
    } else {
      if (!args->keywords.empty()) {
        return Fail(Current().span,
                    "a positional argument cannot follow a named one");
      }
      ExprPtr arg = ParseExpression();
      if (arg == nullptr) return false;
      args->positional.push_back(std::move(arg));
    }
    require_comma = true;
  }
  span->end = Current().span.end;
  Next();
  return true;
}

std::string Parser::ParseDottedName(Span* span) {
  if (!Is(TokenKind::kName)) {
    FailUnexpected("a name");
    return "";
  }
  *span = Current().span;
  std::string name = Current().text;
  Next();
  while (Is(TokenKind::kDot) && Peek().kind == TokenKind::kName) {
    Next();
    name += ".";
    name += Current().text;
    span->end = Current().span.end;
    Next();
  }
  return name;
}

ExprPtr Parser::ParseFilter(ExprPtr node) {
  while (node != nullptr && SkipIf(TokenKind::kPipe)) {
    Span name_span;
    std::string name = ParseDottedName(&name_span);
    if (name.empty()) return nullptr;
    const FilterDef* filter = FindFilter(name);
    if (filter == nullptr) {
      Fail(name_span, StrCat("filter '", name, "' is not supported"));
      return nullptr;
    }
    Span span = {node->span.begin, name_span.end};
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(node));
    node = Make(ExprKind::kFilter, span, std::move(operands));
    node->name = name;
    node->name_span = name_span;
    node->filter = filter;
    if (Is(TokenKind::kLParen) && !ParseArgs(&node->args, &node->span)) {
      return nullptr;
    }
    SetDepth(node.get());
    if (std::string message = CheckArgs(filter->signature, node->args);
        !message.empty()) {
      Fail({name_span.begin, node->span.end},
           StrCat("filter '", name, "': ", message));
      return nullptr;
    }
  }
  return node;
}

ExprPtr Parser::ParseTest(ExprPtr node) {
  Next();  // is
  bool negated = SkipIfName("not");
  Span name_span;
  std::string name = ParseDottedName(&name_span);
  if (name.empty()) return nullptr;
  const TestDef* test = FindTest(name);
  if (test == nullptr) {
    Fail(name_span, StrCat("test '", name, "' is not supported"));
    return nullptr;
  }
  Span span = {node->span.begin, name_span.end};
  std::vector<ExprPtr> operands;
  operands.push_back(std::move(node));
  ExprPtr expr = Make(ExprKind::kTest, span, std::move(operands));
  expr->name = name;
  expr->name_span = name_span;
  expr->test = test;
  expr->negated = negated;
  if (Is(TokenKind::kLParen)) {
    if (!ParseArgs(&expr->args, &expr->span)) return nullptr;
  } else if ((Is(TokenKind::kName) || Is(TokenKind::kString) ||
              Is(TokenKind::kInteger) || Is(TokenKind::kFloat) ||
              Is(TokenKind::kLBracket) || Is(TokenKind::kLBrace)) &&
             !IsName("else") && !IsName("or") && !IsName("and")) {
    if (IsName("is")) {
      Fail(Current().span, "tests cannot be chained with 'is'");
      return nullptr;
    }
    ExprPtr arg = ParsePrimary();
    if (arg != nullptr) arg = ParsePostfix(std::move(arg));
    if (arg == nullptr) return nullptr;
    expr->span.end = arg->span.end;
    expr->args.positional.push_back(std::move(arg));
  }
  SetDepth(expr.get());
  if (std::string message = CheckArgs(test->signature, expr->args);
      !message.empty()) {
    Fail({name_span.begin, expr->span.end},
         StrCat("test '", name, "': ", message));
    return nullptr;
  }
  return expr;
}

}  // namespace cairn::jinja_internal
