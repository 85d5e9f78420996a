#include "compiler/eval/value.h"

#include "base/strings.h"

namespace cairn::eval {
namespace {

const List& EmptyList() {
  static const List* empty = new List();
  return *empty;
}

const Map& EmptyMap() {
  static const Map* empty = new Map();
  return *empty;
}

void DescribeTo(std::string& out, const Value& v, size_t budget) {
  if (v.secret()) {
    out += "(secret)";
    return;
  }
  if (out.size() > budget) {
    out += "...";
    return;
  }
  switch (v.kind()) {
    case ValueKind::kUnknown:
      out += "(unknown)";
      return;
    case ValueKind::kNull:
      out += "null";
      return;
    case ValueKind::kBool:
      out += v.bool_value() ? "true" : "false";
      return;
    case ValueKind::kInt:
      StrAppend(&out, v.int_value());
      return;
    case ValueKind::kFloat:
      StrAppend(&out, v.float_value());
      return;
    case ValueKind::kString: {
      std::string_view s = v.string_value();
      out += '"';
      if (s.size() > 60) {
        StrAppend(&out, s.substr(0, 57), "...");
      } else {
        out.append(s);
      }
      out += '"';
      return;
    }
    case ValueKind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : v.list()) {
        if (!first) out += ", ";
        first = false;
        DescribeTo(out, item, budget);
        if (out.size() > budget) {
          out += ", ...";
          break;
        }
      }
      out += ']';
      return;
    }
    case ValueKind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.map()) {
        if (!first) out += ", ";
        first = false;
        StrAppend(&out, key, ": ");
        DescribeTo(out, value, budget);
        if (out.size() > budget) {
          out += ", ...";
          break;
        }
      }
      out += '}';
      return;
    }
    case ValueKind::kResource:
      StrAppend(&out, v.resource_kind(), ".", v.resource_id());
      if (!v.resource_action().empty())
        StrAppend(&out, ".", v.resource_action());
      return;
    case ValueKind::kKind:
    case ValueKind::kRole:
    case ValueKind::kModule:
    case ValueKind::kFunction:
      out += v.string_value();
      return;
  }
}

}  // namespace

Value Value::Bool(bool b) {
  Value v(ValueKind::kBool);
  v.int_ = b ? 1 : 0;
  return v;
}

Value Value::Int(int64_t i) {
  Value v(ValueKind::kInt);
  v.int_ = i;
  return v;
}

Value Value::Float(double d) {
  Value v(ValueKind::kFloat);
  v.float_ = d;
  return v;
}

Value Value::String(std::string s, bool secret) {
  Value v(ValueKind::kString);
  v.text_ = std::move(s);
  v.secret_ = secret;
  return v;
}

Value Value::MakeList(List items) {
  Value v(ValueKind::kList);
  for (const Value& item : items) v.secret_ |= item.secret();
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}

Value Value::MakeMap(Map entries) {
  Value v(ValueKind::kMap);
  for (const auto& entry : entries) v.secret_ |= entry.second.secret();
  v.map_ = std::make_shared<const Map>(std::move(entries));
  return v;
}

Value Value::Resource(std::string kind, std::string id, std::string action) {
  Value v(ValueKind::kResource);
  v.text_ = std::move(kind);
  v.id_ = std::move(id);
  v.action_ = std::move(action);
  return v;
}

Value Value::Kind(std::string kind) {
  Value v(ValueKind::kKind);
  v.text_ = std::move(kind);
  return v;
}

Value Value::Role(size_t index, std::string name) {
  Value v(ValueKind::kRole);
  v.int_ = static_cast<int64_t>(index);
  v.text_ = std::move(name);
  return v;
}

Value Value::Module(size_t index, std::string name) {
  Value v(ValueKind::kModule);
  v.int_ = static_cast<int64_t>(index);
  v.text_ = std::move(name);
  return v;
}

Value Value::Function(std::string name) {
  Value v(ValueKind::kFunction);
  v.text_ = std::move(name);
  return v;
}

Value Value::AsSecret() const {
  Value v = *this;
  v.secret_ = true;
  return v;
}

const List& Value::list() const { return list_ ? *list_ : EmptyList(); }
const Map& Value::map() const { return map_ ? *map_ : EmptyMap(); }

const Value* Value::Find(std::string_view key) const {
  for (const auto& [k, v] : map()) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Value::TypeName() const {
  switch (kind_) {
    case ValueKind::kUnknown:
      return "unknown";
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kString:
      return secret_ ? "secret string" : "string";
    case ValueKind::kList:
      return "list";
    case ValueKind::kMap:
      return "map";
    case ValueKind::kResource:
      return "resource reference";
    case ValueKind::kKind:
      return "resource kind";
    case ValueKind::kRole:
      return "role";
    case ValueKind::kModule:
      return "module";
    case ValueKind::kFunction:
      return "function";
  }
  return "unknown";
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_ || a.is_unknown()) return false;
  switch (a.kind_) {
    case ValueKind::kUnknown:
      return false;
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
    case ValueKind::kInt:
      return a.int_ == b.int_;
    case ValueKind::kFloat:
      return a.float_ == b.float_;
    case ValueKind::kString:
    case ValueKind::kKind:
    case ValueKind::kFunction:
      return a.text_ == b.text_;
    case ValueKind::kRole:
    case ValueKind::kModule:
      return a.int_ == b.int_;
    case ValueKind::kList:
      return a.list() == b.list();
    case ValueKind::kMap:
      return a.map() == b.map();
    case ValueKind::kResource:
      return a.text_ == b.text_ && a.id_ == b.id_ && a.action_ == b.action_;
  }
  return false;
}

std::string WithArticle(std::string_view type_name) {
  bool vowel =
      !type_name.empty() &&
      std::string_view("aeiou").find(type_name[0]) != std::string_view::npos;
  return StrCat(vowel ? "an " : "a ", type_name);
}

std::string Describe(const Value& value) {
  std::string out;
  DescribeTo(out, value, 80);
  return out;
}

}  // namespace cairn::eval
