#ifndef CAIRN_COMPILER_EVAL_EVALUATOR_H_
#define CAIRN_COMPILER_EVAL_EVALUATOR_H_

// The evaluator's state, shared by expr.cc (expressions), stmt.cc (hosts,
// roles, bodies), fill.cc (resources by reflection) and compile.cc (the
// entry point). Private to compiler/eval.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/eval/compile.h"
#include "compiler/eval/value.h"
#include "compiler/template/template.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace cairn::eval {

// Names visible at a point: a chain of frames.
class Scope {
 public:
  explicit Scope(const Scope* parent = nullptr) : parent_(parent) {}

  void Define(std::string name, Value value) {
    names_.emplace_back(std::move(name), std::move(value));
  }
  // The innermost binding, or nullptr.
  const Value* Find(std::string_view name) const;
  // Every visible name, for "did you mean".
  void Names(std::vector<std::string_view>& out) const;

 private:
  const Scope* parent_;
  std::vector<std::pair<std::string, Value>> names_;
};

// A declaration at the top level of the configuration.
struct Global {
  enum Kind { kLet, kParam, kRole } kind;
  const ast::Stmt* stmt;
  FileId file;
  // For lets and params: evaluated on first use.
  enum State { kPending, kEvaluating, kDone } state = kPending;
  Value value;
};

// The configuration (unit 0) or one imported module: its files and its own
// top-level names.
struct Unit {
  // How messages name it: the import path as first written.
  std::string display;
  // Where the module was found (its key in Evaluator::module_index_).
  std::string name;
  std::vector<const ast::File*> files;
  std::map<std::string, eval::Global, std::less<>> globals;
  // Imported modules by the name they are known by here.
  std::map<std::string, uint32_t, std::less<>> imports;
  // The same, as values of the language.
  std::map<std::string, Value, std::less<>> import_values;
  std::map<std::string, SourceRange, std::less<>> import_at;
};

// Where an import leads.
struct ResolvedImport {
  // The module's .cairn files; empty when nothing was found.
  std::vector<std::string> files;
  // Whether they come from the built-in standard library.
  bool embedded = false;
  // Identifies the module: the same for every import that reaches it.
  std::string key;
  // Where it looked, for the message when nothing was found.
  std::vector<std::string> tried;
};

// A template file, parsed once for every host.
struct TemplateEntry {
  FileId file = 0;
  std::optional<jinja::Template> tmpl;
  // Render errors already reported: (offset, message).
  std::set<std::pair<size_t, std::string>> reported;
};

// The resources of one host being built.
// Whether `name` is a built-in function (file, join, ...).
bool IsBuiltin(std::string_view name);

struct HostBuild {
  v1::Catalog catalog;
  // (kind, id) -> index in catalog.resources, for duplicates and notify.
  std::map<std::pair<std::string, std::string>, int> index;
  // Where each resource was declared, for duplicate messages.
  std::vector<SourceRange> declared;
  // Notify and depends_on targets to check once the host is complete.
  struct Edge {
    int from;
    v1::ResourceRef to;
    SourceRange range;
    // notify (from runs first) rather than depends_on (to runs first).
    bool notify = false;
  };
  std::vector<Edge> edges;
};

class Evaluator {
 public:
  Evaluator(SourceManager& sources, const CompileOptions& options,
            DiagnosticSink& diagnostics);

  CompileResult Run(const std::vector<const ast::File*>& files);

  // Expressions (expr.cc).
  Value Eval(const ast::Expr& e, const Scope& scope, FileId file);
  Value Member(const Value& object, const ast::Ident& member,
               const ast::Expr& e, FileId file);
  Value Call(const ast::CallExpr& call, const Scope& scope, FileId file);
  // vault(PATH): the secrets of an ansible-vault file, as a map.
  Value Vault(const std::string& path, const ast::Expr& at, FileId file);
  // template(PATH, VARS) (functions.cc).
  Value Template(const std::string& path, const Value& vars,
                 const ast::CallExpr& call, FileId file);
  bool ToTemplateValue(const Value& v, const ast::Expr& at, FileId file,
                       jinja::Value& out);
  Value Interpolate(const ast::StringExpr& s, const Scope& scope, FileId file);
  // The text a value has inside a string, or nullopt (with an error).
  bool Stringify(const Value& v, const ast::Expr& at, FileId file,
                 std::string& out);

