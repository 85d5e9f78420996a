#ifndef CAIRN_LANG_PARSE_TOKEN_FILTER_H_
#define CAIRN_LANG_PARSE_TOKEN_FILTER_H_

#include <deque>
#include <memory>
#include <vector>

#include "antlr4-runtime.h"
#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/parse/CairnLexer.h"

namespace cairn::parse_internal {

// Limits that keep hostile input from exhausting the stack or the screen.
inline constexpr int kMaxNesting = 256;
inline constexpr int kMaxErrors = 50;
// Tokens inside one top-level statement: the parser keeps a statement's
// tokens and parse tree in memory (a few hundred bytes a token).
inline constexpr size_t kMaxStatementTokens = 500000;

// Counts the errors of one parse, shared by the token filter and the error
// strategy, so that parsing stops after kMaxErrors.
struct ErrorBudget {
  int errors = 0;
  bool exhausted = false;
  // Set once the parse stopped early; the rest of the file is unread.
  bool stopped = false;
};

// Sits between the lexer and the parser. It
//  - keeps comments (for the formatter) and drops them from the stream;
//  - reports lexical mistakes once (stray characters, unterminated strings)
//    and repairs the stream so that the parser does not report them again;
//  - pairs (), [], {} and string delimiters: a closer that closes nothing is
//    reported and dropped, an opener never closed is reported and closed;
//  - bounds nesting depth (brackets, prefix operators, ?:, else-if chains)
//    so that the recursive-descent parser cannot overflow the stack.
// After too many errors it ends the stream.
class TokenFilter : public antlr4::TokenSource {
 public:
  TokenFilter(antlr4::TokenSource& lexer, FileId file,
              std::vector<ast::Comment>& comments, DiagnosticSink& diagnostics,
              ErrorBudget& budget);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override {
    return lexer_.getCharPositionInLine();
  }
  antlr4::CharStream* getInputStream() override {
    return lexer_.getInputStream();
  }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return lexer_.getTokenFactory();
  }

  // Reports a diagnostic, counting errors against the budget.
  void Report(Diagnostic diagnostic);
  // Whether the stream was cut short (nesting or error limits).
  bool stopped() const { return budget_.stopped; }

 private:
  struct Open {
    size_t type;
    uint32_t begin;
    uint32_t end;
    int base_depth;  // Effective depth outside this delimiter.
    int chain;       // The enclosing level's chain count when opened.
  };

  std::unique_ptr<antlr4::Token> Next();
  std::unique_ptr<antlr4::Token> Synthetic(size_t type, uint32_t at);
  std::unique_ptr<antlr4::Token> Forward(std::unique_ptr<antlr4::Token> t);
  // Queues closers for every open delimiter, reporting each, then EOF.
  void CloseAllAndStop(uint32_t at, bool report);
  void CloseOpen(const Open& open, uint32_t at, bool report);
  int Depth() const;
  SourceRange Range(uint32_t begin, uint32_t end) const {
    return {file_, begin, end};
  }

  antlr4::TokenSource& lexer_;
  FileId file_;
  std::vector<ast::Comment>& comments_;
  DiagnosticSink& diagnostics_;
  ErrorBudget& budget_;
  std::vector<Open> open_;
  std::deque<std::unique_ptr<antlr4::Token>> pending_;
  size_t previous_type_ = 0;     // Of the last token passed on; 0 at start.
  int chain_ = 0;                // ?: and else-if chains at this level.
  int unary_run_ = 0;            // Consecutive prefix operators.
  size_t statement_tokens_ = 0;  // Since the brackets were last all closed.
  uint32_t last_error_char_end_ = UINT32_MAX;
  uint32_t eof_offset_ = 0;
  bool done_ = false;
};

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_TOKEN_FILTER_H_
