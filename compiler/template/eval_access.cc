// Attribute and item access, slices and method calls, with Jinja2's rules:
// x.name looks up a key of a dict, x['name'] falls back to an attribute,
// and what is missing becomes an undefined value that fails only when used
// (Ansible's AnsibleUndefined: attribute access on it gives itself again).
// Python methods are reached only for the few listed in CallMethod.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/pystr.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

constexpr std::string_view kDictMethods[] = {
    "clear", "copy",    "fromkeys",   "get",    "items",  "keys",
    "pop",   "popitem", "setdefault", "update", "values",
};
constexpr std::string_view kListMethods[] = {
    "append", "clear", "copy",   "count",   "extend", "index",
    "insert", "pop",   "remove", "reverse", "sort",
};
constexpr std::string_view kStrMethods[] = {
    "capitalize",   "casefold",     "center",    "count",     "encode",
    "endswith",     "expandtabs",   "find",      "format",    "format_map",
    "index",        "isalnum",      "isalpha",   "isascii",   "isdecimal",
    "isdigit",      "isidentifier", "islower",   "isnumeric", "isprintable",
    "isspace",      "istitle",      "isupper",   "join",      "ljust",
    "lower",        "lstrip",       "maketrans", "partition", "removeprefix",
    "removesuffix", "replace",      "rfind",     "rindex",    "rjust",
    "rpartition",   "rsplit",       "rstrip",    "split",     "splitlines",
    "startswith",   "strip",        "swapcase",  "title",     "translate",
    "upper",        "zfill",
};
constexpr std::string_view kNumberAttributes[] = {
    "real",       "imag",      "numerator",  "denominator", "conjugate",
    "bit_length", "bit_count", "to_bytes",   "from_bytes",  "as_integer_ratio",
    "hex",        "fromhex",   "is_integer",
};

template <size_t N>
bool In(const std::string_view (&list)[N], std::string_view name) {
  for (std::string_view s : list) {
    if (s == name) return true;
  }
  return false;
}

// Whether `name` is a Python attribute of a value of this type, which
// Jinja2 would return (a bound method) instead of a key.
bool IsPythonAttribute(const Value& v, std::string_view name) {
  switch (v.type()) {
    case Type::kMap:
      return In(kDictMethods, name);
    case Type::kList:
      return ValueAccess::IsTuple(v) ? (name == "count" || name == "index")
                                     : In(kListMethods, name);
    case Type::kString:
      return In(kStrMethods, name);
    case Type::kInt:
    case Type::kBool:
    case Type::kDouble:
      return In(kNumberAttributes, name);
    case Type::kNull:
      return false;
  }
  return false;
}

bool IntIndex(const Object& o, int64_t* out) {
  if (!o.is_value()) return false;
  if (o.value().type() == Type::kInt) {
    *out = o.value().int_value();
    return true;
  }
  if (o.value().type() == Type::kBool) {
    *out = o.value().bool_value();
    return true;
  }
  return false;
}

}  // namespace

bool Evaluator::GetAttr(const Object& object, const std::string& name,
                        Span span, Object* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      if (object.is_lenient_undefined()) return FailUndefined(object);
      *out = object;
      return true;
    case Object::Kind::kLoop: {
      int64_t i = object.index0(), n = object.length();
      if (name == "index") {
        *out = Object(Value(i + 1));
      } else if (name == "index0") {
        *out = Object(Value(i));
      } else if (name == "revindex") {
        *out = Object(Value(n - i));
      } else if (name == "revindex0") {
        *out = Object(Value(n - i - 1));
      } else if (name == "first") {
        *out = Object(Value(i == 0));
      } else if (name == "last") {
        *out = Object(Value(i == n - 1));
      } else if (name == "length") {
        *out = Object(Value(n));
      } else if (name == "depth") {
        *out = Object(Value(1));
      } else if (name == "depth0") {
        *out = Object(Value(0));
      } else if (name == "cycle" || name == "changed" || name == "previtem" ||
                 name == "nextitem") {
        return Fail(span, StrCat("loop.", name, " is not supported",
                                 name == "cycle" ? " except as a call" : ""));
      } else {
        *out = Object::Undefined(
            StrCat("'", TypeName(object), "' has no attribute '", name, "'"),
            span);
      }
      return true;
    }
    case Object::Kind::kValue:
      break;
    default:
      return Fail(span, StrCat("attributes of a ", TypeName(object),
                               " are not supported"));
  }
  const Value& v = object.value();
  if (IsPythonAttribute(v, name)) {
    return Fail(span,
                StrCat("'", name, "' is a Python method of ", TypeName(object),
                       v.type() == Type::kMap
                           ? StrCat("; write ['", name, "'] for the key")
                           : ""));
  }
  if (v.type() == Type::kMap) {
    if (const Value* found = v.Find(name)) {
      *out = Object(*found);
      return true;
    }
  }
  *out = Object::Undefined(
      StrCat("'", TypeName(object), "' has no attribute '", name, "'"), span,
      /*lenient=*/false, name);
  return true;
}

