// Ansible's smaller filters (plugins/filter/core.py): extract, comment,
// b64decode, splitext and path_join.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/eval_util.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/pystr.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsString(const Object& o) {
  return o.is_value() && o.value().type() == Type::kString;
}

// extract(key, container, morekeys): container[key][morekey]..., with
// Jinja2's getitem (what is missing is undefined).
bool FilterExtract(FilterCall& call, Object* out) {
  std::vector<Object> keys = {call.input};
  if (call.args[1]) {
    const Object& more = *call.args[1];
    if (more.is_value() && more.value().type() == Type::kList &&
        !ValueAccess::IsTuple(more.value())) {
      for (const Value& key : more.value().items()) keys.emplace_back(key);
    } else if (!(more.is_value() && more.value().is_null())) {
      keys.push_back(more);
    }
  }
  Object value = *call.args[0];
  for (const Object& key : keys) {
    Object next;
    if (!call.eval.GetItem(value, key, call.expr.span, &next)) return false;
    value = std::move(next);
  }
  *out = std::move(value);
  return true;
}

// A comment style of the comment filter: what each line starts with, and
// the lines before and after.
struct CommentStyle {
  std::string_view name, beginning, decoration, end;
};

constexpr CommentStyle kCommentStyles[] = {
    {"plain", "", "# ", ""},       {"erlang", "", "% ", ""},
    {"c", "", "// ", ""},          {"cblock", "/*", " * ", " */"},
    {"xml", "<!--", " - ", "-->"},
};

// A string parameter of comment, or `fallback`.
bool CommentParam(FilterCall& call, size_t slot, std::string_view name,
                  std::string fallback, std::string* out) {
  if (!call.args[slot]) {
    *out = std::move(fallback);
    return true;
  }
  if (!IsString(*call.args[slot])) {
    return call.Fail(StrCat("comment: ", name, " must be a string, not a ",
                            Evaluator::TypeName(*call.args[slot])));
  }
  *out = call.args[slot]->value().string_value();
  return true;
}

// Charges `count` strings of `size` bytes to the output budget.
bool ChargeCopies(FilterCall& call, size_t size, int64_t count) {
  if (count <= 0 || size == 0) return true;
  uint64_t total = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(size),
                             static_cast<uint64_t>(count), &total) ||
      total > SIZE_MAX) {
    total = SIZE_MAX;
  }
  return call.eval.ChargeBytes(static_cast<size_t>(total), call.expr.span);
}

// Appends `text` `count` times, within the output budget.
bool Repeat(FilterCall& call, const std::string& text, int64_t count,
            std::string* out) {
  if (!ChargeCopies(call, text.size(), count)) return false;
  for (int64_t i = 0; i < count; ++i) *out += text;
  return true;
}

