#ifndef CAIRN_LANG_TESTING_RUNFILES_H_
#define CAIRN_LANG_TESTING_RUNFILES_H_

#include <filesystem>
#include <string>
#include <vector>

namespace cairn::testing {

// Where a file of the repository is for a test: in the source tree under
// `bazel run` (so --autoupdate rewrites the real files), else in the test's
// runfiles.
std::filesystem::path RepoPath(const std::string& relative);

// The files directly in repository folder `relative` whose names end with
// `extension` (".txtar"), sorted.
std::vector<std::filesystem::path> ListFiles(const std::string& relative,
                                             const std::string& extension);

// A file's whole content, or "" when it cannot be read.
std::string ReadWholeFile(const std::filesystem::path& path);

}  // namespace cairn::testing

#endif  // CAIRN_LANG_TESTING_RUNFILES_H_
