#include "lang/parse/structure.h"

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "base/strings.h"
#include "lang/diagnostics/suggest.h"

namespace cairn::parse_internal {
namespace {

// Where a statement stands; for and if bodies inherit it.
enum class Place { kTop, kRole, kHost, kZone, kFleet, kFirewall, kResource };

constexpr std::string_view kTopLevelBlocks[] = {"host", "zone", "fleet"};
constexpr std::string_view kTopLevelWords[] = {
    "host", "zone", "fleet", "role", "import", "param", "let"};

class Checker {
 public:
  Checker(const SourceFile& source, DiagnosticSink& diagnostics)
      : source_(source), diagnostics_(diagnostics) {}

  void Stmts(absl::Span<const ast::Stmt* const> stmts, Place place,
             const std::string& path) {
    absl::flat_hash_map<std::string_view, const ast::AttrStmt*> attrs;
    for (const ast::Stmt* stmt : stmts) {
      if (stmt->kind == ast::StmtKind::kAttr) {
        auto* attr = static_cast<const ast::AttrStmt*>(stmt);
        if (!attr->name.empty()) {
          auto [it, inserted] = attrs.emplace(attr->name.name, attr);
          if (!inserted) {
            Diagnostic d =
                Make(DiagnosticKind::kDuplicateAttribute, attr->name.begin,
                     attr->name.end, path,
                     StrCat("attribute '", attr->name.name, "' is set twice"));
            d.labels.push_back(
                {Range(it->second->name.begin, it->second->name.end),
                 "first set here"});
            diagnostics_.Add(std::move(d));
          }
        }
      }
      Stmt(*stmt, place, path);
    }
  }

 private:
  void Stmt(const ast::Stmt& stmt, Place place, const std::string& path) {
    switch (stmt.kind) {
      case ast::StmtKind::kImport:
        if (place != Place::kTop) {
          NotAllowed(stmt, path, "'import' is only allowed at the top level");
        }
        return;
      case ast::StmtKind::kParam: {
        auto& s = static_cast<const ast::ParamStmt&>(stmt);
        if (place != Place::kTop) {
          NotAllowed(stmt, path,
                     "'param' is only allowed at the top level; a role takes "
                     "parameters in its header: role web(domain: string)");
        }
        if (s.default_value) Expr(*s.default_value, path);
        return;
      }
      case ast::StmtKind::kLet:
        Expr(*static_cast<const ast::LetStmt&>(stmt).value, path);
        return;
      case ast::StmtKind::kRole: {
        auto& s = static_cast<const ast::RoleStmt&>(stmt);
        if (place != Place::kTop) {
          NotAllowed(stmt, path, "'role' is only allowed at the top level");
        }
        absl::flat_hash_map<std::string_view, const ast::RoleParam*> seen;
        for (const ast::RoleParam& p : s.params) {
          if (p.default_value) Expr(*p.default_value, path);
          if (p.name.empty()) continue;
          auto [it, inserted] = seen.emplace(p.name.name, &p);
          if (!inserted) {
            Diagnostic d =
                Make(DiagnosticKind::kDuplicateParameter, p.name.begin,
                     p.name.end, path,
                     StrCat("parameter '", p.name.name, "' is declared twice"));
            d.labels.push_back(
                {Range(it->second->name.begin, it->second->name.end),
                 "first declared here"});
            diagnostics_.Add(std::move(d));
          }
        }
        Stmts(s.body.stmts, Place::kRole, StrCat("role.", s.name.name));
        return;
      }
      case ast::StmtKind::kUse: {
        auto& s = static_cast<const ast::UseStmt&>(stmt);
        if (place != Place::kHost && place != Place::kRole) {
          NotAllowed(stmt, path,
                     "'use' applies a role and is only allowed in a host or "
                     "a role");
        }
        ast::ExprKind kind = s.role->kind;
        if (kind != ast::ExprKind::kCall && kind != ast::ExprKind::kName &&
            kind != ast::ExprKind::kMember && kind != ast::ExprKind::kError) {
          Diagnostic d = Make(
              DiagnosticKind::kUseNeedsCall, s.role->begin, s.role->end, path,
              "'use' takes a role, optionally called with arguments");
          d.help = "write for example: use web(domain = \"example.org\")";
          diagnostics_.Add(std::move(d));
        }
        Expr(*s.role, path);
        return;
      }
      case ast::StmtKind::kFor: {
        auto& s = static_cast<const ast::ForStmt&>(stmt);
        Expr(*s.iterable, path);
        Stmts(s.body.stmts, place, path);
        return;
      }
      case ast::StmtKind::kIf: {
        auto& s = static_cast<const ast::IfStmt&>(stmt);
        Expr(*s.condition, path);
        Stmts(s.then_body.stmts, place, path);
        if (s.else_if) Stmt(*s.else_if, place, path);
        if (s.else_body) Stmts(s.else_body->stmts, place, path);
        return;
      }
      case ast::StmtKind::kRule: {
        auto& s = static_cast<const ast::RuleStmt&>(stmt);
        if (place != Place::kFirewall) {
          NotAllowed(stmt, path,
                     StrCat("'", ast::RuleActionSpelling(s.action),
                            "' rules are only allowed in a firewall "
                            "block"));
        }
        if (s.ports) Expr(*s.ports, path);
        if (s.from) Expr(*s.from, path);
        if (s.to) Expr(*s.to, path);
        return;
      }
      case ast::StmtKind::kAttr: {
        auto& s = static_cast<const ast::AttrStmt&>(stmt);
        if (place == Place::kTop) {
          Diagnostic d =
              Make(DiagnosticKind::kNotAllowedHere, stmt.begin, s.name.end,
                   path, "attributes are not allowed at the top level");
          d.help =
              StrCat("to name a value, write: let ", s.name.name, " = ...");
          diagnostics_.Add(std::move(d));
        } else if (place == Place::kRole) {
          NotAllowed(stmt, path,
                     "a role holds resources, let, use, for and if; set "
                     "attributes inside a block");
        }
        Expr(*s.value, path);
        return;
      }
      case ast::StmtKind::kBlock:
        Block(static_cast<const ast::BlockStmt&>(stmt), place, path);
        return;
    }
  }

