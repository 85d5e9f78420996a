// The backtracking machine, searching, and re.sub.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/regex.h"
#include "compiler/template/regex_program.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {
namespace {

// Backtracking entries beyond this stop the search like an exhausted
// budget, bounding memory as well as time.
constexpr size_t kMaxStack = 4'000'000;

bool SameChar(char32_t a, char32_t b, bool ignore_case) {
  return a == b || (ignore_case && SimpleLower(a) == SimpleLower(b));
}

class Machine {
 public:
  Machine(const Regex::Program& program, const std::u32string& text,
          int64_t* steps)
      : p_(program), text_(text), steps_(steps) {}

  // Runs from instruction `pc` at `pos`; on kMatch `slots` holds the
  // captures. With `must_advance`, a match ending at `start` is refused.
  MatchResult Run(int pc, size_t pos, size_t start, bool must_advance, bool top,
                  std::vector<int64_t>* slots) {
    struct Entry {
      int pc;       // -1: restore slot
      int64_t pos;  // position, or the old slot value
      int slot;
    };
    std::vector<Entry> stack;
    const bool icase = p_.flags.ignore_case;
    const size_t n = text_.size();
    while (true) {
      bool ok = true;
      if (--*steps_ < 0) return MatchResult::kTooManySteps;
      const Inst& in = p_.insts[static_cast<size_t>(pc)];
      switch (in.op) {
        case InstOp::kChar:
          ok = pos < n && SameChar(text_[pos], in.c, icase);
          if (ok) ++pos, ++pc;
          break;
        case InstOp::kAny:
          ok = pos < n;
          if (ok) ++pos, ++pc;
          break;
        case InstOp::kAnyButNewline:
          ok = pos < n && text_[pos] != '\n';
          if (ok) ++pos, ++pc;
          break;
        case InstOp::kClass:
          ok = pos < n && ClassMatches(p_.classes[in.arg], text_[pos], icase);
          if (ok) ++pos, ++pc;
          break;
        case InstOp::kSplit:
          if (stack.size() >= kMaxStack) return MatchResult::kTooManySteps;
          stack.push_back({in.y, static_cast<int64_t>(pos), 0});
          pc = in.x;
          break;
        case InstOp::kJmp:
          pc = in.x;
          break;
        case InstOp::kSave:
          if (stack.size() >= kMaxStack) return MatchResult::kTooManySteps;
          stack.push_back({-1, (*slots)[in.arg], in.arg});
          (*slots)[in.arg] = static_cast<int64_t>(pos);
          ++pc;
          break;
        case InstOp::kCheckProgress:
          ok = (*slots)[in.arg] != static_cast<int64_t>(pos);
          if (ok) ++pc;
          break;
        case InstOp::kLineStart:
          ok = pos == 0 || (p_.flags.multiline && text_[pos - 1] == '\n');
          if (ok) ++pc;
          break;
        case InstOp::kLineEnd:
          ok = pos == n ||
               (text_[pos] == '\n' && (p_.flags.multiline || pos + 1 == n));
          if (ok) ++pc;
          break;
        case InstOp::kTextStart:
          ok = pos == 0;
          if (ok) ++pc;
          break;
        case InstOp::kTextEnd:
          ok = pos == n;
          if (ok) ++pc;
          break;
        case InstOp::kWordBoundary:
        case InstOp::kNotWordBoundary: {
          bool before = pos > 0 && IsWordChar(text_[pos - 1]);
          bool after = pos < n && IsWordChar(text_[pos]);
          ok = (before != after) == (in.op == InstOp::kWordBoundary);
          // Python's \B never matches in an empty string.
          if (n == 0) ok = false;
          if (ok) ++pc;
          break;
        }
        case InstOp::kBackref: {
          int64_t b = (*slots)[2 * in.arg], e = (*slots)[2 * in.arg + 1];
          ok = b >= 0 && e >= b;
          size_t len = ok ? static_cast<size_t>(e - b) : 0;
          ok = ok && pos + len <= n;
          for (size_t k = 0; ok && k < len; ++k) {
            ok = SameChar(text_[pos + k], text_[static_cast<size_t>(b) + k],
                          icase);
          }
          if (ok) pos += len, ++pc;
          break;
        }
        case InstOp::kLook: {
          std::vector<int64_t> inner = *slots;
          MatchResult r = MatchResult::kNoMatch;
          if (!in.behind || pos >= static_cast<size_t>(in.width)) {
            size_t at = in.behind ? pos - in.width : pos;
            r = Run(in.x, at, at, false, false, &inner);
          }
          if (r == MatchResult::kTooManySteps) return r;
          bool matched = r == MatchResult::kMatch;
          ok = matched != in.negate;
          if (ok && matched) {
            for (size_t s = 2; s < inner.size(); ++s) {
              if (inner[s] == (*slots)[s]) continue;
              stack.push_back({-1, (*slots)[s], static_cast<int>(s)});
              (*slots)[s] = inner[s];
            }
          }
          if (ok) pc = in.y;
          break;
        }
        case InstOp::kMatch:
          if (!top) return MatchResult::kMatch;
          ok = !(must_advance && pos == start);
          if (ok) return MatchResult::kMatch;
          break;
      }
      if (ok) continue;
      // Backtrack: undo slot writes down to the latest branch.
      while (true) {
        if (stack.empty()) return MatchResult::kNoMatch;
        Entry e = stack.back();
        stack.pop_back();
        if (e.pc < 0) {
          (*slots)[e.slot] = e.pos;
          continue;
        }
        pc = e.pc;
        pos = static_cast<size_t>(e.pos);
        break;
      }
    }
  }

