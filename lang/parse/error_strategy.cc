#include "lang/parse/error_strategy.h"

#include <string_view>
#include <vector>

#include "base/strings.h"
#include "lang/diagnostics/suggest.h"
#include "lang/parse/CairnLexer.h"
#include "lang/parse/CairnParser.h"

namespace cairn::parse_internal {
namespace {

using cairn_antlr::CairnLexer;
using cairn_antlr::CairnParser;

// Words that begin a statement, for "did you mean".
constexpr std::string_view kStatementWords[] = {
    "import", "param", "let",   "role",    "use",     "for",      "if",
    "else",   "allow", "deny",  "reject",  "host",    "zone",     "record",
    "file",   "user",  "group", "package", "service", "firewall",
};

bool IsExpressionStart(size_t type) {
  switch (type) {
    case CairnLexer::INT:
    case CairnLexer::FLOAT:
    case CairnLexer::STRING_OPEN:
    case CairnLexer::TRIPLE_OPEN:
    case CairnLexer::TRUE:
    case CairnLexer::FALSE:
    case CairnLexer::NULL_:
    case CairnLexer::IDENT:
    case CairnLexer::LBRACKET:
    case CairnLexer::LBRACE:
    case CairnLexer::LPAREN:
    case CairnLexer::NOT:
    case CairnLexer::MINUS:
      return true;
    default:
      return false;
  }
}

bool IsStatementStart(size_t type) {
  switch (type) {
    case CairnLexer::IMPORT:
    case CairnLexer::PARAM:
    case CairnLexer::LET:
    case CairnLexer::ROLE:
    case CairnLexer::USE:
    case CairnLexer::FOR:
    case CairnLexer::IF:
      return true;
    default:
      return false;
  }
}

bool IsBinaryOperator(size_t type) {
  switch (type) {
    case CairnLexer::STAR:
    case CairnLexer::SLASH:
    case CairnLexer::PERCENT:
    case CairnLexer::PLUS:
    case CairnLexer::LT:
    case CairnLexer::LE:
    case CairnLexer::GT:
    case CairnLexer::GE:
    case CairnLexer::EQ:
    case CairnLexer::NE:
    case CairnLexer::AND:
    case CairnLexer::OR:
    case CairnLexer::QUESTION:
    case CairnLexer::DOT:
      return true;
    default:
      return false;
  }
}

// The quoted spelling of a fixed token, e.g. "'{'", or "".
std::string Literal(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  return vocabulary.getLiteralName(type);
}

}  // namespace

std::string DescribeToken(antlr4::Token* token,
                          const antlr4::dfa::Vocabulary& vocabulary) {
  if (token == nullptr) return "nothing";
  switch (token->getType()) {
    case antlr4::Token::EOF:
      return "end of file";
    case CairnLexer::IDENT:
      return StrCat("'", token->getText(), "'");
    case CairnLexer::INT:
    case CairnLexer::FLOAT:
      return StrCat("number ", token->getText());
    case CairnLexer::STRING_OPEN:
    case CairnLexer::TRIPLE_OPEN:
      return "a string";
    case CairnLexer::STRING_TEXT:
    case CairnLexer::STRING_ESCAPE:
      return "string text";
    case CairnLexer::STRING_CLOSE:
    case CairnLexer::TRIPLE_CLOSE:
      return "the end of a string";
    case CairnLexer::INTERP_OPEN:
      return "'${'";
    default:
      break;
  }
  std::string literal = Literal(vocabulary, token->getType());
  if (!literal.empty()) {
    if (std::isalpha(static_cast<unsigned char>(literal[1]))) {
      return StrCat("keyword ", literal);
    }
    return literal;
  }
  return StrCat("'", token->getText(), "'");
}

std::string DescribeExpected(const antlr4::misc::IntervalSet& expected,
                             const antlr4::dfa::Vocabulary& vocabulary) {
  std::vector<size_t> types;
  for (const antlr4::misc::Interval& interval : expected.getIntervals()) {
    for (ssize_t t = interval.a; t <= interval.b; ++t) types.push_back(t);
  }
  int expression_starts = 0;
  int statement_starts = 0;
  int binary_operators = 0;
  for (size_t t : types) {
    expression_starts += IsExpressionStart(t);
    statement_starts += IsStatementStart(t);
    binary_operators += IsBinaryOperator(t);
  }
  bool statement = statement_starts >= 3;
  // Labels start like expressions too; a set without numbers is a block
  // header waiting for its '{'.
  bool expression = !statement && expression_starts >= 4 &&
                    expected.contains(static_cast<size_t>(CairnLexer::INT));
  if (!statement && !expression &&
      expected.contains(static_cast<size_t>(CairnLexer::LBRACE)) &&
      !expected.contains(static_cast<size_t>(CairnLexer::INT))) {
    return "'{'";
  }
  bool operators = binary_operators >= 4;
  std::vector<std::string> parts;
  for (size_t t : types) {
    if (statement && (IsStatementStart(t) || t == CairnLexer::IDENT ||
                      t == CairnLexer::ALLOW || t == CairnLexer::DENY ||
                      t == CairnLexer::REJECT || t == CairnLexer::AS ||
                      t == CairnLexer::FROM || t == CairnLexer::TO)) {
      continue;
    }
    if (expression && IsExpressionStart(t)) continue;
    if (operators && (IsBinaryOperator(t) || t == CairnLexer::MINUS ||
                      t == CairnLexer::LBRACKET || t == CairnLexer::LPAREN ||
                      t == CairnLexer::IN)) {
      continue;
    }
    if (t == antlr4::Token::EOF) {
      parts.push_back("end of file");
      continue;
    }
    switch (t) {
      case CairnLexer::IDENT:
        parts.push_back("a name");
        continue;
      case CairnLexer::STRING_OPEN:
        parts.push_back("a string");
        continue;
      case CairnLexer::TRIPLE_OPEN:
      case CairnLexer::STRING_TEXT:
      case CairnLexer::STRING_ESCAPE:
        continue;
      case CairnLexer::INT:
        parts.push_back("a number");
        continue;
      default:
        break;
    }
    std::string literal = Literal(vocabulary, t);
    if (!literal.empty()) parts.push_back(literal);
  }
  if (statement) parts.push_back("a statement");
  if (expression) parts.push_back("an expression");
  if (operators) parts.push_back("an operator");
  if (parts.empty()) return "something else";
  if (parts.size() == 1) return parts[0];
  std::string last = parts.back();
  parts.pop_back();
  return StrCat(StrJoin(parts, ", "), " or ", last);
}

void ErrorStrategy::ReportAt(antlr4::Parser* recognizer,
                             antlr4::Token* offending, std::string summary) {
  // After the filter cut the input short, the end it invented is no news.
  if (filter_.stopped() && offending != nullptr &&
      offending->getType() == antlr4::Token::EOF) {
    return;
  }
  size_t offset = offending ? offending->getStartIndex() : 0;
  if (offset == last_offset_) return;  // One message per position.
  last_offset_ = offset;
  uint32_t begin = offset;
  uint32_t end = offending ? offending->getStopIndex() + 1 : begin;
  if (end < begin) end = begin;

  // A misspelled keyword at the start of the statement is the likely cause.
  for (antlr4::ParserRuleContext* ctx = recognizer->getContext();
       ctx != nullptr;
       ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    if (ctx->getRuleIndex() != CairnParser::RuleStmt) continue;
    antlr4::Token* start = ctx->getStart();
    if (start == nullptr || start->getType() != CairnLexer::IDENT ||
        start == offending) {
      break;
    }
    std::string word = start->getText();
    bool is_known = false;
    for (std::string_view known : kStatementWords) is_known |= known == word;
    if (is_known) break;
    std::string match = ClosestMatch(word, kStatementWords);
    if (match.empty()) break;
    Diagnostic d =
        MakeDiagnostic(DiagnosticKind::kUnknownKeyword,
                       {file_, static_cast<uint32_t>(start->getStartIndex()),
                        static_cast<uint32_t>(start->getStopIndex() + 1)},
                       StrCat("unknown keyword '", word, "'"));
    d.help = StrCat("did you mean '", match, "'?");
    d.labels.push_back({{file_, begin, end}, summary});
    filter_.Report(std::move(d));
    return;
  }
  filter_.Report(MakeDiagnostic(DiagnosticKind::kSyntaxError,
                                {file_, begin, end}, std::move(summary)));
}

void ErrorStrategy::reportNoViableAlternative(
    antlr4::Parser* recognizer, const antlr4::NoViableAltException& e) {
  antlr4::Token* offending = e.getOffendingToken();
  ReportAt(
      recognizer, offending,
      StrCat(
          "expected ",
          DescribeExpected(e.getExpectedTokens(), recognizer->getVocabulary()),
          ", found ", DescribeToken(offending, recognizer->getVocabulary())));
}

void ErrorStrategy::reportInputMismatch(
    antlr4::Parser* recognizer, const antlr4::InputMismatchException& e) {
  antlr4::Token* offending = e.getOffendingToken();
  ReportAt(
      recognizer, offending,
      StrCat(
          "expected ",
          DescribeExpected(e.getExpectedTokens(), recognizer->getVocabulary()),
          ", found ", DescribeToken(offending, recognizer->getVocabulary())));
}

void ErrorStrategy::reportFailedPredicate(
    antlr4::Parser* recognizer, const antlr4::FailedPredicateException& e) {
  antlr4::Token* offending = e.getOffendingToken();
  ReportAt(recognizer, offending,
           StrCat("unexpected ",
                  DescribeToken(offending, recognizer->getVocabulary())));
}

void ErrorStrategy::reportUnwantedToken(antlr4::Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  antlr4::Token* t = recognizer->getCurrentToken();
  ReportAt(recognizer, t,
           StrCat("unexpected ", DescribeToken(t, recognizer->getVocabulary()),
                  "; expected ",
                  DescribeExpected(getExpectedTokens(recognizer),
                                   recognizer->getVocabulary())));
}

void ErrorStrategy::reportMissingToken(antlr4::Parser* recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  antlr4::Token* t = recognizer->getCurrentToken();
  ReportAt(recognizer, t,
           StrCat("expected ",
                  DescribeExpected(getExpectedTokens(recognizer),
                                   recognizer->getVocabulary()),
                  " before ", DescribeToken(t, recognizer->getVocabulary())));
}

bool ErrorStrategy::singleTokenInsertion(antlr4::Parser* recognizer) {
  antlr4::misc::IntervalSet expecting = getExpectedTokens(recognizer);
  for (size_t type :
       {CairnLexer::LBRACE, CairnLexer::LBRACKET, CairnLexer::LPAREN,
        CairnLexer::RBRACE, CairnLexer::RBRACKET, CairnLexer::RPAREN,
        CairnLexer::STRING_OPEN, CairnLexer::STRING_CLOSE}) {
    if (expecting.contains(type)) return false;
  }
  return DefaultErrorStrategy::singleTokenInsertion(recognizer);
}

void ErrorStrategy::recover(antlr4::Parser* recognizer, std::exception_ptr e) {
  // Inside a body, ANTLR's recovery stays within it (its follow set holds
  // '}' and the statement starts). In a top-level statement's header the
  // follow set is nearly empty and would skip far; there, skip to the first
  // token of a line that can begin a statement, outside brackets.
  bool top_level = false;
  for (antlr4::RuleContext* ctx = recognizer->getContext(); ctx != nullptr;
       ctx = dynamic_cast<antlr4::RuleContext*>(ctx->parent)) {
    size_t rule = ctx->getRuleIndex();
    if (rule == CairnParser::RuleBody) break;
    if (rule == CairnParser::RuleNext) {
      top_level = true;
      break;
    }
  }
  if (!top_level) {
    DefaultErrorStrategy::recover(recognizer, e);
    return;
  }
  antlr4::TokenStream* tokens = recognizer->getTokenStream();
  auto starts_statement = [&](antlr4::Token* t) {
    size_t type = t->getType();
    antlr4::Token* previous = tokens->LT(-1);
    bool line_start =
        previous == nullptr || previous->getLine() != t->getLine();
    return line_start &&
           (IsStatementStart(type) || type == CairnLexer::IDENT ||
            type == CairnLexer::ALLOW || type == CairnLexer::DENY ||
            type == CairnLexer::REJECT);
  };
  size_t index = tokens->index();
  bool stuck = index == last_recover_index_;
  last_recover_index_ = index;
  if (!stuck && starts_statement(tokens->LT(1))) {
    endErrorCondition(recognizer);
    return;
  }
  int depth = 0;
  do {
    size_t type = tokens->LA(1);
    if (type == antlr4::Token::EOF) break;
    if (type == CairnLexer::LBRACE || type == CairnLexer::LBRACKET ||
        type == CairnLexer::LPAREN) {
      ++depth;
    } else if (type == CairnLexer::RBRACE || type == CairnLexer::RBRACKET ||
               type == CairnLexer::RPAREN) {
      --depth;
    }
    recognizer->consume();
  } while (tokens->LA(1) != antlr4::Token::EOF &&
           !(depth <= 0 && starts_statement(tokens->LT(1))));
  endErrorCondition(recognizer);
}

}  // namespace cairn::parse_internal
