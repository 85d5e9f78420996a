#ifndef CAIRN_LANG_PARSE_ERROR_STRATEGY_H_
#define CAIRN_LANG_PARSE_ERROR_STRATEGY_H_

#include <string>

#include "antlr4-runtime.h"
#include "lang/parse/token_filter.h"

namespace cairn::parse_internal {

// ANTLR's recovery with Cairn's messages: "expected '}' or a statement,
// found 'host'", "unknown keyword 'improt'" with "did you mean 'import'?".
// At the top level it skips to the next line that starts a statement instead
// of to the end of the file.
class ErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  ErrorStrategy(FileId file, TokenFilter& filter)
      : file_(file), filter_(filter) {}

  void recover(antlr4::Parser* recognizer, std::exception_ptr e) override;

 protected:
  // Never conjures a bracket: the token filter keeps them balanced, so an
  // invented '{' would only swallow the statements that follow.
  bool singleTokenInsertion(antlr4::Parser* recognizer) override;

 protected:
  void reportNoViableAlternative(
      antlr4::Parser* recognizer,
      const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* recognizer,
                           const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(
      antlr4::Parser* recognizer,
      const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* recognizer) override;
  void reportMissingToken(antlr4::Parser* recognizer) override;

 private:
  void ReportAt(antlr4::Parser* recognizer, antlr4::Token* offending,
                std::string summary);

  FileId file_;
  TokenFilter& filter_;
  size_t last_offset_ = SIZE_MAX;
  size_t last_recover_index_ = SIZE_MAX;
};

// How a token is named in messages: "'}'", "a string", "end of file".
std::string DescribeToken(antlr4::Token* token,
                          const antlr4::dfa::Vocabulary& vocabulary);
// "'}' or a statement" for a set of expected token types.
std::string DescribeExpected(const antlr4::misc::IntervalSet& expected,
                             const antlr4::dfa::Vocabulary& vocabulary);

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_ERROR_STRATEGY_H_