  void Block(const ast::BlockStmt& s, Place place, const std::string& path) {
    std::string_view type = s.type.name;
    for (const ast::Expr* label : s.labels) Expr(*label, path);
    std::string label = s.labels.empty() ? "" : LabelText(*s.labels[0]);
    std::string inner =
        path.empty() ? std::string(type) : StrCat(path, ".", type);
    if (!label.empty()) StrAppend(&inner, ".", label);

    Place body_place = Place::kResource;
    if (place == Place::kTop) {
      if (type == "host") {
        body_place = Place::kHost;
      } else if (type == "zone") {
        body_place = Place::kZone;
      } else if (type == "fleet") {
        body_place = Place::kFleet;
      } else if (!type.empty() &&
                 !diagnostics_.HasErrorAt(Range(s.type.begin, s.type.end))) {
        Diagnostic d =
            Make(DiagnosticKind::kUnknownTopLevelBlock, s.type.begin,
                 s.type.end, path,
                 StrCat("'", type,
                        "' blocks are not allowed at the top level; only "
                        "host, zone, fleet, role, import, param and let are"));
        std::string match = ClosestMatch(type, kTopLevelWords);
        if (!match.empty()) {
          d.help = StrCat("did you mean '", match, "'?");
        } else {
          d.help = "resources go inside a host or a role";
        }
        diagnostics_.Add(std::move(d));
      }
    } else {
      if (type == "host" || type == "zone" || type == "fleet") {
        NotAllowed(
            s, path,
            StrCat("'", type, "' blocks are only allowed at the top level"));
      } else if (type == "record" && place != Place::kZone) {
        NotAllowed(s, path, "'record' blocks are only allowed in a zone");
      } else if (place == Place::kFleet) {
        NotAllowed(s, path,
                   StrCat("a fleet block holds attributes only, not '", type,
                          "' blocks"));
      } else if (place == Place::kZone && type != "record") {
        NotAllowed(s, path,
                   StrCat("a zone holds records and attributes, not '", type,
                          "' blocks"));
      } else if (type == "firewall") {
        body_place = Place::kFirewall;
      }
    }
    size_t needed = 0;
    std::string_view example;
    if (type == "host") {
      needed = 1;
      example = "host \"web1\" { ... }";
    } else if (type == "zone") {
      needed = 1;
      example = "zone \"example.org\" { ... }";
    } else if (type == "record") {
      needed = 2;
      example = "record \"www\" A { ... }";
    }
    if (s.labels.size() < needed) {
      Diagnostic d =
          Make(DiagnosticKind::kMissingLabel, s.type.begin, s.type.end, path,
               StrCat("'", type, "' needs ",
                      needed == 1 ? "a name" : "a name and a type"));
      d.help = StrCat("write for example: ", example);
      diagnostics_.Add(std::move(d));
    }
    Stmts(s.body.stmts, body_place, inner);
  }

