// Python's == as a hash set: a hash that agrees with Evaluator::Equal.

#include "compiler/template/value_set.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/template/evaluator.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {
namespace {

using Type = Value::Type;

// A hash that agrees with Evaluator::Equal: numbers hash by value, dicts
// by their entries in any order. Deep values hash by their top levels.
size_t Hash(const Value& v, int depth = 0) {
  constexpr size_t kMix = 0x9e3779b97f4a7c15ull;
  switch (v.type()) {
    case Type::kNull:
      return 0x51ed27;
    case Type::kBool:
      return std::hash<int64_t>()(v.bool_value());
    case Type::kInt:
      return std::hash<int64_t>()(v.int_value());
    case Type::kDouble: {
      double d = v.double_value();
      if (d == std::trunc(d) && d >= -9223372036854775808.0 &&
          d < 9223372036854775808.0) {
        return std::hash<int64_t>()(static_cast<int64_t>(d));
      }
      return std::hash<double>()(d);
    }
    case Type::kString:
      return std::hash<std::string>()(v.string_value());
    case Type::kList: {
      size_t h = ValueAccess::IsTuple(v) ? 1 : 2;
      if (depth > 16) return h;
      for (const Value& item : v.items()) h = h * kMix + Hash(item, depth + 1);
      return h;
    }
    case Type::kMap: {
      size_t h = 3;
      if (depth > 16) return h;
      for (const Value::Entry& e : v.entries()) {
        h += std::hash<std::string>()(e.first) ^
             (Hash(e.second, depth + 1) * kMix);
      }
      return h;
    }
  }
  return 0;
}

}  // namespace

bool PyHashable(const Value& v) {
  if (v.type() == Type::kMap) return false;
  if (v.type() != Type::kList) return true;
  if (!ValueAccess::IsTuple(v)) return false;
  for (const Value& item : v.items()) {
    if (!PyHashable(item)) return false;
  }
  return true;
}

ValueSet::ValueSet(const std::vector<Value>& values) {
  for (const Value& v : values) Insert(v);
}

bool ValueSet::Insert(const Value& v) {
  std::vector<Value>& bucket = buckets_[Hash(v)];
  for (const Value& seen : bucket) {
    if (Evaluator::Equal(seen, v)) return false;
  }
  bucket.push_back(v);
  return true;
}

bool ValueSet::Contains(const Value& v) const {
  auto it = buckets_.find(Hash(v));
  if (it == buckets_.end()) return false;
  for (const Value& seen : it->second) {
    if (Evaluator::Equal(seen, v)) return true;
  }
  return false;
}

std::vector<Value> Deduplicate(std::vector<Value> items) {
  ValueSet seen;
  std::vector<Value> kept;
  for (Value& item : items) {
    if (seen.Insert(item)) kept.push_back(std::move(item));
  }
  return kept;
}

}  // namespace cairn::jinja_internal
