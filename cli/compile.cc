// cairn compile: evaluate a configuration into one catalog per host.

#include "compiler/eval/compile.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "compiler/eval/render.h"
#include "compiler/vault/vault.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"

namespace cairn::cli {

int Compile(const std::vector<std::string>& args) {
  std::string color = "auto";
  std::string host;
  std::string dump = "catalog";
  CompileOptions options;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if ((arg == "-p" || arg == "--param") && i + 1 < args.size()) {
      const std::string& kv = args[++i];
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "cairn compile: -p takes NAME=VALUE, not %s\n",
                     kv.c_str());
        return kExitUsage;
      }
      options.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (arg == "--vault-password-file" && i + 1 < args.size()) {
      absl::StatusOr<std::string> contents = ReadFile(args[++i]);
      if (!contents.ok()) {
        std::fprintf(stderr, "cairn compile: %s\n",
                     std::string(contents.status().message()).c_str());
        return kExitUsage;
      }
      options.vault_password = std::string(vault::PasswordFromFile(*contents));
    } else if (arg == "--host" && i + 1 < args.size()) {
      host = args[++i];
    } else if (StartsWith(arg, "--dump=")) {
      dump = arg.substr(7);
    } else if (StartsWith(arg, "--color=")) {
      color = arg.substr(8);
    } else if (StartsWith(arg, "-")) {
      std::fprintf(stderr, "cairn compile: unknown flag %s\n", arg.c_str());
      return kExitUsage;
    } else {
      paths.push_back(arg);
    }
  }
  if (!options.vault_password.has_value()) {
    if (const char* env = std::getenv("CAIRN_VAULT_PASSWORD")) {
      options.vault_password = std::string(env);
    }
  }
  if (paths.empty() || (dump != "catalog" && dump != "none")) {
    std::fprintf(stderr,
                 "usage: cairn compile PATH... [-p NAME=VALUE] [--host NAME] "
                 "[--vault-password-file FILE] [--dump=catalog|none]\n");
    return kExitUsage;
  }
  absl::StatusOr<std::vector<std::string>> files = CollectCairnFiles(paths);
  if (!files.ok()) {
    std::fprintf(stderr, "cairn compile: %s\n",
                 std::string(files.status().message()).c_str());
    return kExitUsage;
  }
  SourceManager sources;
  DiagnosticSink diagnostics;
  std::vector<std::unique_ptr<ast::File>> trees;
  std::vector<const ast::File*> parsed;
  for (const std::string& path : *files) {
    absl::StatusOr<const SourceFile*> source = sources.AddFile(path);
    if (!source.ok()) {
      std::fprintf(stderr, "cairn compile: %s\n",
                   std::string(source.status().message()).c_str());
      return kExitUsage;
    }
    trees.push_back(Parse(**source, diagnostics));
    parsed.push_back(trees.back().get());
  }
  // Each catalog becomes text as soon as its host is complete, so the
  // catalogs themselves are never all in memory; the text is written only
  // if the whole configuration compiled cleanly.
  std::string out;
  bool found = host.empty();
  options.on_catalog = [&](v1::Catalog catalog) {
    if (dump != "catalog") return;
    if (!host.empty() && catalog.host().name() != host) return;
    found = true;
    StrAppend(&out, "# host ", catalog.host().name(), "\n",
              CatalogText(catalog), "\n");
  };
  CompileResult result;
  if (!diagnostics.has_errors()) {
    result = cairn::Compile(sources, parsed, options, diagnostics);
  }
  RenderOptions render;
  render.color = UseColor(color);
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    std::string text = RenderText(d, sources, render);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  if (diagnostics.has_errors()) {
    std::fprintf(stderr, "%zu %s; no catalog written\n",
                 diagnostics.error_count(),
                 diagnostics.error_count() == 1 ? "error" : "errors");
    return kExitFindings;
  }
  if (dump == "catalog") {
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (host.empty()) {
      for (const ZoneCatalog& zone : result.zones) {
        std::string text =
            StrCat("# zone ", zone.zone.name(), "\n", ZoneText(zone), "\n");
        std::fwrite(text.data(), 1, text.size(), stdout);
      }
    }
  }
  if (!found) {
    std::fprintf(stderr, "cairn compile: no host is named %s\n", host.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace cairn::cli
