// Statements: parse-tree contexts to ast::Stmt.

#include "lang/parse/builder.h"

namespace cairn::parse_internal {

const ast::Stmt* Builder::Stmt(P::StmtContext* ctx) {
  if (ctx == nullptr) return nullptr;
  if (auto* c = ctx->importStmt()) return Import(c);
  if (auto* c = ctx->paramStmt()) return Param(c);
  if (auto* c = ctx->letStmt()) return Let(c);
  if (auto* c = ctx->roleStmt()) return Role(c);
  if (auto* c = ctx->useStmt()) return Use(c);
  if (auto* c = ctx->forStmt()) return For(c);
  if (auto* c = ctx->ifStmt()) return If(c);
  if (auto* c = ctx->ruleStmt()) return Rule(c);
  if (auto* c = ctx->attrStmt()) return Attr(c);
  if (auto* c = ctx->blockStmt()) return Block(c);
  return nullptr;
}

const ast::Stmt* Builder::Import(P::ImportStmtContext* ctx) {
  auto* s = New<ast::ImportStmt>(ctx);
  s->path = ctx->string() ? String(ctx->string()) : nullptr;
  if (ctx->name()) s->alias = Name(ctx->name());
  return s;
}

const ast::Stmt* Builder::Param(P::ParamStmtContext* ctx) {
  auto* s = New<ast::ParamStmt>(ctx);
  s->name = Name(ctx->name());
  s->type = ctx->type() ? Type(ctx->type()) : nullptr;
  if (ctx->ASSIGN()) s->default_value = Expr(ctx->expr());
  return s;
}

const ast::Stmt* Builder::Let(P::LetStmtContext* ctx) {
  auto* s = New<ast::LetStmt>(ctx);
  s->name = Name(ctx->name());
  s->type = ctx->type() ? Type(ctx->type()) : nullptr;
  s->value = Expr(ctx->expr());
  return s;
}

const ast::Stmt* Builder::Role(P::RoleStmtContext* ctx) {
  auto* s = New<ast::RoleStmt>(ctx);
  s->name = Name(ctx->name());
  std::vector<ast::RoleParam> params;
  for (P::RoleParamContext* p : ctx->roleParam()) {
    ast::RoleParam param;
    param.name = Name(p->name());
    param.type = p->type() ? Type(p->type()) : nullptr;
    if (p->ASSIGN()) param.default_value = Expr(p->expr());
    param.begin = Begin(p);
    param.end = End(p);
    params.push_back(param);
  }
  s->params = Copy(params);
  s->body = Body(ctx->body());
  return s;
}

const ast::Stmt* Builder::Use(P::UseStmtContext* ctx) {
  auto* s = New<ast::UseStmt>(ctx);
  s->role = Expr(ctx->expr());
  return s;
}

const ast::Stmt* Builder::For(P::ForStmtContext* ctx) {
  auto* s = New<ast::ForStmt>(ctx);
  std::vector<P::NameContext*> names = ctx->name();
  if (!names.empty()) s->key = Name(names[0]);
  if (names.size() > 1) s->value_var = Name(names[1]);
  s->iterable = Expr(ctx->expr());
  s->body = Body(ctx->body());
  return s;
}

const ast::IfStmt* Builder::If(P::IfStmtContext* ctx) {
  auto* s = New<ast::IfStmt>(ctx);
  s->condition = Expr(ctx->expr());
  std::vector<P::BodyContext*> bodies = ctx->body();
  if (!bodies.empty()) s->then_body = Body(bodies[0]);
  if (ctx->ifStmt() != nullptr) {
    s->else_if = If(ctx->ifStmt());
  } else if (bodies.size() > 1) {
    s->else_body = arena_.New<ast::Body>(Body(bodies[1]));
  }
  return s;
}

const ast::Stmt* Builder::Rule(P::RuleStmtContext* ctx) {
  auto* s = New<ast::RuleStmt>(ctx);
  switch (ctx->action ? ctx->action->getType() : P::ALLOW) {
    case P::DENY:
      s->action = ast::RuleAction::kDeny;
      break;
    case P::REJECT:
      s->action = ast::RuleAction::kReject;
      break;
    default:
      s->action = ast::RuleAction::kAllow;
  }
  s->protocol = Name(ctx->name());
  if (P::PortsContext* ports = ctx->ports()) {
    if (ports->INT()) {
      s->ports = Int(ports->INT()->getSymbol());
    } else if (ports->string()) {
      s->ports = String(ports->string());
    } else if (ports->list()) {
      s->ports = List(ports->list());
    } else if (ports->IDENT()) {
      s->ports = DottedName(ports, ports->IDENT(), ports->name());
    } else {
      auto* paren = New<ast::ParenExpr>(ports);
      paren->inner = Expr(ports->expr());
      s->ports = paren;
    }
  }
  // FROM and TO each take one expr, in order.
  std::vector<P::ExprContext*> exprs = ctx->expr();
  size_t next = 0;
  if (ctx->FROM() && next < exprs.size()) s->from = Expr(exprs[next++]);
  if (ctx->TO() && next < exprs.size()) s->to = Expr(exprs[next++]);
  return s;
}

const ast::Stmt* Builder::Attr(P::AttrStmtContext* ctx) {
  auto* s = New<ast::AttrStmt>(ctx);
  s->name = Name(ctx->name());
  s->value = Expr(ctx->expr());
  return s;
}

const ast::Stmt* Builder::Block(P::BlockStmtContext* ctx) {
  auto* s = New<ast::BlockStmt>(ctx);
  s->type = Name(ctx->name());
  std::vector<const ast::Expr*> labels;
  for (P::LabelContext* label : ctx->label()) labels.push_back(Label(label));
  s->labels = Copy(labels);
  s->body = Body(ctx->body());
  return s;
}

const ast::Expr* Builder::Label(P::LabelContext* ctx) {
  if (ctx->string()) return String(ctx->string());
  if (ctx->expr()) return Expr(ctx->expr());
  return DottedName(ctx, ctx->IDENT(), ctx->name());
}

const ast::Expr* Builder::DottedName(antlr4::ParserRuleContext* ctx,
                                     antlr4::tree::TerminalNode* first,
                                     const std::vector<P::NameContext*>& rest) {
  if (first == nullptr) return Error(Begin(ctx));
  auto* name = New<ast::NameExpr>(ctx);
  name->end = End(first->getSymbol());
  name->name = Text(name->begin, name->end);
  const ast::Expr* result = name;
  for (P::NameContext* member : rest) {
    auto* m = New<ast::MemberExpr>(ctx);
    m->object = result;
    m->member = Name(member);
    m->end = m->member.end;
    result = m;
  }
  return result;
}

ast::Body Builder::Body(P::BodyContext* ctx) {
  ast::Body body;
  if (ctx == nullptr) {
    body.begin = body.end = last_end_;
    return body;
  }
  body.begin = Begin(ctx);
  body.end = End(ctx);
  std::vector<const ast::Stmt*> stmts;
  for (P::StmtContext* stmt : ctx->stmt()) {
    if (const ast::Stmt* s = Stmt(stmt)) stmts.push_back(s);
  }
  body.stmts = Copy(stmts);
  return body;
}

const ast::TypeExpr* Builder::Type(P::TypeContext* ctx) {
  auto* type = arena_.New<ast::TypeExpr>();
  type->begin = Begin(ctx);
  type->end = End(ctx);
  type->name = Name(ctx->name());
  std::vector<const ast::TypeExpr*> args;
  for (P::TypeContext* arg : ctx->type()) args.push_back(Type(arg));
  type->args = Copy(args);
  return type;
}

}  // namespace cairn::parse_internal
