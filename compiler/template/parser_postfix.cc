// The tightest-binding expressions, following jinja2/parser.py: literals,
// names, lists, dicts, parentheses, then postfix . [] () and the filters and
// tests that follow them.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/filters.h"
#include "compiler/template/parser.h"

namespace cairn::jinja_internal {

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
          return Fail(keyword.span,
                      StrCat("argument '", keyword.name, "' is given twice"));
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
    if (filter->check != nullptr) {
      Span where = {name_span.begin, node->span.end};
      if (std::string message = filter->check(node->args, &where);
          !message.empty()) {
        Fail(where, std::move(message));
        return nullptr;
      }
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
