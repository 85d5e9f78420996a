#ifndef CAIRN_LANG_PARSE_PARSER_BASE_H_
#define CAIRN_LANG_PARSE_PARSER_BASE_H_

#include "antlr4-runtime.h"

namespace cairn_antlr {

// The base of the generated parser: the few checks the grammar's semantic
// predicates call.
class CairnParserBase : public antlr4::Parser {
 public:
  using antlr4::Parser::Parser;

 protected:
  // Whether the next token is on the same line as the previous one.
  bool SameLine() {
    antlr4::Token* previous = _input->LT(-1);
    antlr4::Token* next = _input->LT(1);
    return previous == nullptr || next == nullptr ||
           previous->getLine() == next->getLine();
  }
};

}  // namespace cairn_antlr

#endif  // CAIRN_LANG_PARSE_PARSER_BASE_H_
