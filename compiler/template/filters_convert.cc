// Filters that convert or inspect values: default (d), int, float, string,
// list, bool, length (count), ternary, b64encode, to_json, to_yaml,
// to_nice_json, to_nice_yaml, mandatory, basename, dirname.

#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/filters.h"
#include "compiler/template/json_emit.h"
#include "compiler/template/pynum.h"
#include "compiler/template/value_access.h"
#include "compiler/template/yaml_emit.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsNone(const Object& o) { return o.is_value() && o.value().is_null(); }

bool FilterDefault(FilterCall& call, Object* out) {
  bool boolean = false;
  if (call.args[1] &&
      !call.eval.Truthy(*call.args[1], call.expr.span, &boolean)) {
    return false;
  }
  bool use_default = call.input.is_undefined();
  if (!use_default && boolean) {
    bool truthy = false;
    if (!call.eval.Truthy(call.input, call.expr.span, &truthy)) return false;
    use_default = !truthy;
  }
  *out = use_default ? call.Arg(0, Object(Value(""))) : call.input;
  return true;
}

bool FilterInt(FilterCall& call, Object* out) {
  Object fallback = call.Arg(0, Object(Value(0)));
  int64_t base = 10;
  if (!call.IntArg(1, 10, &base)) return false;
  const Object& in = call.input;
  if (in.is_undefined()) return call.eval.FailUndefined(in);
  if (!in.is_value()) {
    *out = fallback;
    return true;
  }
  const Value& v = in.value();
  int64_t result = 0;
  ParseStatus status = ParseStatus::kInvalid;
  double d = 0;
  switch (v.type()) {
    case Type::kInt:
      *out = in;
      return true;
    case Type::kBool:
      *out = Object(Value(int64_t{v.bool_value()}));
      return true;
    case Type::kDouble:
      status = FloatToInt(v.double_value(), &result);
      break;
    case Type::kString:
      status = ParsePyInt(v.string_value(),
                          base >= 0 && base <= 36 ? static_cast<int>(base) : 1,
                          &result);
      if (status == ParseStatus::kInvalid &&
          ParsePyFloat(v.string_value(), &d) == ParseStatus::kOk) {
        status = FloatToInt(d, &result);
      }
      break;
    default:
      break;
  }
  if (status == ParseStatus::kOutOfRange) {
    return call.Fail(
        "the number is out of range (infinite, or beyond 64 "
        "bits)");
  }
  *out = status == ParseStatus::kOk ? Object(Value(result)) : fallback;
  return true;
}

bool FilterFloat(FilterCall& call, Object* out) {
  Object fallback = call.Arg(0, Object(Value(0.0)));
  const Object& in = call.input;
  if (in.is_undefined()) return call.eval.FailUndefined(in);
  double d = 0;
  bool ok = false;
  if (in.is_value()) {
    const Value& v = in.value();
    if (v.type() == Type::kDouble) {
      d = v.double_value();
      ok = true;
    } else if (v.type() == Type::kInt) {
      d = static_cast<double>(v.int_value());
      ok = true;
    } else if (v.type() == Type::kBool) {
      d = v.bool_value() ? 1.0 : 0.0;
      ok = true;
    } else if (v.type() == Type::kString) {
      ok = ParsePyFloat(v.string_value(), &d) == ParseStatus::kOk;
    }
  }
  *out = ok ? Object(Value(d)) : fallback;
  return true;
}

bool FilterString(FilterCall& call, Object* out) {
  std::string text;
  if (!call.InputStr(&text)) return false;
  *out = Object(Value(std::move(text)));
  return true;
}

bool FilterList(FilterCall& call, Object* out) {
  std::vector<Object> items;
  return call.eval.IterateObjects(call.input, call.expr.span, &items) &&
         call.eval.MakeList(std::move(items), call.expr.span, out);
}

// Ansible's to_bool: None and bools pass through; 'yes', 'on', '1', 'true'
// (any case) and 1 are true; everything else is false.
bool FilterBool(FilterCall& call, Object* out) {
  const Object& in = call.input;
  if (in.is_value() &&
      (in.value().is_null() || in.value().type() == Type::kBool)) {
    *out = in;
    return true;
  }
  bool result = false;
  if (in.is_value()) {
    const Value& v = in.value();
    if (v.type() == Type::kString) {
      std::string lower;
      for (char c : v.string_value()) {
        lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a')
                                             : c);
      }
      result =
          lower == "yes" || lower == "on" || lower == "1" || lower == "true";
    } else {
      result = Evaluator::Equal(v, Value(1));
    }
  }
  *out = Object(Value(result));
  return true;
}

bool FilterLength(FilterCall& call, Object* out) {
  int64_t n = 0;
  if (!call.eval.Length(call.input, call.expr.span, &n)) return false;
  *out = Object(Value(n));
  return true;
}