// Ansible's comment: the text as a comment block of a style, each line
// decorated, with prefix and postfix lines.
bool FilterComment(FilterCall& call, Object* out) {
  if (!IsString(call.input)) {
    return call.Fail(StrCat("comment needs a string, not a ",
                            Evaluator::TypeName(call.input)));
  }
  std::string style_name;
  if (!CommentParam(call, 0, "style", "plain", &style_name)) return false;
  const CommentStyle* style = nullptr;
  for (const CommentStyle& s : kCommentStyles) {
    if (s.name == style_name) style = &s;
  }
  if (style == nullptr) {
    return call.Fail(StrCat("comment: unknown style '", style_name, "'"));
  }
  std::string decoration, beginning, prefix, postfix, end, newline, stripped;
  if (!CommentParam(call, 1, "decoration", std::string(style->decoration),
                    &decoration)) {
    return false;
  }
  if (!PyStrip(decoration, std::nullopt, StripSide::kRight, &stripped)) {
    return call.Fail("the string is not valid UTF-8");
  }
  if (!CommentParam(call, 2, "beginning", std::string(style->beginning),
                    &beginning) ||
      !CommentParam(call, 3, "prefix", stripped, &prefix) ||
      !CommentParam(call, 5, "postfix", stripped, &postfix) ||
      !CommentParam(call, 7, "end", std::string(style->end), &end) ||
      !CommentParam(call, 8, "newline", "\n", &newline)) {
    return false;
  }
  int64_t prefix_count = 1, postfix_count = 1;
  if (!call.IntArg(4, 1, &prefix_count) || !call.IntArg(6, 1, &postfix_count)) {
    return false;
  }
  if (newline.empty()) return call.Fail("comment: newline must not be empty");
  std::string result;
  if (!beginning.empty()) result += beginning + newline;
  if (!prefix.empty() &&
      !Repeat(call, prefix != newline ? prefix + newline : newline,
              prefix_count, &result)) {
    return false;
  }
  // Every line decorated: check the size before building it.
  const std::string& text = call.input.value().string_value();
  uint64_t lines = 1;
  for (size_t at = text.find(newline); at != std::string::npos;
       at = text.find(newline, at + newline.size())) {
    ++lines;
  }
  if (!ChargeCopies(call, decoration.size(), static_cast<int64_t>(lines))) {
    return false;
  }
  std::string body =
      decoration + PyReplace(text, newline, newline + decoration, -1);
  result += PyReplace(body, decoration + newline, stripped + newline, -1);
  if (!Repeat(call, newline + postfix, postfix_count, &result)) return false;
  if (!end.empty()) result += newline + end;
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

// base64.b64decode without validation, as binascii does it: characters
// outside the alphabet are skipped, and a complete padding ends the input.
bool FilterB64decode(FilterCall& call, Object* out) {
  std::string text, encoding, result;
  if (!call.StrArg(0, "utf-8", &encoding) || !call.InputStr(&text)) {
    return false;
  }
  if (encoding != "utf-8" && encoding != "utf8" && encoding != "UTF-8") {
    return call.Fail("only the utf-8 encoding is supported");
  }
  auto digit = [](unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  int quad = 0, pads = 0;
  uint32_t left = 0;
  bool padded = false;
  for (unsigned char c : text) {
    if (c == '=') {
      if (quad >= 2 && quad + ++pads >= 4) {
        padded = true;
        break;
      }
      continue;
    }
    int d = digit(c);
    if (d < 0) continue;
    pads = 0;
    switch (quad) {
      case 0:
        left = static_cast<uint32_t>(d);
        break;
      case 1:
        result.push_back(static_cast<char>((left << 2) | (d >> 4)));
        left = d & 0x0f;
        break;
      case 2:
        result.push_back(static_cast<char>((left << 4) | (d >> 2)));
        left = d & 0x03;
        break;
      case 3:
        result.push_back(static_cast<char>((left << 6) | d));
        break;
    }
    quad = (quad + 1) % 4;
  }
  if (!padded && quad == 1) {
    return call.Fail(
        "Invalid base64-encoded string: number of data characters cannot be "
        "1 more than a multiple of 4");
  }
  if (!padded && quad != 0) return call.Fail("Incorrect padding");
  if (FindInvalidUtf8(result) != std::string::npos) {
    return call.Fail("the decoded bytes are not valid UTF-8");
  }
  *out = Object(Value(std::move(result)));
  return true;
}

// os.path.splitext: (root, ext), leading dots of the name not counting.
bool FilterSplitext(FilterCall& call, Object* out) {
  if (!IsString(call.input)) {
    return call.Fail(StrCat("a path must be a string, not a ",
                            Evaluator::TypeName(call.input)));
  }
  const std::string& p = call.input.value().string_value();
  size_t sep = p.rfind('/');
  size_t dot = p.rfind('.');
  size_t name = sep == std::string::npos ? 0 : sep + 1;
  if (dot != std::string::npos && (sep == std::string::npos || dot > sep)) {
    for (size_t i = name; i < dot; ++i) {
      if (p[i] != '.') {
        *out = Object(ValueAccess::Tuple(
            {Value(p.substr(0, dot)), Value(p.substr(dot))}));
        return true;
      }
    }
  }
  *out = Object(ValueAccess::Tuple({Value(p), Value("")}));
  return true;
}

// os.path.join of a string (itself) or of a list of strings.
bool FilterPathJoin(FilterCall& call, Object* out) {
  const Object& in = call.input;
  if (IsString(in)) {
    *out = in;
    return true;
  }
  if (!in.is_value() || in.value().type() != Type::kList) {
    return call.Fail(
        StrCat("|path_join expects string or sequence, got <class '",
               PyTypeName(in), "'> instead."));
  }
  const std::vector<Value>& parts = in.value().items();
  if (parts.empty()) {
    return call.Fail("join() missing 1 required positional argument: 'a'");
  }
  std::string path;
  for (const Value& part : parts) {
    if (part.type() != Type::kString) {
      return call.Fail(StrCat("join() argument must be str, not ",
                              PyTypeName(Object(part))));
    }
    const std::string& b = part.string_value();
    if (&part == &parts[0] || StartsWith(b, "/")) {
      path = b;
    } else if (path.empty() || EndsWith(path, "/")) {
      path += b;
    } else {
      path += "/" + b;
    }
  }
  if (!call.eval.ChargeBytes(path.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(path)));
  return true;
}

std::vector<FilterDef> MakeAnsibleFilters() {
  return {
      {"extract", {{"container", "morekeys"}, 1}, FilterExtract, false, true},
      {"comment",
       {{"style", "decoration", "beginning", "prefix", "prefix_count",
         "postfix", "postfix_count", "end", "newline"},
        0,
        1},
       FilterComment,
       false,
       true},
      {"b64decode", {{"encoding"}, 0}, FilterB64decode, false, true},
      {"splitext", {{}, 0}, FilterSplitext, false, true},
      {"path_join", {{}, 0}, FilterPathJoin, false, true},
  };
}

}  // namespace

const std::vector<FilterDef>& AnsibleFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeAnsibleFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
