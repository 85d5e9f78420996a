// Statements: parse-tree contexts to ast::Stmt.

#include "base/strings.h"
#include "lang/parse/builder.h"
#include "lang/parse/tree_access.h"

namespace cairn::parse_internal {

const ast::Stmt* Builder::Stmt(P::StmtContext* ctx) {
  if (ctx == nullptr || ctx->children.empty()) return nullptr;
  antlr4::tree::ParseTree* c = ctx->children[0];
  // Most frequent first.
  if (auto* s = As<P::AttrStmtContext>(c)) return Attr(s);
  if (auto* s = As<P::BlockStmtContext>(c)) return Block(s);
  if (auto* s = As<P::UseStmtContext>(c)) return Use(s);
  if (auto* s = As<P::RuleStmtContext>(c)) return Rule(s);
  if (auto* s = As<P::LetStmtContext>(c)) return Let(s);
  if (auto* s = As<P::ForStmtContext>(c)) return For(s);
  if (auto* s = As<P::IfStmtContext>(c)) return If(s);
  if (auto* s = As<P::ImportStmtContext>(c)) return Import(s);
  if (auto* s = As<P::ParamStmtContext>(c)) return Param(s);
  if (auto* s = As<P::RoleStmtContext>(c)) return Role(s);
  return nullptr;
}

const ast::Stmt* Builder::Import(P::ImportStmtContext* ctx) {
  auto* s = New<ast::ImportStmt>(ctx);
  auto* path = Child<P::StringContext>(ctx);
  s->path = path ? String(path) : nullptr;
  if (auto* alias = Child<P::NameContext>(ctx)) s->alias = Name(alias);
  return s;
}

const ast::Stmt* Builder::Param(P::ParamStmtContext* ctx) {
  auto* s = New<ast::ParamStmt>(ctx);
  s->name = Name(Child<P::NameContext>(ctx));
  auto* type = Child<P::TypeContext>(ctx);
  s->type = type ? Type(type) : nullptr;
  if (auto* value = ExprChild(ctx)) s->default_value = Expr(value);
  return s;
}

const ast::Stmt* Builder::Let(P::LetStmtContext* ctx) {
  auto* s = New<ast::LetStmt>(ctx);
  s->name = Name(Child<P::NameContext>(ctx));
  auto* type = Child<P::TypeContext>(ctx);
  s->type = type ? Type(type) : nullptr;
  s->value = Expr(ExprChild(ctx));
  return s;
}

const ast::Stmt* Builder::Role(P::RoleStmtContext* ctx) {
  auto* s = New<ast::RoleStmt>(ctx);
  s->name = Name(Child<P::NameContext>(ctx));
  std::vector<ast::RoleParam> params;
  for (P::RoleParamContext* p : Children<P::RoleParamContext>(ctx)) {
    ast::RoleParam param;
    param.name = Name(Child<P::NameContext>(p));
    auto* type = Child<P::TypeContext>(p);
    param.type = type ? Type(type) : nullptr;
    if (auto* value = ExprChild(p)) param.default_value = Expr(value);
    param.begin = Begin(p);
    param.end = End(p);
    params.push_back(param);
  }
  s->params = Copy(params);
  s->body = Body(Child<P::BodyContext>(ctx));
  return s;
}

const ast::Stmt* Builder::Use(P::UseStmtContext* ctx) {
  auto* s = New<ast::UseStmt>(ctx);
  s->role = Expr(ExprChild(ctx));
  return s;
}

const ast::Stmt* Builder::For(P::ForStmtContext* ctx) {
  auto* s = New<ast::ForStmt>(ctx);
  std::vector<P::NameContext*> names = Children<P::NameContext>(ctx);
  if (!names.empty()) s->key = Name(names[0]);
  if (names.size() > 1) s->value_var = Name(names[1]);
  s->iterable = Expr(ExprChild(ctx));
  s->body = Body(Child<P::BodyContext>(ctx));
  return s;
}

const ast::IfStmt* Builder::If(P::IfStmtContext* ctx) {
  auto* s = New<ast::IfStmt>(ctx);
  s->condition = Expr(ExprChild(ctx));
  std::vector<P::BodyContext*> bodies = Children<P::BodyContext>(ctx);
  if (!bodies.empty()) s->then_body = Body(bodies[0]);
  if (auto* else_if = Child<P::IfStmtContext>(ctx)) {
    s->else_if = If(else_if);
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
  s->protocol = Name(Child<P::NameContext>(ctx));
  if (P::PortsContext* ports = Child<P::PortsContext>(ctx)) {
    switch (StartType(ports)) {
      case P::INT:
        s->ports = Int(ports->getStart());
        break;
      case P::STRING_OPEN:
      case P::TRIPLE_OPEN:
        s->ports = String(Child<P::StringContext>(ports));
        break;
      case P::LBRACKET:
        s->ports = List(Child<P::ListContext>(ports));
        break;
      case P::IDENT:
        s->ports = DottedName(ports, ports->getStart(),
                              Children<P::NameContext>(ports));
        break;
      default: {
        auto* paren = New<ast::ParenExpr>(ports);
        paren->inner = Expr(ExprChild(ports));
        s->ports = paren;
      }
    }
  }
  // FROM and TO each take one expr, in order.
  std::vector<P::ExprContext*> exprs = ExprChildren(ctx);
  size_t next = 0;
  if (ctx->FROM() && next < exprs.size()) s->from = Expr(exprs[next++]);
  if (ctx->TO() && next < exprs.size()) s->to = Expr(exprs[next++]);
  return s;
}

const ast::Stmt* Builder::Attr(P::AttrStmtContext* ctx) {
  auto* s = New<ast::AttrStmt>(ctx);
  s->name = Name(Child<P::NameContext>(ctx));
  s->value = Expr(ExprChild(ctx));
  return s;
}

const ast::Stmt* Builder::Block(P::BlockStmtContext* ctx) {
  auto* s = New<ast::BlockStmt>(ctx);
  std::vector<const ast::Expr*> labels;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* name = As<P::NameContext>(child)) {
      s->type = Name(name);
    } else if (auto* label = As<P::LabelContext>(child)) {
      labels.push_back(Label(label));
    } else if (auto* body = As<P::BodyContext>(child)) {
      s->body = Body(body);
    }
  }
  if (s->body.end == 0) s->body = Body(nullptr);
  s->labels = Copy(labels);
  return s;
}

