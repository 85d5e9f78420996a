// cairn fmt: print, check or rewrite files in canonical form.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "lang/diagnostics/render.h"
#include "lang/format/format.h"
#include "lang/parse/parse.h"

namespace cairn::cli {
namespace {

enum class Mode { kPrint, kCheck, kWrite };

// Formats one source. Prints diagnostics and returns false when the file
// does not parse: a file with errors is never rewritten.
bool FormatSource(const SourceManager& sources, const SourceFile& source,
                  bool color, std::string& out) {
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file = Parse(source, diagnostics);
  if (diagnostics.has_errors()) {
    RenderOptions options;
    options.color = color;
    for (const Diagnostic& d : diagnostics.diagnostics()) {
      std::string text = RenderText(d, sources, options);
      std::fwrite(text.data(), 1, text.size(), stderr);
    }
    std::fprintf(stderr, "cairn fmt: %s not formatted: fix the errors first\n",
                 source.path().c_str());
    return false;
  }
  out = Format(source, *file);
  return true;
}

}  // namespace

int Fmt(const std::vector<std::string>& args) {
  Mode mode = Mode::kPrint;
  std::string color = "auto";
  std::vector<std::string> paths;
  for (const std::string& arg : args) {
    if (arg == "--check") {
      mode = Mode::kCheck;
    } else if (arg == "-w" || arg == "--write") {
      mode = Mode::kWrite;
    } else if (StartsWith(arg, "--color=")) {
      color = arg.substr(8);
    } else if (StartsWith(arg, "-") && arg != "-") {
      std::fprintf(stderr, "cairn fmt: unknown flag %s\n", arg.c_str());
      return kExitUsage;
    } else {
      paths.push_back(arg);
    }
  }
  bool use_color = UseColor(color);
  SourceManager sources;

  if (paths.empty() || (paths.size() == 1 && paths[0] == "-")) {
    if (mode == Mode::kWrite) {
      std::fprintf(stderr, "cairn fmt: -w needs file paths\n");
      return kExitUsage;
    }
    std::string text((std::istreambuf_iterator<char>(std::cin)),
                     std::istreambuf_iterator<char>());
    const SourceFile& source = sources.AddBuffer("<stdin>", text);
    std::string out;
    if (!FormatSource(sources, source, use_color, out)) return kExitFindings;
    if (mode == Mode::kCheck) {
      if (out != source.text()) {
        std::fprintf(stderr, "<stdin> is not formatted\n");
        return kExitFindings;
      }
      return kExitOk;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }

  absl::StatusOr<std::vector<std::string>> files = CollectCairnFiles(paths);
  if (!files.ok()) {
    std::fprintf(stderr, "cairn fmt: %s\n",
                 std::string(files.status().message()).c_str());
    return kExitUsage;
  }
  int status = kExitOk;
  for (const std::string& path : *files) {
    absl::StatusOr<const SourceFile*> source = sources.AddFile(path);
    if (!source.ok()) {
      std::fprintf(stderr, "cairn fmt: %s\n",
                   std::string(source.status().message()).c_str());
      return kExitUsage;
    }
    std::string out;
    if (!FormatSource(sources, **source, use_color, out)) {
      status = kExitFindings;
      continue;
    }
    bool changed = out != (*source)->text();
    switch (mode) {
      case Mode::kPrint:
        std::fwrite(out.data(), 1, out.size(), stdout);
        break;
      case Mode::kCheck:
        if (changed) {
          std::printf("%s\n", path.c_str());
          status = kExitFindings;
        }
        break;
      case Mode::kWrite:
        if (changed) {
          absl::Status written = WriteFileAtomically(path, out);
          if (!written.ok()) {
            std::fprintf(stderr, "cairn fmt: %s\n",
                         std::string(written.message()).c_str());
            return kExitUsage;
          }
        }
        break;
    }
  }
  return status;
}

}  // namespace cairn::cli
