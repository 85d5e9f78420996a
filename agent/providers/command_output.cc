#include "agent/providers/command_output.h"

#include <algorithm>

#include "base/strings.h"
#include "lang/source/utf8.h"

namespace cairn::agent {
namespace {

constexpr size_t kMaxLineBytes = 400;

bool Blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::string Redact(std::string_view text,
                   const std::vector<std::string>& secrets) {
  std::vector<std::string_view> sorted;
  for (const std::string& secret : secrets) {
    if (!secret.empty()) sorted.push_back(secret);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](std::string_view a, std::string_view b) {
              return a.size() > b.size();
            });
  std::string out(text);
  for (std::string_view secret : sorted) {
    std::string replaced;
    size_t from = 0;
    for (size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, from)) {
      StrAppend(&replaced, std::string_view(out).substr(from, at - from),
                "(secret)");
      from = at + secret.size();
    }
    StrAppend(&replaced, std::string_view(out).substr(from));
    out = std::move(replaced);
  }
  return out;
}

std::string OutputTail(const CommandResult& result,
                       const std::vector<std::string>& secrets,
                       size_t max_lines) {
  const std::string& raw = Blank(result.err) ? result.out : result.err;
  if (Blank(raw)) return "(no output)";
  std::string text = Redact(raw, secrets);
  std::string_view view = text;
  while (!view.empty() && (view.back() == '\n' || view.back() == ' ' ||
                           view.back() == '\r' || view.back() == '\t')) {
    view.remove_suffix(1);
  }
  std::vector<std::string_view> lines = StrSplit(view, '\n');
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::vector<std::string> kept;
  for (size_t i = from; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.size() > kMaxLineBytes) {
      line = line.substr(0, Utf8Floor(line, kMaxLineBytes));
      kept.push_back(StrCat(EscapeInvalidUtf8(line), "..."));
    } else {
      kept.push_back(EscapeInvalidUtf8(line));
    }
  }
  return StrJoin(kept, "\n");
}

}  // namespace cairn::agent
