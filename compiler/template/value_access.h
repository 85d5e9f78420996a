#ifndef CAIRN_COMPILER_TEMPLATE_VALUE_ACCESS_H_
#define CAIRN_COMPILER_TEMPLATE_VALUE_ACCESS_H_

// What the engine knows about a Value beyond the public interface: a list
// can be a tuple, which prints as (1, 2) instead of [1, 2]. Internal to the
// package.

#include <vector>

#include "compiler/template/template.h"

namespace cairn::jinja_internal {

struct ValueAccess {
  // A tuple of `items`.
  static jinja::Value Tuple(std::vector<jinja::Value> items);
  // Whether `v` is a list created as a tuple.
  static bool IsTuple(const jinja::Value& v);
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_VALUE_ACCESS_H_