 private:
  const Regex::Program& p_;
  const std::u32string& text_;
  int64_t* steps_;
};

// One piece of a replacement template: literal text or a group.
struct Piece {
  std::u32string text;
  int group = -1;
};

bool ParseTemplate(const Regex& regex, std::string_view replacement,
                   std::vector<Piece>* pieces, std::string* error) {
  std::u32string r;
  if (!DecodeUtf8(replacement, &r)) {
    *error = "the replacement is not valid UTF-8";
    return false;
  }
  Piece literal;
  auto flush = [&]() {
    if (!literal.text.empty()) pieces->push_back(std::move(literal));
    literal = Piece();
  };
  auto group = [&](int g) {
    if (g > regex.group_count()) {
      *error = StrCat("invalid group reference ", g);
      return false;
    }
    flush();
    Piece p;
    p.group = g;
    pieces->push_back(std::move(p));
    return true;
  };
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] != '\\' || i + 1 >= r.size()) {
      if (r[i] == '\\') {
        *error = "bad escape (end of pattern)";
        return false;
      }
      literal.text.push_back(r[i]);
      continue;
    }
    char32_t c = r[++i];
    auto digit = [&](size_t k) {
      return k < r.size() && r[k] >= '0' && r[k] <= '9';
    };
    auto octal = [&](size_t k) {
      return k < r.size() && r[k] >= '0' && r[k] <= '7';
    };
    if (c == 'g') {
      if (i + 1 >= r.size() || r[i + 1] != '<') {
        *error = "missing <";
        return false;
      }
      size_t close = r.find('>', i + 2);
      if (close == std::u32string::npos) {
        *error = "missing group name";
        return false;
      }
      std::string name = EncodeUtf8(r.substr(i + 2, close - i - 2));
      i = close;
      int g = regex.GroupIndex(name);
      if (g < 0) {
        bool number = !name.empty();
        int value = 0;
        for (char ch : name) {
          number = number && ch >= '0' && ch <= '9';
          value = std::min(value * 10 + (ch - '0'), 1'000'000);
        }
        if (!number) {
          *error = StrCat("unknown group name '", name, "'");
          return false;
        }
        g = value;
      }
      if (!group(g)) return false;
    } else if (c == '0') {
      uint32_t v = 0;
      for (int k = 0; k < 2 && octal(i + 1); ++k) v = v * 8 + (r[++i] - '0');
      literal.text.push_back(v);
    } else if (c >= '1' && c <= '9') {
      if (digit(i + 1)) {
        if (c <= '7' && octal(i + 1) && octal(i + 2)) {
          uint32_t v = (c - '0') * 64 + (r[i + 1] - '0') * 8 + (r[i + 2] - '0');
          if (v > 0377) {
            *error = "octal escape value outside of range 0-0o377";
            return false;
          }
          literal.text.push_back(v);
          i += 2;
          continue;
        }
        int g =
            static_cast<int>(c - '0') * 10 + static_cast<int>(r[i + 1] - '0');
        ++i;
        if (!group(g)) return false;
      } else if (!group(static_cast<int>(c - '0'))) {
        return false;
      }
    } else {
      static constexpr std::u32string_view kSimple = U"abfnrtv\\";
      static constexpr char32_t kValues[] = {7,    8,    12, '\n',
                                             '\r', '\t', 11, '\\'};
      size_t k = kSimple.find(c);
      if (k != std::u32string_view::npos) {
        literal.text.push_back(kValues[k]);
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        *error = StrCat("bad escape \\", static_cast<char>(c));
        return false;
      } else {
        literal.text.push_back('\\');
        literal.text.push_back(c);
      }
    }
  }
  flush();
  return true;
}

}  // namespace

