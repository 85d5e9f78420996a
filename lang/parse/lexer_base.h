#ifndef CAIRN_LANG_PARSE_LEXER_BASE_H_
#define CAIRN_LANG_PARSE_LEXER_BASE_H_

#include "antlr4-runtime.h"

namespace cairn_antlr {

// The base of the generated lexer. Every '{' pushes a mode and every '}' pops
// one (so that the '}' of "${...}" returns to the string); a '}' that closes
// nothing must not pop an empty stack, which would throw.
class CairnLexerBase : public antlr4::Lexer {
 public:
  using antlr4::Lexer::Lexer;

  size_t popMode() override {
    if (modeStack.empty()) return mode;
    return antlr4::Lexer::popMode();
  }

  // Whether the lexer is inside a string or an interpolation.
  bool InNestedMode() const { return !modeStack.empty(); }
};

}  // namespace cairn_antlr

#endif  // CAIRN_LANG_PARSE_LEXER_BASE_H_
