#include "cli/files.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "base/strings.h"

namespace cairn::cli {

absl::StatusOr<std::vector<std::string>> CollectCairnFiles(
    const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return absl::NotFoundError(StrCat(path, ": no such file or directory"));
    }
    if (!fs::is_directory(status)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(
        path, fs::directory_options::skip_permission_denied, ec);
    if (ec) return absl::UnavailableError(StrCat(path, ": ", ec.message()));
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return absl::UnavailableError(StrCat(path, ": ", ec.message()));
      std::string name = it->path().filename().string();
      if (it->is_directory(ec)) {
        if ((name.size() > 1 && name[0] == '.') || StartsWith(name, "bazel-")) {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (EndsWith(name, ".cairn") && it->is_regular_file(ec)) {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(STDERR_FILENO);
}

}  // namespace cairn::cli