Regex::Regex(std::unique_ptr<Program> program) : program_(std::move(program)) {}
Regex::~Regex() = default;

int Regex::group_count() const { return program_->groups; }

int Regex::GroupIndex(std::string_view name) const {
  auto it = program_->names.find(name);
  return it == program_->names.end() ? -1 : it->second;
}

MatchResult Regex::MatchAt(const std::u32string& text, size_t start,
                           int64_t* steps, std::vector<int64_t>* groups) const {
  std::vector<int64_t> slots(static_cast<size_t>(program_->slots), -1);
  Machine machine(*program_, text, steps);
  MatchResult r = machine.Run(0, start, start, false, true, &slots);
  if (r == MatchResult::kMatch) {
    slots.resize(2 * (static_cast<size_t>(program_->groups) + 1));
    *groups = std::move(slots);
  }
  return r;
}

MatchResult Regex::Search(const std::u32string& text, size_t start,
                          bool must_advance, int64_t* steps,
                          std::vector<int64_t>* groups) const {
  Machine machine(*program_, text, steps);
  std::vector<int64_t> slots(static_cast<size_t>(program_->slots), -1);
  for (size_t s = start; s <= text.size(); ++s) {
    std::fill(slots.begin(), slots.end(), -1);
    MatchResult r =
        machine.Run(0, s, start, must_advance && s == start, true, &slots);
    if (r == MatchResult::kTooManySteps) return r;
    if (r == MatchResult::kMatch) {
      slots.resize(2 * (static_cast<size_t>(program_->groups) + 1));
      *groups = std::move(slots);
      return r;
    }
  }
  return MatchResult::kNoMatch;
}

bool RegexSub(const Regex& regex, std::string_view replacement,
              std::string_view text, int64_t* steps, std::string* out,
              std::string* error) {
  std::vector<Piece> pieces;
  if (!ParseTemplate(regex, replacement, &pieces, error)) return false;
  std::u32string s;
  if (!DecodeUtf8(text, &s)) {
    *error = "the string is not valid UTF-8";
    return false;
  }
  std::u32string result;
  size_t i = 0, start = 0;
  bool must_advance = false;
  std::vector<int64_t> groups;
  while (start <= s.size()) {
    MatchResult r = regex.Search(s, start, must_advance, steps, &groups);
    if (r == MatchResult::kTooManySteps) {
      *error = "the regular expression needs too many steps on this input";
      return false;
    }
    if (r == MatchResult::kNoMatch) break;
    size_t b = static_cast<size_t>(groups[0]);
    size_t e = static_cast<size_t>(groups[1]);
    result.append(s, i, b - i);
    for (const Piece& p : pieces) {
      if (p.group < 0) {
        result += p.text;
      } else if (groups[2 * p.group] >= 0) {
        size_t gb = static_cast<size_t>(groups[2 * p.group]);
        size_t ge = static_cast<size_t>(groups[2 * p.group + 1]);
        result.append(s, gb, ge - gb);
      }
    }
    i = e;
    must_advance = e == b;
    start = e;
  }
  result.append(s, i, std::u32string::npos);
  *out = EncodeUtf8(result);
  return true;
}

}  // namespace cairn::jinja_internal