  // Top-level names (compile.cc), as seen from `file`'s unit.
  const Value* Global(std::string_view name, FileId file);
  const Value* UnitGlobal(uint32_t unit, std::string_view name);
  Value GlobalValue(std::string_view name, const ast::Expr& at, FileId file);

  // Hosts, roles, bodies (stmt.cc).
  void EvalHost(const ast::BlockStmt& host, const Scope& scope, FileId file);
  // A host's `after = [host.db]`: the names of the hosts, which must exist.
  void SetAfter(v1::Host& host, const Value& value, const ast::Expr& expr,
                FileId file, const std::string& path);
  // The label-less `fleet` block; a second one is an error.
  void EvalFleet(const ast::BlockStmt& block, const Scope& scope, FileId file);
  void EvalZone(const ast::BlockStmt& zone, const Scope& scope, FileId file);
  // Evaluates the statements of a host or role body into `build`.
  void EvalBody(absl::Span<const ast::Stmt* const> stmts, Scope& scope,
                FileId file, HostBuild& build, const std::string& path,
                bool in_role);
  void ApplyRole(const ast::UseStmt& use, const Scope& scope, FileId file,
                 HostBuild& build, const std::string& path);
  void EvalResource(const ast::BlockStmt& block, const Scope& scope,
                    FileId file, HostBuild& build, const std::string& path);
  // The body an if/else-if/else chain takes, or nullptr (none, or a
  // mistake in a condition, reported).
  const ast::Body* ChooseBranch(const ast::IfStmt& stmt, const Scope& scope,
                                FileId file, const std::string& path);
  // Runs `body` once per item of a for loop, in a scope with the loop's
  // variables.
  void ForEachIteration(const ast::ForStmt& loop, const Scope& scope,
                        FileId file, const std::string& path,
                        const std::function<void(Scope&)>& body);
  // One record of a zone; `seen` finds duplicates.
  void EvalRecord(const ast::BlockStmt& record, const Scope& scope, FileId file,
                  const std::string& path, ZoneCatalog& zone,
                  std::map<std::string, SourceRange>& seen);
  // Reports cycles of depends_on and notify edges.
  void CheckOrderCycles(const HostBuild& build, const std::string& host,
                        const std::string& path);
  // Adds the dependencies a host's resources have by their nature, as
  // depends_on: a path after the directory resource holding it, a line
  // after the file it edits, a file or directory after its owner's user
  // and group resources, a user after its groups. An edge that would close
  // a cycle with the written ones is left out: what is written wins.
  static void AddImplicitDependencies(HostBuild& build);
  // An attribute of host `name`, for host.NAME.ATTR.
  Value HostAttribute(const std::string& name, const ast::Ident& attr,
                      FileId file);

  // Filling messages by reflection (fill.cc).
  // Sets attribute `name` of `message` from `value_expr`. Returns false
  // (having reported) when the attribute does not exist or does not fit.
  bool SetField(google::protobuf::Message& message, const ast::AttrStmt& attr,
                const Scope& scope, FileId file, const std::string& path,
                std::vector<std::string>* secret_fields);
  bool Assign(google::protobuf::Message& message,
              const google::protobuf::FieldDescriptor* field,
              const Value& value, const ast::Expr& at, FileId file,
              const std::string& path);
  // Checks that required fields are set.
  // Attributes in `written` were set, with a value that may be unknown.
  void CheckRequired(const google::protobuf::Message& message,
                     SourceRange range, const std::string& path,
                     const std::set<std::string>* written = nullptr);
  // Checks what a kind needs beyond its fields' types: a file's content
  // comes from `content` or from `source` with a checksum, and the like.
  // `written`: the attributes the block sets, whether or not their value
  // is known.
  void CheckKindRules(const google::protobuf::Message& message,
                      const std::set<std::string>& written, SourceRange range,
                      const std::string& path);
  // The message type of resource kind `kind`, or nullptr.
  const google::protobuf::Descriptor* KindMessage(std::string_view kind) const;

