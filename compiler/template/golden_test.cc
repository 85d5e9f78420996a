// Differential tests against the reference. For every testdata/NAME.j2:
//   NAME.json  the variables (none when missing)
//   NAME.out   what Ansible's template module writes, as rendered by
//              Debian's python3-jinja2 configured like Ansible
//              (jinja_reference.py --update writes these)
//   NAME.err   for fail_* and unsupported_* templates: the engine's error
// The engine must reproduce NAME.out byte for byte, or fail with NAME.err.
// reference_test re-renders the .out files with Python to catch drift.
//
// After a deliberate change of an error message, rewrite the .err files with
//   bazel run //compiler/template:golden_test -- --autoupdate
// and review the diff.

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/template/template.h"
#include "compiler/template/testing/json_value.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

namespace fs = std::filesystem;

bool autoupdate = false;

fs::path TestdataDir() {
  if (const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return fs::path(workspace) / "compiler/template/testdata";
  }
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* name = std::getenv("TEST_WORKSPACE");
  return fs::path(srcdir ? srcdir : ".") / (name ? name : "cairn") /
         "compiler/template/testdata";
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<fs::path> Templates() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(TestdataDir())) {
    if (entry.path().extension() == ".j2") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GoldenTest, CorpusIsThere) {
  std::vector<fs::path> files = Templates();
  int realistic = 0;
  for (const fs::path& f : files) {
    std::string name = f.stem().string();
    if (!StartsWith(name, "fail_") && !StartsWith(name, "unsupported_") &&
        !StartsWith(name, "edge_")) {
      ++realistic;
    }
  }
  EXPECT_GE(files.size(), 30u);
  EXPECT_GE(realistic, 10);
}

TEST(GoldenTest, MatchesReference) {
  int compared = 0;
  for (const fs::path& path : Templates()) {
    std::string name = path.stem().string();
    SCOPED_TRACE(name);
    fs::path base = path.parent_path() / name;
    Value vars;
    std::string json_error;
    fs::path json = base;
    json += ".json";
    if (fs::exists(json)) {
      ASSERT_TRUE(jinja_testing::ParseJson(ReadAll(json), &vars, &json_error))
          << json_error;
    }
    RenderResult result = RenderString(ReadAll(path), vars);
    bool expect_error =
        StartsWith(name, "fail_") || StartsWith(name, "unsupported_");
    fs::path expected_path = base;
    expected_path += expect_error ? ".err" : ".out";
    std::string actual =
        result.error ? result.error->ToString() + "\n" : result.output;
    if (expect_error && autoupdate) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path))
        << expected_path << " is missing; run jinja_reference.py --update "
        << "or this test with --autoupdate";
    EXPECT_EQ(result.error.has_value(), expect_error) << actual;
    EXPECT_EQ(actual, ReadAll(expected_path));
    ++compared;
  }
  if (!autoupdate) {
    EXPECT_GE(compared, 30);
  }
}

}  // namespace
}  // namespace cairn::jinja

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--autoupdate") == 0) {
      cairn::jinja::autoupdate = true;
    }
  }
  return RUN_ALL_TESTS();
}
