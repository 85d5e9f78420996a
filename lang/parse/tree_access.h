#ifndef CAIRN_LANG_PARSE_TREE_ACCESS_H_
#define CAIRN_LANG_PARSE_TREE_ACCESS_H_

// Cast-free access to parse-tree children. The accessors ANTLR generates
// (ctx->expr(), ctx->stmt()...) dynamic_cast every child on every call, which
// made them the largest cost of building the AST. A typeid comparison reads
// the vtable and compares type_info objects, which is far cheaper.

#include <typeinfo>
#include <vector>

#include "antlr4-runtime.h"
#include "lang/parse/CairnParser.h"

namespace cairn::parse_internal {

using P = cairn_antlr::CairnParser;

// `t` as a T when its dynamic type is exactly T, else nullptr.
template <typename T>
T* As(antlr4::tree::ParseTree* t) {
  if (t == nullptr || typeid(*t) != typeid(T)) return nullptr;
  return static_cast<T*>(static_cast<antlr4::RuleContext*>(t));
}

// Whether `t` is one of the labeled alternatives of `expr`.
inline P::ExprContext* AsExpr(antlr4::tree::ParseTree* t) {
  if (t == nullptr) return nullptr;
  const std::type_info& type = typeid(*t);
  if (type == typeid(P::PrimaryExprContext) ||
      type == typeid(P::MemberExprContext) ||
      type == typeid(P::CallExprContext) ||
      type == typeid(P::BinaryExprContext) ||
      type == typeid(P::IndexExprContext) ||
      type == typeid(P::UnaryExprContext) ||
      type == typeid(P::CondExprContext) || type == typeid(P::ExprContext)) {
    return static_cast<P::ExprContext*>(static_cast<antlr4::RuleContext*>(t));
  }
  return nullptr;
}

// The `n`th child of `ctx` that is a T (counting only T children).
template <typename T>
T* Child(antlr4::ParserRuleContext* ctx, size_t n = 0) {
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (T* t = As<T>(child)) {
      if (n-- == 0) return t;
    }
  }
  return nullptr;
}

// Every child of `ctx` that is a T.
template <typename T>
std::vector<T*> Children(antlr4::ParserRuleContext* ctx) {
  std::vector<T*> out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (T* t = As<T>(child)) out.push_back(t);
  }
  return out;
}

// The `n`th child of `ctx` that is an expression.
inline P::ExprContext* ExprChild(antlr4::ParserRuleContext* ctx, size_t n = 0) {
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (P::ExprContext* e = AsExpr(child)) {
      if (n-- == 0) return e;
    }
  }
  return nullptr;
}

// Every child of `ctx` that is an expression.
inline std::vector<P::ExprContext*> ExprChildren(
    antlr4::ParserRuleContext* ctx) {
  std::vector<P::ExprContext*> out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (P::ExprContext* e = AsExpr(child)) out.push_back(e);
  }
  return out;
}

// The type of the first token of `ctx`, or 0 when it matched nothing.
inline size_t StartType(antlr4::ParserRuleContext* ctx) {
  if (ctx->children.empty() || ctx->getStart() == nullptr) return 0;
  return ctx->getStart()->getType();
}

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_TREE_ACCESS_H_
