// Expressions: parse-tree contexts to ast::Expr.

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "base/strings.h"
#include "lang/parse/builder.h"
#include "lang/parse/tree_access.h"

namespace cairn::parse_internal {
namespace {

ast::BinaryOp BinaryOpOf(size_t type) {
  switch (type) {
    case cairn_antlr::CairnParser::STAR:
      return ast::BinaryOp::kMul;
    case cairn_antlr::CairnParser::SLASH:
      return ast::BinaryOp::kDiv;
    case cairn_antlr::CairnParser::PERCENT:
      return ast::BinaryOp::kMod;
    case cairn_antlr::CairnParser::PLUS:
      return ast::BinaryOp::kAdd;
    case cairn_antlr::CairnParser::MINUS:
      return ast::BinaryOp::kSub;
    case cairn_antlr::CairnParser::LT:
      return ast::BinaryOp::kLt;
    case cairn_antlr::CairnParser::LE:
      return ast::BinaryOp::kLe;
    case cairn_antlr::CairnParser::GT:
      return ast::BinaryOp::kGt;
    case cairn_antlr::CairnParser::GE:
      return ast::BinaryOp::kGe;
    case cairn_antlr::CairnParser::EQ:
      return ast::BinaryOp::kEq;
    case cairn_antlr::CairnParser::NE:
      return ast::BinaryOp::kNe;
    case cairn_antlr::CairnParser::IN:
      return ast::BinaryOp::kIn;
    case cairn_antlr::CairnParser::AND:
      return ast::BinaryOp::kAnd;
    default:
      return ast::BinaryOp::kOr;
  }
}

}  // namespace

const ast::Expr* Builder::Expr(P::ExprContext* ctx) {
  if (ctx == nullptr ||
      (ctx->exception != nullptr && ctx->getStart() == nullptr)) {
    return Error(last_end_);
  }
  // ANTLR parses a chain like a.b.c... or 1 + 1 + ... in a loop, but the
  // tree it builds is as deep as the chain is long; stop descending before
  // this (and every later stage walking the AST) runs out of stack.
  if (expr_depth_ >= kMaxExprDepth) {
    if (!reported_depth_) {
      reported_depth_ = true;
      Report(DiagnosticKind::kNestingTooDeep, Begin(ctx), Begin(ctx),
             StrCat("expression nested deeper than ", kMaxExprDepth,
                    " levels (a chain of that many operators?); split it "
                    "with let"));
    }
    return Error(Begin(ctx));
  }
  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
  } guard(expr_depth_);
  if (auto* c = As<P::PrimaryExprContext>(ctx)) {
    return Primary(Child<P::PrimaryContext>(c));
  }
  if (auto* c = As<P::MemberExprContext>(ctx)) {
    auto* e = New<ast::MemberExpr>(c);
    e->object = Expr(ExprChild(c));
    e->member = Name(Child<P::NameContext>(c));
    return e;
  }
  if (auto* c = As<P::CallExprContext>(ctx)) return Call(c);
  if (auto* c = As<P::BinaryExprContext>(ctx)) {
    auto* e = New<ast::BinaryExpr>(c);
    e->op = BinaryOpOf(c->op ? c->op->getType() : P::OR);
    e->lhs = Expr(ExprChild(c, 0));
    e->rhs = Expr(ExprChild(c, 1));
    return e;
  }
  if (auto* c = As<P::IndexExprContext>(ctx)) {
    auto* e = New<ast::IndexExpr>(c);
    e->object = Expr(ExprChild(c, 0));
    e->index = Expr(ExprChild(c, 1));
    return e;
  }
  if (auto* c = As<P::UnaryExprContext>(ctx)) {
    auto* e = New<ast::UnaryExpr>(c);
    e->op = c->op && c->op->getType() == P::MINUS ? ast::UnaryOp::kNeg
                                                  : ast::UnaryOp::kNot;
    e->operand = Expr(ExprChild(c));
    return e;
  }
  if (auto* c = As<P::CondExprContext>(ctx)) {
    auto* e = New<ast::ConditionalExpr>(c);
    e->condition = Expr(ExprChild(c, 0));
    e->then_value = Expr(ExprChild(c, 1));
    e->else_value = Expr(ExprChild(c, 2));
    return e;
  }
  return Error(Begin(ctx));
}

const ast::Expr* Builder::Primary(P::PrimaryContext* ctx) {
  if (ctx == nullptr) return Error(last_end_);
  switch (StartType(ctx)) {
    case P::INT:
      return Int(ctx->getStart());
    case P::FLOAT:
      return Float(ctx->getStart());
    case P::STRING_OPEN:
    case P::TRIPLE_OPEN:
      if (auto* c = Child<P::StringContext>(ctx)) return String(c);
      break;
    case P::TRUE:
    case P::FALSE: {
      auto* e = New<ast::BoolExpr>(ctx);
      e->value = StartType(ctx) == P::TRUE;
      return e;
    }
    case P::NULL_:
      return New<ast::NullExpr>(ctx);
    case P::IDENT: {
      auto* e = New<ast::NameExpr>(ctx);
      e->name = Text(e->begin, e->end);
      return e;
    }
    case P::LBRACKET:
      if (auto* c = Child<P::ListContext>(ctx)) return List(c);
      if (auto* c = Child<P::ComprehensionContext>(ctx)) {
        return Comprehension(c);
      }
      break;
    case P::LBRACE:
      if (auto* c = Child<P::MapContext>(ctx)) return Map(c);
      break;
    case P::LPAREN: {
      auto* e = New<ast::ParenExpr>(ctx);
      e->inner = Expr(ExprChild(ctx));
      return e;
    }
    default:
      break;
  }
  return Error(Begin(ctx));
}

