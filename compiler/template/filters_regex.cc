// Ansible's regular expression filters: regex_replace, regex_search,
// regex_findall, regex_escape, on the engine of regex.h.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/regex.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

// Compiles the pattern in slot `pattern_slot` with the flags named
// ignorecase and multiline in slots `icase_slot` and `multi_slot`.
std::unique_ptr<Regex> CompileArg(FilterCall& call, size_t pattern_slot,
                                  size_t icase_slot, size_t multi_slot) {
  std::string pattern, error;
  RegexFlags flags;
  if (!call.StrArg(pattern_slot, "", &pattern) ||
      !call.BoolArg(icase_slot, false, &flags.ignore_case) ||
      !call.BoolArg(multi_slot, false, &flags.multiline)) {
    return nullptr;
  }
  std::unique_ptr<Regex> regex = Regex::Compile(pattern, flags, &error);
  if (regex == nullptr) call.Fail(StrCat("bad regular expression: ", error));
  return regex;
}

bool FilterRegexReplace(FilterCall& call, Object* out) {
  std::string text, replacement, result, error;
  if (!call.InputStr(&text) || !call.StrArg(1, "", &replacement)) return false;
  std::unique_ptr<Regex> regex = CompileArg(call, 0, 2, 3);
  if (regex == nullptr) return false;
  int64_t steps = call.eval.options().max_regex_steps;
  if (!RegexSub(*regex, replacement, text, &steps, &result, &error)) {
    return call.Fail(StrCat("regex_replace: ", error));
  }
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

Value Group(const std::u32string& text, const std::vector<int64_t>& groups,
            int g) {
  if (groups[2 * g] < 0) return Value();
  size_t b = static_cast<size_t>(groups[2 * g]);
  size_t e = static_cast<size_t>(groups[2 * g + 1]);
  return Value(EncodeUtf8(std::u32string_view(text).substr(b, e - b)));
}

bool FilterRegexSearch(FilterCall& call, Object* out) {
  std::string text;
  std::u32string chars;
  if (!call.InputStr(&text)) return false;
  if (!DecodeUtf8(text, &chars))
    return call.Fail("the string is not valid UTF-8");
  std::unique_ptr<Regex> regex = CompileArg(call, 0, 1, 2);
  if (regex == nullptr) return false;
  int64_t steps = call.eval.options().max_regex_steps;
  std::vector<int64_t> groups;
  MatchResult r = regex->Search(chars, 0, false, &steps, &groups);
  if (r == MatchResult::kTooManySteps) {
    return call.Fail(
        "the regular expression needs too many steps on this "
        "input");
  }
  *out = r == MatchResult::kMatch ? Object(Group(chars, groups, 0))
                                  : Object(Value());
  return true;
}

// re.findall: whole matches, the one group, or tuples of the groups.
bool FilterRegexFindall(FilterCall& call, Object* out) {
  std::string text;
  std::u32string chars;
  if (!call.InputStr(&text)) return false;
  if (!DecodeUtf8(text, &chars))
    return call.Fail("the string is not valid UTF-8");
  std::unique_ptr<Regex> regex = CompileArg(call, 0, 2, 1);
  if (regex == nullptr) return false;
  int64_t steps = call.eval.options().max_regex_steps;
  std::vector<Value> items;
  std::vector<int64_t> groups;
  size_t start = 0;
  bool must_advance = false;
  while (start <= chars.size()) {
    MatchResult r = regex->Search(chars, start, must_advance, &steps, &groups);
    if (r == MatchResult::kTooManySteps) {
      return call.Fail(
          "the regular expression needs too many steps on this "
          "input");
    }
    if (r == MatchResult::kNoMatch) break;
    if (!call.eval.ChargeIterations(1, call.expr.span)) return false;
    int n = regex->group_count();
    if (n == 0) {
      items.push_back(Group(chars, groups, 0));
    } else if (n == 1) {
      Value g = Group(chars, groups, 1);
      items.push_back(g.is_null() ? Value("") : g);
    } else {
      std::vector<Value> tuple;
      for (int k = 1; k <= n; ++k) {
        Value g = Group(chars, groups, k);
        tuple.push_back(g.is_null() ? Value("") : g);
      }
      items.push_back(ValueAccess::Tuple(std::move(tuple)));
    }
    size_t e = static_cast<size_t>(groups[1]);
    must_advance = e == static_cast<size_t>(groups[0]);
    start = e;
  }
  *out = Object(Value::List(std::move(items)));
  return true;
}

// re.escape: a backslash before each of ()[]{}?*+-|^$\.&~# and whitespace.
bool FilterRegexEscape(FilterCall& call, Object* out) {
  std::string text, re_type, result;
  if (!call.InputStr(&text) || !call.StrArg(0, "python", &re_type)) {
    return false;
  }
  if (re_type != "python") {
    return call.Fail("only re_type='python' is supported");
  }
  static constexpr std::string_view kSpecial = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
  for (char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) result.push_back('\\');
    result.push_back(c);
  }
  *out = Object(Value(std::move(result)));
  return true;
}

std::vector<FilterDef> MakeRegexFilters() {
  return {
      {"regex_replace",
       {{"pattern", "replacement", "ignorecase", "multiline"}, 0},
       FilterRegexReplace,
       false,
       true},
      {"regex_search",
       {{"regex", "ignorecase", "multiline"}, 1, 1},
       FilterRegexSearch,
       false,
       true},
      {"regex_findall",
       {{"regex", "multiline", "ignorecase"}, 1},
       FilterRegexFindall,
       false,
       true},
      {"regex_escape", {{"re_type"}, 0}, FilterRegexEscape, false, true},
  };
}

}  // namespace

const std::vector<FilterDef>& RegexFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeRegexFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
