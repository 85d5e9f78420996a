#include "lang/testing/runfiles.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cairn::testing {

namespace fs = std::filesystem;

fs::path RepoPath(const std::string& relative) {
  if (const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return fs::path(workspace) / relative;
  }
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* name = std::getenv("TEST_WORKSPACE");
  return fs::path(srcdir ? srcdir : ".") / (name ? name : "cairn") / relative;
}

std::vector<fs::path> ListFiles(const std::string& relative,
                                const std::string& extension) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(RepoPath(relative), ec)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace cairn::testing
