// Parses Python regular expression syntax, following sre_parse.py.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/regex.h"
#include "compiler/template/regex_program.h"
#include "compiler/template/regex_tree.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

constexpr int kMaxDepth = 64;
constexpr int kMaxRepeat = 10'000;

RegexNodePtr MakeRegexNode(RegexNode::Kind kind) {
  auto n = std::make_unique<RegexNode>();
  n->kind = kind;
  return n;
}

class Parser {
 public:
  Parser(std::u32string pattern, RegexFlags flags, Regex::Program* program)
      : p_(std::move(pattern)), flags_(flags), program_(program) {}

  RegexNodePtr Run(std::string* error) {
    ParseGlobalFlags();
    RegexNodePtr root;
    if (error_.empty()) root = ParseAlt(0);
    if (error_.empty() && pos_ < p_.size()) Fail("unbalanced parenthesis");
    if (!error_.empty()) {
      *error = StrCat(error_, " at position ", pos_);
      return nullptr;
    }
    return root;
  }

  RegexFlags flags() const { return flags_; }

 private:
  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  bool AtEnd() const { return pos_ >= p_.size(); }
  char32_t Peek(size_t ahead = 0) const {
    return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : 0;
  }

  void ParseGlobalFlags() {
    while (Peek() == '(' && Peek(1) == '?' && Peek(2) != 0 &&
           std::u32string_view(U"aiLmsux").find(Peek(2)) !=
               std::u32string_view::npos) {
      size_t i = pos_ + 2;
      RegexFlags f = flags_;
      while (i < p_.size() && p_[i] != ')' && p_[i] != ':') {
        switch (p_[i]) {
          case 'i':
            f.ignore_case = true;
            break;
          case 'm':
            f.multiline = true;
            break;
          case 's':
            f.dot_all = true;
            break;
          case 'x':
            f.verbose = true;
            break;
          case 'u':
            break;
          default:
            pos_ = i;
            return Fail("unsupported inline flag (only i, m, s, x, u)");
        }
        ++i;
      }
      if (i >= p_.size() || p_[i] != ')') {
        pos_ = i;
        return Fail("scoped inline flags (?flags:...) are not supported");
      }
      flags_ = f;
      pos_ = i + 1;
    }
  }

