#ifndef CAIRN_COMPILER_EVAL_STDLIB_H_
#define CAIRN_COMPILER_EVAL_STDLIB_H_

// The standard library of modules, built into cairn from the repository's
// modules/ directory, so that `import "std/debian"` needs no installation.
// Paths start with "std/": modules/nginx/site.conf.j2 is
// "std/nginx/site.conf.j2".

#include <string_view>

#include "absl/types/span.h"

namespace cairn::eval {

struct StdFile {
  std::string_view path;
  std::string_view contents;
};

// Every file of the standard library, sorted by path.
absl::Span<const StdFile> StdFiles();

// The file at `path` (normalized, "std/..."), or nullptr.
const StdFile* FindStdFile(std::string_view path);

}  // namespace cairn::eval

#endif  // CAIRN_COMPILER_EVAL_STDLIB_H_
