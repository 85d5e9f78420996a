#include "lang/parse/lexer.h"

#include "lang/parse/CairnLexer.h"
#include "lang/source/utf8.h"

namespace cairn::parse_internal {
namespace {

using L = cairn_antlr::CairnLexer;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

size_t Keyword(std::string_view word) {
  switch (word.size()) {
    case 2:
      if (word == "as") return L::AS;
      if (word == "in") return L::IN;
      if (word == "if") return L::IF;
      if (word == "to") return L::TO;
      break;
    case 3:
      if (word == "let") return L::LET;
      if (word == "use") return L::USE;
      if (word == "for") return L::FOR;
      break;
    case 4:
      if (word == "role") return L::ROLE;
      if (word == "else") return L::ELSE;
      if (word == "true") return L::TRUE;
      if (word == "null") return L::NULL_;
      if (word == "deny") return L::DENY;
      if (word == "from") return L::FROM;
      break;
    case 5:
      if (word == "param") return L::PARAM;
      if (word == "false") return L::FALSE;
      if (word == "allow") return L::ALLOW;
      break;
    case 6:
      if (word == "import") return L::IMPORT;
      if (word == "reject") return L::REJECT;
      break;
  }
  return L::IDENT;
}

}  // namespace

Lexer::Lexer(std::string_view text, antlr4::CharStream* chars)
    : text_(text), chars_(chars) {}

size_t Lexer::CharLength(size_t pos) const {
  if (static_cast<unsigned char>(text_[pos]) < 0x80) return 1;
  size_t n = Utf8SequenceLength(text_.substr(pos));
  return n == 0 ? 1 : n;
}

void Lexer::AdvanceTo(size_t pos) {
  for (size_t i = pos_; i < pos; ++i) {
    if (text_[i] == '\n') ++line_;
  }
  pos_ = pos;
}

std::unique_ptr<antlr4::Token> Lexer::Make(size_t type, size_t begin,
                                           size_t channel) {
  auto token = std::make_unique<antlr4::CommonToken>(
      std::make_pair(static_cast<antlr4::TokenSource*>(this), chars_), type,
      channel, begin, pos_ - 1);
  token->setLine(token_line_);
  return token;
}

std::unique_ptr<antlr4::Token> Lexer::nextToken() {
  switch (mode_) {
    case kDefault:
      return Default();
    case kString:
      return InString();
    case kTriple:
      return InTriple();
  }
  return Default();
}

// The longest of FLOAT, INT and BAD_NUMBER at `begin` (ties go to the rule
// listed first in the grammar: FLOAT, then INT, then BAD_NUMBER).
size_t Lexer::Number(size_t begin, size_t* type) const {
  auto digits = [&](size_t p) {  // [0-9] [0-9_]*, from p.
    if (!IsDigit(At(p))) return p;
    ++p;
    while (IsDigit(At(p)) || At(p) == '_') ++p;
    return p;
  };
  auto exponent = [&](size_t p) {  // [eE] [+-]? [0-9]+, or p on failure.
    if (At(p) != 'e' && At(p) != 'E') return p;
    size_t q = p + 1;
    if (At(q) == '+' || At(q) == '-') ++q;
    if (!IsDigit(At(q))) return p;
    while (IsDigit(At(q))) ++q;
    return q;
  };
  size_t int_end = digits(begin);
  size_t float_end = begin;
  if (At(int_end) == '.' && IsDigit(At(int_end + 1))) {
    float_end = exponent(digits(int_end + 1));
  } else {
    size_t e = exponent(int_end);
    if (e != int_end) float_end = e;
  }
  if (At(begin) == '0' && (At(begin + 1) == 'x' || At(begin + 1) == 'o')) {
    bool hex = At(begin + 1) == 'x';
    size_t p = begin + 2;
    while (hex ? (IsHex(At(p)) || At(p) == '_')
               : ((At(p) >= '0' && At(p) <= '7') || At(p) == '_')) {
      ++p;
    }
    if (p > begin + 2) int_end = std::max(int_end, p);
  }
  size_t bad_end = begin + 1;
  while (IsIdentChar(At(bad_end))) ++bad_end;

  size_t end = float_end;
  *type = L::FLOAT;
  if (int_end > end) {
    end = int_end;
    *type = L::INT;
  }
  if (bad_end > end) {
    end = bad_end;
    *type = L::BAD_NUMBER;
  }
  return end;
}

std::unique_ptr<antlr4::Token> Lexer::Default() {
  while (true) {
    // Skip whitespace.
    size_t p = pos_;
    while (p < text_.size()) {
      char c = text_[p];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        ++p;
      } else {
        break;
      }
    }
    AdvanceTo(p);
    token_line_ = line_;
    size_t begin = pos_;
    if (begin >= text_.size()) {
      auto eof = std::make_unique<antlr4::CommonToken>(
          std::make_pair(static_cast<antlr4::TokenSource*>(this), chars_),
          antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, begin, begin - 1);
      eof->setLine(line_);
      return eof;
    }
    char c = text_[begin];
    auto single = [&](size_t type) {
      pos_ = begin + 1;
      return Make(type, begin);
    };
    auto twin = [&](char next, size_t two, size_t one) {
      if (At(begin + 1) == next) {
        pos_ = begin + 2;
        return Make(two, begin);
      }
      pos_ = begin + 1;
      return Make(one, begin);
    };
    if (IsIdentStart(c)) {
      size_t end = begin + 1;
      while (end < text_.size() && IsIdentChar(text_[end])) ++end;
      pos_ = end;
      return Make(Keyword(text_.substr(begin, end - begin)), begin);
    }
    if (IsDigit(c)) {
      size_t type;
      pos_ = Number(begin, &type);
      return Make(type, begin);
    }
    switch (c) {
      case '#': {
        size_t end = begin + 1;
        while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r') {
          ++end;
        }
        pos_ = end;
        return Make(L::COMMENT, begin, antlr4::Token::HIDDEN_CHANNEL);
      }
      case '"':
        if (At(begin + 1) == '"' && At(begin + 2) == '"') {
          pos_ = begin + 3;
          Push(kTriple);
          return Make(L::TRIPLE_OPEN, begin);
        }
        pos_ = begin + 1;
        Push(kString);
        return Make(L::STRING_OPEN, begin);
      case '\'': {
        size_t end = begin + 1;
        while (end < text_.size() && text_[end] != '\'' && text_[end] != '\n' &&
               text_[end] != '\r') {
          ++end;
        }
        if (At(end) == '\'') {
          AdvanceTo(end + 1);
          return Make(L::SINGLE_QUOTED, begin);
        }
        return single(L::ERROR_CHAR);
      }
      case '{':
        Push(kDefault);
        return single(L::LBRACE);
      case '}':
        Pop();
        return single(L::RBRACE);
      case '[':
        return single(L::LBRACKET);
      case ']':
        return single(L::RBRACKET);
      case '(':
        return single(L::LPAREN);
      case ')':
        return single(L::RPAREN);
      case ',':
        return single(L::COMMA);
      case ':':
        return single(L::COLON);
      case '.':
        return single(L::DOT);
      case '?':
        return single(L::QUESTION);
      case '=':
        return twin('=', L::EQ, L::ASSIGN);
      case '!':
        return twin('=', L::NE, L::NOT);
      case '<':
        return twin('=', L::LE, L::LT);
      case '>':
        return twin('=', L::GE, L::GT);
      case '&':
        if (At(begin + 1) == '&') {
          pos_ = begin + 2;
          return Make(L::AND, begin);
        }
        return single(L::ERROR_CHAR);
      case '|':
        if (At(begin + 1) == '|') {
          pos_ = begin + 2;
          return Make(L::OR, begin);
        }
        return single(L::ERROR_CHAR);
      case '+':
        return single(L::PLUS);
      case '-':
        return single(L::MINUS);
      case '*':
        return single(L::STAR);
      case '/':
        return single(L::SLASH);
      case '%':
        return single(L::PERCENT);
      default:
        pos_ = begin + CharLength(begin);
        return Make(L::ERROR_CHAR, begin);
    }
  }
}