  void SkipVerbose() {
    if (!flags_.verbose) return;
    while (!AtEnd()) {
      char32_t c = Peek();
      if (c == '#') {
        while (!AtEnd() && Peek() != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
                 c == '\f') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  RegexNodePtr ParseAlt(int depth) {
    if (depth > kMaxDepth) {
      Fail("the pattern nests too deeply");
      return nullptr;
    }
    auto alt = MakeRegexNode(RegexNode::kAlt);
    alt->kids.push_back(ParseConcat(depth));
    while (error_.empty() && Peek() == '|') {
      ++pos_;
      alt->kids.push_back(ParseConcat(depth));
    }
    if (!error_.empty()) return nullptr;
    if (alt->kids.size() == 1) return std::move(alt->kids[0]);
    return alt;
  }

  RegexNodePtr ParseConcat(int depth) {
    auto concat = MakeRegexNode(RegexNode::kConcat);
    while (error_.empty()) {
      SkipVerbose();
      if (AtEnd() || Peek() == '|' || Peek() == ')') break;
      char32_t c = Peek();
      if (c == '*' || c == '+' || c == '?' || (c == '{' && IsRepeatBrace())) {
        if (concat->kids.empty()) {
          Fail("nothing to repeat");
          break;
        }
        ApplyRepeat(&concat->kids.back());
        continue;
      }
      RegexNodePtr atom = ParseAtom(depth);
      if (atom) concat->kids.push_back(std::move(atom));
    }
    if (concat->kids.size() == 1) return std::move(concat->kids[0]);
    if (concat->kids.empty()) return MakeRegexNode(RegexNode::kEmpty);
    return concat;
  }

  bool IsRepeatBrace() const {
    size_t i = pos_ + 1;
    bool digits = false;
    while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i, digits = true;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i;
    } else if (!digits) {
      return false;
    }
    return i < p_.size() && p_[i] == '}';
  }

  int ReadNumber() {
    int64_t n = 0;
    bool any = false;
    while (Peek() >= '0' && Peek() <= '9') {
      n = std::min<int64_t>(n * 10 + (Peek() - '0'), 1'000'000);
      ++pos_;
      any = true;
    }
    return any ? static_cast<int>(n) : -1;
  }

  void ApplyRepeat(RegexNodePtr* target) {
    RegexNode& last = **target;
    if (last.kind == RegexNode::kAnchor || last.kind == RegexNode::kEmpty) {
      return Fail("nothing to repeat");
    }
    if (last.kind == RegexNode::kRepeat) return Fail("multiple repeat");
    int min = 0, max = -1;
    char32_t c = Peek();
    ++pos_;
    if (c == '+') {
      min = 1;
    } else if (c == '?') {
      max = 1;
    } else if (c == '{') {
      min = ReadNumber();
      if (Peek() == ',') {
        ++pos_;
        max = ReadNumber();
        if (min < 0) min = 0;
      } else {
        max = min;
      }
      ++pos_;  // }
      if (max >= 0 && max < min)
        return Fail("min repeat greater than max repeat");
      if (min > kMaxRepeat || max > kMaxRepeat) {
        return Fail("the repeat count is too large");
      }
    }
    bool greedy = true;
    if (Peek() == '?') {
      greedy = false;
      ++pos_;
    } else if (Peek() == '+') {
      return Fail("possessive quantifiers are not supported");
    }
    auto repeat = MakeRegexNode(RegexNode::kRepeat);
    repeat->min = min;
    repeat->max = max;
    repeat->greedy = greedy;
    repeat->kids.push_back(std::move(*target));
    *target = std::move(repeat);
  }

  RegexNodePtr ParseAtom(int depth) {
    char32_t c = Peek();
    ++pos_;
    switch (c) {
      case '(':
        return ParseGroup(depth);
      case '[':
        return ParseClass();
      case '.':
        return MakeRegexNode(RegexNode::kAny);
      case '^':
        return Anchor(InstOp::kLineStart);
      case '$':
        return Anchor(InstOp::kLineEnd);
      case '\\':
        return ParseEscape();
      default: {
        auto n = MakeRegexNode(RegexNode::kChar);
        n->c = c;
        return n;
      }
    }
  }

  RegexNodePtr Anchor(InstOp op) {
    auto n = MakeRegexNode(RegexNode::kAnchor);
    n->op = op;
    return n;
  }

  RegexNodePtr ParseGroup(int depth) {
    auto group = MakeRegexNode(RegexNode::kGroup);
    group->index = -1;
    if (Peek() == '?') {
      ++pos_;
      char32_t k = Peek();
      ++pos_;
      if (k == ':') {
      } else if (k == 'P' && Peek() == '<') {
        ++pos_;
        std::string name = ReadName('>');
        if (!error_.empty()) return nullptr;
        if (program_->names.count(name)) {
          Fail(StrCat("redefinition of group name '", name, "'"));
          return nullptr;
        }
        group->index = ++program_->groups;
        program_->names[name] = group->index;
      } else if (k == 'P' && Peek() == '=') {
        ++pos_;
        std::string name = ReadName(')');
        if (!error_.empty()) return nullptr;
        auto it = program_->names.find(name);
        if (it == program_->names.end()) {
          Fail(StrCat("unknown group name '", name, "'"));
          return nullptr;
        }
        auto ref = MakeRegexNode(RegexNode::kBackref);
        ref->index = it->second;
        return ref;
      } else if (k == '#') {
        while (!AtEnd() && Peek() != ')') ++pos_;
        if (AtEnd()) {
          Fail("missing ), unterminated comment");
          return nullptr;
        }
        ++pos_;
        return MakeRegexNode(RegexNode::kEmpty);
      } else if (k == '=' || k == '!' ||
                 (k == '<' && (Peek() == '=' || Peek() == '!'))) {
        auto look = MakeRegexNode(RegexNode::kLook);
        look->behind = k == '<';
        if (look->behind) k = p_[pos_++];
        look->negate = k == '!';
        look->kids.push_back(ParseAlt(depth + 1));
        if (!error_.empty()) return nullptr;
        if (Peek() != ')') {
          Fail("missing ), unterminated subpattern");
          return nullptr;
        }
        ++pos_;
        if (look->behind && Width(*look->kids[0]) < 0) {
          Fail("look-behind requires fixed-width pattern");
          return nullptr;
        }
        return look;
      } else {
        Fail("unsupported group syntax (?...)");
        return nullptr;
      }
    } else {
      group->index = ++program_->groups;
    }
    int index = group->index;
    if (index > 0) open_groups_.push_back(index);
    group->kids.push_back(ParseAlt(depth + 1));
    if (index > 0) open_groups_.pop_back();
    if (!error_.empty()) return nullptr;
    if (Peek() != ')') {
      Fail("missing ), unterminated subpattern");
      return nullptr;
    }
    ++pos_;
    return group;
  }

  std::string ReadName(char32_t end) {
    std::u32string name;
    while (!AtEnd() && Peek() != end) name.push_back(p_[pos_++]);
    if (AtEnd()) {
      Fail("missing group name terminator");
      return "";
    }
    ++pos_;
    bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char32_t c : name) ok = ok && IsWordChar(c);
    if (!ok) Fail("bad character in group name");
    return EncodeUtf8(name);
  }

  // A character escape shared by classes and atoms; false if `c` is none.
  bool CharEscape(char32_t c, char32_t* out) {
    switch (c) {
      case 'a':
        *out = 7;
        return true;
      case 'f':
        *out = 12;
        return true;
      case 'n':
        *out = '\n';
        return true;
      case 'r':
        *out = '\r';
        return true;
      case 't':
        *out = '\t';
        return true;
      case 'v':
        *out = 11;
        return true;
      case 'x':
      case 'u':
      case 'U': {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int i = 0; i < digits; ++i) {
          char32_t h = Peek();
          int d = h >= '0' && h <= '9'   ? static_cast<int>(h - '0')
                  : h >= 'a' && h <= 'f' ? static_cast<int>(h - 'a' + 10)
                  : h >= 'A' && h <= 'F' ? static_cast<int>(h - 'A' + 10)
                                         : -1;
          if (d < 0) {
            Fail(StrCat("incomplete escape \\", static_cast<char>(c)));
            return true;
          }
          v = v * 16 + static_cast<uint32_t>(d);
          ++pos_;
        }
        if (v > 0x10FFFF) Fail("bad escape (code point out of range)");
        *out = v;
        return true;
      }
      case '0': {
        uint32_t v = 0;
        for (int i = 0; i < 2 && Peek() >= '0' && Peek() <= '7'; ++i) {
          v = v * 8 + (Peek() - '0');
          ++pos_;
        }
        *out = v;
        return true;
      }
      default:
        return false;
    }
  }