bool Evaluator::GetItem(const Object& object, const Object& index, Span span,
                        Object* out) {
  if (object.is_lenient_undefined()) return FailUndefined(object);
  if (object.is_undefined()) {
    *out = object;
    return true;
  }
  if (!Defined(index)) return false;
  if (index.is_undefined()) return FailUndefined(index);
  auto missing = [&]() {
    std::string key;
    if (index.is_value() && index.value().type() == Type::kString) {
      *out = Object::Undefined(
          StrCat("'", TypeName(object), "' has no attribute '",
                 index.value().string_value(), "'"),
          span, /*lenient=*/false, index.value().string_value());
      return true;
    }
    if (!ToStr(index, span, &key)) return false;
    std::string name = key;
    if (index.is_value() && index.value().type() != Type::kList &&
        index.value().type() != Type::kMap) {
      key.clear();
      if (!ToRepr(index.value(), span, &key)) return false;
    }
    *out = Object::Undefined(StrCat(TypeName(object), " has no element ", key),
                             span, /*lenient=*/false, name);
    return true;
  };
  int64_t i = 0;
  bool is_int = IntIndex(index, &i);
  if (object.kind() == Object::Kind::kRange) {
    int64_t n = object.RangeLength();
    if (is_int && i < 0) i += n;
    if (!is_int || i < 0 || i >= n) return missing();
    *out = Object(Value(object.RangeAt(i)));
    return true;
  }
  if (object.kind() == Object::Kind::kList) {
    int64_t n = static_cast<int64_t>(object.elements().size());
    if (is_int && i < 0) i += n;
    if (!is_int || i < 0 || i >= n) return missing();
    *out = object.elements()[static_cast<size_t>(i)];
    return true;
  }
  if (!object.is_value()) return missing();
  const Value& v = object.value();
  bool is_str = index.is_value() && index.value().type() == Type::kString;
  if (is_str && IsPythonAttribute(v, index.value().string_value()) &&
      !(v.type() == Type::kMap && v.Find(index.value().string_value()))) {
    return Fail(span, StrCat("'", index.value().string_value(),
                             "' is a Python method of ", TypeName(object)));
  }
  switch (v.type()) {
    case Type::kMap:
      if (is_str) {
        if (const Value* found = v.Find(index.value().string_value())) {
          *out = Object(*found);
          return true;
        }
      }
      return missing();
    case Type::kList: {
      int64_t n = static_cast<int64_t>(v.items().size());
      if (is_int && i < 0) i += n;
      if (!is_int || i < 0 || i >= n) return missing();
      *out = Object(v.items()[static_cast<size_t>(i)]);
      return true;
    }
    case Type::kString: {
      if (!is_int) return missing();
      std::u32string chars;
      if (!DecodeUtf8(v.string_value(), &chars)) {
        return Fail(span, "the string is not valid UTF-8");
      }
      int64_t n = static_cast<int64_t>(chars.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return missing();
      std::string c;
      AppendUtf8(chars[static_cast<size_t>(i)], &c);
      *out = Object(Value(std::move(c)));
      return true;
    }
    default:
      return missing();
  }
}

bool Evaluator::Slice(const Object& object, const Expr& expr, Object* out) {
  if (object.is_lenient_undefined()) return FailUndefined(object);
  if (object.is_undefined()) {
    *out = object;
    return true;
  }
  std::optional<int64_t> bounds[3];
  for (int k = 0; k < 3; ++k) {
    const ExprPtr& e = expr.operands[k + 1];
    if (e == nullptr) continue;
    Object bound;
    if (!Eval(*e, &bound) || !Defined(bound)) return false;
    if (bound.is_value() && bound.value().is_null()) continue;
    int64_t i = 0;
    if (!IntIndex(bound, &i)) {
      return Fail(e->span, "slice indices must be integers or None");
    }
    bounds[k] = i;
  }
  int64_t step = bounds[2].value_or(1);
  if (step == 0) return Fail(expr.span, "slice step cannot be zero");
  if (step == INT64_MIN) step = -INT64_MAX;
  int64_t length = 0;
  std::u32string chars;
  if (object.kind() == Object::Kind::kRange) {
    length = object.RangeLength();
  } else if (object.is_value() && object.value().type() == Type::kList) {
    length = static_cast<int64_t>(object.value().items().size());
  } else if (object.is_value() && object.value().type() == Type::kString) {
    if (!DecodeUtf8(object.value().string_value(), &chars)) {
      return Fail(expr.span, "the string is not valid UTF-8");
    }
    length = static_cast<int64_t>(chars.size());
  } else {
    return Fail(expr.span, StrCat("a ", TypeName(object), " cannot be sliced"));
  }
  int64_t first = 0, count = 0;
  AdjustSlice(length, bounds[0], bounds[1], step, &first, &count);
  if (object.kind() == Object::Kind::kRange) {
    int64_t start = object.RangeAt(first);
    int64_t new_step = object.step() * step;
    int64_t stop = start + count * new_step;
    *out = Object::Range(start, stop, new_step);
    return true;
  }
  if (!ChargeIterations(count, expr.span)) return false;
  if (!chars.empty()) {
    std::u32string part;
    for (int64_t k = 0; k < count; ++k) part.push_back(chars[first + k * step]);
    *out = Object(Value(EncodeUtf8(part)));
    return true;
  }
  if (object.value().type() == Type::kString) {
    *out = Object(Value(""));
    return true;
  }
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    items.push_back(object.value().items()[first + k * step]);
  }
  *out = Object(ValueAccess::IsTuple(object.value())
                    ? ValueAccess::Tuple(std::move(items))
                    : Value::List(std::move(items)));
  return true;
}

bool Evaluator::GetAttributePath(const Object& object, std::string_view path,
                                 Span span, Object* out) {
  Object current = object;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view part = path.substr(start, dot == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : dot - start);
    bool digits = !part.empty();
    int64_t index = 0;
    for (char c : part) {
      digits = digits && c >= '0' && c <= '9';
      if (digits) index = index * 10 + (c - '0');
      if (index > 1'000'000'000) digits = false;
    }
    Object key =
        digits ? Object(Value(index)) : Object(Value(std::string(part)));
    Object next;
    if (!GetItem(current, key, span, &next)) return false;
    current = std::move(next);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  *out = std::move(current);
  return true;
}

}  // namespace cairn::jinja_internal
