#ifndef CAIRN_COMPILER_TEMPLATE_OBJECT_H_
#define CAIRN_COMPILER_TEMPLATE_OBJECT_H_

// What an expression evaluates to: a Value, or one of the few things that
// exist only while rendering: an undefined variable (which fails when used,
// like Ansible's StrictUndefined), a lazy range(), a view of a dict
// (.keys(), .values(), .items()), a for loop's `loop`, or a list that holds
// undefined elements (what map(attribute='x') makes of items without x,
// for select('defined') to drop). Internal.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/template/source_error.h"
#include "compiler/template/template.h"

namespace cairn::jinja_internal {

using jinja::Value;

class Object {
 public:
  enum class Kind {
    kValue,
    kUndefined,
    kRange,
    kKeys,
    kValues,
    kItems,
    kLoop,
    kList,
  };

  // A plain value.
  Object(Value value) : value_(std::move(value)) {}  // NOLINT: implicit.
  Object() = default;

  // An undefined value with the message it fails with, and where it arose.
  // A lenient one (what `x if c` gives when c is false: Jinja2's plain
  // Undefined, not Ansible's strict one) prints as nothing, is false, empty
  // and of length 0, and fails only on other uses.
  // `name` is the variable, attribute or key that was missing, if any.
  static Object Undefined(std::string message, Span span, bool lenient = false,
                          std::string name = "") {
    Object o;
    o.kind_ = Kind::kUndefined;
    o.message_ = std::make_shared<const std::string>(std::move(message));
    if (!name.empty()) {
      o.name_ = std::make_shared<const std::string>(std::move(name));
    }
    o.span_ = span;
    o.a_ = lenient;
    return o;
  }
  // range(start, stop, step); step is not 0.
  static Object Range(int64_t start, int64_t stop, int64_t step) {
    Object o;
    o.kind_ = Kind::kRange;
    o.a_ = start;
    o.b_ = stop;
    o.c_ = step;
    return o;
  }
  // A view (kKeys, kValues or kItems) of `map`.
  static Object View(Kind kind, Value map) {
    Object o(std::move(map));
    o.kind_ = kind;
    return o;
  }
  // The `loop` variable of iteration `index0` of `length`.
  static Object Loop(int64_t index0, int64_t length) {
    Object o;
    o.kind_ = Kind::kLoop;
    o.a_ = index0;
    o.b_ = length;
    return o;
  }

  // A list of `elements`, some of them (strictly) undefined, the others
  // values. Like Ansible's lists holding AnsibleUndefined, it can be
  // counted, indexed and iterated, and fails when converted or printed.
  // Evaluator::MakeList builds a plain value instead when nothing is
  // undefined.
  static Object List(std::vector<Object> elements) {
    Object o;
    o.kind_ = Kind::kList;
    o.elements_ =
        std::make_shared<const std::vector<Object>>(std::move(elements));
    return o;
  }

  Kind kind() const { return kind_; }
  bool is_value() const { return kind_ == Kind::kValue; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_lenient_undefined() const {
    return kind_ == Kind::kUndefined && a_ != 0;
  }

  // The value (kValue), or the map a view looks at.
  const Value& value() const { return value_; }
  // kUndefined: what it fails with and where it arose.
  const std::string& message() const { return *message_; }
  // kUndefined: what was missing (Jinja2's _undefined_name), or "".
  std::string undefined_name() const { return name_ ? *name_ : ""; }
  Span span() const { return span_; }
  // kRange.
  int64_t start() const { return a_; }
  int64_t stop() const { return b_; }
  int64_t step() const { return c_; }
  // The number of elements of a range.
  int64_t RangeLength() const {
    uint64_t span, step;
    if (c_ > 0) {
      if (a_ >= b_) return 0;
      span = static_cast<uint64_t>(b_) - static_cast<uint64_t>(a_);
      step = static_cast<uint64_t>(c_);
    } else {
      if (a_ <= b_) return 0;
      span = static_cast<uint64_t>(a_) - static_cast<uint64_t>(b_);
      step = 0 - static_cast<uint64_t>(c_);
    }
    uint64_t n = (span - 1) / step + 1;
    return n > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                : static_cast<int64_t>(n);
  }
  // Element `i` (0 <= i < RangeLength()) of a range.
  int64_t RangeAt(int64_t i) const {
    return static_cast<int64_t>(static_cast<uint64_t>(a_) +
                                static_cast<uint64_t>(i) *
                                    static_cast<uint64_t>(c_));
  }
  // kList.
  const std::vector<Object>& elements() const { return *elements_; }
  // kLoop.
  int64_t index0() const { return a_; }
  int64_t length() const { return b_; }

 private:
  Kind kind_ = Kind::kValue;
  Value value_;
  std::shared_ptr<const std::string> message_;
  std::shared_ptr<const std::string> name_;
  std::shared_ptr<const std::vector<Object>> elements_;
  Span span_;
  int64_t a_ = 0;
  int64_t b_ = 0;
  int64_t c_ = 0;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_OBJECT_H_
