#ifndef CAIRN_LANG_DIAGNOSTICS_RENDER_H_
#define CAIRN_LANG_DIAGNOSTICS_RENDER_H_

#include <string>

#include "absl/types/span.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/source/source.h"

namespace cairn {

struct RenderOptions {
  // ANSI colors; the CLI turns them on only when writing to a terminal.
  bool color = false;
  // Source lines longer than this are cut to a window around the caret.
  size_t max_line_width = 120;
};

// Renders like clang:
//   path:line:col: error[E0100]: summary
//      3 |   host "web" {
//        |   ^~~~
//     = help: did you mean 'host'?
std::string RenderText(const Diagnostic& diagnostic,
                       const SourceManager& sources,
                       const RenderOptions& options = {});

// Renders all diagnostics as one JSON document:
//   {"diagnostics": [{"severity": "error", "code": "E0100", ...}]}
// with 1-based lines and columns and 0-based byte offsets.
std::string RenderJson(absl::Span<const Diagnostic> diagnostics,
                       const SourceManager& sources);

// Appends `text` to `out` as a JSON string literal, escaping as needed and
// replacing invalid UTF-8 with U+FFFD.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace cairn

#endif  // CAIRN_LANG_DIAGNOSTICS_RENDER_H_
