#ifndef CAIRN_AGENT_PROVIDERS_UNIFIED_DIFF_H_
#define CAIRN_AGENT_PROVIDERS_UNIFIED_DIFF_H_

// Unified diffs of file content for ResourceDiff.text_diff. Never call it
// on secret content: the diff is the content.

#include <cstddef>
#include <string>
#include <string_view>

namespace cairn::agent {

struct DiffOptions {
  // Lines of context around each change.
  int context = 3;
  // Content larger than this (either side) is not diffed line by line.
  size_t max_bytes = 1 << 20;
  // Nor content that needs more than this many inserted plus deleted lines
  // (the search costs time and memory in proportion to it squared).
  int max_edits = 2000;
};

// The unified diff turning `current` into `desired`, as `diff -u` prints
// it (Myers' algorithm, the shortest edit script), with headers
// "--- a/PATH" and "+++ b/PATH" ("--- /dev/null" when `current_exists` is
// false) and "\ No newline at end of file" where one is missing. Empty
// when the two are equal (a new empty file too). Binary content (a NUL byte)
// and content past the limits give one line instead:
//   binary or too large: 12345 bytes -> 12400 bytes
std::string ContentDiff(std::string_view current, std::string_view desired,
                        std::string_view path, bool current_exists = true,
                        const DiffOptions& options = {});

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_UNIFIED_DIFF_H_
