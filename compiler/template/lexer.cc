#include "compiler/template/lexer.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/lexer_literals.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

enum class TagKind { kVariable, kBlock, kComment, kRaw };

class Lexer {
 public:
  Lexer(std::string_view text, size_t end, const LexOptions& options)
      : text_(text), end_(end), options_(options) {}

  LexResult Run(size_t begin) {
    size_t pos = begin;
    while (!error_ && pos < end_) pos = Root(pos);
    if (!error_) Add(TokenKind::kEof, {end_, end_});
    LexResult result;
    if (error_) {
      result.error = std::move(error_);
    } else {
      result.tokens = std::move(tokens_);
    }
    return result;
  }

 private:
  // Lexes data up to the next tag and the whole tag; returns where the next
  // data starts.
  size_t Root(size_t pos) {
    size_t p = FindTagStart(pos);
    if (p == std::string_view::npos) {
      AddData(pos, end_);
      return end_;
    }
    TagKind kind = text_[p + 1] == '{'   ? TagKind::kVariable
                   : text_[p + 1] == '#' ? TagKind::kComment
                                         : TagKind::kBlock;
    char sign = p + 2 < end_ && (text_[p + 2] == '-' || text_[p + 2] == '+')
                    ? text_[p + 2]
                    : '\0';
    size_t after_begin = p + 2 + (sign != '\0');
    size_t raw_content = 0;
    if (kind == TagKind::kBlock && IsRawBegin(p, &raw_content)) {
      kind = TagKind::kRaw;
    }
    AddData(pos, LeadingDataEnd(pos, p, kind, sign));
    switch (kind) {
      case TagKind::kComment:
        return Comment(p, after_begin);
      case TagKind::kRaw:
        return Raw(p, raw_content);
      case TagKind::kVariable:
        Add(TokenKind::kVariableBegin, {p, after_begin});
        return InTag(p, after_begin, /*block=*/false);
      case TagKind::kBlock:
        Add(TokenKind::kBlockBegin, {p, after_begin});
        return InTag(p, after_begin, /*block=*/true);
    }
    return end_;
  }

