#ifndef CAIRN_COMPILER_TEMPLATE_REGEX_H_
#define CAIRN_COMPILER_TEMPLATE_REGEX_H_

// A backtracking engine for the part of Python's `re` syntax that
// regex_replace and friends use, with Python's semantics on Unicode text
// (\w, \d, \s, \b, $ before a final newline, empty matches in re.sub), and
// a step budget instead of the unbounded time Python may take: a pattern
// that backtracks catastrophically stops with kTooManySteps. Backtracking
// uses an explicit stack, so no input can exhaust the C++ stack.
//
// Supported: literals and escapes, ., [classes], \d \D \w \W \s \S, ^ $ \A
// \Z \b \B, groups (capturing, (?:...), (?P<name>...)), backreferences
// (\1, (?P=name)), lookahead and fixed-width lookbehind, * + ? {m,n} and
// their lazy forms, alternation, global flags (?imsx) at the start.
// Everything else is a compile error. Internal to the package.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::jinja_internal {

struct RegexFlags {
  bool ignore_case = false;
  bool multiline = false;
  bool dot_all = false;
  bool verbose = false;
};

enum class MatchResult { kMatch, kNoMatch, kTooManySteps };

class Regex {
 public:
  // Compiles `pattern`; on failure returns null and sets `error`.
  static std::unique_ptr<Regex> Compile(std::string_view pattern,
                                        RegexFlags flags, std::string* error);
  ~Regex();

  // Searches `text` for a match starting at or after `start`. With
  // `must_advance`, an empty match at `start` does not count (re.sub's rule
  // after an empty match). On kMatch, `groups` holds 2 * (group_count() + 1)
  // code point offsets, -1 for groups that did not take part. `steps` is the
  // remaining budget and decreases.
  MatchResult Search(const std::u32string& text, size_t start,
                     bool must_advance, int64_t* steps,
                     std::vector<int64_t>* groups) const;

  // Like Search, but the match must start at `start`.
  MatchResult MatchAt(const std::u32string& text, size_t start, int64_t* steps,
                      std::vector<int64_t>* groups) const;

  // The number of capturing groups.
  int group_count() const;
  // The number of the group called `name`, or -1.
  int GroupIndex(std::string_view name) const;

  struct Program;

 private:
  explicit Regex(std::unique_ptr<Program> program);
  std::unique_ptr<Program> program_;
};

// Python's re.sub(pattern, replacement, text, count=0): the replacement
// template understands \1, \g<1>, \g<name> and the usual escapes. Returns
// false with `error` on a bad template or an exhausted budget.
bool RegexSub(const Regex& regex, std::string_view replacement,
              std::string_view text, int64_t* steps, std::string* out,
              std::string* error);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_REGEX_H_