const ast::Expr* Builder::Int(antlr4::Token* token) {
  auto* e = arena_.New<ast::IntExpr>();
  e->begin = Begin(token);
  e->end = End(token);
  std::string digits;
  // getText(): a malformed number was already reported and reads as "0".
  for (char c : token->getText()) {
    if (c != '_') digits += c;
  }
  int base = 10;
  size_t skip = 0;
  if (digits.size() > 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'o')) {
    base = digits[1] == 'x' ? 16 : 8;
    skip = 2;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long value = std::strtoull(digits.c_str() + skip, &end, base);
  if (errno == ERANGE || value > static_cast<unsigned long long>(
                                     std::numeric_limits<int64_t>::max())) {
    Report(
        DiagnosticKind::kIntegerOutOfRange, e->begin, e->end,
        StrCat("integer ", Text(e->begin, e->end), " does not fit in 64 bits"));
    value = 0;
  }
  e->value = static_cast<int64_t>(value);
  return e;
}

const ast::Expr* Builder::Float(antlr4::Token* token) {
  auto* e = arena_.New<ast::FloatExpr>();
  e->begin = Begin(token);
  e->end = End(token);
  std::string digits;
  for (char c : Text(e->begin, e->end)) {
    if (c != '_') digits += c;
  }
  e->value = std::strtod(digits.c_str(), nullptr);
  return e;
}

const ast::Expr* Builder::List(P::ListContext* ctx) {
  auto* e = New<ast::ListExpr>(ctx);
  std::vector<const ast::Expr*> items;
  for (P::ExprContext* item : ExprChildren(ctx)) items.push_back(Expr(item));
  e->items = Copy(items);
  return e;
}

const ast::Expr* Builder::Comprehension(P::ComprehensionContext* ctx) {
  auto* e = New<ast::ComprehensionExpr>(ctx);
  std::vector<P::NameContext*> names = Children<P::NameContext>(ctx);
  if (!names.empty()) e->key = Name(names[0]);
  if (names.size() > 1) e->value_var = Name(names[1]);
  std::vector<P::ExprContext*> exprs = ExprChildren(ctx);
  e->iterable = Expr(exprs.size() > 0 ? exprs[0] : nullptr);
  e->value = Expr(exprs.size() > 1 ? exprs[1] : nullptr);
  if (exprs.size() > 2) e->condition = Expr(exprs[2]);
  return e;
}

const ast::Expr* Builder::Map(P::MapContext* ctx) {
  auto* e = New<ast::MapExpr>(ctx);
  std::vector<ast::MapEntry> entries;
  for (P::EntryContext* entry : Children<P::EntryContext>(ctx)) {
    ast::MapEntry m;
    if (auto* key = Child<P::StringContext>(entry)) {
      m.key = String(key);
    } else if (auto* name = Child<P::NameContext>(entry)) {
      ast::Ident id = Name(name);
      auto* key = arena_.New<ast::NameExpr>();
      key->begin = id.begin;
      key->end = id.end;
      key->name = id.name;
      m.key = key;
    } else {
      m.key = Error(Begin(entry));
    }
    m.value = Expr(ExprChild(entry));
    entries.push_back(m);
  }
  e->entries = Copy(entries);
  return e;
}

const ast::Expr* Builder::Call(P::CallExprContext* ctx) {
  auto* e = New<ast::CallExpr>(ctx);
  e->callee = Expr(ExprChild(ctx));
  std::vector<ast::Arg> args;
  for (P::ArgContext* arg : Children<P::ArgContext>(ctx)) {
    ast::Arg a;
    if (auto* name = Child<P::NameContext>(arg)) a.name = Name(name);
    a.value = Expr(ExprChild(arg));
    args.push_back(a);
  }
  e->args = Copy(args);
  return e;
}

// Helpers shared by all construct builders.

ast::Ident Builder::Name(P::NameContext* ctx) {
  if (ctx == nullptr || ctx->getStart() == nullptr) {
    return {"", last_end_, last_end_};
  }
  return Ident(ctx->getStart());
}

ast::Ident Builder::Ident(antlr4::Token* token) {
  uint32_t begin = Begin(token);
  uint32_t end = End(token);
  return {Text(begin, end), begin, end};
}

const ast::Expr* Builder::Error(uint32_t at) {
  auto* e = arena_.New<ast::ErrorExpr>();
  e->begin = e->end = at;
  return e;
}

uint32_t Builder::Begin(antlr4::Token* token) const {
  if (token == nullptr || token->getStartIndex() == INVALID_INDEX ||
      token->getStartIndex() > source_.text().size()) {
    return last_end_;
  }
  return token->getStartIndex();
}

uint32_t Builder::End(antlr4::Token* token) const {
  if (token == nullptr || token->getStopIndex() == INVALID_INDEX ||
      token->getStartIndex() > source_.text().size()) {
    return last_end_;
  }
  uint32_t end = token->getStopIndex() + 1;
  if (end < token->getStartIndex()) end = token->getStartIndex();
  last_end_ = end;
  return end;
}

uint32_t Builder::Begin(antlr4::ParserRuleContext* ctx) const {
  return Begin(ctx ? ctx->getStart() : nullptr);
}

uint32_t Builder::End(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr) return last_end_;
  antlr4::Token* stop = ctx->getStop();
  // A rule that matched nothing has its stop before its start.
  if (stop == nullptr ||
      stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) {
    return Begin(ctx);
  }
  return std::max(End(stop), Begin(ctx));
}

void Builder::Report(DiagnosticKind kind, uint32_t begin, uint32_t end,
                     std::string summary) {
  filter_.Report(
      MakeDiagnostic(kind, {file_.file, begin, end}, std::move(summary)));
}

}  // namespace cairn::parse_internal