  void Expr(const ast::Expr& e, const std::string& path) {
    switch (e.kind) {
      case ast::ExprKind::kInt:
      case ast::ExprKind::kFloat:
      case ast::ExprKind::kBool:
      case ast::ExprKind::kNull:
      case ast::ExprKind::kName:
      case ast::ExprKind::kError:
        return;
      case ast::ExprKind::kString:
        for (const ast::StringPart& p :
             static_cast<const ast::StringExpr&>(e).parts) {
          if (p.expr) Expr(*p.expr, path);
        }
        return;
      case ast::ExprKind::kList:
        for (const ast::Expr* item :
             static_cast<const ast::ListExpr&>(e).items) {
          Expr(*item, path);
        }
        return;
      case ast::ExprKind::kComprehension: {
        auto& c = static_cast<const ast::ComprehensionExpr&>(e);
        Expr(*c.iterable, path);
        Expr(*c.value, path);
        if (c.condition) Expr(*c.condition, path);
        return;
      }
      case ast::ExprKind::kMap:
        for (const ast::MapEntry& entry :
             static_cast<const ast::MapExpr&>(e).entries) {
          Expr(*entry.key, path);
          Expr(*entry.value, path);
        }
        return;
      case ast::ExprKind::kMember:
        Expr(*static_cast<const ast::MemberExpr&>(e).object, path);
        return;
      case ast::ExprKind::kIndex: {
        auto& i = static_cast<const ast::IndexExpr&>(e);
        Expr(*i.object, path);
        Expr(*i.index, path);
        return;
      }
      case ast::ExprKind::kCall:
        Call(static_cast<const ast::CallExpr&>(e), path);
        return;
      case ast::ExprKind::kUnary:
        Expr(*static_cast<const ast::UnaryExpr&>(e).operand, path);
        return;
      case ast::ExprKind::kBinary: {
        auto& b = static_cast<const ast::BinaryExpr&>(e);
        Expr(*b.lhs, path);
        Expr(*b.rhs, path);
        return;
      }
      case ast::ExprKind::kConditional: {
        auto& c = static_cast<const ast::ConditionalExpr&>(e);
        Expr(*c.condition, path);
        Expr(*c.then_value, path);
        Expr(*c.else_value, path);
        return;
      }
      case ast::ExprKind::kParen:
        Expr(*static_cast<const ast::ParenExpr&>(e).inner, path);
        return;
    }
  }

  void Call(const ast::CallExpr& call, const std::string& path) {
    Expr(*call.callee, path);
    absl::flat_hash_map<std::string_view, const ast::Arg*> named;
    const ast::Arg* first_named = nullptr;
    for (const ast::Arg& arg : call.args) {
      Expr(*arg.value, path);
      if (arg.name.empty()) {
        if (first_named != nullptr) {
          Diagnostic d = Make(DiagnosticKind::kPositionalAfterNamed,
                              arg.value->begin, arg.value->end, path,
                              "positional argument after a named one");
          d.labels.push_back(
              {Range(first_named->name.begin, first_named->name.end),
               "named arguments start here"});
          diagnostics_.Add(std::move(d));
        }
        continue;
      }
      if (first_named == nullptr) first_named = &arg;
      auto [it, inserted] = named.emplace(arg.name.name, &arg);
      if (!inserted) {
        Diagnostic d = Make(
            DiagnosticKind::kDuplicateArgument, arg.name.begin, arg.name.end,
            path, StrCat("argument '", arg.name.name, "' is given twice"));
        d.labels.push_back({Range(it->second->name.begin, it->second->name.end),
                            "first given here"});
        diagnostics_.Add(std::move(d));
      }
    }
  }

  // A label as it appears in a config path: the string's text or the name.
  std::string LabelText(const ast::Expr& label) {
    if (label.kind == ast::ExprKind::kString) {
      std::string out;
      for (const ast::StringPart& p :
           static_cast<const ast::StringExpr&>(label).parts) {
        if (p.expr) {
          StrAppend(&out, "${...}");
        } else {
          StrAppend(&out, p.text);
        }
      }
      return out;
    }
    return std::string(
        source_.text().substr(label.begin, label.end - label.begin));
  }

  void NotAllowed(const ast::Stmt& stmt, const std::string& path,
                  std::string summary) {
    // Point at the statement's first line, not its whole body.
    uint32_t end = stmt.end;
    std::string_view text = source_.text();
    for (uint32_t i = stmt.begin; i < stmt.end && i < text.size(); ++i) {
      if (text[i] == '\n' || text[i] == '{') {
        end = i;
        break;
      }
    }
    while (end > stmt.begin && text[end - 1] == ' ') --end;
    diagnostics_.Add(Make(DiagnosticKind::kNotAllowedHere, stmt.begin, end,
                          path, std::move(summary)));
  }

  Diagnostic Make(DiagnosticKind kind, uint32_t begin, uint32_t end,
                  const std::string& path, std::string summary) {
    Diagnostic d = MakeDiagnostic(kind, Range(begin, end), std::move(summary));
    d.config_path = path;
    return d;
  }

  SourceRange Range(uint32_t begin, uint32_t end) const {
    return {source_.id(), begin, end};
  }

  const SourceFile& source_;
  DiagnosticSink& diagnostics_;
};

}  // namespace

void CheckStructure(const SourceFile& source, const ast::File& file,
                    DiagnosticSink& diagnostics) {
  Checker(source, diagnostics).Stmts(file.stmts, Place::kTop, "");
}

}  // namespace cairn::parse_internal
