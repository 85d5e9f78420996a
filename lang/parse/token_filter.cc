#include "lang/parse/token_filter.h"

#include "base/strings.h"

namespace cairn::parse_internal {
namespace {

using cairn_antlr::CairnLexer;

bool IsOpener(size_t type) {
  switch (type) {
    case CairnLexer::LBRACE:
    case CairnLexer::LBRACKET:
    case CairnLexer::LPAREN:
    case CairnLexer::STRING_OPEN:
    case CairnLexer::TRIPLE_OPEN:
    case CairnLexer::INTERP_OPEN:
      return true;
    default:
      return false;
  }
}

// The token that closes `opener`.
size_t CloserOf(size_t opener) {
  switch (opener) {
    case CairnLexer::LBRACE:
    case CairnLexer::INTERP_OPEN:
      return CairnLexer::RBRACE;
    case CairnLexer::LBRACKET:
      return CairnLexer::RBRACKET;
    case CairnLexer::LPAREN:
      return CairnLexer::RPAREN;
    case CairnLexer::STRING_OPEN:
      return CairnLexer::STRING_CLOSE;
    default:
      return CairnLexer::TRIPLE_CLOSE;
  }
}

std::string_view Spelling(size_t type) {
  switch (type) {
    case CairnLexer::LBRACE:
      return "{";
    case CairnLexer::INTERP_OPEN:
      return "${";
    case CairnLexer::LBRACKET:
      return "[";
    case CairnLexer::LPAREN:
      return "(";
    case CairnLexer::RBRACE:
      return "}";
    case CairnLexer::RBRACKET:
      return "]";
    case CairnLexer::RPAREN:
      return ")";
    case CairnLexer::TRIPLE_OPEN:
      return "\"\"\"";
    default:
      return "\"";
  }
}

// Whether a '-' or '!' after a token of this type is a prefix operator.
bool StartsOperand(size_t previous) {
  switch (previous) {
    case CairnLexer::INT:
    case CairnLexer::FLOAT:
    case CairnLexer::IDENT:
    case CairnLexer::TRUE:
    case CairnLexer::FALSE:
    case CairnLexer::NULL_:
    case CairnLexer::RBRACKET:
    case CairnLexer::RPAREN:
    case CairnLexer::RBRACE:
    case CairnLexer::STRING_CLOSE:
    case CairnLexer::TRIPLE_CLOSE:
      return false;
    default:
      return true;
  }
}

}  // namespace

TokenFilter::TokenFilter(antlr4::TokenSource& lexer, FileId file,
                         std::vector<ast::Comment>& comments,
                         DiagnosticSink& diagnostics, ErrorBudget& budget)
    : lexer_(lexer),
      file_(file),
      comments_(comments),
      diagnostics_(diagnostics),
      budget_(budget) {
  eof_offset_ = lexer_.getInputStream()->size();
}

void TokenFilter::Report(Diagnostic diagnostic) {
  if (budget_.exhausted) return;
  if (diagnostic.severity == Severity::kError &&
      ++budget_.errors > kMaxErrors) {
    budget_.exhausted = true;
    diagnostics_.Add(
        MakeDiagnostic(DiagnosticKind::kTooManyErrors, diagnostic.range,
                       StrCat("too many errors (", kMaxErrors,
                              "); the rest of the file was not read")));
    return;
  }
  diagnostics_.Add(std::move(diagnostic));
}

int TokenFilter::Depth() const {
  int base = open_.empty() ? 0 : open_.back().base_depth + 1;
  return base + chain_ + unary_run_;
}

std::unique_ptr<antlr4::Token> TokenFilter::Synthetic(size_t type,
                                                      uint32_t at) {
  auto token = std::make_unique<antlr4::CommonToken>(
      std::make_pair(static_cast<antlr4::TokenSource*>(this),
                     lexer_.getInputStream()),
      type, antlr4::Token::DEFAULT_CHANNEL, at, at - 1);
  token->setLine(lexer_.getLine());
  token->setCharPositionInLine(lexer_.getCharPositionInLine());
  return token;
}

void TokenFilter::CloseOpen(const Open& open, uint32_t at, bool report) {
  if (report) {
    switch (open.type) {
      case CairnLexer::STRING_OPEN:
      case CairnLexer::TRIPLE_OPEN:
        Report(MakeDiagnostic(DiagnosticKind::kUnterminatedString,
                              Range(open.begin, open.end),
                              "unterminated string"));
        break;
      case CairnLexer::INTERP_OPEN:
        Report(MakeDiagnostic(DiagnosticKind::kUnterminatedInterpolation,
                              Range(open.begin, open.end),
                              "'${' is never closed with '}'"));
        break;
      default:
        Report(MakeDiagnostic(
            DiagnosticKind::kUnclosedDelimiter, Range(open.begin, open.end),
            StrCat("'", Spelling(open.type), "' is never closed")));
    }
  }
  pending_.push_back(Synthetic(CloserOf(open.type), at));
  chain_ = open.chain;
}

void TokenFilter::CloseAllAndStop(uint32_t at, bool report) {
  // One message, at the innermost delimiter left open; the others are
  // labels on it, since closing the innermost is the first fix. An open
  // string or interpolation is reported alone: its quotes swallowed the rest.
  auto is_string = [](size_t type) {
    return type == CairnLexer::STRING_OPEN || type == CairnLexer::TRIPLE_OPEN ||
           type == CairnLexer::INTERP_OPEN;
  };
  if (report && !open_.empty() && is_string(open_.back().type)) {
    CloseOpen(open_.back(), at, /*report=*/true);
    open_.pop_back();
    while (!open_.empty() && is_string(open_.back().type)) {
      CloseOpen(open_.back(), at, /*report=*/false);
      open_.pop_back();
    }
  }
  if (report && !open_.empty()) {
    const Open& inner = open_.back();
    Diagnostic d = MakeDiagnostic(
        DiagnosticKind::kUnclosedDelimiter, Range(inner.begin, inner.end),
        StrCat("'", Spelling(inner.type),
               "' is never closed before the end of the file"));
    for (size_t i = open_.size() - 1; i-- > 0 && open_.size() - i <= 4;) {
      d.labels.push_back({Range(open_[i].begin, open_[i].end),
                          StrCat("'", Spelling(open_[i].type),
                                 "' opened here is not closed either")});
    }
    Report(std::move(d));
  }
  while (!open_.empty()) {
    Open open = open_.back();
    open_.pop_back();
    CloseOpen(open, at, /*report=*/false);
  }
  pending_.push_back(Synthetic(antlr4::Token::EOF, at));
  done_ = true;
}

std::unique_ptr<antlr4::Token> TokenFilter::nextToken() {
  while (pending_.empty()) {
    std::unique_ptr<antlr4::Token> t = Next();
    if (t != nullptr) return Forward(std::move(t));
  }
  std::unique_ptr<antlr4::Token> t = std::move(pending_.front());
  pending_.pop_front();
  if (t->getType() == antlr4::Token::EOF) {
    // Keep handing out EOF if asked again.
    pending_.push_back(Synthetic(antlr4::Token::EOF, t->getStartIndex()));
  }
  return Forward(std::move(t));
}

std::unique_ptr<antlr4::Token> TokenFilter::Forward(
    std::unique_ptr<antlr4::Token> t) {
  previous_type_ = t->getType();
  return t;
}

// Returns the next token to pass on, or null after queueing into pending_.
std::unique_ptr<antlr4::Token> TokenFilter::Next() {
  if (done_) {
    pending_.push_back(Synthetic(antlr4::Token::EOF, eof_offset_));
    return nullptr;
  }
  if (budget_.exhausted) {
    budget_.stopped = true;
    CloseAllAndStop(eof_offset_, /*report=*/false);
    return nullptr;
  }
  std::unique_ptr<antlr4::Token> t = lexer_.nextToken();
  size_t type = t->getType();
  uint32_t begin = t->getStartIndex();
  uint32_t end = t->getStopIndex() + 1;

  if (type == CairnLexer::COMMENT) {
    comments_.push_back({begin, end});
    return nullptr;
  }
  if (type == CairnLexer::SINGLE_QUOTED) {
    // Read it as the double-quoted string it was meant to be.
    Diagnostic d = MakeDiagnostic(DiagnosticKind::kUnexpectedCharacter,
                                  Range(begin, begin + 1),
                                  "strings use double quotes, not single");
    d.help = "write \"...\" instead of '...'";
    Report(std::move(d));
    auto piece = [&](size_t piece_type, uint32_t from, uint32_t to) {
      auto token = Synthetic(piece_type, from);
      static_cast<antlr4::CommonToken*>(token.get())->setStopIndex(to - 1);
      pending_.push_back(std::move(token));
    };
    piece(CairnLexer::STRING_OPEN, begin, begin + 1);
    if (end - begin > 2) piece(CairnLexer::STRING_TEXT, begin + 1, end - 1);
    piece(CairnLexer::STRING_CLOSE, end - 1, end);
    return nullptr;
  }
  if (type == CairnLexer::BAD_NUMBER) {
    Diagnostic d =
        MakeDiagnostic(DiagnosticKind::kMalformedNumber, Range(begin, end),
                       StrCat("malformed number '", t->getText(), "'"));
    d.help =
        "numbers are decimal (1_000), hex (0x1f) or octal (0o755); quote "
        "text that starts with a digit";
    Report(std::move(d));
    auto number = Synthetic(CairnLexer::INT, begin);
    static_cast<antlr4::CommonToken*>(number.get())->setStopIndex(end - 1);
    static_cast<antlr4::CommonToken*>(number.get())->setText("0");
    return number;
  }
  if (type == CairnLexer::ERROR_CHAR) {
    if (begin != last_error_char_end_) {
      std::string text = t->getText();
      Report(MakeDiagnostic(DiagnosticKind::kUnexpectedCharacter,
                            Range(begin, end),
                            StrCat("unexpected character '", text, "'")));
    }
    last_error_char_end_ = end;
    return nullptr;
  }
  if (type == antlr4::Token::EOF) {
    CloseAllAndStop(begin, /*report=*/true);
    return nullptr;
  }
  if (type == CairnLexer::STRING_NEWLINE) {
    // The lexer left string mode at the newline.
    if (!open_.empty() && open_.back().type == CairnLexer::STRING_OPEN) {
      Open open = open_.back();
      open_.pop_back();
      CloseOpen(open, begin, /*report=*/true);
    }
    return nullptr;
  }

  if (open_.empty()) {
    statement_tokens_ = 0;
  } else if (++statement_tokens_ > kMaxStatementTokens) {
    Diagnostic d = MakeDiagnostic(
        DiagnosticKind::kStatementTooLarge, Range(begin, end),
        StrCat("one statement with more than ", kMaxStatementTokens,
               " tokens; the rest of the file was not read"));
    d.labels.push_back({Range(open_.front().begin, open_.front().end),
                        "the statement's brackets open here"});
    d.help = "split large data into several let statements or files";
    Report(std::move(d));
    budget_.stopped = true;
    CloseAllAndStop(begin, /*report=*/false);
    return nullptr;
  }
  if (IsOpener(type)) {
    int depth = Depth();
    if (depth >= kMaxNesting) {
      Report(
          MakeDiagnostic(DiagnosticKind::kNestingTooDeep, Range(begin, end),
                         StrCat("nesting deeper than ", kMaxNesting,
                                " levels; the rest of the file was not read")));
      budget_.stopped = true;
      CloseAllAndStop(begin, /*report=*/false);
      return nullptr;
    }
    open_.push_back({type, begin, end, depth, chain_});
    chain_ = 0;
    return t;
  }

  if (type != CairnLexer::NOT && type != CairnLexer::MINUS) unary_run_ = 0;
  switch (type) {
    case CairnLexer::STRING_CLOSE:
    case CairnLexer::TRIPLE_CLOSE:
      // Lexer modes guarantee these match.
      if (!open_.empty()) {
        chain_ = open_.back().chain;
        open_.pop_back();
      }
      return t;
    case CairnLexer::RBRACE:
    case CairnLexer::RBRACKET:
    case CairnLexer::RPAREN: {
      // Find the opener this closes; stop at a string boundary.
      ssize_t match = -1;
      for (ssize_t i = open_.size() - 1; i >= 0; --i) {
        size_t open_type = open_[i].type;
        if (CloserOf(open_type) == type) {
          match = i;
          break;
        }
        if (open_type == CairnLexer::STRING_OPEN ||
            open_type == CairnLexer::TRIPLE_OPEN ||
            open_type == CairnLexer::INTERP_OPEN) {
          break;
        }
      }
      if (match < 0) {
        Report(MakeDiagnostic(
            DiagnosticKind::kUnmatchedClosing, Range(begin, end),
            StrCat(
                "'", Spelling(type), "' closes nothing; no matching '",
                Spelling(type == CairnLexer::RBRACE     ? CairnLexer::LBRACE
                         : type == CairnLexer::RBRACKET ? CairnLexer::LBRACKET
                                                        : CairnLexer::LPAREN),
                "' is open")));
        return nullptr;
      }
      // Close what was left open inside, then pass the closer on.
      while (static_cast<ssize_t>(open_.size()) - 1 > match) {
        Open open = open_.back();
        open_.pop_back();
        Diagnostic d = MakeDiagnostic(
            DiagnosticKind::kUnclosedDelimiter, Range(open.begin, open.end),
            StrCat("'", Spelling(open.type), "' is never closed"));
        d.labels.push_back(
            {Range(begin, end),
             StrCat("'", Spelling(type), "' found here instead of '",
                    Spelling(CloserOf(open.type)), "'")});
        Report(std::move(d));
        pending_.push_back(Synthetic(CloserOf(open.type), begin));
      }
      chain_ = open_.back().chain;
      open_.pop_back();
      if (pending_.empty()) return t;
      pending_.push_back(std::move(t));
      return nullptr;
    }
    case CairnLexer::NOT:
    case CairnLexer::MINUS:
      if (StartsOperand(previous_type_)) {
        ++unary_run_;
      } else {
        unary_run_ = 0;
      }
      break;
    case CairnLexer::QUESTION:
      ++chain_;
      break;
    case CairnLexer::IF:
      if (previous_type_ == CairnLexer::ELSE) {
        ++chain_;
      } else {
        chain_ = 0;
      }
      break;
    case CairnLexer::ASSIGN:
    case CairnLexer::COMMA:
    case CairnLexer::FOR:
    case CairnLexer::LET:
    case CairnLexer::USE:
      chain_ = 0;
      break;
    default:
      break;
  }
  if (Depth() > kMaxNesting) {
    Report(MakeDiagnostic(DiagnosticKind::kNestingTooDeep, Range(begin, end),
                          StrCat("expression nested deeper than ", kMaxNesting,
                                 " levels; the rest of the file was "
                                 "not read")));
    budget_.stopped = true;
    CloseAllAndStop(begin, /*report=*/false);
    return nullptr;
  }
  return t;
}

}  // namespace cairn::parse_internal
