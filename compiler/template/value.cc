#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/template.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja {

struct Value::ListRep {
  std::vector<Value> items;
  bool tuple = false;
};

struct Value::MapRep {
  std::vector<Entry> entries;
  // Key to position in `entries`, for maps too long to search linearly. The
  // keys point into `entries`, which never changes once built.
  std::unordered_map<std::string_view, size_t> index;
};

namespace {

constexpr size_t kIndexThreshold = 8;

const std::vector<Value>& EmptyItems() {
  static const auto* empty = new std::vector<Value>();
  return *empty;
}

const std::vector<Value::Entry>& EmptyEntries() {
  static const auto* empty = new std::vector<Value::Entry>();
  return *empty;
}

}  // namespace

Value::Value(std::string s)
    : rep_(std::make_shared<const std::string>(std::move(s))) {}

Value Value::List(std::vector<Value> items) {
  auto rep = std::make_shared<ListRep>();
  rep->items = std::move(items);
  Value v;
  v.rep_ = std::shared_ptr<const ListRep>(std::move(rep));
  return v;
}

Value Value::Map(std::vector<Entry> entries) {
  auto rep = std::make_shared<MapRep>();
  rep->entries.reserve(entries.size());
  // Deduplicate first, so that the index can point into the final vector.
  std::unordered_map<std::string, size_t> seen;
  for (Entry& e : entries) {
    auto [it, inserted] = seen.emplace(e.first, rep->entries.size());
    if (inserted) {
      rep->entries.push_back(std::move(e));
    } else {
      rep->entries[it->second].second = std::move(e.second);
    }
  }
  if (rep->entries.size() > kIndexThreshold) {
    rep->index.reserve(rep->entries.size());
    for (size_t i = 0; i < rep->entries.size(); ++i) {
      rep->index.emplace(rep->entries[i].first, i);
    }
  }
  Value v;
  v.rep_ = std::shared_ptr<const MapRep>(std::move(rep));
  return v;
}

Value::Type Value::type() const {
  switch (rep_.index()) {
    case 0:
      return Type::kNull;
    case 1:
      return Type::kBool;
    case 2:
      return Type::kInt;
    case 3:
      return Type::kDouble;
    case 4:
      return Type::kString;
    case 5:
      return Type::kList;
    default:
      return Type::kMap;
  }
}

const std::string& Value::string_value() const {
  return *std::get<std::shared_ptr<const std::string>>(rep_);
}

const std::vector<Value>& Value::items() const {
  if (auto* list = std::get_if<std::shared_ptr<const ListRep>>(&rep_)) {
    return (*list)->items;
  }
  return EmptyItems();
}

const std::vector<Value::Entry>& Value::entries() const {
  if (auto* map = std::get_if<std::shared_ptr<const MapRep>>(&rep_)) {
    return (*map)->entries;
  }
  return EmptyEntries();
}

const Value* Value::Find(std::string_view key) const {
  auto* map = std::get_if<std::shared_ptr<const MapRep>>(&rep_);
  if (map == nullptr) return nullptr;
  const MapRep& rep = **map;
  if (!rep.index.empty()) {
    auto it = rep.index.find(key);
    return it == rep.index.end() ? nullptr : &rep.entries[it->second].second;
  }
  for (const Entry& e : rep.entries) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

std::string TemplateError::ToString() const {
  return StrCat("line ", line, ", column ", column, ": ", message);
}

}  // namespace cairn::jinja

namespace cairn::jinja_internal {

using jinja::Value;

Value ValueAccess::Tuple(std::vector<Value> items) {
  auto rep = std::make_shared<Value::ListRep>();
  rep->items = std::move(items);
  rep->tuple = true;
  Value v;
  v.rep_ = std::shared_ptr<const Value::ListRep>(std::move(rep));
  return v;
}

bool ValueAccess::IsTuple(const Value& v) {
  auto* list = std::get_if<std::shared_ptr<const Value::ListRep>>(&v.rep_);
  return list != nullptr && (*list)->tuple;
}

}  // namespace cairn::jinja_internal
