#ifndef CAIRN_COMPILER_TEMPLATE_EVAL_UTIL_H_
#define CAIRN_COMPILER_TEMPLATE_EVAL_UTIL_H_

// Small helpers shared by the evaluator's files: Python's numeric tower
// (bool is an int) and type names in messages. Internal to the package.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "compiler/template/ast.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/object.h"

namespace cairn::jinja_internal {

// Whether `o` is an int, bool or float value.
inline bool IsNumber(const Object& o) {
  if (!o.is_value()) return false;
  Value::Type t = o.value().type();
  return t == Value::Type::kInt || t == Value::Type::kBool ||
         t == Value::Type::kDouble;
}

// Whether `v` is an int or a bool.
inline bool IsInt(const Value& v) {
  return v.type() == Value::Type::kInt || v.type() == Value::Type::kBool;
}

// The value of an int or a bool.
inline int64_t AsInt(const Value& v) {
  return v.type() == Value::Type::kBool ? v.bool_value() : v.int_value();
}

// A number's value as a float.
inline double AsDouble(const Value& v) {
  return v.type() == Value::Type::kDouble ? v.double_value()
                                          : static_cast<double>(AsInt(v));
}

// How an arithmetic or comparison operator is written.
inline std::string_view OpSymbol(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kFloorDiv:
      return "//";
    case Op::kMod:
      return "%";
    case Op::kPow:
      return "**";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    default:
      return "?";
  }
}

// The type name Python uses in TypeErrors ("int", "str", "NoneType").
inline std::string PyTypeName(const Object& o) {
  std::string name = Evaluator::TypeName(o);
  if (name == "None") return "NoneType";
  if (EndsWith(name, " object")) name.resize(name.size() - 7);
  return name;
}

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_EVAL_UTIL_H_