  // Diagnostics.
  Diagnostic& Error(DiagnosticKind kind, SourceRange range, std::string summary,
                    const std::string& path = "");
  SourceRange Range(FileId file, uint32_t begin, uint32_t end) const {
    return {file, begin, end};
  }
  SourceRange Range(FileId file, const ast::Expr& e) const {
    return {file, e.begin, e.end};
  }
  v1::SourceLocation Location(SourceRange range) const;

  const SourceManager& sources() const { return sources_; }

  // Modules (modules.cc).
  // Loads every module the configuration imports, transitively.
  void LoadProgram(const std::vector<const ast::File*>& roots);
  uint32_t UnitOf(FileId file) const;
  // Whether `file` belongs to the built-in standard library.
  bool IsEmbedded(FileId file) const;
  // `relative` resolved against the directory of `from`.
  std::string ResolveBeside(FileId from, const std::string& relative) const;
  // Reads a file named relative to `from` (from the standard library when
  // `from` is part of it).
  absl::StatusOr<std::string> ReadBeside(FileId from,
                                         const std::string& relative,
                                         std::string* resolved);

 private:
  Diagnostic& Emit(Diagnostic d);
  ResolvedImport ResolveImport(FileId from, const std::string& path) const;
  uint32_t LoadModule(const std::string& key,
                      const std::vector<std::string>& files, bool embedded);
  void LoadImports(uint32_t unit, std::vector<std::string>& stack,
                   std::vector<SourceRange>& stack_at);
  void AssignUnit(FileId file, uint32_t unit);
  void CollectGlobals(uint32_t unit);

  SourceManager& sources_;
  const CompileOptions& options_;
  DiagnosticSink& diagnostics_;
  // Diagnostics of this run; added to `diagnostics_` at the end, in order.
  std::vector<Diagnostic> pending_;

  std::vector<Unit> units_;
  std::vector<uint32_t> file_unit_;
  std::map<std::string, uint32_t, std::less<>> module_index_;
  // Files given on the command line, by canonical path.
  std::map<std::string, const ast::File*, std::less<>> root_paths_;
  std::vector<std::unique_ptr<ast::File>> module_trees_;
  std::set<FileId> embedded_;
  std::map<std::string, TemplateEntry, std::less<>> templates_;
  // True while a param's default is evaluated: env() is allowed there.
  bool in_param_default_ = false;
  std::vector<const ast::RoleStmt*> roles_;
  std::vector<FileId> role_files_;
  std::vector<bool> role_used_;
  // Hosts by name: their block, for host.NAME references.
  struct HostDecl {
    const ast::BlockStmt* block;
    FileId file;
    const Scope* scope;
    // The host body's lets and attributes, evaluated once, on first need.
    std::unique_ptr<Scope> body_scope;
    std::map<std::string, Value, std::less<>> attributes;
    enum { kPending, kEvaluating, kDone } state = kPending;
  };
  // Evaluates a host's lets and attributes; false on a reference cycle.
  bool EnsureHostAttributes(HostDecl& decl);
  // The host being evaluated, which `self` names; empty outside hosts.
  std::string current_host_;
  // Whether an `if` or `for` of the host being evaluated could not be
  // decided (its value depends on a secret not known).
  bool unknown_branch_ = false;
  std::map<std::string, HostDecl, std::less<>> hosts_;
  // Where the `fleet` block is, once one was seen.
  std::optional<SourceRange> fleet_range_;
  std::vector<std::unique_ptr<Scope>> host_scopes_;
  std::map<std::string, const google::protobuf::Descriptor*, std::less<>>
      kinds_;
  CompileResult result_;
  Scope root_;

  friend class GlobalsLoader;
};

}  // namespace cairn::eval

#endif  // CAIRN_COMPILER_EVAL_EVALUATOR_H_
