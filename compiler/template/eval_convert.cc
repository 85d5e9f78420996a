// Python's conversions: truth, str(), repr(), iteration, len(), and the
// type names Jinja2 uses in messages.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/eval_util.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/unicode.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

}  // namespace

std::string Evaluator::TypeName(const Object& object) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return "AnsibleUndefined object";
    case Object::Kind::kRange:
      return "range object";
    case Object::Kind::kKeys:
      return "dict_keys object";
    case Object::Kind::kValues:
      return "dict_values object";
    case Object::Kind::kItems:
      return "dict_items object";
    case Object::Kind::kLoop:
      return "jinja2.runtime.LoopContext object";
    case Object::Kind::kList:
      return "list object";
    case Object::Kind::kValue:
      break;
  }
  switch (object.value().type()) {
    case Type::kNull:
      return "None";
    case Type::kBool:
      return "bool object";
    case Type::kInt:
      return "int object";
    case Type::kDouble:
      return "float object";
    case Type::kString:
      return "str object";
    case Type::kList:
      return ValueAccess::IsTuple(object.value()) ? "tuple object"
                                                  : "list object";
    case Type::kMap:
      return "dict object";
  }
  return "object";
}

bool Evaluator::Truthy(const Object& object, Span span, bool* out) {
  if (!Defined(object)) return false;
  if (object.is_lenient_undefined()) {
    *out = false;
    return true;
  }
  switch (object.kind()) {
    case Object::Kind::kRange:
      *out = object.RangeLength() > 0;
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      *out = !object.value().entries().empty();
      return true;
    case Object::Kind::kLoop:
      *out = true;
      return true;
    case Object::Kind::kList:
      *out = !object.elements().empty();
      return true;
    default:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kNull:
      *out = false;
      break;
    case Type::kBool:
      *out = v.bool_value();
      break;
    case Type::kInt:
      *out = v.int_value() != 0;
      break;
    case Type::kDouble:
      *out = v.double_value() != 0;
      break;
    case Type::kString:
      *out = !v.string_value().empty();
      break;
    case Type::kList:
      *out = !v.items().empty();
      break;
    case Type::kMap:
      *out = !v.entries().empty();
      break;
  }
  return true;
}

bool Evaluator::ToRepr(const Value& value, Span span, std::string* out) {
  switch (AppendRepr(value, format_limits(), out)) {
    case FormatStatus::kOk:
      return true;
    case FormatStatus::kTooDeep:
      return Fail(span, StrCat("a value nested more than ",
                               options_.max_value_depth, " levels deep"));
    case FormatStatus::kTooLarge:
      return ChargeBytes(options_.max_output_bytes + 1, span);
  }
  return false;
}

bool Evaluator::ToStr(const Object& object, Span span, std::string* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      if (object.is_lenient_undefined()) {
        out->clear();
        return true;
      }
      return FailUndefined(object);
    case Object::Kind::kRange:
      *out = StrCat("range(", object.start(), ", ", object.stop());
      if (object.step() != 1) StrAppend(out, ", ", object.step());
      out->push_back(')');
      return true;
    case Object::Kind::kLoop:
      *out = StrCat("<LoopContext ", object.index0() + 1, "/", object.length(),
                    ">");
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems: {
      Value list;
      if (!ToValue(object, span, &list)) return false;
      *out = object.kind() == Object::Kind::kKeys     ? "dict_keys("
             : object.kind() == Object::Kind::kValues ? "dict_values("
                                                      : "dict_items(";
      if (!ToRepr(list, span, out)) return false;
      out->push_back(')');
      return true;
    }
    case Object::Kind::kList: {
      // Ansible fails to print the undefined elements.
      Value list;
      if (!ToValue(object, span, &list)) return false;
      return ToStr(Object(std::move(list)), span, out);
    }
    case Object::Kind::kValue:
      break;
  }
  if (object.value().type() == Type::kString) {
    *out = object.value().string_value();
    return true;
  }
  switch (AppendStr(object.value(), format_limits(), out)) {
    case FormatStatus::kOk:
      return true;
    case FormatStatus::kTooDeep:
      return Fail(span, StrCat("a value nested more than ",
                               options_.max_value_depth, " levels deep"));
    case FormatStatus::kTooLarge:
      return ChargeBytes(options_.max_output_bytes + 1, span);
  }
  return false;
}

