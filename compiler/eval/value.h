#ifndef CAIRN_COMPILER_EVAL_VALUE_H_
#define CAIRN_COMPILER_EVAL_VALUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::eval {

class Value;
using List = std::vector<Value>;
// A map keeps the order its keys were written in.
using Map = std::vector<std::pair<std::string, Value>>;

enum class ValueKind {
  kUnknown,  // The result of a mistake already reported: absorbs everything.
  kNull,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kMap,
  kResource,  // A reference: service.nginx, service.nginx.reload, host.web1.
  kKind,      // A kind used as a namespace: `service` in service.nginx.
  kRole,      // A role, to apply with `use`.
  kModule,    // An imported module, as a namespace.
  kFunction,  // A built-in function: file, template, vault, env.
};

// A value of the language. Strings, lists and maps remember whether a
// secret went into them; such a value is never shown, only fingerprinted.
// Copies are cheap: lists and maps are shared.
class Value {
 public:
  Value() : kind_(ValueKind::kUnknown) {}

  static Value Unknown() { return Value(); }
  static Value Null() { return Value(ValueKind::kNull); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double d);
  static Value String(std::string s, bool secret = false);
  static Value MakeList(List items);
  static Value MakeMap(Map entries);
  // kind.id, or kind.id.action; `kind` alone for a namespace.
  static Value Resource(std::string kind, std::string id,
                        std::string action = "");
  static Value Kind(std::string kind);
  // `index` identifies the role, module or function to its owner.
  static Value Role(size_t index, std::string name);
  static Value Module(size_t index, std::string name);
  static Value Function(std::string name);

  ValueKind kind() const { return kind_; }
  bool is_unknown() const { return kind_ == ValueKind::kUnknown; }
  bool secret() const { return secret_; }
  Value AsSecret() const;

  bool bool_value() const { return int_ != 0; }
  int64_t int_value() const { return int_; }
  double float_value() const { return float_; }
  // The string of a kString; the name of a role, module, function or kind;
  // the kind of a resource.
  const std::string& string_value() const { return text_; }
  const List& list() const;
  const Map& map() const;
  // For kResource.
  const std::string& resource_kind() const { return text_; }
  const std::string& resource_id() const { return id_; }
  const std::string& resource_action() const { return action_; }
  // For kRole and kModule.
  size_t index() const { return static_cast<size_t>(int_); }

  // The entry of a map, or nullptr.
  const Value* Find(std::string_view key) const;

  // The type as messages name it: "string", "list", "resource reference".
  std::string TypeName() const;

  // Structural equality; unknown equals nothing.
  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(ValueKind kind) : kind_(kind) {}

  ValueKind kind_;
  bool secret_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string text_;
  std::string id_;
  std::string action_;
  std::shared_ptr<const List> list_;
  std::shared_ptr<const Map> map_;
};

// "a string", "an int": a type name with its article.
std::string WithArticle(std::string_view type_name);

// How a value reads in a message: `"web"`, `[1, 2]`, `(secret)`; long
// values are cut. Never shows a secret.
std::string Describe(const Value& value);

}  // namespace cairn::eval

#endif  // CAIRN_COMPILER_EVAL_VALUE_H_
