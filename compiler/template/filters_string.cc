// Jinja2's string filters (join, upper, lower, trim, replace, indent,
// title, capitalize, center, wordcount) and Ansible's quote and split.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/pystr.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool FilterJoin(FilterCall& call, Object* out) {
  std::vector<Value> items;
  std::string separator, attribute, result;
  if (!call.eval.Iterate(call.input, call.expr.span, &items) ||
      !call.StrArg(0, "", &separator)) {
    return false;
  }
  bool by_attribute =
      call.args[1].has_value() &&
      !(call.args[1]->is_value() && call.args[1]->value().is_null());
  if (by_attribute && !call.StrArg(1, "", &attribute)) return false;
  for (size_t i = 0; i < items.size(); ++i) {
    Object item(items[i]);
    if (by_attribute &&
        !call.eval.GetAttributePath(item, attribute, call.expr.span, &item)) {
      return false;
    }
    std::string text;
    if (!call.eval.ToStr(item, call.expr.span, &text)) return false;
    if (i > 0) result += separator;
    result += text;
    if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  }
  *out = Object(Value(std::move(result)));
  return true;
}

bool FilterCase(FilterCall& call, Object* out, bool upper) {
  std::string text, result;
  if (!call.InputStr(&text)) return false;
  if (!(upper ? PyUpper(text, &result) : PyLower(text, &result))) {
    return call.Fail("the string is not valid UTF-8");
  }
  *out = Object(Value(std::move(result)));
  return call.eval.ChargeBytes(out->value().string_value().size(),
                               call.expr.span);
}

bool FilterUpper(FilterCall& call, Object* out) {
  return FilterCase(call, out, true);
}

bool FilterLower(FilterCall& call, Object* out) {
  return FilterCase(call, out, false);
}

bool FilterTrim(FilterCall& call, Object* out) {
  std::string text, result;
  if (!call.InputStr(&text)) return false;
  std::optional<std::string> chars;
  Object arg = call.Arg(0, Object(Value()));
  if (!(arg.is_value() && arg.value().is_null())) {
    if (!arg.is_value() || arg.value().type() != Type::kString) {
      return call.Fail("strip arg must be None or str");
    }
    chars = arg.value().string_value();
  }
  if (!PyStrip(text, chars, StripSide::kBoth, &result)) {
    return call.Fail("the string is not valid UTF-8");
  }
  *out = Object(Value(std::move(result)));
  return true;
}

bool FilterReplace(FilterCall& call, Object* out) {
  std::string text, old, replacement;
  int64_t count = -1;
  Object count_arg = call.Arg(2, Object(Value()));
  if (!call.InputStr(&text) || !call.StrArg(0, "", &old) ||
      !call.StrArg(1, "", &replacement)) {
    return false;
  }
  if (!(count_arg.is_value() && count_arg.value().is_null()) &&
      !call.IntArg(2, -1, &count)) {
    return false;
  }
  std::string result = PyReplace(text, old, replacement, count);
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

// Python's str.splitlines() on code points.
std::vector<std::u32string> SplitLines(const std::u32string& s) {
  std::vector<std::u32string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    bool is_break = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C ||
                    c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
                    c == 0x2028 || c == 0x2029;
    if (!is_break) continue;
    lines.push_back(s.substr(start, i - start));
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  return lines;
}

bool FilterIndent(FilterCall& call, Object* out) {
  if (!call.input.is_value() || call.input.value().type() != Type::kString) {
    return call.Fail(StrCat("indent needs a string, not a ",
                            Evaluator::TypeName(call.input)));
  }
  std::u32string indention;
  Object width = call.Arg(0, Object(Value(4)));
  if (width.is_value() && width.value().type() == Type::kString) {
    if (!DecodeUtf8(width.value().string_value(), &indention)) {
      return call.Fail("the string is not valid UTF-8");
    }
  } else {
    int64_t n = 0;
    if (!call.IntArg(0, 4, &n)) return false;
    if (n > 0 &&
        !call.eval.ChargeBytes(static_cast<size_t>(n), call.expr.span)) {
      return false;
    }
    indention.assign(static_cast<size_t>(std::max<int64_t>(n, 0)), U' ');
  }
  bool first = false, blank = false;
  if (!call.BoolArg(1, false, &first) || !call.BoolArg(2, false, &blank)) {
    return false;
  }
  std::u32string s;
  if (!DecodeUtf8(call.input.value().string_value(), &s)) {
    return call.Fail("the string is not valid UTF-8");
  }
  s.push_back(U'\n');
  std::vector<std::u32string> lines = SplitLines(s);
  std::u32string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) rv += U"\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? U"" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += U"\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  std::string result = EncodeUtf8(rv);
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

// shlex.quote, as Ansible's quote filter uses (None quotes as '').
bool FilterQuote(FilterCall& call, Object* out) {
  std::string text;
  if (!(call.input.is_value() && call.input.value().is_null()) &&
      !call.InputStr(&text)) {
    return false;
  }
  if (text.empty()) {
    *out = Object(Value("''"));
    return true;
  }
  bool safe = true;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') ||
              std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    safe = safe && ok;
  }
  *out = Object(Value(
      safe ? text : StrCat("'", PyReplace(text, "'", "'\"'\"'", -1), "'")));
  return true;
}

// The input as code points (str() of it).
bool InputChars(FilterCall& call, std::u32string* out) {
  std::string text;
  if (!call.InputStr(&text)) return false;
  if (!DecodeUtf8(text, out)) return call.Fail("the string is not valid UTF-8");
  return true;
}

