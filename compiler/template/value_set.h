#ifndef CAIRN_COMPILER_TEMPLATE_VALUE_SET_H_
#define CAIRN_COMPILER_TEMPLATE_VALUE_SET_H_

// A set of values compared with Python's == (Evaluator::Equal): 1, 1.0 and
// True are one element, and dicts are equal in any order. For unique, the
// set filters and combine's list merges, in time linear in the input.
// Internal to the package.

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "compiler/template/template.h"

namespace cairn::jinja_internal {

// Whether Python can hash `v`: not lists and dicts, and tuples only when
// their items can be.
bool PyHashable(const jinja::Value& v);

class ValueSet {
 public:
  ValueSet() = default;
  // A set holding `values`.
  explicit ValueSet(const std::vector<jinja::Value>& values);

  // Adds `v`; returns whether no equal value was there.
  bool Insert(const jinja::Value& v);
  // Whether a value equal to `v` is there.
  bool Contains(const jinja::Value& v) const;

 private:
  std::unordered_map<size_t, std::vector<jinja::Value>> buckets_;
};

// `items` without the ones equal to an earlier one.
std::vector<jinja::Value> Deduplicate(std::vector<jinja::Value> items);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_VALUE_SET_H_
