// Golden tests for the compiler. Each compiler/testdata/*.txtar holds one or
// more *.cairn sections (a configuration), optionally a `params` section
// (NAME=VALUE lines, as -p gives them), a `vault-password` section, a `mode`
// section saying `check` to compile as `cairn check` does, other
// files the configuration reads, and the expected output:
//   diagnostics  what `cairn compile` prints (no color)
//   catalogs     every host's catalog and every zone, as text
// Files are named fail_* exactly when the configuration has diagnostics.
//
// After a deliberate change, rewrite the expectations with
//   bazel run //compiler:golden_test -- --autoupdate
// and review the diff before committing it.
//
// This file also holds the diagnostic coverage test for every stage: each
// kind in lang/diagnostics/kinds.def must be shown by some golden case,
// here or in lang/testdata.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/eval/compile.h"
#include "compiler/eval/render.h"
#include "compiler/vault/vault.h"
#include "gtest/gtest.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"
#include "lang/testing/runfiles.h"
#include "lang/testing/txtar.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

bool autoupdate = false;

std::vector<fs::path> Files(const std::string& relative) {
  return testing::ListFiles(relative, ".txtar");
}

std::string ReadAll(const fs::path& path) {
  return testing::ReadWholeFile(path);
}

struct Outputs {
  std::string diagnostics;
  std::string catalogs;
  std::vector<std::string> codes;
};

// Parses every .cairn section; compiles when `compile` and parsing was clean.
Outputs RunStages(const testing::Txtar& archive, bool compile) {
  Outputs out;
  SourceManager sources;
  DiagnosticSink diagnostics;
  std::vector<std::unique_ptr<ast::File>> trees;
  std::vector<const ast::File*> files;
  CompileOptions options;
  // Other sections are files the configuration reads (file(), vault()):
  // they are written to a fresh directory that becomes the working one.
  fs::path dir = fs::path(::testing::TempDir()) / "golden";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::current_path(dir);
  for (const auto& section : archive.sections) {
    if (section.name == "vault-password") {
      std::string password = section.body;
      while (!password.empty() && password.back() == '\n') password.pop_back();
      options.vault_password = password;
      continue;
    }
    if (section.name != "params" && section.name != "diagnostics" &&
        section.name != "catalogs" && section.name != "mode") {
      // .cairn files too, so that imports find them.
      fs::create_directories((dir / section.name).parent_path());
      std::ofstream(dir / section.name, std::ios::binary) << section.body;
      if (!EndsWith(section.name, ".cairn")) continue;
    }
    if (section.name == "mode") {
      // `check`: as cairn check runs the compiler (no vault password needed).
      options.vault_password_optional = section.body == "check\n";
      continue;
    }
    if (section.name == "params") {
      for (std::string_view line : StrSplit(section.body, '\n')) {
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        options.params[std::string(line.substr(0, eq))] =
            std::string(line.substr(eq + 1));
      }
    }
    if (!EndsWith(section.name, ".cairn")) continue;
    trees.push_back(
        Parse(sources.AddBuffer(section.name, section.body), diagnostics));
    files.push_back(trees.back().get());
  }
  if (compile && !diagnostics.has_errors()) {
    CompileResult result = Compile(sources, files, options, diagnostics);
    std::string key =
        vault::FingerprintKey(options.vault_password.value_or(""));
    for (const v1::Catalog& catalog : result.catalogs) {
      StrAppend(&out.catalogs, "# host ", catalog.host().name(), "\n",
                CatalogText(catalog, key));
    }
    for (const ZoneCatalog& zone : result.zones) {
      StrAppend(&out.catalogs, "# zone ", zone.zone.name(), "\n",
                ZoneText(zone, key));
    }
  }
  diagnostics.SortByPosition();
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    out.diagnostics += RenderText(d, sources);
    out.codes.emplace_back(d.code());
  }
  return out;
}

class CompilerGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(CompilerGolden, MatchesExpectations) {
  const fs::path& path = GetParam();
  testing::Txtar archive = testing::Txtar::Parse(ReadAll(path));
  Outputs out = RunStages(archive, /*compile=*/true);
  // No plaintext of any vault in the case may reach what people see.
  const std::string* password = archive.Find("vault-password");
  for (const auto& section : archive.sections) {
    if (password == nullptr || !vault::IsVaultText(section.body)) continue;
    std::string pw = *password;
    while (!pw.empty() && pw.back() == '\n') pw.pop_back();
    auto vars = vault::DecryptYamlVars(section.body, pw);
    if (!vars.ok()) continue;
    for (const auto& [key, secret] : *vars) {
      EXPECT_EQ(out.catalogs.find(secret), std::string::npos)
          << "secret " << key << " leaked into the catalogs";
      EXPECT_EQ(out.diagnostics.find(secret), std::string::npos)
          << "secret " << key << " leaked into the diagnostics";
    }
  }
  bool named_fail = path.filename().string().rfind("fail_", 0) == 0;
  EXPECT_EQ(named_fail, !out.diagnostics.empty())
      << path.filename()
      << (named_fail ? " is named fail_ but has no diagnostic"
                     : " has diagnostics but is not named fail_*:\n")
      << out.diagnostics;
  if (autoupdate) {
    archive.Set("diagnostics", out.diagnostics);
    archive.Set("catalogs", out.catalogs);
    std::ofstream(path, std::ios::binary) << archive.Serialize();
    return;
  }
  for (auto [name, actual] : {std::pair<std::string_view, std::string>{
                                  "diagnostics", out.diagnostics},
                              {"catalogs", out.catalogs}}) {
    const std::string* expected = archive.Find(name);
    std::string want = expected ? *expected : "";
    if (!actual.empty() && actual.back() != '\n') actual += '\n';
    EXPECT_EQ(want, actual)
        << "section '" << name << "' of " << path.filename()
        << " is stale; run: bazel run //compiler:golden_test -- "
           "--autoupdate, then review the diff";
  }
}

std::string TestName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Compiler, CompilerGolden,
                         ::testing::ValuesIn(Files("compiler/testdata")),
                         TestName);

TEST(DiagnosticCoverage, EveryKindHasATestCase) {
  std::set<std::string> seen;
  for (const fs::path& path : Files("lang/testdata")) {
    testing::Txtar archive = testing::Txtar::Parse(ReadAll(path));
    for (const std::string& code :
         RunStages(archive, /*compile=*/false).codes) {
      seen.insert(code);
    }
  }
  for (const fs::path& path : Files("compiler/testdata")) {
    testing::Txtar archive = testing::Txtar::Parse(ReadAll(path));
    for (const std::string& code : RunStages(archive, /*compile=*/true).codes) {
      seen.insert(code);
    }
  }
  for (DiagnosticKind kind : AllDiagnosticKinds()) {
    EXPECT_TRUE(seen.count(std::string(DiagnosticCode(kind))))
        << DiagnosticCode(kind) << " (" << DiagnosticName(kind)
        << ") appears in no golden case; add a fail_ case for it";
  }
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--autoupdate") cairn::autoupdate = true;
  }
  return RUN_ALL_TESTS();
}
