// The entry point: top-level declarations, host discovery, then one catalog
// per host.

#include <algorithm>

#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "lang/diagnostics/suggest.h"
#include "proto/cairn/v1/options.pb.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn {
namespace eval {

const Value* Scope::Find(std::string_view name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_) {
    for (auto it = s->names_.rbegin(); it != s->names_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
  }
  return nullptr;
}

void Scope::Names(std::vector<std::string_view>& out) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_) {
    for (const auto& entry : s->names_) out.push_back(entry.first);
  }
}

Evaluator::Evaluator(SourceManager& sources, const CompileOptions& options,
                     DiagnosticSink& diagnostics)
    : sources_(sources), options_(options), diagnostics_(diagnostics) {
  const google::protobuf::FileDescriptor* file = v1::File::descriptor()->file();
  for (int i = 0; i < file->message_type_count(); ++i) {
    const google::protobuf::Descriptor* m = file->message_type(i);
    const std::string& kind = m->options().GetExtension(v1::kind);
    if (!kind.empty()) kinds_[kind] = m;
  }
}

const google::protobuf::Descriptor* Evaluator::KindMessage(
    std::string_view kind) const {
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? nullptr : it->second;
}

Diagnostic& Evaluator::Emit(Diagnostic d) {
  pending_.push_back(std::move(d));
  return pending_.back();
}

Diagnostic& Evaluator::Error(DiagnosticKind kind, SourceRange range,
                             std::string summary, const std::string& path) {
  Diagnostic d = MakeDiagnostic(kind, range, std::move(summary));
  d.config_path = path;
  return Emit(std::move(d));
}

v1::SourceLocation Evaluator::Location(SourceRange range) const {
  v1::SourceLocation location;
  if (const SourceFile* file = sources_.Get(range.file)) {
    LineColumn pos = file->Position(range.begin);
    location.set_file(file->path());
    location.set_line(pos.line);
    location.set_column(pos.column);
  }
  return location;
}

const Value* Evaluator::Global(std::string_view name, FileId file) {
  return UnitGlobal(UnitOf(file), name);
}

const Value* Evaluator::UnitGlobal(uint32_t unit, std::string_view name) {
  std::map<std::string, eval::Global, std::less<>>& globals =
      units_[unit].globals;
  auto it = globals.find(name);
  if (it == globals.end()) {
    // An imported module, as a namespace.
    auto m = units_[unit].import_values.find(name);
    return m == units_[unit].import_values.end() ? nullptr : &m->second;
  }
  eval::Global& g = it->second;
  switch (g.kind) {
    case Global::kRole:
      return &g.value;
    case Global::kLet:
    case Global::kParam:
      break;
  }
  if (g.state == Global::kDone) return &g.value;
  if (g.state == Global::kEvaluating) {
    Error(DiagnosticKind::kDefinitionCycle,
          Range(g.file, g.stmt->begin, g.stmt->end),
          StrCat("'", name, "' is defined in terms of itself"));
    g.value = Value::Unknown();
    g.state = Global::kDone;
    return &g.value;
  }
  g.state = Global::kEvaluating;
  Value value;
  if (g.kind == Global::kLet) {
    auto* let = static_cast<const ast::LetStmt*>(g.stmt);
    value = Eval(*let->value, root_, g.file);
  } else {
    auto* param = static_cast<const ast::ParamStmt*>(g.stmt);
    std::string type = param->type ? std::string(param->type->name.name) : "";
    auto given = options_.params.find(std::string(param->name.name));
    if (given != options_.params.end() && type.empty() &&
        param->default_value != nullptr) {
      // `param debug = false`: -p debug=true is a bool, as the default is.
      in_param_default_ = true;
      Value default_value = Eval(*param->default_value, root_, g.file);
      in_param_default_ = false;
      if (default_value.kind() == ValueKind::kBool) type = "bool";
      if (default_value.kind() == ValueKind::kInt) type = "int";
    }
    if (given != options_.params.end()) {
      const std::string& text = given->second;
      if (type == "int") {
        int64_t i = 0;
        auto [end, ec] =
            std::from_chars(text.data(), text.data() + text.size(), i);
        if (ec != std::errc() || end != text.data() + text.size()) {
          Error(DiagnosticKind::kTypeMismatch,
                Range(g.file, param->name.begin, param->name.end),
                StrCat("param '", param->name.name, "' is an int, but -p ",
                       param->name.name, "=", text, " is not a number"));
          value = Value::Unknown();
        } else {
          value = Value::Int(i);
        }
      } else if (type == "bool") {
        if (text == "true" || text == "false") {
          value = Value::Bool(text == "true");
        } else {
          Error(DiagnosticKind::kTypeMismatch,
                Range(g.file, param->name.begin, param->name.end),
                StrCat("param '", param->name.name, "' is a bool: give -p ",
                       param->name.name, "=true or false"));
          value = Value::Unknown();
        }
      } else {
        value = Value::String(text, /*secret=*/type == "secret");
      }
    } else if (param->default_value != nullptr) {
      in_param_default_ = true;
      value = Eval(*param->default_value, root_, g.file);
      in_param_default_ = false;
      if (type == "secret" && value.kind() == ValueKind::kString) {
        value = value.AsSecret();
      }
    } else {
      Diagnostic& d = Error(
          DiagnosticKind::kMissingParam,
          Range(g.file, param->name.begin, param->name.end),
          StrCat("param '", param->name.name, "' has no default and no value"));
      d.help =
          StrCat("give it one: cairn compile -p ", param->name.name, "=VALUE");
      value = Value::Unknown();
    }
  }
  g.value = value;
  g.state = Global::kDone;
  return &g.value;
}

