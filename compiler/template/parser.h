#ifndef CAIRN_COMPILER_TEMPLATE_PARSER_H_
#define CAIRN_COMPILER_TEMPLATE_PARSER_H_

// Turns tokens into statements and expressions with Jinja2's grammar and
// precedence (jinja2/parser.py). Constructs outside the supported subset are
// errors here, before anything is rendered: unsupported tags, unknown
// filters and tests, bad arguments. Internal to the package.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/template/ast.h"
#include "compiler/template/lexer.h"
#include "compiler/template/source_error.h"

namespace cairn::jinja_internal {

// Parses `tokens` (ending with kEof) into `body`. Returns the first error.
std::optional<SourceError> ParseTokens(const std::vector<Token>& tokens,
                                       int max_nesting, Body* body);

// The parser's state; its methods are split between parser.cc (statements)
// and parser_expr.cc (expressions).
class Parser {
 public:
  // `tokens` must end with kEof and outlive the parser.
  Parser(const std::vector<Token>& tokens, int max_nesting)
      : tokens_(tokens), max_nesting_(max_nesting) {}

  // Parses the whole template into `body`; returns the first error.
  std::optional<SourceError> Run(Body* body);

 private:
  // A block waiting for its end tag, for messages about unclosed blocks.
  struct OpenBlock {
    std::string_view name;
    Span span;
  };

  // Statements.
  bool ParseBody(const std::vector<std::string_view>& end_names, Body* body,
                 std::string_view* found);
  bool ParseStatements(const std::vector<std::string_view>& end_names,
                       Body* body, std::string_view* found);
  bool ParseStatement(Body* body);
  bool ParseIf(Span begin, Body* body);
  bool ParseFor(Span begin, Body* body);
  bool ParseSet(Span begin, Body* body);
  bool ParseTarget(std::string_view extra_end, Target* target);
  bool UnexpectedTag(const Token& name);

  // Expressions, from loosest to tightest binding.
  ExprPtr ParseTuple(bool with_condexpr, std::string_view extra_end,
                     bool explicit_parentheses);
  ExprPtr ParseExpression(bool with_condexpr = true);
  ExprPtr ParseCondExpr();
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParsePrimary();
  ExprPtr ParseList();
  ExprPtr ParseDict();
  ExprPtr ParsePostfix(ExprPtr node);
  ExprPtr ParseFilterExpr(ExprPtr node);
  ExprPtr ParseSubscript(ExprPtr node);
  ExprPtr ParseSubscribed();
  ExprPtr ParseFilter(ExprPtr node);
  ExprPtr ParseTest(ExprPtr node);
  bool ParseArgs(Args* args, Span* span);
  std::string ParseDottedName(Span* span);
  // Makes a node; fails (but still returns it) when it nests too deeply.
  ExprPtr Make(ExprKind kind, Span span, std::vector<ExprPtr> operands = {});
  void SetDepth(Expr* expr);

  // Token access.
  const Token& Current() const { return tokens_[pos_]; }
  const Token& Peek() const {
    return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_];
  }
  const Token& Previous() const { return tokens_[pos_ > 0 ? pos_ - 1 : 0]; }
  void Next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool Is(TokenKind kind) const { return Current().kind == kind; }
  bool IsName(std::string_view name) const {
    return Current().kind == TokenKind::kName && Current().text == name;
  }
  bool SkipIf(TokenKind kind);
  bool SkipIfName(std::string_view name);
  bool Expect(TokenKind kind);
  bool ExpectName(std::string_view name);
  bool IsTupleEnd(std::string_view extra_end) const;

  // Records the first error; returns false (or null) for convenience.
  bool Fail(Span span, std::string message);
  bool FailUnexpected(std::string_view expected);
  bool Enter();
  void Leave() { --depth_; }

  const std::vector<Token>& tokens_;
  int max_nesting_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<OpenBlock> open_blocks_;
  std::optional<SourceError> error_;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_PARSER_H_