// Ansible's ternary(true_val, false_val, none_val=None).
bool FilterTernary(FilterCall& call, Object* out) {
  Object none_val = call.Arg(2, Object(Value()));
  if (IsNone(call.input) && !IsNone(none_val)) {
    *out = none_val;
    return true;
  }
  bool truthy = false;
  if (!call.eval.Truthy(call.input, call.expr.span, &truthy)) return false;
  *out = truthy ? *call.args[0] : *call.args[1];
  return true;
}

bool FilterB64encode(FilterCall& call, Object* out) {
  std::string encoding, text;
  if (!call.StrArg(0, "utf-8", &encoding) || !call.InputStr(&text)) {
    return false;
  }
  if (encoding != "utf-8" && encoding != "utf8" && encoding != "UTF-8") {
    return call.Fail("only the utf-8 encoding is supported");
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string result;
  result.reserve((text.size() + 2) / 3 * 4);
  for (size_t i = 0; i < text.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) n |= static_cast<unsigned char>(text[i + 2]);
    result.push_back(kAlphabet[(n >> 18) & 63]);
    result.push_back(kAlphabet[(n >> 12) & 63]);
    result.push_back(i + 1 < text.size() ? kAlphabet[(n >> 6) & 63] : '=');
    result.push_back(i + 2 < text.size() ? kAlphabet[n & 63] : '=');
  }
  if (!call.eval.ChargeBytes(result.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

bool FilterToJson(FilterCall& call, Object* out) {
  Value value;
  if (!call.eval.ToValue(call.input, call.expr.span, &value)) return false;
  JsonOptions options;
  if (call.args[0] && !IsNone(*call.args[0])) {
    const Object& indent = *call.args[0];
    if (indent.is_value() && indent.value().type() == Type::kString) {
      options.indent = indent.value().string_value();
    } else {
      int64_t n = 0;
      if (!call.IntArg(0, 0, &n)) return false;
      options.indent = std::string(
          static_cast<size_t>(std::max<int64_t>(0, std::min<int64_t>(n, 1024))),
          ' ');
    }
  }
  if (!call.BoolArg(1, false, &options.sort_keys) ||
      !call.BoolArg(2, true, &options.ensure_ascii)) {
    return false;
  }
  if (call.args[3] && !IsNone(*call.args[3])) {
    const Object& seps = *call.args[3];
    const auto& items =
        seps.is_value() ? seps.value().items() : std::vector<Value>();
    if (items.size() != 2 || items[0].type() != Type::kString ||
        items[1].type() != Type::kString) {
      return call.Fail("separators must be a pair of strings");
    }
    options.item_separator = items[0].string_value();
    options.key_separator = items[1].string_value();
  }
  std::string text, error;
  const jinja::RenderOptions& limits = call.eval.options();
  if (!DumpJson(value, options, limits.max_value_depth, limits.max_output_bytes,
                &text, &error)) {
    return call.Fail(StrCat("to_json: ", error));
  }
  if (!call.eval.ChargeBytes(text.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(text)));
  return true;
}

// Ansible's to_nice_json: to_json(indent=4, sort_keys=True,
// separators=(',', ': ')).
bool FilterToNiceJson(FilterCall& call, Object* out) {
  Value value;
  if (!call.eval.ToValue(call.input, call.expr.span, &value)) return false;
  JsonOptions options;
  int64_t indent = 4;
  if (!call.IntArg(0, 4, &indent) ||
      !call.BoolArg(1, true, &options.sort_keys)) {
    return false;
  }
  options.indent = std::string(static_cast<size_t>(std::max<int64_t>(
                                   0, std::min<int64_t>(indent, 1024))),
                               ' ');
  options.item_separator = ",";
  std::string text, error;
  const jinja::RenderOptions& limits = call.eval.options();
  if (!DumpJson(value, options, limits.max_value_depth, limits.max_output_bytes,
                &text, &error)) {
    return call.Fail(StrCat("to_nice_json: ", error));
  }
  if (!call.eval.ChargeBytes(text.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(text)));
  return true;
}

// Ansible's to_nice_yaml: block style, 4 spaces unless told otherwise.
bool FilterToNiceYaml(FilterCall& call, Object* out) {
  Value value;
  if (!call.eval.ToValue(call.input, call.expr.span, &value)) return false;
  YamlOptions options;
  options.flow = YamlOptions::Flow::kNever;
  int64_t indent = 4;
  if (!call.IntArg(0, 4, &indent)) return false;
  if (indent < 2 || indent > 9) indent = 2;  // libyaml's rule.
  options.indent = static_cast<int>(indent);
  std::string text, error;
  const jinja::RenderOptions& limits = call.eval.options();
  if (!DumpYaml(value, options, limits.max_value_depth, limits.max_output_bytes,
                &text, &error)) {
    return call.Fail(StrCat("to_nice_yaml: ", error));
  }
  if (!call.eval.ChargeBytes(text.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(text)));
  return true;
}

// Ansible's mandatory: an undefined input is an error, with `msg` if given.
bool FilterMandatory(FilterCall& call, Object* out) {
  if (!call.input.is_undefined()) {
    *out = call.input;
    return true;
  }
  if (call.args[0] && !IsNone(*call.args[0])) {
    std::string msg;
    if (!call.StrArg(0, "", &msg)) return false;
    return call.Fail(msg);
  }
  std::string name = call.input.undefined_name();
  return call.Fail(StrCat("Mandatory variable ",
                          name.empty() ? "" : StrCat("'", name, "' "),
                          "not defined."));
}

// os.path.basename and os.path.dirname, as Ansible's filters call them.
bool PathFilter(FilterCall& call, Object* out, bool base) {
  if (!call.input.is_value() || call.input.value().type() != Type::kString) {
    return call.Fail(StrCat("a path must be a string, not a ",
                            Evaluator::TypeName(call.input)));
  }
  const std::string& p = call.input.value().string_value();
  size_t slash = p.rfind('/');
  size_t i = slash == std::string::npos ? 0 : slash + 1;
  if (base) {
    *out = Object(Value(p.substr(i)));
    return true;
  }
  std::string head = p.substr(0, i);
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos) {
    while (!head.empty() && head.back() == '/') head.pop_back();
  }
  *out = Object(Value(std::move(head)));
  return true;
}

bool FilterBasename(FilterCall& call, Object* out) {
  return PathFilter(call, out, true);
}

bool FilterDirname(FilterCall& call, Object* out) {
  return PathFilter(call, out, false);
}

bool FilterToYaml(FilterCall& call, Object* out) {
  Value value;
  if (!call.eval.ToValue(call.input, call.expr.span, &value)) return false;
  YamlOptions options;
  if (call.args[0] && !IsNone(*call.args[0])) {
    int64_t n = 0;
    if (!call.IntArg(0, 2, &n)) return false;
    if (n < 2 || n > 9) return call.Fail("indent must be between 2 and 9");
    options.indent = static_cast<int>(n);
  }
  if (call.args[1] && !IsNone(*call.args[1])) {
    bool flow_style = false;
    if (!call.BoolArg(1, false, &flow_style)) return false;
    options.flow =
        flow_style ? YamlOptions::Flow::kAlways : YamlOptions::Flow::kNever;
  }
  std::string text, error;
  const jinja::RenderOptions& limits = call.eval.options();
  if (!DumpYaml(value, options, limits.max_value_depth, limits.max_output_bytes,
                &text, &error)) {
    return call.Fail(StrCat("to_yaml: ", error));
  }
  if (!call.eval.ChargeBytes(text.size(), call.expr.span)) return false;
  *out = Object(Value(std::move(text)));
  return true;
}

std::vector<FilterDef> MakeConvertFilters() {
  return {
      {"default", {{"default_value", "boolean"}, 0}, FilterDefault, true},
      {"d", {{"default_value", "boolean"}, 0}, FilterDefault, true},
      {"int", {{"default", "base"}, 0}, FilterInt},
      {"float", {{"default"}, 0}, FilterFloat},
      {"string", {{}, 0}, FilterString},
      {"list", {{}, 0}, FilterList},
      {"bool", {{}, 0}, FilterBool, false, true},
      {"length", {{}, 0}, FilterLength},
      {"count", {{}, 0}, FilterLength},
      {"ternary",
       {{"true_val", "false_val", "none_val"}, 2},
       FilterTernary,
       false,
       true},
      {"b64encode", {{"encoding"}, 0}, FilterB64encode, false, true},
      {"to_json",
       {{"indent", "sort_keys", "ensure_ascii", "separators"}, 0},
       FilterToJson,
       false,
       true},
      {"to_yaml",
       {{"indent", "default_flow_style"}, 0},
       FilterToYaml,
       false,
       true},
      {"to_nice_json",
       {{"indent", "sort_keys"}, 0},
       FilterToNiceJson,
       false,
       true},
      {"to_nice_yaml", {{"indent"}, 0}, FilterToNiceYaml, false, true},
      {"mandatory", {{"msg"}, 0}, FilterMandatory, true, true},
      {"basename", {{}, 0}, FilterBasename, false, true},
      {"dirname", {{}, 0}, FilterDirname, false, true},
  };
}

}  // namespace

const std::vector<FilterDef>& ConvertFilters() {
  static const auto* filters = new std::vector<FilterDef>(MakeConvertFilters());
  return *filters;
}

}  // namespace cairn::jinja_internal
