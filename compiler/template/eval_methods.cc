// The Python methods templates may call: dict.items(), .keys(), .values(),
// .get(); loop.cycle(); and the common str methods (lower, upper, strip,
// lstrip, rstrip, startswith, endswith, split, replace, join). Anything else
// is an error rather than a call into Python's object model.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/pystr.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

bool IsString(const Object& o) {
  return o.is_value() && o.value().type() == Type::kString;
}

}  // namespace

bool Evaluator::CallMethod(const Object& object, const std::string& name,
                           const std::vector<Object>& args, Span span,
                           Object* out) {
  auto arity = [&](size_t min, size_t max) {
    if (args.size() >= min && args.size() <= max) return true;
    return Fail(span,
                StrCat(name, "() takes ",
                       min == max ? StrCat(min) : StrCat(min, " to ", max),
                       " arguments (", args.size(), " given)"));
  };
  auto string_arg = [&](size_t i, std::string* s) {
    if (!IsString(args[i])) {
      return Fail(span, StrCat(name, "() argument ", i + 1,
                               " must be str, not ", TypeName(args[i])));
    }
    *s = args[i].value().string_value();
    return true;
  };
  auto int_arg = [&](size_t i, int64_t* v) {
    const Object& a = args[i];
    if (a.is_value() && a.value().type() == Type::kInt) {
      *v = a.value().int_value();
      return true;
    }
    if (a.is_value() && a.value().type() == Type::kBool) {
      *v = a.value().bool_value();
      return true;
    }
    return Fail(span, StrCat(name, "() argument ", i + 1,
                             " must be an integer, not ", TypeName(a)));
  };

  if (object.kind() == Object::Kind::kLoop && name == "cycle") {
    if (args.empty()) return Fail(span, "no items for cycling given");
    *out = args[static_cast<size_t>(object.index0()) % args.size()];
    return true;
  }
  if (!object.is_value()) {
    return Fail(span, StrCat("calling '", name, "' of a ", TypeName(object),
                             " is not supported"));
  }
  const Value& v = object.value();
  if (v.type() == Type::kMap) {
    if (name == "items" || name == "keys" || name == "values") {
      if (!arity(0, 0)) return false;
      *out = Object::View(name == "items"  ? Object::Kind::kItems
                          : name == "keys" ? Object::Kind::kKeys
                                           : Object::Kind::kValues,
                          v);
      return true;
    }
    if (name == "get") {
      if (!arity(1, 2)) return false;
      if (IsString(args[0])) {
        if (const Value* found = v.Find(args[0].value().string_value())) {
          *out = Object(*found);
          return true;
        }
      }
      *out = args.size() == 2 ? args[1] : Object(Value());
      return true;
    }
  }
  if (v.type() != Type::kString) {
    return Fail(span, StrCat("calling '", name, "' of a ", TypeName(object),
                             " is not supported"));
  }
  const std::string& s = v.string_value();
  std::string result;
  if (name == "lower" || name == "upper") {
    if (!arity(0, 0)) return false;
    bool ok = name == "lower" ? PyLower(s, &result) : PyUpper(s, &result);
    if (!ok) return Fail(span, "the string is not valid UTF-8");
  } else if (name == "strip" || name == "lstrip" || name == "rstrip") {
    if (!arity(0, 1)) return false;
    std::optional<std::string> chars;
    if (!args.empty() && !(args[0].is_value() && args[0].value().is_null())) {
      std::string c;
      if (!string_arg(0, &c)) return false;
      chars = c;
    }
    StripSide side = name == "strip"    ? StripSide::kBoth
                     : name == "lstrip" ? StripSide::kLeft
                                        : StripSide::kRight;
    if (!PyStrip(s, chars, side, &result)) {
      return Fail(span, "the string is not valid UTF-8");
    }
  } else if (name == "startswith" || name == "endswith") {
    if (!arity(1, 1)) return false;
    std::vector<std::string> affixes;
    const Object& a = args[0];
    if (a.is_value() && ValueAccess::IsTuple(a.value())) {
      for (const Value& item : a.value().items()) {
        if (item.type() != Type::kString) {
          return Fail(span,
                      StrCat("tuple for ", name, " must only contain str"));
        }
        affixes.push_back(item.string_value());
      }
    } else {
      std::string affix;
      if (!string_arg(0, &affix)) return false;
      affixes.push_back(affix);
    }
    bool match = false;
    for (const std::string& affix : affixes) {
      match = match || (name == "startswith" ? StartsWith(s, affix)
                                             : EndsWith(s, affix));
    }
    *out = Object(Value(match));
    return true;
  } else if (name == "split") {
    if (!arity(0, 2)) return false;
    std::optional<std::string> sep;
    int64_t maxsplit = -1;
    if (!args.empty() && !(args[0].is_value() && args[0].value().is_null())) {
      std::string separator;
      if (!string_arg(0, &separator)) return false;
      if (separator.empty()) return Fail(span, "empty separator");
      sep = separator;
    }
    if (args.size() == 2 && !int_arg(1, &maxsplit)) return false;
    std::vector<std::string> parts;
    if (!PySplit(s, sep, maxsplit, &parts)) {
      return Fail(span, "the string is not valid UTF-8");
    }
    if (!ChargeIterations(static_cast<int64_t>(parts.size()), span)) {
      return false;
    }
    std::vector<Value> items;
    for (std::string& part : parts) items.push_back(Value(std::move(part)));
    *out = Object(Value::List(std::move(items)));
    return true;
  } else if (name == "replace") {
    if (!arity(2, 3)) return false;
    std::string old, replacement;
    int64_t count = -1;
    if (!string_arg(0, &old) || !string_arg(1, &replacement)) return false;
    if (args.size() == 3 && !int_arg(2, &count)) return false;
    result = PyReplace(s, old, replacement, count);
  } else if (name == "join") {
    if (!arity(1, 1)) return false;
    std::vector<Value> items;
    if (!Iterate(args[0], span, &items)) return false;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].type() != Type::kString) {
        return Fail(span,
                    StrCat("sequence item ", i, ": expected str instance, ",
                           TypeName(Object(items[i])), " found"));
      }
      if (i > 0) result += s;
      result += items[i].string_value();
      if (!ChargeBytes(result.size(), span)) return false;
    }
  } else {
    return Fail(span, StrCat("str.", name, "() is not supported"));
  }
  if (!ChargeBytes(result.size(), span)) return false;
  *out = Object(Value(std::move(result)));
  return true;
}

}  // namespace cairn::jinja_internal
