// Expressions: parse-tree contexts to ast::Expr.

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "base/strings.h"
#include "lang/parse/builder.h"

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
      ctx->exception != nullptr && ctx->getStart() == nullptr) {
    return Error(last_end_);
  }
  if (auto* c = dynamic_cast<P::PrimaryExprContext*>(ctx)) {
    return Primary(c->primary());
  }
  if (auto* c = dynamic_cast<P::MemberExprContext*>(ctx)) {
    auto* e = New<ast::MemberExpr>(c);
    e->object = Expr(c->expr());
    e->member = Name(c->name());
    return e;
  }
  if (auto* c = dynamic_cast<P::IndexExprContext*>(ctx)) {
    auto* e = New<ast::IndexExpr>(c);
    e->object = Expr(c->expr(0));
    e->index = Expr(c->expr(1));
    return e;
  }
  if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) return Call(c);
  if (auto* c = dynamic_cast<P::UnaryExprContext*>(ctx)) {
    auto* e = New<ast::UnaryExpr>(c);
    e->op = c->op && c->op->getType() == P::MINUS ? ast::UnaryOp::kNeg
                                                  : ast::UnaryOp::kNot;
    e->operand = Expr(c->expr());
    return e;
  }
  if (auto* c = dynamic_cast<P::BinaryExprContext*>(ctx)) {
    auto* e = New<ast::BinaryExpr>(c);
    e->op = BinaryOpOf(c->op ? c->op->getType() : P::OR);
    e->lhs = Expr(c->expr(0));
    e->rhs = Expr(c->expr(1));
    return e;
  }
  if (auto* c = dynamic_cast<P::CondExprContext*>(ctx)) {
    auto* e = New<ast::ConditionalExpr>(c);
    e->condition = Expr(c->expr(0));
    e->then_value = Expr(c->expr(1));
    e->else_value = Expr(c->expr(2));
    return e;
  }
  return Error(Begin(ctx));
}

const ast::Expr* Builder::Primary(P::PrimaryContext* ctx) {
  if (ctx == nullptr) return Error(last_end_);
  if (auto* t = ctx->INT()) return Int(t->getSymbol());
  if (auto* t = ctx->FLOAT()) return Float(t->getSymbol());
  if (auto* c = ctx->string()) return String(c);
  if (ctx->TRUE() || ctx->FALSE()) {
    auto* e = New<ast::BoolExpr>(ctx);
    e->value = ctx->TRUE() != nullptr;
    return e;
  }
  if (ctx->NULL_()) return New<ast::NullExpr>(ctx);
  if (auto* t = ctx->IDENT()) {
    auto* e = New<ast::NameExpr>(ctx);
    e->name = Text(e->begin, e->end);
    (void)t;
    return e;
  }
  if (auto* c = ctx->list()) return List(c);
  if (auto* c = ctx->comprehension()) return Comprehension(c);
  if (auto* c = ctx->map()) return Map(c);
  if (auto* c = ctx->expr()) {
    auto* e = New<ast::ParenExpr>(ctx);
    e->inner = Expr(c);
    return e;
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
  for (P::ExprContext* item : ctx->expr()) items.push_back(Expr(item));
  e->items = Copy(items);
  return e;
}

const ast::Expr* Builder::Comprehension(P::ComprehensionContext* ctx) {
  auto* e = New<ast::ComprehensionExpr>(ctx);
  std::vector<P::NameContext*> names = ctx->name();
  if (!names.empty()) e->key = Name(names[0]);
  if (names.size() > 1) e->value_var = Name(names[1]);
  std::vector<P::ExprContext*> exprs = ctx->expr();
  e->iterable = Expr(exprs.size() > 0 ? exprs[0] : nullptr);
  e->value = Expr(exprs.size() > 1 ? exprs[1] : nullptr);
  if (ctx->IF() && exprs.size() > 2) e->condition = Expr(exprs[2]);
  return e;
}

const ast::Expr* Builder::Map(P::MapContext* ctx) {
  auto* e = New<ast::MapExpr>(ctx);
  std::vector<ast::MapEntry> entries;
  for (P::EntryContext* entry : ctx->entry()) {
    ast::MapEntry m;
    if (entry->string()) {
      m.key = String(entry->string());
    } else if (entry->name()) {
      ast::Ident id = Name(entry->name());
      auto* key = arena_.New<ast::NameExpr>();
      key->begin = id.begin;
      key->end = id.end;
      key->name = id.name;
      m.key = key;
    } else {
      m.key = Error(Begin(entry));
    }
    m.value = Expr(entry->expr());
    entries.push_back(m);
  }
  e->entries = Copy(entries);
  return e;
}

const ast::Expr* Builder::Call(P::CallExprContext* ctx) {
  auto* e = New<ast::CallExpr>(ctx);
  e->callee = Expr(ctx->expr());
  std::vector<ast::Arg> args;
  for (P::ArgContext* arg : ctx->arg()) {
    ast::Arg a;
    if (arg->name()) a.name = Name(arg->name());
    a.value = Expr(arg->expr());
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
