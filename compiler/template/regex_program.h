#ifndef CAIRN_COMPILER_TEMPLATE_REGEX_PROGRAM_H_
#define CAIRN_COMPILER_TEMPLATE_REGEX_PROGRAM_H_

// The compiled form of a Regex: instructions for a backtracking machine.
// Shared by regex_compile.cc (which builds it) and regex_match.cc (which
// runs it). Internal to the package.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/template/regex.h"

namespace cairn::jinja_internal {

// \d, \w, \s and their negations, inside or outside a class.
enum class ClassEscape {
  kDigit,
  kNotDigit,
  kWord,
  kNotWord,
  kSpace,
  kNotSpace
};

struct CharClass {
  std::vector<std::pair<char32_t, char32_t>> ranges;
  std::vector<ClassEscape> escapes;
  bool negated = false;
};

enum class InstOp {
  kChar,             // c
  kAny,              // any character
  kAnyButNewline,    // any character but \n
  kClass,            // classes[arg]
  kSplit,            // try x, then y
  kJmp,              // go to x
  kSave,             // slots[arg] = position
  kCheckProgress,    // fail if position == slots[arg] (an empty loop pass)
  kLineStart,        // ^
  kLineEnd,          // $
  kTextStart,        // \A
  kTextEnd,          // \Z
  kWordBoundary,     // \b
  kNotWordBoundary,  // \B
  kBackref,          // the text of group arg again
  kLook,             // run x..; negate, behind (width); continue at y
  kMatch,
};

struct Inst {
  InstOp op;
  char32_t c = 0;
  int x = 0;
  int y = 0;
  int arg = 0;
  bool negate = false;
  bool behind = false;
  int width = 0;
};

struct Regex::Program {
  std::vector<Inst> insts;
  std::vector<CharClass> classes;
  int groups = 0;
  // Slots: 2 per group (0 is the whole match), then one per loop guard.
  int slots = 2;
  std::map<std::string, int, std::less<>> names;
  RegexFlags flags;
};

// Whether `c` is in `cls`, with IGNORECASE folding when asked.
bool ClassMatches(const CharClass& cls, char32_t c, bool ignore_case);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_REGEX_PROGRAM_H_
