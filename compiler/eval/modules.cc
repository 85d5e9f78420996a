// Modules: resolving imports, loading and parsing the files they name, and
// giving each module its own top-level names.
//
// The configuration given on the command line is unit 0; every module is
// one more unit. A module is a file (`web.cairn`) or a directory of them
// (`web/`). `import "./web"` and `import "../lib/web"` are relative to the
// importing file; any other path is looked for in each directory of the
// module path, and `std/...` finally in the standard library built into
// cairn (the repository's modules/ directory). A file both given on the
// command line and imported is a module, not part of the configuration, so
// that `cairn compile .` can walk a tree that holds its own modules.

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "compiler/eval/stdlib.h"
#include "lang/diagnostics/suggest.h"
#include "lang/parse/parse.h"

namespace cairn::eval {
namespace {

namespace fs = std::filesystem;

bool IsRelative(std::string_view path) {
  return StartsWith(path, "./") || StartsWith(path, "../");
}

// The text of a string literal without interpolation, or nullopt.
std::optional<std::string> LiteralText(const ast::StringExpr& s) {
  std::string out;
  for (const ast::StringPart& part : s.parts) {
    if (part.expr != nullptr) return std::nullopt;
    out += part.text;
  }
  return out;
}

// The name a module is known by without `as`: the last segment of its path.
std::string DefaultAlias(std::string_view path) {
  while (EndsWith(path, "/")) path.remove_suffix(1);
  size_t slash = path.rfind('/');
  std::string_view last =
      slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (EndsWith(last, ".cairn")) last.remove_suffix(6);
  return std::string(last);
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? fs::path(path).lexically_normal().string() : canonical.string();
}

}  // namespace

uint32_t Evaluator::UnitOf(FileId file) const {
  return file < file_unit_.size() ? file_unit_[file] : 0;
}

void Evaluator::AssignUnit(FileId file, uint32_t unit) {
  if (file_unit_.size() <= file) file_unit_.resize(file + 1, 0);
  file_unit_[file] = unit;
}

bool Evaluator::IsEmbedded(FileId file) const {
  return embedded_.count(file) != 0;
}

std::string Evaluator::ResolveBeside(FileId from,
                                     const std::string& relative) const {
  fs::path base = fs::path(sources_.Get(from)->path()).parent_path();
  fs::path joined =
      fs::path(relative).is_absolute() ? fs::path(relative) : base / relative;
  return joined.lexically_normal().string();
}

absl::StatusOr<std::string> Evaluator::ReadBeside(FileId from,
                                                  const std::string& relative,
                                                  std::string* resolved) {
  std::string path = ResolveBeside(from, relative);
  if (resolved != nullptr) *resolved = path;
  if (IsEmbedded(from)) {
    if (const StdFile* f = FindStdFile(path)) return std::string(f->contents);
    return absl::NotFoundError(
        StrCat(path, " is not part of the standard library"));
  }
  return ReadFile(path);
}

ResolvedImport Evaluator::ResolveImport(FileId from,
                                        const std::string& path) const {
  ResolvedImport out;
  // A module file BASE.cairn, or the .cairn files of a directory BASE/.
  auto from_embedded = [&](const std::string& base) {
    out.embedded = true;
    out.key = base;
    out.tried.push_back(StrCat("the standard library (", base, ")"));
    if (const StdFile* f = FindStdFile(base + ".cairn")) {
      out.files.emplace_back(f->path);
      return;
    }
    for (const StdFile& f : StdFiles()) {
      std::string_view p = f.path;
      if (StartsWith(p, base + "/") && EndsWith(p, ".cairn") &&
          p.find('/', base.size() + 1) == std::string_view::npos) {
        out.files.emplace_back(p);
      }
    }
  };
  auto from_disk = [&](const std::string& base) {
    std::error_code ec;
    out.key = Canonical(base);
    out.tried.push_back(StrCat(base, ".cairn"));
    if (fs::is_regular_file(base + ".cairn", ec)) {
      out.files.push_back(base + ".cairn");
      return;
    }
    if (!fs::is_directory(base, ec)) return;
    out.tried.back() += StrCat(", ", base, "/");
    for (const fs::directory_entry& entry : fs::directory_iterator(base, ec)) {
      if (entry.is_regular_file(ec) && entry.path().extension() == ".cairn") {
        out.files.push_back(entry.path().string());
      }
    }
    std::sort(out.files.begin(), out.files.end());
  };
  if (IsRelative(path)) {
    std::string base = ResolveBeside(from, path);
    if (IsEmbedded(from)) {
      from_embedded(base);
    } else {
      from_disk(base);
    }
    return out;
  }
  for (const std::string& dir : options_.module_path) {
    from_disk((fs::path(dir) / path).lexically_normal().string());
    if (!out.files.empty()) return out;
  }
  if (StartsWith(path, "std/")) {
    from_embedded(fs::path(path).lexically_normal().string());
  }
  return out;
}

uint32_t Evaluator::LoadModule(const std::string& key,
                               const std::vector<std::string>& files,
                               bool embedded) {
  uint32_t index = static_cast<uint32_t>(units_.size());
  units_.emplace_back();
  units_.back().name = key;
  // Named by its file, or by its directory when it has several.
  bool single = files.size() == 1 && key + ".cairn" == Canonical(files[0]);
  units_.back().display =
      embedded ? key
      : single ? files[0]
               : StrCat(fs::path(files[0]).parent_path().string(), "/");
  module_index_[key] = index;
  for (const std::string& path : files) {
    const SourceFile* source = nullptr;
    if (embedded) {
      const StdFile* f = FindStdFile(path);
      source = &sources_.AddBuffer(path, std::string(f->contents));
      embedded_.insert(source->id());
    } else if (auto root = root_paths_.find(Canonical(path));
               root != root_paths_.end()) {
      // Given on the command line too: it is a module, not a root file.
      const ast::File* tree = root->second;
      units_[index].files.push_back(tree);
      AssignUnit(tree->file, index);
      continue;
    } else {
      absl::StatusOr<const SourceFile*> added = sources_.AddFile(path);
      if (!added.ok()) {
        Error(DiagnosticKind::kImportFailed, {},
              std::string(added.status().message()));
        continue;
      }
      source = *added;
    }
    module_trees_.push_back(Parse(*source, diagnostics_));
    units_[index].files.push_back(module_trees_.back().get());
    AssignUnit(source->id(), index);
  }
  return index;
}

void Evaluator::LoadImports(uint32_t unit, std::vector<std::string>& stack,
                            std::vector<SourceRange>& stack_at) {
  // Copy: loading may grow units_.
  std::vector<const ast::File*> files = units_[unit].files;
  for (const ast::File* file : files) {
    for (const ast::Stmt* stmt : file->stmts) {
      if (stmt->kind != ast::StmtKind::kImport) continue;
      auto* import = static_cast<const ast::ImportStmt*>(stmt);
      if (import->path == nullptr) continue;
      SourceRange at = Range(file->file, *import->path);
      std::optional<std::string> path = LiteralText(*import->path);
      if (!path || path->empty()) {
        Error(DiagnosticKind::kImportFailed, at,
              "an import path is a plain string, without ${...}");
        continue;
      }
      ResolvedImport resolved = ResolveImport(file->file, *path);
      const std::vector<std::string>& tried = resolved.tried;
      if (resolved.files.empty()) {
        Diagnostic& d = Error(DiagnosticKind::kImportFailed, at,
                              StrCat("no module '", *path, "'"));
        if (!tried.empty()) {
          d.help = StrCat("looked for ", StrJoin(tried, "; "));
        } else {
          d.help = StrCat(
              "a path without ./ or ../ is looked for in the module path "
              "(--module-path DIR)",
              StartsWith(*path, "std")
                  ? ""
                  : " and, under std/, in the standard library");
        }
        if (StartsWith(*path, "std/")) {
          std::vector<std::string_view> names;
          for (const StdFile& f : StdFiles()) {
            std::string_view p = f.path;
            if (EndsWith(p, ".cairn"))
              names.push_back(p.substr(0, p.size() - 6));
          }
          std::string match = ClosestMatch(*path, names);
          if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
        }
        continue;
      }
      // A module is known by where it was found.
      const std::string& key = resolved.key;
      std::string alias = import->alias.empty()
                              ? DefaultAlias(*path)
                              : std::string(import->alias.name);
      // A cycle: the module is still being loaded further up.
      auto on_stack = std::find(stack.begin(), stack.end(), key);
      if (on_stack != stack.end()) {
        size_t first = on_stack - stack.begin();
        std::vector<std::string> names;
        for (size_t i = first; i < stack.size(); ++i) {
          names.push_back(units_[module_index_[stack[i]]].display);
        }
        names.push_back(units_[module_index_[key]].display);
        Diagnostic& d = Error(DiagnosticKind::kImportFailed, at,
                              StrCat("import cycle: ", StrJoin(names, " -> ")));
        for (size_t i = first + 1; i < stack_at.size(); ++i) {
          d.labels.push_back({stack_at[i], "imported here"});
        }
        d.help = "move what the modules share into a module of its own";
        continue;
      }
      uint32_t target;
      bool fresh = false;
      if (auto it = module_index_.find(key); it != module_index_.end()) {
        target = it->second;
      } else {
        target = LoadModule(key, resolved.files, resolved.embedded);
        fresh = true;
      }
      Unit& importer = units_[unit];
      if (auto [it, inserted] = importer.imports.emplace(alias, target);
          !inserted && it->second != target) {
        Diagnostic& d =
            Error(DiagnosticKind::kDuplicateDefinition, at,
                  StrCat("two imports are both named '", alias, "'"));
        d.help = StrCat("name one of them: import \"", *path, "\" as OTHER");
        continue;
      }
      importer.import_at.emplace(alias, at);
      importer.import_values.emplace(alias, Value::Module(target, alias));
      if (fresh) {
        stack.push_back(key);
        stack_at.push_back(at);
        LoadImports(target, stack, stack_at);
        stack.pop_back();
        stack_at.pop_back();
      }
    }
  }
}

void Evaluator::LoadProgram(const std::vector<const ast::File*>& roots) {
  units_.emplace_back();
  units_[0].display = roots.empty() ? "" : sources_.Get(roots[0]->file)->path();
  for (const ast::File* file : roots) {
    root_paths_[Canonical(sources_.Get(file->file)->path())] = file;
  }
  units_[0].files = roots;
  std::vector<std::string> stack = {""};
  module_index_[""] = 0;
  std::vector<SourceRange> stack_at = {SourceRange{}};
  LoadImports(0, stack, stack_at);
  // Files that turned out to be modules leave the configuration.
  std::vector<const ast::File*>& files = units_[0].files;
  files.erase(
      std::remove_if(files.begin(), files.end(),
                     [&](const ast::File* f) { return UnitOf(f->file) != 0; }),
      files.end());
}

}  // namespace cairn::eval
