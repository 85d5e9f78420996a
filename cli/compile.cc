// cairn compile: evaluate a configuration into one catalog per host.

#include "compiler/eval/compile.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "cli/files.h"
#include "compiler/eval/render.h"
#include "compiler/vault/vault.h"
#include "google/protobuf/util/json_util.h"
#include "lang/diagnostics/render.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] =
    "usage: cairn compile PATH... [--host NAME] "
    "[--dump=catalog|review|json|none] "
    "[--out DIR] %s\n";

// A catalog as JSON for machines, secrets shown as fingerprints as in the
// text form.
std::string CatalogJson(const v1::Catalog& catalog, std::string_view key) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto printed = google::protobuf::util::MessageToJsonString(
      RedactedCatalog(catalog, key), &json, options);
  // Printing a message of the generated pool cannot fail.
  if (!printed.ok()) std::abort();
  return json;
}

}  // namespace

int Compile(const std::vector<std::string>& args) {
  std::string host;
  std::string dump = "catalog";
  std::string out_dir;
  CompileFlags flags;
  bool parsed =
      ParseCommandLine("compile", args, flags,
                       [&](const std::vector<std::string>& a, size_t& i) {
                         if (a[i] == "--host" && i + 1 < a.size()) {
                           host = a[++i];
                         } else if (a[i] == "--out" && i + 1 < a.size()) {
                           out_dir = a[++i];
                         } else if (StartsWith(a[i], "--dump=")) {
                           dump = a[i].substr(7);
                         } else {
                           return false;
                         }
                         return true;
                       });
  if (!parsed) return kExitUsage;
  if (flags.paths.empty() || (dump != "catalog" && dump != "review" &&
                              dump != "json" && dump != "none")) {
    std::fprintf(stderr, kUsage, CompileFlags::kUsage);
    return kExitUsage;
  }
  std::string key =
      vault::FingerprintKey(flags.options.vault_password.value_or(""));
  // Each catalog becomes text (and bytes for --out) as soon as its host is
  // complete, so the catalogs are never all in memory at once; nothing is
  // printed or written unless the whole configuration compiled cleanly.
  std::string out;
  std::vector<std::pair<std::string, std::string>> binaries;
  bool found = host.empty();
  flags.options.on_catalog = [&](v1::Catalog catalog) {
    if (!host.empty() && catalog.host().name() != host) return;
    found = true;
    if (dump == "catalog") {
      StrAppend(&out, "# host ", catalog.host().name(), "\n",
                CatalogText(catalog, key), "\n");
    } else if (dump == "review") {
      StrAppend(&out, CatalogReview(catalog, key), "\n");
    } else if (dump == "json") {
      StrAppend(&out, CatalogJson(catalog, key), "\n");
    }
    if (!out_dir.empty()) {
      binaries.emplace_back(catalog.host().name(), catalog.SerializeAsString());
    }
  };
  absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
  if (!compiled.ok()) {
    std::fprintf(stderr, "cairn compile: %s\n",
                 std::string(compiled.status().message()).c_str());
    return kExitUsage;
  }
  const DiagnosticSink& diagnostics = (*compiled)->diagnostics;
  PrintDiagnostics(**compiled, flags.color);
  if (diagnostics.has_errors()) {
    std::fprintf(stderr, "%zu %s; no catalog written\n",
                 diagnostics.error_count(),
                 diagnostics.error_count() == 1 ? "error" : "errors");
    return kExitFindings;
  }
  if (!found) {
    std::fprintf(stderr, "cairn compile: no host is named %s\n", host.c_str());
    return kExitUsage;
  }
  if (host.empty() && dump == "catalog") {
    for (const ZoneCatalog& zone : (*compiled)->result.zones) {
      StrAppend(&out, "# zone ", zone.zone.name(), "\n", ZoneText(zone, key),
                "\n");
    }
  } else if (host.empty() && dump == "review") {
    for (const ZoneCatalog& zone : (*compiled)->result.zones) {
      StrAppend(&out, ZoneReview(zone, key), "\n");
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  // Catalogs for machines hold the secrets themselves: owner-only files.
  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
      std::fprintf(stderr, "cairn compile: cannot create %s: %s\n",
                   out_dir.c_str(), ec.message().c_str());
      return kExitUsage;
    }
    for (const auto& [name, bytes] : binaries) {
      std::string path =
          (std::filesystem::path(out_dir) / StrCat(name, ".catalog.pb"))
              .string();
      absl::Status written = WriteFileAtomically(path, bytes, 0600);
      if (!written.ok()) {
        std::fprintf(stderr, "cairn compile: %s\n",
                     std::string(written.message()).c_str());
        return kExitUsage;
      }
    }
  }
  return kExitOk;
}

}  // namespace cairn::cli