bool Evaluator::ToValue(const Object& object, Span span, Value* out) {
  switch (object.kind()) {
    case Object::Kind::kValue:
      *out = object.value();
      return true;
    case Object::Kind::kUndefined:
      return FailUndefined(object);
    case Object::Kind::kLoop:
      return Fail(span, "the loop variable cannot be stored or passed on");
    default: {
      std::vector<Value> items;
      if (!Iterate(object, span, &items)) return false;
      *out = Value::List(std::move(items));
      return true;
    }
  }
}

bool Evaluator::Iterate(const Object& object, Span span,
                        std::vector<Value>* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      return object.is_lenient_undefined() || FailUndefined(object);
    case Object::Kind::kLoop:
      return Fail(span, "the loop variable cannot be iterated");
    case Object::Kind::kList:
      // Whoever asks for values would use the undefined element and fail.
      for (const Object& element : object.elements()) {
        if (!element.is_value()) return FailUndefined(element);
        out->push_back(element.value());
      }
      return true;
    case Object::Kind::kRange: {
      int64_t n = object.RangeLength();
      if (!ChargeIterations(n, span)) return false;
      out->reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->push_back(Value(object.RangeAt(i)));
      return true;
    }
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      for (const Value::Entry& e : object.value().entries()) {
        if (object.kind() == Object::Kind::kKeys) {
          out->push_back(Value(e.first));
        } else if (object.kind() == Object::Kind::kValues) {
          out->push_back(e.second);
        } else {
          out->push_back(ValueAccess::Tuple({Value(e.first), e.second}));
        }
      }
      return true;
    case Object::Kind::kValue:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kList:
      *out = v.items();
      return true;
    case Type::kMap:
      for (const Value::Entry& e : v.entries()) out->push_back(Value(e.first));
      return true;
    case Type::kString: {
      std::u32string chars;
      if (!DecodeUtf8(v.string_value(), &chars)) {
        return Fail(span, "the string is not valid UTF-8");
      }
      for (char32_t c : chars) {
        std::string s;
        AppendUtf8(c, &s);
        out->push_back(Value(std::move(s)));
      }
      return true;
    }
    default:
      return Fail(span,
                  StrCat("'", PyTypeName(object), "' object is not iterable"));
  }
}

bool Evaluator::IterateObjects(const Object& object, Span span,
                               std::vector<Object>* out) {
  if (object.kind() == Object::Kind::kList) {
    *out = object.elements();
    return true;
  }
  std::vector<Value> items;
  if (!Iterate(object, span, &items)) return false;
  out->reserve(items.size());
  for (Value& item : items) out->push_back(Object(std::move(item)));
  return true;
}

bool Evaluator::MakeList(std::vector<Object> elements, Span span, Object* out) {
  bool undefined = false;
  for (Object& element : elements) {
    if (element.is_lenient_undefined()) return FailUndefined(element);
    if (element.is_undefined()) {
      undefined = true;
    } else if (!element.is_value()) {
      Value plain;
      if (!ToValue(element, span, &plain)) return false;
      element = Object(std::move(plain));
    }
  }
  if (undefined) {
    *out = Object::List(std::move(elements));
    return true;
  }
  std::vector<Value> items;
  items.reserve(elements.size());
  for (Object& element : elements) items.push_back(element.value());
  *out = Object(Value::List(std::move(items)));
  return true;
}

bool Evaluator::Length(const Object& object, Span span, int64_t* out) {
  switch (object.kind()) {
    case Object::Kind::kUndefined:
      if (object.is_lenient_undefined()) {
        *out = 0;
        return true;
      }
      return FailUndefined(object);
    case Object::Kind::kRange:
      *out = object.RangeLength();
      return true;
    case Object::Kind::kKeys:
    case Object::Kind::kValues:
    case Object::Kind::kItems:
      *out = static_cast<int64_t>(object.value().entries().size());
      return true;
    case Object::Kind::kLoop:
      return Fail(span, "object of type 'LoopContext' has no len()");
    case Object::Kind::kList:
      *out = static_cast<int64_t>(object.elements().size());
      return true;
    case Object::Kind::kValue:
      break;
  }
  const Value& v = object.value();
  switch (v.type()) {
    case Type::kString:
      *out = static_cast<int64_t>(CountCodePoints(v.string_value()));
      return true;
    case Type::kList:
      *out = static_cast<int64_t>(v.items().size());
      return true;
    case Type::kMap:
      *out = static_cast<int64_t>(v.entries().size());
      return true;
    default:
      return Fail(span, StrCat("object of type '", PyTypeName(object),
                               "' has no len()"));
  }
}

}  // namespace cairn::jinja_internal