  bool ClassEscapeFor(char32_t c, ClassEscape* out) {
    switch (c) {
      case 'd':
        *out = ClassEscape::kDigit;
        return true;
      case 'D':
        *out = ClassEscape::kNotDigit;
        return true;
      case 'w':
        *out = ClassEscape::kWord;
        return true;
      case 'W':
        *out = ClassEscape::kNotWord;
        return true;
      case 's':
        *out = ClassEscape::kSpace;
        return true;
      case 'S':
        *out = ClassEscape::kNotSpace;
        return true;
      default:
        return false;
    }
  }

  RegexNodePtr ParseEscape() {
    if (AtEnd()) {
      Fail("bad escape (end of pattern)");
      return nullptr;
    }
    char32_t c = p_[pos_++];
    ClassEscape esc;
    if (ClassEscapeFor(c, &esc)) {
      CharClass cls;
      cls.escapes.push_back(esc);
      return ClassNode(std::move(cls));
    }
    switch (c) {
      case 'A':
        return Anchor(InstOp::kTextStart);
      case 'Z':
        return Anchor(InstOp::kTextEnd);
      case 'b':
        return Anchor(InstOp::kWordBoundary);
      case 'B':
        return Anchor(InstOp::kNotWordBoundary);
      default:
        break;
    }
    if (c >= '1' && c <= '9') {
      int group = static_cast<int>(c - '0');
      if (Peek() >= '0' && Peek() <= '9') {
        bool octal =
            c <= '7' && Peek() <= '7' && Peek(1) >= '0' && Peek(1) <= '7';
        if (octal) {
          uint32_t v = (c - '0') * 64 + (Peek() - '0') * 8 + (Peek(1) - '0');
          pos_ += 2;
          if (v > 0377) Fail("octal escape value outside of range 0-0o377");
          auto n = MakeRegexNode(RegexNode::kChar);
          n->c = v;
          return n;
        }
        group = group * 10 + static_cast<int>(Peek() - '0');
        ++pos_;
      }
      if (group > program_->groups) {
        Fail("invalid group reference");
        return nullptr;
      }
      for (int open : open_groups_) {
        if (open == group) {
          Fail("cannot refer to an open group");
          return nullptr;
        }
      }
      auto ref = MakeRegexNode(RegexNode::kBackref);
      ref->index = group;
      return ref;
    }
    char32_t value = 0;
    if (CharEscape(c, &value)) {
      auto n = MakeRegexNode(RegexNode::kChar);
      n->c = value;
      return n;
    }
    if (c == 'N') {
      Fail("\\N{...} escapes are not supported");
      return nullptr;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      Fail(StrCat("bad escape \\", static_cast<char>(c)));
      return nullptr;
    }
    auto n = MakeRegexNode(RegexNode::kChar);
    n->c = c;
    return n;
  }

