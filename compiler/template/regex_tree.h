#ifndef CAIRN_COMPILER_TEMPLATE_REGEX_TREE_H_
#define CAIRN_COMPILER_TEMPLATE_REGEX_TREE_H_

// The parsed form of a regular expression, between regex_parse.cc (which
// builds it from Python syntax) and regex_compile.cc (which turns it into
// instructions). Internal to the package.

#include <memory>
#include <string>
#include <vector>

#include "compiler/template/regex.h"
#include "compiler/template/regex_program.h"

namespace cairn::jinja_internal {

// One node of the tree.
struct RegexNode {
  enum Kind {
    kEmpty,
    kChar,
    kAny,
    kClass,
    kAnchor,  // op
    kGroup,   // group (-1: not capturing), kids[0]
    kConcat,
    kAlt,
    kRepeat,  // kids[0], min, max (-1: no limit), greedy
    kBackref,
    kLook,  // kids[0], negate, behind
  } kind;
  char32_t c = 0;
  int index = 0;  // class, group or backreference
  InstOp op = InstOp::kMatch;
  int min = 0;
  int max = 0;
  bool greedy = true;
  bool negate = false;
  bool behind = false;
  std::vector<std::unique_ptr<RegexNode>> kids;
};

using RegexNodePtr = std::unique_ptr<RegexNode>;

// Whether `n` can match the empty string.
bool CanBeEmpty(const RegexNode& n);

// The fixed number of characters `n` matches, or -1 if it varies.
int Width(const RegexNode& n);

// Parses `pattern`, adding groups and classes to `program` and updating
// `flags` with inline flags such as (?i). Returns null with `error` set.
RegexNodePtr ParseRegex(std::u32string pattern, RegexFlags* flags,
                        Regex::Program* program, std::string* error);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_REGEX_TREE_H_
