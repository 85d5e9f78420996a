#include "lang/ast/dump.h"

#include "base/strings.h"

namespace cairn::ast {
namespace {

void Type(std::string& out, const TypeExpr* type) {
  if (type == nullptr) return;
  out += type->name.name;
  if (type->args.empty()) return;
  out += '(';
  for (size_t i = 0; i < type->args.size(); ++i) {
    if (i > 0) out += ", ";
    Type(out, type->args[i]);
  }
  out += ')';
}

void ExprTo(std::string& out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInt:
      StrAppend(&out, static_cast<const IntExpr&>(e).value);
      return;
    case ExprKind::kFloat:
      StrAppend(&out, static_cast<const FloatExpr&>(e).value);
      return;
    case ExprKind::kString: {
      auto& s = static_cast<const StringExpr&>(e);
      out += s.triple ? "(text" : "(string";
      for (const StringPart& p : s.parts) {
        out += ' ';
        if (p.expr) {
          out += "${";
          ExprTo(out, *p.expr);
          out += '}';
        } else {
          out += QuotedString(p.text);
        }
      }
      out += ')';
      return;
    }
    case ExprKind::kBool:
      out += static_cast<const BoolExpr&>(e).value ? "true" : "false";
      return;
    case ExprKind::kNull:
      out += "null";
      return;
    case ExprKind::kName:
      out += static_cast<const NameExpr&>(e).name;
      return;
    case ExprKind::kList: {
      out += "[";
      auto& l = static_cast<const ListExpr&>(e);
      for (size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) out += ' ';
        ExprTo(out, *l.items[i]);
      }
      out += "]";
      return;
    }
    case ExprKind::kComprehension: {
      auto& c = static_cast<const ComprehensionExpr&>(e);
      StrAppend(&out, "(for ", c.key.name);
      if (!c.value_var.empty()) StrAppend(&out, ", ", c.value_var.name);
      out += " in ";
      ExprTo(out, *c.iterable);
      out += ": ";
      ExprTo(out, *c.value);
      if (c.condition) {
        out += " if ";
        ExprTo(out, *c.condition);
      }
      out += ')';
      return;
    }
    case ExprKind::kMap: {
      out += "{";
      auto& m = static_cast<const MapExpr&>(e);
      for (size_t i = 0; i < m.entries.size(); ++i) {
        if (i > 0) out += ' ';
        ExprTo(out, *m.entries[i].key);
        out += ": ";
        ExprTo(out, *m.entries[i].value);
      }
      out += "}";
      return;
    }
    case ExprKind::kMember: {
      auto& m = static_cast<const MemberExpr&>(e);
      out += "(. ";
      ExprTo(out, *m.object);
      StrAppend(&out, " ", m.member.name, ")");
      return;
    }
    case ExprKind::kIndex: {
      auto& i = static_cast<const IndexExpr&>(e);
      out += "(index ";
      ExprTo(out, *i.object);
      out += ' ';
      ExprTo(out, *i.index);
      out += ')';
      return;
    }
    case ExprKind::kCall: {
      auto& c = static_cast<const CallExpr&>(e);
      out += "(call ";
      ExprTo(out, *c.callee);
      for (const Arg& arg : c.args) {
        out += ' ';
        if (!arg.name.empty()) StrAppend(&out, arg.name.name, "=");
        ExprTo(out, *arg.value);
      }
      out += ')';
      return;
    }
    case ExprKind::kUnary: {
      auto& u = static_cast<const UnaryExpr&>(e);
      StrAppend(&out, "(", UnaryOpSpelling(u.op), " ");
      ExprTo(out, *u.operand);
      out += ')';
      return;
    }
    case ExprKind::kBinary: {
      auto& b = static_cast<const BinaryExpr&>(e);
      StrAppend(&out, "(", BinaryOpSpelling(b.op), " ");
      ExprTo(out, *b.lhs);
      out += ' ';
      ExprTo(out, *b.rhs);
      out += ')';
      return;
    }
    case ExprKind::kConditional: {
      auto& c = static_cast<const ConditionalExpr&>(e);
      out += "(? ";
      ExprTo(out, *c.condition);
      out += ' ';
      ExprTo(out, *c.then_value);
      out += ' ';
      ExprTo(out, *c.else_value);
      out += ')';
      return;
    }
    case ExprKind::kParen:
      out += "(paren ";
      ExprTo(out, *static_cast<const ParenExpr&>(e).inner);
      out += ')';
      return;
    case ExprKind::kError:
      out += "<error>";
      return;
  }
}

void Stmts(std::string& out, absl::Span<const Stmt* const> stmts, int indent);

void BodyTo(std::string& out, const Body& body, int indent) {
  Stmts(out, body.stmts, indent + 1);
}

