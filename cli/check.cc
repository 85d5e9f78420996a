// cairn check: parse, check and compile a configuration without contacting
// any host, and print what is wrong with it.

#include <cstdio>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "cli/files.h"
#include "lang/diagnostics/render.h"

namespace cairn::cli {

int Check(const std::vector<std::string>& args) {
  std::string format = "text";
  CompileFlags flags;
  bool parsed = ParseCommandLine(
      "check", args, flags, [&](const std::vector<std::string>& a, size_t& i) {
        if (!StartsWith(a[i], "--format=")) return false;
        format = a[i].substr(9);
        return true;
      });
  if (!parsed) return kExitUsage;
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "cairn check: --format must be text or json\n");
    return kExitUsage;
  }
  if (flags.paths.empty()) {
    std::fprintf(stderr, "usage: cairn check [--format=text|json] %s PATH...\n",
                 CompileFlags::kUsage);
    return kExitUsage;
  }
  flags.options.vault_password_optional = true;
  // Catalogs are not kept: only the diagnostics matter here.
  flags.options.on_catalog = [](v1::Catalog) {};
  absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
  if (!compiled.ok()) {
    std::fprintf(stderr, "cairn check: %s\n",
                 std::string(compiled.status().message()).c_str());
    return kExitUsage;
  }
  const DiagnosticSink& diagnostics = (*compiled)->diagnostics;
  const SourceManager& sources = (*compiled)->sources;
  size_t file_count = (*compiled)->file_count;

  if (format == "json") {
    std::string json = RenderJson(diagnostics.diagnostics(), sources);
    std::fwrite(json.data(), 1, json.size(), stdout);
  } else {
    RenderOptions options;
    options.color = UseColor(flags.color);
    for (const Diagnostic& d : diagnostics.diagnostics()) {
      std::string text = RenderText(d, sources, options);
      std::fwrite(text.data(), 1, text.size(), stderr);
    }
    size_t errors = diagnostics.error_count();
    size_t warnings = diagnostics.warning_count();
    if (errors + warnings == 0) {
      std::fprintf(stderr, "%zu %s checked, no problems\n", file_count,
                   file_count == 1 ? "file" : "files");
    } else {
      std::string summary = StrCat(errors, errors == 1 ? " error" : " errors");
      if (warnings > 0) {
        StrAppend(&summary, ", ", warnings,
                  warnings == 1 ? " warning" : " warnings");
      }
      StrAppend(&summary, " in ", file_count,
                file_count == 1 ? " file" : " files", "\n");
      std::fputs(summary.c_str(), stderr);
    }
  }
  return diagnostics.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace cairn::cli
