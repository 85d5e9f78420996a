// Golden tests for the front end. Each lang/testdata/*.txtar holds an
// input.cairn section and the expected output of every stage:
//   diagnostics  what `cairn check` prints (no color)
//   ast          the syntax tree (lang/ast/dump.h)
//   fmt          what `cairn fmt` prints (only when the input parses)
// Files are named fail_* exactly when the input has diagnostics.
//
// To rewrite the expectations after a deliberate change, run
//   bazel run //lang:golden_test -- --autoupdate
// and review the diff before committing it.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "gtest/gtest.h"
#include "lang/ast/dump.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/diagnostics/render.h"
#include "lang/format/format.h"
#include "lang/parse/parse.h"
#include "lang/testing/runfiles.h"
#include "lang/testing/txtar.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

bool autoupdate = false;

std::vector<fs::path> GoldenFiles() {
  return testing::ListFiles("lang/testdata", ".txtar");
}

std::string ReadAll(const fs::path& path) {
  return testing::ReadWholeFile(path);
}

struct Outputs {
  std::string diagnostics;
  std::string ast;
  std::string fmt;
  bool has_errors = false;
  std::vector<std::string> codes;
};

Outputs RunStages(const std::string& input) {
  Outputs out;
  SourceManager sources;
  const SourceFile& source = sources.AddBuffer("input.cairn", input);
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file = Parse(source, diagnostics);
  diagnostics.SortByPosition();
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    out.diagnostics += RenderText(d, sources);
    out.codes.emplace_back(d.code());
  }
  out.has_errors = diagnostics.has_errors();
  out.ast = ast::Dump(*file);
  if (!out.has_errors) out.fmt = Format(source, *file);
  return out;
}

size_t CountComments(const std::string& text) {
  SourceManager sources;
  DiagnosticSink diagnostics;
  return Parse(sources.AddBuffer("x.cairn", text), diagnostics)
      ->comments.size();
}

class GoldenTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenTest, MatchesExpectations) {
  const fs::path& path = GetParam();
  testing::Txtar archive = testing::Txtar::Parse(ReadAll(path));
  const std::string* input = archive.Find("input.cairn");
  ASSERT_NE(input, nullptr) << path << " has no input.cairn section";
  Outputs out = RunStages(*input);

  bool named_fail = path.filename().string().rfind("fail_", 0) == 0;
  EXPECT_EQ(named_fail, !out.diagnostics.empty())
      << path.filename()
      << (named_fail ? " is named fail_ but has no diagnostic"
                     : " has diagnostics but is not named fail_*");

  if (autoupdate) {
    archive.Set("diagnostics", out.diagnostics);
    archive.Set("ast", out.ast);
    if (out.has_errors) {
      archive.Remove("fmt");
    } else {
      archive.Set("fmt", out.fmt);
    }
    std::ofstream(path, std::ios::binary) << archive.Serialize();
    return;
  }

  auto expect_section = [&](std::string_view name, const std::string& actual) {
    const std::string* expected = archive.Find(name);
    std::string want = expected ? *expected : "";
    std::string got = actual;
    if (!got.empty() && got.back() != '\n') got += '\n';
    EXPECT_EQ(want, got) << "section '" << name << "' of " << path.filename()
                         << " is stale; run: bazel run //lang:golden_test -- "
                            "--autoupdate, then review the diff";
  };
  expect_section("diagnostics", out.diagnostics);
  expect_section("ast", out.ast);
  if (!out.has_errors) {
    expect_section("fmt", out.fmt);
    // fmt is stable and keeps every comment.
    Outputs again = RunStages(out.fmt);
    EXPECT_FALSE(again.has_errors) << "fmt output does not parse:\n"
                                   << again.diagnostics;
    EXPECT_EQ(again.fmt, out.fmt) << "fmt is not idempotent";
    EXPECT_EQ(again.ast, out.ast) << "fmt changed the meaning";
    EXPECT_EQ(CountComments(out.fmt), CountComments(*input))
        << "fmt lost a comment";
  } else {
    EXPECT_EQ(archive.Find("fmt"), nullptr)
        << "a fail_ case has no fmt section";
  }
}

std::string TestName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Lang, GoldenTest, ::testing::ValuesIn(GoldenFiles()),
                         TestName);

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--autoupdate") cairn::autoupdate = true;
  }
  return RUN_ALL_TESTS();
}