void StmtTo(std::string& out, const Stmt& s, int indent) {
  out.append(indent * 2, ' ');
  switch (s.kind) {
    case StmtKind::kImport: {
      auto& i = static_cast<const ImportStmt&>(s);
      out += "(import ";
      if (i.path) ExprTo(out, *i.path);
      if (!i.alias.empty()) StrAppend(&out, " as ", i.alias.name);
      out += ")\n";
      return;
    }
    case StmtKind::kParam: {
      auto& p = static_cast<const ParamStmt&>(s);
      StrAppend(&out, "(param ", p.name.name);
      if (p.type) {
        out += ": ";
        Type(out, p.type);
      }
      if (p.default_value) {
        out += " = ";
        ExprTo(out, *p.default_value);
      }
      out += ")\n";
      return;
    }
    case StmtKind::kLet: {
      auto& l = static_cast<const LetStmt&>(s);
      StrAppend(&out, "(let ", l.name.name);
      if (l.type) {
        out += ": ";
        Type(out, l.type);
      }
      out += " = ";
      ExprTo(out, *l.value);
      out += ")\n";
      return;
    }
    case StmtKind::kRole: {
      auto& r = static_cast<const RoleStmt&>(s);
      StrAppend(&out, "(role ", r.name.name, " (");
      for (size_t i = 0; i < r.params.size(); ++i) {
        const RoleParam& p = r.params[i];
        if (i > 0) out += ", ";
        out += p.name.name;
        if (p.type) {
          out += ": ";
          Type(out, p.type);
        }
        if (p.default_value) {
          out += " = ";
          ExprTo(out, *p.default_value);
        }
      }
      out += ")\n";
      BodyTo(out, r.body, indent);
      out.append(indent * 2, ' ');
      out += ")\n";
      return;
    }
    case StmtKind::kUse:
      out += "(use ";
      ExprTo(out, *static_cast<const UseStmt&>(s).role);
      out += ")\n";
      return;
    case StmtKind::kFor: {
      auto& f = static_cast<const ForStmt&>(s);
      StrAppend(&out, "(for ", f.key.name);
      if (!f.value_var.empty()) StrAppend(&out, ", ", f.value_var.name);
      out += " in ";
      ExprTo(out, *f.iterable);
      out += "\n";
      BodyTo(out, f.body, indent);
      out.append(indent * 2, ' ');
      out += ")\n";
      return;
    }
    case StmtKind::kIf: {
      auto& i = static_cast<const IfStmt&>(s);
      out += "(if ";
      ExprTo(out, *i.condition);
      out += "\n";
      BodyTo(out, i.then_body, indent);
      if (i.else_if) {
        out.append(indent * 2, ' ');
        out += "else\n";
        StmtTo(out, *i.else_if, indent + 1);
      } else if (i.else_body) {
        out.append(indent * 2, ' ');
        out += "else\n";
        BodyTo(out, *i.else_body, indent);
      }
      out.append(indent * 2, ' ');
      out += ")\n";
      return;
    }
    case StmtKind::kRule: {
      auto& r = static_cast<const RuleStmt&>(s);
      StrAppend(&out, "(", RuleActionSpelling(r.action), " ", r.protocol.name);
      if (r.ports) {
        out += ' ';
        ExprTo(out, *r.ports);
      }
      if (r.from) {
        out += " from ";
        ExprTo(out, *r.from);
      }
      if (r.to) {
        out += " to ";
        ExprTo(out, *r.to);
      }
      out += ")\n";
      return;
    }
    case StmtKind::kAttr: {
      auto& a = static_cast<const AttrStmt&>(s);
      StrAppend(&out, "(= ", a.name.name, " ");
      ExprTo(out, *a.value);
      out += ")\n";
      return;
    }
    case StmtKind::kBlock: {
      auto& b = static_cast<const BlockStmt&>(s);
      StrAppend(&out, "(block ", b.type.name);
      for (const Expr* label : b.labels) {
        out += ' ';
        ExprTo(out, *label);
      }
      if (b.body.stmts.empty()) {
        out += ")\n";
        return;
      }
      out += "\n";
      BodyTo(out, b.body, indent);
      out.append(indent * 2, ' ');
      out += ")\n";
      return;
    }
  }
}

void Stmts(std::string& out, absl::Span<const Stmt* const> stmts, int indent) {
  for (const Stmt* s : stmts) StmtTo(out, *s, indent);
}

}  // namespace

std::string Dump(const File& file) {
  std::string out;
  Stmts(out, file.stmts, 0);
  return out;
}

std::string DumpExpr(const Expr& expr) {
  std::string out;
  ExprTo(out, expr);
  return out;
}

}  // namespace cairn::ast
