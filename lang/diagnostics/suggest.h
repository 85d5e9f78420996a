#ifndef CAIRN_LANG_DIAGNOSTICS_SUGGEST_H_
#define CAIRN_LANG_DIAGNOSTICS_SUGGEST_H_

#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace cairn {

// Edit distance (insertions, deletions, substitutions, and transpositions of
// adjacent characters) between `a` and `b`.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` if it is close enough to be a likely typo,
// else "". Used for "did you mean ...?".
std::string ClosestMatch(std::string_view name,
                         absl::Span<const std::string_view> candidates);

}  // namespace cairn

#endif  // CAIRN_LANG_DIAGNOSTICS_SUGGEST_H_