void Evaluator::CollectGlobals(uint32_t unit) {
  std::map<std::string, eval::Global, std::less<>>& globals =
      units_[unit].globals;
  for (const ast::File* file : units_[unit].files) {
    for (const ast::Stmt* stmt : file->stmts) {
      Global::Kind kind;
      ast::Ident ident;
      switch (stmt->kind) {
        case ast::StmtKind::kLet:
          ident = static_cast<const ast::LetStmt*>(stmt)->name;
          kind = Global::kLet;
          break;
        case ast::StmtKind::kParam:
          ident = static_cast<const ast::ParamStmt*>(stmt)->name;
          kind = Global::kParam;
          break;
        case ast::StmtKind::kRole:
          ident = static_cast<const ast::RoleStmt*>(stmt)->name;
          kind = Global::kRole;
          break;
        case ast::StmtKind::kBlock:
        case ast::StmtKind::kFor:
        case ast::StmtKind::kIf:
          if (unit != 0) {
            auto* block = static_cast<const ast::BlockStmt*>(stmt);
            Diagnostic& d = Error(
                DiagnosticKind::kNotAllowedHere,
                stmt->kind == ast::StmtKind::kBlock
                    ? Range(file->file, block->type.begin, block->type.end)
                    : Range(file->file, stmt->begin, stmt->begin + 2),
                StrCat("a module declares roles and lets only, not ",
                       stmt->kind == ast::StmtKind::kBlock
                           ? StrCat("a ", block->type.name)
                           : std::string("top-level statements")));
            d.help =
                "hosts and zones belong to the configuration that imports "
                "the module";
          }
          continue;
        default:
          continue;
      }
      if (ident.empty()) continue;
      if (kind == Global::kParam && unit != 0) {
        Diagnostic& d =
            Error(DiagnosticKind::kNotAllowedHere,
                  Range(file->file, ident.begin, ident.end),
                  "a module cannot declare params: only the configuration "
                  "can");
        d.help = "make it a parameter of the module's roles";
        continue;
      }
      if (units_[unit].imports.count(ident.name)) {
        Diagnostic& d =
            Error(DiagnosticKind::kDuplicateDefinition,
                  Range(file->file, ident.begin, ident.end),
                  StrCat("'", ident.name, "' is already the name of a module"));
        d.labels.push_back(
            {units_[unit].import_at.find(ident.name)->second, "imported here"});
        continue;
      }
      auto [it, inserted] = globals.emplace(
          std::string(ident.name), eval::Global{kind, stmt, file->file});
      if (!inserted) {
        Diagnostic& d = Error(DiagnosticKind::kDuplicateDefinition,
                              Range(file->file, ident.begin, ident.end),
                              StrCat("'", ident.name, "' is defined twice"));
        d.labels.push_back(
            {Range(it->second.file, it->second.stmt->begin,
                   it->second.stmt->begin + ident.name.size() + 6),
             "first defined here"});
        continue;
      }
      if (kind == Global::kRole) {
        it->second.value = Value::Role(roles_.size(), std::string(ident.name));
        it->second.state = Global::kDone;
        roles_.push_back(static_cast<const ast::RoleStmt*>(stmt));
        role_files_.push_back(file->file);
        role_used_.push_back(false);
      }
    }
  }
}

