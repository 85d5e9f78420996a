#ifndef CAIRN_COMPILER_TEMPLATE_LEXER_H_
#define CAIRN_COMPILER_TEMPLATE_LEXER_H_

// Splits template text into data and the tokens inside {{ }} and {% %},
// exactly as Jinja2's lexer does (jinja2/lexer.py): whitespace control with
// '-' and '+', trim_blocks, lstrip_blocks, comments, {% raw %}, newline
// normalisation, string escapes and number syntax. Positions are byte
// offsets in the original text. Internal to the package.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/template/source_error.h"

namespace cairn::jinja_internal {

// Jinja2's token types (jinja2/lexer.py), comments and whitespace dropped.
enum class TokenKind {
  kData,
  kVariableBegin,
  kVariableEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInteger,
  kFloat,
  kAdd,
  kSub,
  kDiv,
  kFloorDiv,
  kMul,
  kMod,
  kPow,
  kTilde,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kEq,
  kNe,
  kGt,
  kGe,
  kLt,
  kLe,
  kAssign,
  kDot,
  kColon,
  kPipe,
  kComma,
  kSemicolon,
  kEof,
};

// How a token is described in messages ("end of print statement", "'('").
std::string_view Describe(TokenKind kind);

// One token, with its byte range in the template text.
struct Token {
  TokenKind kind;
  Span span;
  // Data (newlines normalised, whitespace control applied), a name, or a
  // decoded string literal.
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
};

// How the lexer treats whitespace around tags.
struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = false;
};

// Tokens of text[begin, end), ending with kEof, or the first error.
struct LexResult {
  std::vector<Token> tokens;
  std::optional<SourceError> error;
};

// Tokenizes `text` between byte offsets `begin` and `end` (the caller has
// already removed a header line and the final newline Jinja2 drops).
LexResult Lex(std::string_view text, size_t begin, size_t end,
              const LexOptions& options);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_LEXER_H_
