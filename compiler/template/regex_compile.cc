// Compiles a regular expression's tree into instructions for the
// backtracking machine of regex_match.cc.

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

constexpr size_t kMaxInstructions = 100'000;

class Compiler {
 public:
  explicit Compiler(Regex::Program* program) : program_(program) {}

  bool Emit(const RegexNode& n) {
    if (program_->insts.size() > kMaxInstructions) return false;
    switch (n.kind) {
      case RegexNode::kEmpty:
        return true;
      case RegexNode::kChar:
        Add({InstOp::kChar, n.c});
        return true;
      case RegexNode::kAny:
        Add({program_->flags.dot_all ? InstOp::kAny : InstOp::kAnyButNewline});
        return true;
      case RegexNode::kClass: {
        Inst in{InstOp::kClass};
        in.arg = n.index;
        Add(in);
        return true;
      }
      case RegexNode::kAnchor:
        Add({n.op});
        return true;
      case RegexNode::kGroup: {
        if (n.index > 0) Save(2 * n.index);
        if (!Emit(*n.kids[0])) return false;
        if (n.index > 0) Save(2 * n.index + 1);
        return true;
      }
      case RegexNode::kConcat:
        for (const auto& k : n.kids) {
          if (!Emit(*k)) return false;
        }
        return true;
      case RegexNode::kAlt: {
        std::vector<int> jumps;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          int split = -1;
          if (i + 1 < n.kids.size()) split = Add({InstOp::kSplit});
          if (split >= 0) At(split).x = Here();
          if (!Emit(*n.kids[i])) return false;
          if (split >= 0) {
            jumps.push_back(Add({InstOp::kJmp}));
            At(split).y = Here();
          }
        }
        for (int j : jumps) At(j).x = Here();
        return true;
      }
      case RegexNode::kRepeat:
        return EmitRepeat(n);
      case RegexNode::kBackref: {
        Inst in{InstOp::kBackref};
        in.arg = n.index;
        Add(in);
        return true;
      }
      case RegexNode::kLook: {
        Inst in{InstOp::kLook};
        in.negate = n.negate;
        in.behind = n.behind;
        in.width = n.behind ? Width(*n.kids[0]) : 0;
        int look = Add(in);
        At(look).x = Here();
        if (!Emit(*n.kids[0])) return false;
        Add({InstOp::kMatch});
        At(look).y = Here();
        return true;
      }
    }
    return false;
  }

 private:
  bool EmitRepeat(const RegexNode& n) {
    const RegexNode& body = *n.kids[0];
    for (int i = 0; i < n.min; ++i) {
      if (!Emit(body)) return false;
    }
    if (n.max < 0) {
      bool guard = CanBeEmpty(body);
      int slot = guard ? program_->slots++ : 0;
      int split = Add({InstOp::kSplit});
      int body_start = Here();
      if (guard) Save(slot);
      if (!Emit(body)) return false;
      if (guard) {
        Inst check{InstOp::kCheckProgress};
        check.arg = slot;
        Add(check);
      }
      Inst back{InstOp::kJmp};
      back.x = split;
      Add(back);
      SetSplit(split, body_start, Here(), n.greedy);
      return true;
    }
    std::vector<int> splits;
    for (int i = n.min; i < n.max; ++i) {
      int split = Add({InstOp::kSplit});
      splits.push_back(split);
      At(split).x = Here();
      if (!Emit(body)) return false;
    }
    for (int split : splits) {
      SetSplit(split, At(split).x, Here(), n.greedy);
    }
    return true;
  }

  void SetSplit(int split, int body, int exit, bool greedy) {
    At(split).x = greedy ? body : exit;
    At(split).y = greedy ? exit : body;
  }

  void Save(int slot) {
    Inst in{InstOp::kSave};
    in.arg = slot;
    Add(in);
  }
  int Add(Inst in) {
    program_->insts.push_back(in);
    return static_cast<int>(program_->insts.size()) - 1;
  }
  int Here() const { return static_cast<int>(program_->insts.size()); }
  Inst& At(int i) { return program_->insts[static_cast<size_t>(i)]; }

  Regex::Program* program_;
};

}  // namespace

bool ClassMatches(const CharClass& cls, char32_t c, bool ignore_case) {
  auto test = [&](char32_t ch) {
    for (const auto& [lo, hi] : cls.ranges) {
      if (ch >= lo && ch <= hi) return true;
    }
    for (ClassEscape e : cls.escapes) {
      bool m = false;
      switch (e) {
        case ClassEscape::kDigit:
          m = IsDecimal(ch);
          break;
        case ClassEscape::kNotDigit:
          m = !IsDecimal(ch);
          break;
        case ClassEscape::kWord:
          m = IsWordChar(ch);
          break;
        case ClassEscape::kNotWord:
          m = !IsWordChar(ch);
          break;
        case ClassEscape::kSpace:
          m = IsSpace(ch);
          break;
        case ClassEscape::kNotSpace:
          m = !IsSpace(ch);
          break;
      }
      if (m) return true;
    }
    return false;
  };
  bool m = test(c);
  if (!m && ignore_case) {
    char32_t lower = SimpleLower(c);
    m = test(lower);
    if (!m) {
      std::u32string upper = Upper(std::u32string(1, c));
      if (upper.size() == 1) m = test(upper[0]);
    }
  }
  return m != cls.negated;
}

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern,
                                      RegexFlags flags, std::string* error) {
  std::u32string chars;
  if (!DecodeUtf8(pattern, &chars)) {
    *error = "the pattern is not valid UTF-8";
    return nullptr;
  }
  auto program = std::make_unique<Program>();
  RegexNodePtr root =
      ParseRegex(std::move(chars), &flags, program.get(), error);
  if (root == nullptr) return nullptr;
  program->flags = flags;
  // Loop guards take the slots after the two of each group.
  program->slots = 2 * (program->groups + 1);
  Compiler compiler(program.get());
  Inst save0{InstOp::kSave};
  save0.arg = 0;
  program->insts.push_back(save0);
  if (!compiler.Emit(*root) || program->insts.size() > kMaxInstructions) {
    *error = "the pattern is too large";
    return nullptr;
  }
  Inst save1{InstOp::kSave};
  save1.arg = 1;
  program->insts.push_back(save1);
  program->insts.push_back({InstOp::kMatch});
  return std::unique_ptr<Regex>(new Regex(std::move(program)));
}

}  // namespace cairn::jinja_internal
