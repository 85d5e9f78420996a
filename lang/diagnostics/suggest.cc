#include "lang/diagnostics/suggest.h"

#include <algorithm>
#include <vector>

namespace cairn {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance, three rows.
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1),
      cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ClosestMatch(std::string_view name,
                         absl::Span<const std::string_view> candidates) {
  // Allow one edit for short names, about one in three for longer ones.
  size_t limit = std::max<size_t>(1, (name.size() + 1) / 3);
  size_t best = limit + 1;
  std::string_view match;
  for (std::string_view candidate : candidates) {
    if (candidate == name) continue;
    // The difference in length bounds the distance from below; skipping on
    // it keeps a 10 MB word from costing an edit-distance table.
    size_t gap = name.size() > candidate.size()
                     ? name.size() - candidate.size()
                     : candidate.size() - name.size();
    if (gap >= best) continue;
    size_t d = EditDistance(name, candidate);
    if (d < best) {
      best = d;
      match = candidate;
    }
  }
  return std::string(match);
}

}  // namespace cairn