  size_t FindTagStart(size_t pos) const {
    for (size_t i = pos; i + 1 < end_; ++i) {
      if (text_[i] == '{' &&
          (text_[i + 1] == '{' || text_[i + 1] == '%' || text_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string_view::npos;
  }

  // Where the data before a tag at `tag` ends once the tag's whitespace
  // control ('-', or lstrip_blocks unless '+') has been applied.
  size_t LeadingDataEnd(size_t begin, size_t tag, TagKind kind,
                        char sign) const {
    if (sign == '-') return StripSpaceBackward(begin, tag);
    if (sign == '+' || !options_.lstrip_blocks || kind == TagKind::kVariable) {
      return tag;
    }
    size_t line_start = begin;
    for (size_t i = tag; i > begin; --i) {
      if (text_[i - 1] == '\n' || text_[i - 1] == '\r') {
        line_start = i;
        break;
      }
    }
    if (line_start == begin && !line_starting_) return tag;
    if (line_start == tag) return tag;
    if (StripSpaceBackward(line_start, tag) != line_start) return tag;
    return line_start;
  }

  // Whether the "{%" at `p` opens {% raw %}; sets where its content starts.
  bool IsRawBegin(size_t p, size_t* content) const {
    size_t q = p + 2;
    if (q < end_ && (text_[q] == '-' || text_[q] == '+')) ++q;
    q = SkipSpace(q);
    if (!At(q, "raw")) return false;
    q = SkipSpace(q + 3);
    if (At(q, "-%}")) {
      *content = SkipSpace(q + 3);
      return true;
    }
    if (At(q, "%}")) {
      *content = q + 2;
      return true;
    }
    return false;
  }

  size_t Comment(size_t p, size_t pos) {
    for (size_t i = pos; i < end_; ++i) {
      size_t stop = 0;
      if (At(i, "+#}")) {
        stop = i + 3;
      } else if (At(i, "-#}")) {
        stop = SkipSpace(i + 3);
      } else if (At(i, "#}")) {
        stop = i + 2;
        if (options_.trim_blocks) stop += NewlineAt(stop);
      } else {
        continue;
      }
      line_starting_ = EndsWithNewline(stop);
      return stop;
    }
    Fail({p, p + 2}, "this comment is never closed: '#}' is missing");
    return end_;
  }

  size_t Raw(size_t p, size_t content) {
    line_starting_ = EndsWithNewline(content);
    for (size_t i = content; i + 1 < end_; ++i) {
      if (!At(i, "{%")) continue;
      size_t q = i + 2;
      char sign = '\0';
      if (q < end_ && (text_[q] == '-' || text_[q] == '+')) sign = text_[q++];
      q = SkipSpace(q);
      if (!At(q, "endraw")) continue;
      q = SkipSpace(q + 6);
      size_t stop = 0;
      if (At(q, "+%}")) {
        stop = q + 3;
      } else if (At(q, "-%}")) {
        stop = SkipSpace(q + 3);
      } else if (At(q, "%}")) {
        stop = q + 2;
        if (options_.trim_blocks) stop += NewlineAt(stop);
      } else {
        continue;
      }
      AddData(content, LeadingDataEnd(content, i, TagKind::kRaw, sign));
      line_starting_ = EndsWithNewline(stop);
      return stop;
    }
    Fail({p, content},
         "this {% raw %} is never closed: {% endraw %} is missing");
    return end_;
  }

  // Tokens inside {{ }} or {% %} starting at `pos`, up to and including the
  // closing tag. `p` is where the tag opened.
  size_t InTag(size_t p, size_t pos, bool block) {
    std::vector<char> closers;
    while (!error_) {
      if (pos >= end_) {
        Fail({p, p + 2}, block ? "this tag is never closed: '%}' is missing"
                               : "this tag is never closed: '}}' is missing");
        return end_;
      }
      if (closers.empty()) {
        size_t stop = TagEnd(pos, block);
        if (stop != 0) {
          Add(block ? TokenKind::kBlockEnd : TokenKind::kVariableEnd,
              {pos, stop});
          line_starting_ = EndsWithNewline(stop);
          return stop;
        }
      }
      if (size_t n = SpaceLength(pos); n > 0) {
        pos = SkipSpace(pos);
        continue;
      }
      pos = TagToken(pos, &closers);
    }
    return end_;
  }

  // The end of a closing tag at `pos`, or 0.
  size_t TagEnd(size_t pos, bool block) const {
    if (block) {
      if (At(pos, "+%}")) return pos + 3;
      if (At(pos, "-%}")) return SkipSpace(pos + 3);
      if (At(pos, "%}")) {
        return pos + 2 + (options_.trim_blocks ? NewlineAt(pos + 2) : 0);
      }
      return 0;
    }
    if (At(pos, "-}}")) return SkipSpace(pos + 3);
    if (At(pos, "}}")) return pos + 2;
    return 0;
  }

  // Lexes one token inside a tag; returns the position after it.
  size_t TagToken(size_t pos, std::vector<char>* closers) {
    char c = text_[pos];
    if (c >= '0' && c <= '9') {
      Token token;
      bool after_dot = pos > 0 && text_[pos - 1] == '.';
      std::string message;
      size_t stop =
          LexNumber(text_.substr(0, end_), pos, after_dot, &token, &message);
      if (!message.empty()) Fail({pos, stop}, message);
      if (!error_) tokens_.push_back(std::move(token));
      return stop;
    }
    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      size_t stop = pos;
      while (stop < end_ && (text_[stop] == '_' || IsAsciiAlnum(text_[stop]))) {
        ++stop;
      }
      if (stop < end_ && static_cast<unsigned char>(text_[stop]) >= 0x80) {
        return UnexpectedCharacter(stop);
      }
      Add(TokenKind::kName, {pos, stop},
          std::string(text_.substr(pos, stop - pos)));
      return stop;
    }
    if (c == '\'' || c == '"') return String(pos);
    return Operator(pos, closers);
  }

  size_t String(size_t pos) {
    char quote = text_[pos];
    size_t i = pos + 1;
    while (i < end_ && text_[i] != quote) i += text_[i] == '\\' ? 2 : 1;
    if (i >= end_) {
      Fail({pos, pos + 1}, "this string is never closed");
      return end_;
    }
    std::string decoded, message;
    if (!DecodeStringLiteral(text_.substr(pos + 1, i - pos - 1), &decoded,
                             &message)) {
      Fail({pos, i + 1}, message);
      return end_;
    }
    Add(TokenKind::kString, {pos, i + 1}, std::move(decoded));
    return i + 1;
  }

  size_t Operator(size_t pos, std::vector<char>* closers) {
    static constexpr std::pair<std::string_view, TokenKind> kOperators[] = {
        {"//", TokenKind::kFloorDiv}, {"**", TokenKind::kPow},
        {"==", TokenKind::kEq},       {"!=", TokenKind::kNe},
        {">=", TokenKind::kGe},       {"<=", TokenKind::kLe},
        {"+", TokenKind::kAdd},       {"-", TokenKind::kSub},
        {"/", TokenKind::kDiv},       {"*", TokenKind::kMul},
        {"%", TokenKind::kMod},       {"~", TokenKind::kTilde},
        {"[", TokenKind::kLBracket},  {"]", TokenKind::kRBracket},
        {"(", TokenKind::kLParen},    {")", TokenKind::kRParen},
        {"{", TokenKind::kLBrace},    {"}", TokenKind::kRBrace},
        {">", TokenKind::kGt},        {"<", TokenKind::kLt},
        {"=", TokenKind::kAssign},    {".", TokenKind::kDot},
        {":", TokenKind::kColon},     {"|", TokenKind::kPipe},
        {",", TokenKind::kComma},     {";", TokenKind::kSemicolon},
    };
    for (const auto& [op, kind] : kOperators) {
      if (!At(pos, op)) continue;
      char c = op[0];
      if (c == '(' || c == '[' || c == '{') {
        closers->push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (op.size() == 1 && (c == ')' || c == ']' || c == '}')) {
        if (closers->empty()) {
          Fail({pos, pos + 1}, StrCat("unexpected '", c, "'"));
          return end_;
        }
        if (closers->back() != c) {
          Fail({pos, pos + 1}, StrCat("unexpected '", c, "', expected '",
                                      closers->back(), "'"));
          return end_;
        }
        closers->pop_back();
      }
      Add(kind, {pos, pos + op.size()});
      return pos + op.size();
    }
    return UnexpectedCharacter(pos);
  }

  size_t UnexpectedCharacter(size_t pos) {
    std::u32string c;
    size_t n = 1;
    while (pos + n < end_ &&
           (static_cast<unsigned char>(text_[pos + n]) & 0xC0) == 0x80) {
      ++n;
    }
    std::string_view ch = text_.substr(pos, n);
    if (static_cast<unsigned char>(ch[0]) >= 0x80 && DecodeUtf8(ch, &c) &&
        IsWordChar(c[0])) {
      Fail({pos, pos + n}, StrCat("unexpected character '", ch,
                                  "': only ASCII letters, digits and '_' may "
                                  "form names"));
    } else {
      Fail({pos, pos + n}, StrCat("unexpected character '", ch, "'"));
    }
    return end_;
  }

  // Appends template data text[begin, end) with newlines normalised.
  void AddData(size_t begin, size_t end) {
    if (begin >= end) return;
    std::string data;
    data.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      if (text_[i] == '\r') {
        data.push_back('\n');
        if (i + 1 < end && text_[i + 1] == '\n') ++i;
      } else {
        data.push_back(text_[i]);
      }
    }
    Add(TokenKind::kData, {begin, end}, std::move(data));
  }

  void Add(TokenKind kind, Span span, std::string text = {}) {
    Token token;
    token.kind = kind;
    token.span = span;
    token.text = std::move(text);
    tokens_.push_back(std::move(token));
  }

  void Fail(Span span, std::string message) {
    if (!error_) error_ = SourceError{std::move(message), span};
  }

  bool At(size_t pos, std::string_view s) const {
    return pos + s.size() <= end_ && text_.substr(pos, s.size()) == s;
  }

  static bool IsAsciiAlnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  }

  // The byte length of the Unicode whitespace character at `pos`, or 0.
  size_t SpaceLength(size_t pos) const {
    if (pos >= end_) return 0;
    unsigned char b = static_cast<unsigned char>(text_[pos]);
    if (b < 0x80) return IsSpace(b) ? 1 : 0;
    size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    std::u32string c;
    if (pos + n > end_ || !DecodeUtf8(text_.substr(pos, n), &c)) return 0;
    return IsSpace(c[0]) ? n : 0;
  }

  size_t SkipSpace(size_t pos) const {
    while (size_t n = SpaceLength(pos)) pos += n;
    return pos;
  }

  // Python's rstrip(): the end of text[begin, end) without its trailing
  // Unicode whitespace.
  size_t StripSpaceBackward(size_t begin, size_t end) const {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin &&
             (static_cast<unsigned char>(text_[start]) & 0xC0) == 0x80) {
        --start;
      }
      if (SpaceLength(start) != end - start) break;
      end = start;
    }
    return end;
  }

  // The length of the newline sequence (\n, \r\n or \r) at `pos`, or 0.
  size_t NewlineAt(size_t pos) const {
    if (At(pos, "\r\n")) return 2;
    if (pos < end_ && (text_[pos] == '\n' || text_[pos] == '\r')) return 1;
    return 0;
  }

  bool EndsWithNewline(size_t stop) const {
    return stop > 0 && (text_[stop - 1] == '\n' || text_[stop - 1] == '\r');
  }

  std::string_view text_;
  size_t end_;
  LexOptions options_;
  std::vector<Token> tokens_;
  std::optional<SourceError> error_;
  bool line_starting_ = true;
};

}  // namespace