  RegexNodePtr ClassNode(CharClass cls) {
    auto n = MakeRegexNode(RegexNode::kClass);
    n->index = static_cast<int>(program_->classes.size());
    program_->classes.push_back(std::move(cls));
    return n;
  }

  RegexNodePtr ParseClass() {
    CharClass cls;
    if (Peek() == '^') {
      cls.negated = true;
      ++pos_;
    }
    bool first = true;
    while (true) {
      if (AtEnd()) {
        Fail("unterminated character set");
        return nullptr;
      }
      char32_t c = p_[pos_++];
      if (c == ']' && !first) break;
      first = false;
      char32_t lo = c;
      if (c == '\\') {
        if (AtEnd()) {
          Fail("unterminated character set");
          return nullptr;
        }
        char32_t e = p_[pos_++];
        ClassEscape esc;
        if (ClassEscapeFor(e, &esc)) {
          cls.escapes.push_back(esc);
          if (Peek() == '-' && Peek(1) != ']') {
            Fail("bad character range");
            return nullptr;
          }
          continue;
        }
        if (e == 'b') {
          lo = 8;
        } else if (!CharEscape(e, &lo)) {
          if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
              (e >= '1' && e <= '9')) {
            Fail(StrCat("bad escape \\", static_cast<char>(e)));
            return nullptr;
          }
          lo = e;
        }
        if (!error_.empty()) return nullptr;
      }
      char32_t hi = lo;
      if (Peek() == '-' && Peek(1) != ']' && Peek(1) != 0) {
        pos_ += 1;
        char32_t h = p_[pos_++];
        if (h == '\\') {
          char32_t e = AtEnd() ? 0 : p_[pos_++];
          ClassEscape esc;
          if (ClassEscapeFor(e, &esc)) {
            Fail("bad character range");
            return nullptr;
          }
          if (e == 'b') {
            h = 8;
          } else if (!CharEscape(e, &h)) {
            h = e;
          }
        }
        if (h < lo) {
          Fail("bad character range");
          return nullptr;
        }
        hi = h;
      }
      cls.ranges.emplace_back(lo, hi);
    }
    return ClassNode(std::move(cls));
  }

  std::u32string p_;
  size_t pos_ = 0;
  RegexFlags flags_;
  Regex::Program* program_;
  std::string error_;
  std::vector<int> open_groups_;
};

}  // namespace

bool CanBeEmpty(const RegexNode& n) {
  switch (n.kind) {
    case RegexNode::kChar:
    case RegexNode::kAny:
    case RegexNode::kClass:
      return false;
    case RegexNode::kGroup:
      return CanBeEmpty(*n.kids[0]);
    case RegexNode::kConcat:
      for (const auto& k : n.kids) {
        if (!CanBeEmpty(*k)) return false;
      }
      return true;
    case RegexNode::kAlt:
      for (const auto& k : n.kids) {
        if (CanBeEmpty(*k)) return true;
      }
      return false;
    case RegexNode::kRepeat:
      return n.min == 0 || CanBeEmpty(*n.kids[0]);
    default:
      return true;
  }
}

// The fixed width of what `n` matches, or -1.

// The fixed width of what `n` matches, or -1.
int Width(const RegexNode& n) {
  switch (n.kind) {
    case RegexNode::kChar:
    case RegexNode::kAny:
    case RegexNode::kClass:
      return 1;
    case RegexNode::kEmpty:
    case RegexNode::kAnchor:
    case RegexNode::kLook:
      return 0;
    case RegexNode::kGroup:
      return Width(*n.kids[0]);
    case RegexNode::kConcat: {
      int w = 0;
      for (const auto& k : n.kids) {
        int kw = Width(*k);
        if (kw < 0) return -1;
        w += kw;
      }
      return w;
    }
    case RegexNode::kAlt: {
      int w = -2;
      for (const auto& k : n.kids) {
        int kw = Width(*k);
        if (kw < 0 || (w != -2 && kw != w)) return -1;
        w = kw;
      }
      return w < 0 ? 0 : w;
    }
    case RegexNode::kRepeat: {
      int w = Width(*n.kids[0]);
      if (w < 0 || n.min != n.max) return -1;
      return w * n.min;
    }
    case RegexNode::kBackref:
      return -1;
  }
  return -1;
}

RegexNodePtr ParseRegex(std::u32string pattern, RegexFlags* flags,
                        Regex::Program* program, std::string* error) {
  Parser parser(std::move(pattern), *flags, program);
  RegexNodePtr root = parser.Run(error);
  *flags = parser.flags();
  return root;
}

}  // namespace cairn::jinja_internal