std::unique_ptr<antlr4::Token> Lexer::InString() {
  token_line_ = line_;
  size_t begin = pos_;
  if (begin >= text_.size()) return Default();  // EOF.
  char c = text_[begin];
  switch (c) {
    case '"':
      pos_ = begin + 1;
      Pop();
      return Make(L::STRING_CLOSE, begin);
    case '\\': {
      size_t end = begin + 1;
      if (end < text_.size() && text_[end] != '\n' && text_[end] != '\r') {
        end += CharLength(end);
      }
      pos_ = end;
      return Make(L::STRING_ESCAPE, begin);
    }
    case '$':
      if (At(begin + 1) == '{') {
        pos_ = begin + 2;
        Push(kDefault);
        return Make(L::INTERP_OPEN, begin);
      }
      pos_ = begin + 1;
      return Make(L::STRING_TEXT, begin);
    case '\r':
    case '\n':
      AdvanceTo(begin + 1);
      Pop();
      return Make(L::STRING_NEWLINE, begin);
    default: {
      size_t end = begin;
      while (end < text_.size()) {
        char d = text_[end];
        if (d == '"' || d == '\\' || d == '$' || d == '\r' || d == '\n') break;
        ++end;
      }
      pos_ = end;
      return Make(L::STRING_TEXT, begin);
    }
  }
}

std::unique_ptr<antlr4::Token> Lexer::InTriple() {
  token_line_ = line_;
  size_t begin = pos_;
  if (begin >= text_.size()) return Default();  // EOF.
  char c = text_[begin];
  switch (c) {
    case '"':
      if (At(begin + 1) == '"' && At(begin + 2) == '"') {
        pos_ = begin + 3;
        Pop();
        return Make(L::TRIPLE_CLOSE, begin);
      }
      pos_ = begin + 1;
      return Make(L::STRING_TEXT, begin);
    case '\\': {
      size_t end = begin + 1;
      if (end < text_.size()) end += CharLength(end);
      AdvanceTo(end);
      return Make(L::STRING_ESCAPE, begin);
    }
    case '$':
      if (At(begin + 1) == '{') {
        pos_ = begin + 2;
        Push(kDefault);
        return Make(L::INTERP_OPEN, begin);
      }
      pos_ = begin + 1;
      return Make(L::STRING_TEXT, begin);
    default: {
      size_t end = begin;
      while (end < text_.size()) {
        char d = text_[end];
        if (d == '"' || d == '\\' || d == '$') break;
        ++end;
      }
      AdvanceTo(end);
      return Make(L::STRING_TEXT, begin);
    }
  }
}

}  // namespace cairn::parse_internal