bool CharsResult(FilterCall& call, const std::u32string& chars, Object* out) {
  std::string result = EncodeUtf8(chars);
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

// Jinja2's title: words start after runs of '-', whitespace, '(', '{', '['
// and '<'; the first letter of each is upper-cased, the rest lower-cased.
bool FilterTitle(FilterCall& call, Object* out) {
  std::u32string s, result;
  if (!InputChars(call, &s)) return false;
  auto separator = [](char32_t c) {
    return c == U'-' || c == U'(' || c == U'{' || c == U'[' || c == U'<' ||
           IsSpace(c);
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    bool sep = separator(s[i]);
    while (j < s.size() && separator(s[j]) == sep) ++j;
    if (sep) {
      result.append(s, i, j - i);
    } else {
      result += Upper(std::u32string_view(s).substr(i, 1));
      result += Lower(std::u32string_view(s).substr(i + 1, j - i - 1));
    }
    i = j;
  }
  return CharsResult(call, result, out);
}

// Python's str.capitalize(): the first character in title case, the rest
// lower-cased (with the final sigma rule over the whole string).
bool FilterCapitalize(FilterCall& call, Object* out) {
  std::u32string s;
  if (!InputChars(call, &s)) return false;
  if (s.empty()) return CharsResult(call, s, out);
  std::u32string lower = Lower(s);
  size_t first = Lower(std::u32string_view(s).substr(0, 1)).size();
  return CharsResult(call, Title(s[0]) + lower.substr(first), out);
}

// Python's str.center(width).
bool FilterCenter(FilterCall& call, Object* out) {
  std::u32string s;
  int64_t width = 80;
  if (call.args[0] && !(call.args[0]->is_value() &&
                        (call.args[0]->value().type() == Type::kInt ||
                         call.args[0]->value().type() == Type::kBool))) {
    return call.Fail(StrCat("'", Evaluator::TypeName(*call.args[0]),
                            "' cannot be interpreted as an integer"));
  }
  if (!call.IntArg(0, 80, &width) || !InputChars(call, &s)) return false;
  int64_t length = static_cast<int64_t>(s.size());
  if (width <= length) return CharsResult(call, s, out);
  int64_t margin = width - length;
  int64_t left = margin / 2 + (margin & width & 1);
  std::string text = EncodeUtf8(s);
  if (!call.eval.ChargeBytes(text.size() + static_cast<size_t>(margin),
                             call.expr.span)) {
    return false;
  }
  std::string result(static_cast<size_t>(left), ' ');
  result += text;
  result.append(static_cast<size_t>(margin - left), ' ');
  *out = Object(Value(std::move(result)));
  return true;
}

// Jinja2's wordcount: the matches of \w+.
bool FilterWordcount(FilterCall& call, Object* out) {
  std::u32string s;
  if (!InputChars(call, &s)) return false;
  int64_t words = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsWordChar(s[i]) && (i == 0 || !IsWordChar(s[i - 1]))) ++words;
  }
  *out = Object(Value(words));
  return true;
}

// Ansible's split: str.split(sep, maxsplit) of a string.
bool FilterSplit(FilterCall& call, Object* out) {
  if (!call.input.is_value() || call.input.value().type() != Type::kString) {
    return call.Fail(StrCat("split needs a string, not a ",
                            Evaluator::TypeName(call.input)));
  }
  std::optional<std::string> sep;
  Object sep_arg = call.Arg(0, Object(Value()));
  if (!(sep_arg.is_value() && sep_arg.value().is_null())) {
    if (!sep_arg.is_value() || sep_arg.value().type() != Type::kString) {
      return call.Fail(
          StrCat("must be str or None, not ", Evaluator::TypeName(sep_arg)));
    }
    if (sep_arg.value().string_value().empty()) {
      return call.Fail("empty separator");
    }
    sep = sep_arg.value().string_value();
  }
  int64_t maxsplit = -1;
  if (!call.IntArg(1, -1, &maxsplit)) return false;
  std::vector<std::string> parts;
  if (!PySplit(call.input.value().string_value(), sep, maxsplit, &parts)) {
    return call.Fail("the string is not valid UTF-8");
  }
  if (!call.eval.ChargeIterations(static_cast<int64_t>(parts.size()),
                                  call.expr.span)) {
    return false;
  }
  std::vector<Value> items;
  for (std::string& part : parts) items.push_back(Value(std::move(part)));
  *out = Object(Value::List(std::move(items)));
  return true;
}

std::vector<FilterDef> MakeStringFilters() {
  return {
      {"join", {{"d", "attribute"}, 0}, FilterJoin},
      {"upper", {{}, 0}, FilterUpper},
      {"lower", {{}, 0}, FilterLower},
      {"trim", {{"chars"}, 0}, FilterTrim},
      {"replace", {{"old", "new", "count"}, 2}, FilterReplace},
      {"indent", {{"width", "first", "blank"}, 0}, FilterIndent},
      {"quote", {{}, 0}, FilterQuote, false, true},
      {"title", {{}, 0}, FilterTitle},
      {"capitalize", {{}, 0}, FilterCapitalize},
      {"center", {{"width"}, 0}, FilterCenter},
      {"wordcount", {{}, 0}, FilterWordcount},
      {"split", {{"sep", "maxsplit"}, 0}, FilterSplit, false, true},
  };
}

}  // namespace

const std::vector<FilterDef>& StringFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeStringFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