std::string_view Describe(TokenKind kind) {
  switch (kind) {
    case TokenKind::kData:
      return "template data";
    case TokenKind::kVariableBegin:
      return "'{{'";
    case TokenKind::kVariableEnd:
      return "'}}'";
    case TokenKind::kBlockBegin:
      return "'{%'";
    case TokenKind::kBlockEnd:
      return "'%}'";
    case TokenKind::kName:
      return "a name";
    case TokenKind::kString:
      return "a string";
    case TokenKind::kInteger:
      return "an integer";
    case TokenKind::kFloat:
      return "a number";
    case TokenKind::kAdd:
      return "'+'";
    case TokenKind::kSub:
      return "'-'";
    case TokenKind::kDiv:
      return "'/'";
    case TokenKind::kFloorDiv:
      return "'//'";
    case TokenKind::kMul:
      return "'*'";
    case TokenKind::kMod:
      return "'%'";
    case TokenKind::kPow:
      return "'**'";
    case TokenKind::kTilde:
      return "'~'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBrace:
      return "'{'";
    case TokenKind::kRBrace:
      return "'}'";
    case TokenKind::kEq:
      return "'=='";
    case TokenKind::kNe:
      return "'!='";
    case TokenKind::kGt:
      return "'>'";
    case TokenKind::kGe:
      return "'>='";
    case TokenKind::kLt:
      return "'<'";
    case TokenKind::kLe:
      return "'<='";
    case TokenKind::kAssign:
      return "'='";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kPipe:
      return "'|'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kSemicolon:
      return "';'";
    case TokenKind::kEof:
      return "the end of the template";
  }
  return "a token";
}

LexResult Lex(std::string_view text, size_t begin, size_t end,
              const LexOptions& options) {
  return Lexer(text, end, options).Run(begin);
}

}  // namespace cairn::jinja_internal
