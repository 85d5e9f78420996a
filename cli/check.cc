// cairn check: parse and check files, print diagnostics.

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"

namespace cairn::cli {

int Check(const std::vector<std::string>& args) {
  std::string format = "text";
  std::string color = "auto";
  std::vector<std::string> paths;
  for (const std::string& arg : args) {
    if (StartsWith(arg, "--format=")) {
      format = arg.substr(9);
    } else if (StartsWith(arg, "--color=")) {
      color = arg.substr(8);
    } else if (StartsWith(arg, "-") && arg != "-") {
      std::fprintf(stderr, "cairn check: unknown flag %s\n", arg.c_str());
      return kExitUsage;
    } else {
      paths.push_back(arg);
    }
  }
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "cairn check: --format must be text or json\n");
    return kExitUsage;
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: cairn check [--format=text|json] PATH...\n");
    return kExitUsage;
  }
  // "-" reads standard input (an editor's unsaved buffer).
  bool read_stdin = false;
  std::vector<std::string> file_paths;
  for (const std::string& path : paths) {
    if (path == "-") {
      read_stdin = true;
    } else {
      file_paths.push_back(path);
    }
  }
  absl::StatusOr<std::vector<std::string>> files =
      CollectCairnFiles(file_paths);
  if (!files.ok()) {
    std::fprintf(stderr, "cairn check: %s\n",
                 std::string(files.status().message()).c_str());
    return kExitUsage;
  }

  SourceManager sources;
  DiagnosticSink diagnostics;
  std::vector<std::unique_ptr<ast::File>> trees;
  if (read_stdin) {
    std::string text((std::istreambuf_iterator<char>(std::cin)),
                     std::istreambuf_iterator<char>());
    trees.push_back(
        Parse(sources.AddBuffer("<stdin>", std::move(text)), diagnostics));
  }
  size_t file_count = files->size() + (read_stdin ? 1 : 0);
  for (const std::string& path : *files) {
    absl::StatusOr<const SourceFile*> source = sources.AddFile(path);
    if (!source.ok()) {
      std::fprintf(stderr, "cairn check: %s\n",
                   std::string(source.status().message()).c_str());
      return kExitUsage;
    }
    trees.push_back(Parse(**source, diagnostics));
  }
  diagnostics.SortByPosition();

  if (format == "json") {
    std::string json = RenderJson(diagnostics.diagnostics(), sources);
    std::fwrite(json.data(), 1, json.size(), stdout);
  } else {
    RenderOptions options;
    options.color = UseColor(color);
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