CompileResult Evaluator::Run(const std::vector<const ast::File*>& roots) {
  size_t parse_errors = diagnostics_.error_count();
  LoadProgram(roots);
  if (diagnostics_.error_count() > parse_errors) {
    // A module does not parse: its mistakes are reported; evaluating on
    // would only add noise.
    for (Diagnostic& d : pending_) diagnostics_.Add(std::move(d));
    return {};
  }
  for (uint32_t unit = 0; unit < units_.size(); ++unit) CollectGlobals(unit);
  const std::vector<const ast::File*>& files = units_[0].files;
  std::map<std::string, eval::Global, std::less<>>& globals = units_[0].globals;

  // Every given -p must name a param.
  for (const auto& [name, value] : options_.params) {
    auto it = globals.find(name);
    if (it == globals.end() || it->second.kind != Global::kParam) {
      std::vector<std::string_view> params;
      for (const auto& [n, g] : globals) {
        if (g.kind == Global::kParam) params.push_back(n);
      }
      Diagnostic& d =
          Error(DiagnosticKind::kUnknownName, {},
                StrCat("-p ", name, ": no param '", name, "' is declared"));
      std::string match = ClosestMatch(name, params);
      if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
    }
  }

  // Find the hosts (through top-level for and if) and the zones.
  std::function<void(absl::Span<const ast::Stmt* const>, const Scope&, FileId)>
      discover = [&](absl::Span<const ast::Stmt* const> stmts,
                     const Scope& scope, FileId file) {
        for (const ast::Stmt* stmt : stmts) {
          switch (stmt->kind) {
            case ast::StmtKind::kBlock: {
              auto* block = static_cast<const ast::BlockStmt*>(stmt);
              if (block->type.name == "fleet" && block->labels.empty()) {
                EvalFleet(*block, scope, file);
                break;
              }
              if (block->labels.empty()) break;
              if (block->type.name == "zone") {
                EvalZone(*block, scope, file);
                break;
              }
              if (block->type.name != "host") break;
              Value name = Eval(*block->labels[0], scope, file);
              if (name.is_unknown()) break;
              if (name.kind() != ValueKind::kString) {
                Error(DiagnosticKind::kTypeMismatch,
                      Range(file, *block->labels[0]),
                      StrCat("a host's name is a string, not ",
                             WithArticle(name.TypeName())));
                break;
              }
              auto [it, inserted] = hosts_.emplace(
                  name.string_value(), HostDecl{block, file, &scope, {}});
              if (!inserted) {
                Diagnostic& d = Error(DiagnosticKind::kDuplicateDefinition,
                                      Range(file, *block->labels[0]),
                                      StrCat("host '", name.string_value(),
                                             "' is declared twice"));
                d.labels.push_back(
                    {Range(it->second.file, *it->second.block->labels[0]),
                     "first declared here"});
              }
              break;
            }
            case ast::StmtKind::kFor: {
              auto* loop = static_cast<const ast::ForStmt*>(stmt);
              Value items = Eval(*loop->iterable, scope, file);
              auto iterate = [&](Value key, Value value) {
                host_scopes_.push_back(std::make_unique<Scope>(&scope));
                Scope& inner = *host_scopes_.back();
                if (loop->value_var.empty()) {
                  inner.Define(std::string(loop->key.name), key);
                } else {
                  inner.Define(std::string(loop->key.name), key);
                  inner.Define(std::string(loop->value_var.name), value);
                }
                discover(loop->body.stmts, inner, file);
              };
              if (items.kind() == ValueKind::kList) {
                for (const Value& item : items.list()) {
                  if (loop->value_var.empty()) {
                    iterate(item, Value());
                  } else {
                    Error(
                        DiagnosticKind::kTypeMismatch,
                        Range(file, loop->value_var.begin, loop->value_var.end),
                        "two loop variables need a map; a list gives one");
                    break;
                  }
                }
              } else if (items.kind() == ValueKind::kMap) {
                for (const auto& [k, v] : items.map()) {
                  if (loop->value_var.empty()) {
                    iterate(Value::String(k), Value());
                  } else {
                    iterate(Value::String(k), v);
                  }
                }
              } else if (!items.is_unknown()) {
                Error(DiagnosticKind::kTypeMismatch,
                      Range(file, *loop->iterable),
                      StrCat("for needs a list or a map, not ",
                             WithArticle(items.TypeName())));
              }
              break;
            }
            case ast::StmtKind::kIf:
              if (const ast::Body* body =
                      ChooseBranch(*static_cast<const ast::IfStmt*>(stmt),
                                   scope, file, "")) {
                discover(body->stmts, scope, file);
              }
              break;
            default:
              break;
          }
        }
      };
  for (const ast::File* file : files) discover(file->stmts, root_, file->file);

  for (auto& [name, decl] : hosts_)
    EvalHost(*decl.block, *decl.scope, decl.file);
  std::sort(result_.catalogs.begin(), result_.catalogs.end(),
            [](const v1::Catalog& a, const v1::Catalog& b) {
              return a.host().name() < b.host().name();
            });

  // Roles no host uses are still checked: their bodies run with unknown
  // parameters (defaults where given) into a catalog that is thrown away,
  // which finds unknown names, kinds and attributes; type mistakes that
  // depend on the arguments show once a host applies the role.
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (role_used_[i]) continue;
    const ast::RoleStmt& role = *roles_[i];
    Scope inner(&root_);
    for (const ast::RoleParam& p : role.params) {
      inner.Define(std::string(p.name.name),
                   p.default_value
                       ? Eval(*p.default_value, inner, role_files_[i])
                       : Value::Unknown());
    }
    HostBuild scratch;
    EvalBody(role.body.stmts, inner, role_files_[i], scratch,
             StrCat("role.", role.name.name), /*in_role=*/true);
  }

  // Lets and params never used are still checked.
  for (uint32_t unit = 0; unit < units_.size(); ++unit) {
    for (auto& [name, g] : units_[unit].globals) {
      if (g.kind != Global::kRole) UnitGlobal(unit, name);
    }
  }
  // Report in source order.
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.range.file != b.range.file) {
                       return a.range.file < b.range.file;
                     }
                     return a.range.begin < b.range.begin;
                   });
  for (Diagnostic& d : pending_) diagnostics_.Add(std::move(d));
  return std::move(result_);
}

}  // namespace eval

CompileResult Compile(SourceManager& sources,
                      const std::vector<const ast::File*>& files,
                      const CompileOptions& options,
                      DiagnosticSink& diagnostics) {
  eval::Evaluator evaluator(sources, options, diagnostics);
  return evaluator.Run(files);
}

}  // namespace cairn
