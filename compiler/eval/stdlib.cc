#include "compiler/eval/stdlib.h"

#include <algorithm>

namespace cairn::eval {

// Generated from modules/ by tools/embed_files.py (stdlib_data.cc).
extern const StdFile kStdFiles[];
extern const size_t kStdFileCount;

absl::Span<const StdFile> StdFiles() {
  return absl::MakeConstSpan(kStdFiles, kStdFileCount);
}

const StdFile* FindStdFile(std::string_view path) {
  absl::Span<const StdFile> files = StdFiles();
  auto it = std::lower_bound(
      files.begin(), files.end(), path,
      [](const StdFile& f, std::string_view p) { return f.path < p; });
  if (it == files.end() || it->path != path) return nullptr;
  return &*it;
}

}  // namespace cairn::eval
