#ifndef CAIRN_LANG_PARSE_BUILDER_H_
#define CAIRN_LANG_PARSE_BUILDER_H_

#include <string>
#include <vector>

#include "lang/ast/ast.h"
#include "lang/parse/CairnParser.h"
#include "lang/parse/token_filter.h"

namespace cairn::parse_internal {

// Turns ANTLR parse-tree contexts into AST nodes in `file`'s arena. Copes
// with the partial trees that error recovery leaves (missing children become
// ErrorExpr). Reports mistakes only the tree shows: bad escapes, integers out
// of range.
class Builder {
 public:
  Builder(const SourceFile& source, ast::File& file, TokenFilter& filter)
      : source_(source), file_(file), arena_(file.arena), filter_(filter) {}

  // Null when the context holds nothing usable.
  const ast::Stmt* Stmt(cairn_antlr::CairnParser::StmtContext* ctx);

 private:
  using P = cairn_antlr::CairnParser;

  // Statements (builder_stmt.cc).
  const ast::Stmt* Import(P::ImportStmtContext* ctx);
  const ast::Stmt* Param(P::ParamStmtContext* ctx);
  const ast::Stmt* Let(P::LetStmtContext* ctx);
  const ast::Stmt* Role(P::RoleStmtContext* ctx);
  const ast::Stmt* Use(P::UseStmtContext* ctx);
  const ast::Stmt* For(P::ForStmtContext* ctx);
  const ast::IfStmt* If(P::IfStmtContext* ctx);
  const ast::Stmt* Rule(P::RuleStmtContext* ctx);
  const ast::Stmt* Attr(P::AttrStmtContext* ctx);
  const ast::Stmt* Block(P::BlockStmtContext* ctx);
  ast::Body Body(P::BodyContext* ctx);
  const ast::TypeExpr* Type(P::TypeContext* ctx);
  const ast::Expr* Label(P::LabelContext* ctx);
  // first.rest[0].rest[1]...: a name and its members.
  const ast::Expr* DottedName(antlr4::ParserRuleContext* ctx,
                              antlr4::Token* first,
                              const std::vector<P::NameContext*>& rest);

  // Expressions (builder_expr.cc).
  const ast::Expr* Expr(P::ExprContext* ctx);
  const ast::Expr* Primary(P::PrimaryContext* ctx);
  const ast::Expr* Int(antlr4::Token* token);
  const ast::Expr* Float(antlr4::Token* token);
  const ast::Expr* List(P::ListContext* ctx);
  const ast::Expr* Comprehension(P::ComprehensionContext* ctx);
  const ast::Expr* Map(P::MapContext* ctx);
  const ast::Expr* Call(P::CallExprContext* ctx);

  // Strings (builder_string.cc).
  const ast::StringExpr* String(P::StringContext* ctx);

  // Helpers.
  ast::Ident Name(P::NameContext* ctx);
  ast::Ident Ident(antlr4::Token* token);
  const ast::Expr* Error(uint32_t at);
  template <typename T>
  T* New(antlr4::ParserRuleContext* ctx) {
    T* node = arena_.New<T>();
    SetRange(node, ctx);
    return node;
  }
  template <typename T>
  void SetRange(T* node, antlr4::ParserRuleContext* ctx) {
    node->begin = Begin(ctx);
    node->end = End(ctx);
  }
  uint32_t Begin(antlr4::ParserRuleContext* ctx) const;
  uint32_t End(antlr4::ParserRuleContext* ctx) const;
  // Token offsets; a token conjured by error recovery has none and takes
  // the position of the previous real token.
  uint32_t Begin(antlr4::Token* token) const;
  uint32_t End(antlr4::Token* token) const;
  std::string_view Text(uint32_t begin, uint32_t end) const {
    return source_.text().substr(begin, end - begin);
  }
  void Report(DiagnosticKind kind, uint32_t begin, uint32_t end,
              std::string summary);
  template <typename T>
  absl::Span<const T> Copy(const std::vector<T>& items) {
    return arena_.Copy(absl::Span<const T>(items));
  }

  const SourceFile& source_;
  ast::File& file_;
  Arena& arena_;
  TokenFilter& filter_;
  mutable uint32_t last_end_ = 0;
  static constexpr int kMaxExprDepth = 512;
  int expr_depth_ = 0;
  bool reported_depth_ = false;
};

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_BUILDER_H_