const ast::Expr* Builder::Label(P::LabelContext* ctx) {
  switch (StartType(ctx)) {
    case P::STRING_OPEN:
    case P::TRIPLE_OPEN:
      return String(Child<P::StringContext>(ctx));
    case P::IDENT:
      return DottedName(ctx, ctx->getStart(), Children<P::NameContext>(ctx));
    case P::LPAREN:
      return Expr(ExprChild(ctx));
    default:
      return Error(Begin(ctx));
  }
}

const ast::Expr* Builder::DottedName(antlr4::ParserRuleContext* ctx,
                                     antlr4::Token* first,
                                     const std::vector<P::NameContext*>& rest) {
  if (first == nullptr) return Error(Begin(ctx));
  // Each part nests one level deeper, as in Expr().
  if (rest.size() >= static_cast<size_t>(kMaxExprDepth - expr_depth_)) {
    if (!reported_depth_) {
      reported_depth_ = true;
      Report(DiagnosticKind::kNestingTooDeep, Begin(ctx), Begin(ctx),
             StrCat("name with more than ", kMaxExprDepth,
                    " parts; the tree would be too deep"));
    }
    return Error(Begin(ctx));
  }
  auto* name = New<ast::NameExpr>(ctx);
  name->end = End(first);
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
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* stmt = As<P::StmtContext>(child)) {
      if (const ast::Stmt* s = Stmt(stmt)) stmts.push_back(s);
    }
  }
  body.stmts = Copy(stmts);
  return body;
}

const ast::TypeExpr* Builder::Type(P::TypeContext* ctx) {
  auto* type = arena_.New<ast::TypeExpr>();
  type->begin = Begin(ctx);
  type->end = End(ctx);
  type->name = Name(Child<P::NameContext>(ctx));
  std::vector<const ast::TypeExpr*> args;
  for (P::TypeContext* arg : Children<P::TypeContext>(ctx)) {
    args.push_back(Type(arg));
  }
  type->args = Copy(args);
  return type;
}

}  // namespace cairn::parse_internal
