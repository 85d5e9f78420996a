// Writes or checks the resource reference, docs/resources/*.md.
//
//   bazel run //docs:gen_resources -- --write   rewrite the pages
//   bazel run //docs:gen_resources              list the stale pages
//
// The schema comes from the descriptor set in the runfiles; the examples and
// the pages are the ones in the source tree.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "base/strings.h"
#include "docs/gen/resource_docs.h"
#include "google/protobuf/descriptor.h"

namespace cairn::docs {
namespace {

namespace fs = std::filesystem;

constexpr char kDescriptorSet[] = "proto/cairn/v1/catalog.descriptor_set.pb";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int Main(int argc, char** argv) {
  bool write = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--write") {
      write = true;
    } else if (arg != "--check") {
      std::cerr << "usage: bazel run //docs:gen_resources -- [--write]\n";
      return 2;
    }
  }
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (workspace == nullptr) {
    std::cerr << "gen_resources: run it with `bazel run`\n";
    return 2;
  }
  fs::path root(workspace);

  // `bazel run` starts in the runfiles of this binary.
  google::protobuf::DescriptorPool pool;
  std::string error;
  if (!LoadDescriptorSet(kDescriptorSet, pool, &error)) {
    std::cerr << "gen_resources: " << error << "\n";
    return 1;
  }
  std::map<std::string, std::string> examples;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root / kExamplesDir, ec)) {
    if (entry.path().extension() != ".cairn") continue;
    examples[entry.path().stem().string()] = ReadFile(entry.path());
  }
  ResourceDocs docs = GenerateResourceDocs(pool, examples);
  if (!docs.problems.empty()) {
    for (const std::string& problem : docs.problems) {
      std::cerr << "gen_resources: " << problem << "\n";
    }
    std::cerr << "gen_resources: nothing written\n";
    return 1;
  }

  // Pages of kinds that no longer exist; never a file written by hand.
  std::set<std::string> generated;
  for (const GeneratedFile& file : docs.files) generated.insert(file.path);
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(root / kResourcesDir, ec)) {
    std::string relative =
        StrCat(kResourcesDir, "/", entry.path().filename().string());
    if (entry.path().extension() == ".md" && !generated.count(relative) &&
        StartsWith(ReadFile(entry.path()), kGeneratedMarker)) {
      stale.push_back(entry.path());
    }
  }

  int changed = 0;
  for (const GeneratedFile& file : docs.files) {
    fs::path path = root / file.path;
    if (ReadFile(path) == file.content) continue;
    ++changed;
    if (!write) {
      std::cout << "stale: " << file.path << "\n";
      continue;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file.content;
    if (!out.flush()) {
      std::cerr << "gen_resources: cannot write " << path << "\n";
      return 1;
    }
    std::cout << "wrote " << file.path << "\n";
  }
  for (const fs::path& path : stale) {
    ++changed;
    if (!write) {
      std::cout << "stale: " << path.string() << " (no such kind)\n";
    } else if (fs::remove(path, ec)) {
      std::cout << "removed " << path.string() << "\n";
    }
  }
  if (changed == 0) {
    std::cout << "docs/resources is up to date\n";
  } else if (!write) {
    std::cout << "run: bazel run //docs:gen_resources -- --write\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace cairn::docs

int main(int argc, char** argv) { return cairn::docs::Main(argc, argv); }
