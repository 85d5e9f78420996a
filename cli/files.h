#ifndef CAIRN_CLI_FILES_H_
#define CAIRN_CLI_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::cli {

// Expands PATHs: a file stands for itself, a directory for every *.cairn
// below it (hidden directories and bazel-* skipped), sorted. Fails on a
// path that does not exist.
absl::StatusOr<std::vector<std::string>> CollectCairnFiles(
    const std::vector<std::string>& paths);

// Whether diagnostics on stderr should be colored: --color=always, or auto
// with a terminal, TERM not "dumb" and NO_COLOR unset.
bool UseColor(const std::string& mode);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_FILES_H_
