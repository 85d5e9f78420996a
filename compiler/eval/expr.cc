// Expressions.

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "compiler/vault/vault.h"
#include "lang/diagnostics/suggest.h"

namespace cairn::eval {
namespace {

bool IsNumber(const Value& v) {
  return v.kind() == ValueKind::kInt || v.kind() == ValueKind::kFloat;
}

double AsDouble(const Value& v) {
  return v.kind() == ValueKind::kInt ? static_cast<double>(v.int_value())
                                     : v.float_value();
}

Value KeepSecret(Value v, bool secret) { return secret ? v.AsSecret() : v; }

}  // namespace

bool Evaluator::Stringify(const Value& v, const ast::Expr& at, FileId file,
                          std::string& out) {
  switch (v.kind()) {
    case ValueKind::kString:
      out += v.string_value();
      return true;
    case ValueKind::kInt:
      StrAppend(&out, v.int_value());
      return true;
    case ValueKind::kFloat:
      StrAppend(&out, v.float_value());
      return true;
    case ValueKind::kBool:
      out += v.bool_value() ? "true" : "false";
      return true;
    case ValueKind::kUnknown:
      return false;
    default:
      Error(
          DiagnosticKind::kTypeMismatch, Range(file, at),
          StrCat("", WithArticle(v.TypeName()), " cannot be put in a string"));
      return false;
  }
}

Value Evaluator::Interpolate(const ast::StringExpr& s, const Scope& scope,
                             FileId file) {
  std::string out;
  bool secret = false;
  bool unknown = false;
  for (const ast::StringPart& part : s.parts) {
    if (part.expr == nullptr) {
      out.append(part.text);
      continue;
    }
    Value v = Eval(*part.expr, scope, file);
    secret |= v.secret();
    if (!Stringify(v, *part.expr, file, out)) unknown = true;
  }
  if (unknown) return Value::Unknown();
  return Value::String(std::move(out), secret);
}

Value Evaluator::Eval(const ast::Expr& e, const Scope& scope, FileId file) {
  switch (e.kind) {
    case ast::ExprKind::kInt:
      return Value::Int(static_cast<const ast::IntExpr&>(e).value);
    case ast::ExprKind::kFloat:
      return Value::Float(static_cast<const ast::FloatExpr&>(e).value);
    case ast::ExprKind::kString:
      return Interpolate(static_cast<const ast::StringExpr&>(e), scope, file);
    case ast::ExprKind::kBool:
      return Value::Bool(static_cast<const ast::BoolExpr&>(e).value);
    case ast::ExprKind::kNull:
      return Value::Null();
    case ast::ExprKind::kError:
      return Value::Unknown();
    case ast::ExprKind::kParen:
      return Eval(*static_cast<const ast::ParenExpr&>(e).inner, scope, file);
    case ast::ExprKind::kName: {
      std::string_view name = static_cast<const ast::NameExpr&>(e).name;
      if (const Value* v = scope.Find(name)) return *v;
      if (const Value* v = Global(name, file)) return *v;
      // Built-in functions; a let or param of the same name hides one.
      if (IsBuiltin(name)) return Value::Function(std::string(name));
      // The host whose resources are being evaluated, in its body and in
      // the roles it uses: self.name, self.address.
      if (name == "self" && !current_host_.empty()) {
        return Value::Resource("host", current_host_);
      }
      if (name == "host" || KindMessage(name) != nullptr) {
        return Value::Kind(std::string(name));
      }
      std::vector<std::string_view> names;
      scope.Names(names);
      for (const auto& [n, g] : units_[UnitOf(file)].globals) {
        names.push_back(n);
      }
      for (const auto& [n, m] : units_[UnitOf(file)].imports) {
        names.push_back(n);
      }
      for (const auto& [n, m] : kinds_) names.push_back(n);
      Diagnostic& d = Error(DiagnosticKind::kUnknownName, Range(file, e),
                            StrCat("unknown name '", name, "'"));
      std::string match = ClosestMatch(name, names);
      if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
      return Value::Unknown();
    }
    case ast::ExprKind::kList: {
      List items;
      bool unknown = false;
      for (const ast::Expr* item : static_cast<const ast::ListExpr&>(e).items) {
        items.push_back(Eval(*item, scope, file));
        unknown |= items.back().is_unknown();
      }
      // A mistake inside was reported; the list is unknown, not wrong.
      if (unknown) return Value::Unknown();
      return Value::MakeList(std::move(items));
    }
    case ast::ExprKind::kMap: {
      Map entries;
      bool unknown = false;
      for (const ast::MapEntry& entry :
           static_cast<const ast::MapExpr&>(e).entries) {
        std::string key;
        if (entry.key->kind == ast::ExprKind::kName) {
          key = std::string(static_cast<const ast::NameExpr*>(entry.key)->name);
        } else {
          Value k = Eval(*entry.key, scope, file);
          if (k.kind() != ValueKind::kString) continue;
          key = k.string_value();
        }
        Value value = Eval(*entry.value, scope, file);
        unknown |= value.is_unknown();
        bool duplicate = false;
        for (auto& existing : entries) {
          if (existing.first == key) {
            Error(DiagnosticKind::kDuplicateDefinition, Range(file, *entry.key),
                  StrCat("key '", key, "' appears twice in this map"));
            duplicate = true;
          }
        }
        if (!duplicate) entries.emplace_back(std::move(key), std::move(value));
      }
      if (unknown) return Value::Unknown();
      return Value::MakeMap(std::move(entries));
    }
    case ast::ExprKind::kComprehension: {
      auto& c = static_cast<const ast::ComprehensionExpr&>(e);
      Value items = Eval(*c.iterable, scope, file);
      List out;
      auto visit = [&](Value key, Value value) {
        Scope inner(&scope);
        inner.Define(std::string(c.key.name), key);
        if (!c.value_var.empty()) {
          inner.Define(std::string(c.value_var.name), value);
        }
        if (c.condition != nullptr) {
          Value keep = Eval(*c.condition, inner, file);
          if (keep.kind() != ValueKind::kBool) {
            if (!keep.is_unknown()) {
              Error(DiagnosticKind::kTypeMismatch, Range(file, *c.condition),
                    StrCat("the condition needs a bool, not ",
                           WithArticle(keep.TypeName())));
            }
            return false;
          }
          if (!keep.bool_value()) return true;
        }
        out.push_back(Eval(*c.value, inner, file));
        return true;
      };
      if (items.kind() == ValueKind::kList && c.value_var.empty()) {
        for (const Value& item : items.list()) {
          if (!visit(item, Value())) break;
        }
      } else if (items.kind() == ValueKind::kMap) {
        for (const auto& [k, v] : items.map()) {
          if (!visit(Value::String(k), v)) break;
        }
      } else if (!items.is_unknown()) {
        Error(DiagnosticKind::kTypeMismatch, Range(file, *c.iterable),
              StrCat("for needs a list", c.value_var.empty() ? " or a map" : "",
                     " here, not ", WithArticle(items.TypeName())));
        return Value::Unknown();
      }
      return Value::MakeList(std::move(out));
    }
    case ast::ExprKind::kMember: {
      auto& m = static_cast<const ast::MemberExpr&>(e);
      return Member(Eval(*m.object, scope, file), m.member, e, file);
    }
    case ast::ExprKind::kIndex: {
      auto& ix = static_cast<const ast::IndexExpr&>(e);
      Value object = Eval(*ix.object, scope, file);
      Value index = Eval(*ix.index, scope, file);
      // `file` is a function and a kind: file["/etc/motd"] is the kind.
      if (object.kind() == ValueKind::kFunction &&
          KindMessage(object.string_value()) != nullptr) {
        object = Value::Kind(object.string_value());
      }
      if (object.is_unknown() || index.is_unknown()) return Value::Unknown();
      if (object.kind() == ValueKind::kList &&
          index.kind() == ValueKind::kInt) {
        int64_t i = index.int_value();
        int64_t n = static_cast<int64_t>(object.list().size());
        if (i < 0 || i >= n) {
          Error(DiagnosticKind::kInvalidValue, Range(file, *ix.index),
                StrCat("index ", i, " is out of range: the list has ", n,
                       n == 1 ? " item" : " items"));
          return Value::Unknown();
        }
        return object.list()[i];
      }
      if (index.kind() == ValueKind::kString &&
          (object.kind() == ValueKind::kMap ||
           object.kind() == ValueKind::kKind)) {
        ast::Ident key{index.string_value(), ix.index->begin, ix.index->end};
        return Member(object, key, e, file);
      }
      Error(DiagnosticKind::kTypeMismatch, Range(file, e),
            StrCat("cannot index ", WithArticle(object.TypeName()), " with ",
                   WithArticle(index.TypeName())));
      return Value::Unknown();
    }
    case ast::ExprKind::kCall:
      return Call(static_cast<const ast::CallExpr&>(e), scope, file);
    case ast::ExprKind::kUnary: {
      auto& u = static_cast<const ast::UnaryExpr&>(e);
      Value v = Eval(*u.operand, scope, file);
      if (v.is_unknown()) return v;
      if (u.op == ast::UnaryOp::kNot && v.kind() == ValueKind::kBool) {
        return Value::Bool(!v.bool_value());
      }
      if (u.op == ast::UnaryOp::kNeg && v.kind() == ValueKind::kInt) {
        return Value::Int(-v.int_value());
      }
      if (u.op == ast::UnaryOp::kNeg && v.kind() == ValueKind::kFloat) {
        return Value::Float(-v.float_value());
      }
      Error(DiagnosticKind::kTypeMismatch, Range(file, e),
            StrCat("'", ast::UnaryOpSpelling(u.op), "' needs a ",
                   u.op == ast::UnaryOp::kNot ? "bool" : "number", ", not ",
                   WithArticle(v.TypeName())));
      return Value::Unknown();
    }
    case ast::ExprKind::kBinary: {
      auto& b = static_cast<const ast::BinaryExpr&>(e);
      Value lhs = Eval(*b.lhs, scope, file);
      // && and || evaluate their right side only when needed.
      if (b.op == ast::BinaryOp::kAnd || b.op == ast::BinaryOp::kOr) {
        if (lhs.is_unknown()) return lhs;
        if (lhs.kind() != ValueKind::kBool) {
          Error(DiagnosticKind::kTypeMismatch, Range(file, *b.lhs),
                StrCat("'", ast::BinaryOpSpelling(b.op), "' needs bools, not ",
                       WithArticle(lhs.TypeName())));
          return Value::Unknown();
        }
        if (lhs.bool_value() == (b.op == ast::BinaryOp::kOr)) return lhs;
        Value rhs = Eval(*b.rhs, scope, file);
        if (!rhs.is_unknown() && rhs.kind() != ValueKind::kBool) {
          Error(DiagnosticKind::kTypeMismatch, Range(file, *b.rhs),
                StrCat("'", ast::BinaryOpSpelling(b.op), "' needs bools, not ",
                       WithArticle(rhs.TypeName())));
          return Value::Unknown();
        }
        return rhs;
      }
      Value rhs = Eval(*b.rhs, scope, file);
      if (lhs.is_unknown() || rhs.is_unknown()) return Value::Unknown();
      bool secret = lhs.secret() || rhs.secret();
      auto mismatch = [&]() {
        Error(DiagnosticKind::kTypeMismatch, Range(file, e),
              StrCat("'", ast::BinaryOpSpelling(b.op), "' cannot combine a ",
                     lhs.TypeName(), " and ", WithArticle(rhs.TypeName())));
        return Value::Unknown();
      };
      switch (b.op) {
        case ast::BinaryOp::kEq:
          return Value::Bool(lhs == rhs);
        case ast::BinaryOp::kNe:
          return Value::Bool(!(lhs == rhs));
        case ast::BinaryOp::kIn:
          if (rhs.kind() == ValueKind::kList) {
            for (const Value& item : rhs.list()) {
              if (item == lhs) return Value::Bool(true);
            }
            return Value::Bool(false);
          }
          if (rhs.kind() == ValueKind::kMap &&
              lhs.kind() == ValueKind::kString) {
            return Value::Bool(rhs.Find(lhs.string_value()) != nullptr);
          }
          if (rhs.kind() == ValueKind::kString &&
              lhs.kind() == ValueKind::kString) {
            return Value::Bool(rhs.string_value().find(lhs.string_value()) !=
                               std::string::npos);
          }
          return mismatch();
        case ast::BinaryOp::kAdd:
          if (lhs.kind() == ValueKind::kString &&
              rhs.kind() == ValueKind::kString) {
            return Value::String(lhs.string_value() + rhs.string_value(),
                                 secret);
          }
          if (lhs.kind() == ValueKind::kList &&
              rhs.kind() == ValueKind::kList) {
            List items = lhs.list();
            items.insert(items.end(), rhs.list().begin(), rhs.list().end());
            return Value::MakeList(std::move(items));
          }
          if (lhs.kind() == ValueKind::kMap && rhs.kind() == ValueKind::kMap) {
            // Defaults + overrides: the right side's entries win, in the
            // left side's order, then the right side's new keys.
            Map entries = lhs.map();
            for (const auto& [key, value] : rhs.map()) {
              auto it = std::find_if(
                  entries.begin(), entries.end(),
                  [&](const auto& entry) { return entry.first == key; });
              if (it != entries.end()) {
                it->second = value;
              } else {
                entries.emplace_back(key, value);
              }
            }
            return Value::MakeMap(std::move(entries));
          }
          [[fallthrough]];
        case ast::BinaryOp::kSub:
        case ast::BinaryOp::kMul:
        case ast::BinaryOp::kDiv:
        case ast::BinaryOp::kMod: {
          if (!IsNumber(lhs) || !IsNumber(rhs)) return mismatch();
          if (lhs.kind() == ValueKind::kInt && rhs.kind() == ValueKind::kInt) {
            int64_t a = lhs.int_value(), c = rhs.int_value(), r = 0;
            bool overflow = false;
            switch (b.op) {
              case ast::BinaryOp::kAdd:
                overflow = __builtin_add_overflow(a, c, &r);
                break;
              case ast::BinaryOp::kSub:
                overflow = __builtin_sub_overflow(a, c, &r);
                break;
              case ast::BinaryOp::kMul:
                overflow = __builtin_mul_overflow(a, c, &r);
                break;
              default:
                if (c == 0) {
                  Error(DiagnosticKind::kInvalidValue, Range(file, *b.rhs),
                        "division by zero");
                  return Value::Unknown();
                }
                if (a == INT64_MIN && c == -1) {
                  overflow = true;
                } else {
                  r = b.op == ast::BinaryOp::kDiv ? a / c : a % c;
                }
            }
            if (overflow) {
              Error(DiagnosticKind::kInvalidValue, Range(file, e),
                    "the result does not fit in 64 bits");
              return Value::Unknown();
            }
            return KeepSecret(Value::Int(r), secret);
          }
          double a = AsDouble(lhs), c = AsDouble(rhs);
          switch (b.op) {
            case ast::BinaryOp::kAdd:
              return KeepSecret(Value::Float(a + c), secret);
            case ast::BinaryOp::kSub:
              return KeepSecret(Value::Float(a - c), secret);
            case ast::BinaryOp::kMul:
              return KeepSecret(Value::Float(a * c), secret);
            default:
              if (c == 0) {
                Error(DiagnosticKind::kInvalidValue, Range(file, *b.rhs),
                      "division by zero");
                return Value::Unknown();
              }
              if (b.op == ast::BinaryOp::kMod) return mismatch();
              return KeepSecret(Value::Float(a / c), secret);
          }
        }
        case ast::BinaryOp::kLt:
        case ast::BinaryOp::kLe:
        case ast::BinaryOp::kGt:
        case ast::BinaryOp::kGe: {
          int order;
          if (IsNumber(lhs) && IsNumber(rhs)) {
            double a = AsDouble(lhs), c = AsDouble(rhs);
            order = a < c ? -1 : a > c ? 1 : 0;
          } else if (lhs.kind() == ValueKind::kString &&
                     rhs.kind() == ValueKind::kString) {
            order = lhs.string_value().compare(rhs.string_value());
          } else {
            return mismatch();
          }
          bool result = b.op == ast::BinaryOp::kLt   ? order < 0
                        : b.op == ast::BinaryOp::kLe ? order <= 0
                        : b.op == ast::BinaryOp::kGt ? order > 0
                                                     : order >= 0;
          return Value::Bool(result);
        }
        case ast::BinaryOp::kAnd:
        case ast::BinaryOp::kOr:
          break;  // Handled above.
      }
      return Value::Unknown();
    }
    case ast::ExprKind::kConditional: {
      auto& c = static_cast<const ast::ConditionalExpr&>(e);
      Value cond = Eval(*c.condition, scope, file);
      if (cond.is_unknown()) return cond;
      if (cond.kind() != ValueKind::kBool) {
        Error(DiagnosticKind::kTypeMismatch, Range(file, *c.condition),
              StrCat("the condition needs a bool, not ",
                     WithArticle(cond.TypeName())));
        return Value::Unknown();
      }
      return Eval(cond.bool_value() ? *c.then_value : *c.else_value, scope,
                  file);
    }
  }
  return Value::Unknown();
}

Value Evaluator::Member(const Value& object, const ast::Ident& member,
                        const ast::Expr& e, FileId file) {
  std::string name(member.name);
  SourceRange at = Range(file, member.begin, member.end);
  if (object.kind() == ValueKind::kFunction &&
      KindMessage(object.string_value()) != nullptr) {
    return Member(Value::Kind(object.string_value()), member, e, file);
  }
  switch (object.kind()) {
    case ValueKind::kUnknown:
      return object;
    case ValueKind::kMap: {
      if (const Value* v = object.Find(name)) return *v;
      std::vector<std::string_view> keys;
      for (const auto& entry : object.map()) keys.push_back(entry.first);
      Diagnostic& d = Error(DiagnosticKind::kInvalidValue, at,
                            StrCat("the map has no key '", name, "'"));
      std::string match = ClosestMatch(name, keys);
      if (!match.empty()) {
        d.help = StrCat("did you mean '", match, "'?");
      } else if (!keys.empty() && keys.size() <= 10) {
        d.help = StrCat("its keys are ", StrJoin(keys, ", "));
      }
      return Value::Unknown();
    }
    case ValueKind::kModule: {
      uint32_t unit = static_cast<uint32_t>(object.index());
      auto it = units_[unit].globals.find(name);
      if (it != units_[unit].globals.end()) {
        if (const Value* v = UnitGlobal(unit, name)) return *v;
      }
      std::vector<std::string_view> names;
      for (const auto& [n, g] : units_[unit].globals) names.push_back(n);
      Diagnostic& d = Error(DiagnosticKind::kUnknownName, at,
                            StrCat("module '", object.string_value(),
                                   "' has no role or let '", name, "'"));
      std::string match = ClosestMatch(name, names);
      if (!match.empty()) {
        d.help = StrCat("did you mean '", match, "'?");
      } else if (!names.empty() && names.size() <= 10) {
        d.help = StrCat("it has ", StrJoin(names, ", "));
      }
      return Value::Unknown();
    }
    case ValueKind::kKind:
      if (object.string_value() == "host") {
        if (hosts_.count(name)) return Value::Resource("host", name);
        std::vector<std::string_view> names;
        for (const auto& [n, h] : hosts_) names.push_back(n);
        Diagnostic& d = Error(DiagnosticKind::kUnknownName, at,
                              StrCat("no host is named '", name, "'"));
        std::string match = ClosestMatch(name, names);
        if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
        return Value::Unknown();
      }
      return Value::Resource(object.string_value(), name);
    case ValueKind::kResource:
      if (object.resource_kind() == "host") {
        return HostAttribute(object.resource_id(), member, file);
      }
      if (object.resource_action().empty()) {
        return Value::Resource(object.resource_kind(), object.resource_id(),
                               name);
      }
      break;
    default:
      break;
  }
  Error(DiagnosticKind::kTypeMismatch, Range(file, e),
        StrCat("", WithArticle(object.TypeName()), " has no member '", name,
               "'"));
  (void)e;
  return Value::Unknown();
}

}  // namespace cairn::eval
