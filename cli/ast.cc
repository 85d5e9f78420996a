// cairn ast: print the syntax tree of a file.

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/files.h"
#include "lang/ast/dump.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"

namespace cairn::cli {

int Ast(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "usage: cairn ast FILE\n");
    return kExitUsage;
  }
  SourceManager sources;
  absl::StatusOr<const SourceFile*> source = sources.AddFile(args[0]);
  if (!source.ok()) {
    std::fprintf(stderr, "cairn ast: %s\n",
                 std::string(source.status().message()).c_str());
    return kExitUsage;
  }
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file = Parse(**source, diagnostics);
  std::string dump = ast::Dump(*file);
  std::fwrite(dump.data(), 1, dump.size(), stdout);
  RenderOptions options;
  options.color = UseColor("auto");
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    std::string text = RenderText(d, sources, options);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  return diagnostics.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace cairn::cli
