#include "lang/diagnostics/render.h"

#include <algorithm>

#include "base/strings.h"
#include "lang/source/utf8.h"

namespace cairn {
namespace {

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kRed = "\033[1;31m";
constexpr std::string_view kMagenta = "\033[1;35m";
constexpr std::string_view kCyan = "\033[1;36m";
constexpr std::string_view kGreen = "\033[1;32m";

std::string_view SeverityWord(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

std::string_view SeverityColor(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return kRed;
    case Severity::kWarning:
      return kMagenta;
    case Severity::kNote:
      return kCyan;
  }
  return kRed;
}

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string operator()(std::string_view style, std::string_view text) const {
    if (!color_) return std::string(text);
    return StrCat(style, text, kReset);
  }

 private:
  bool color_;
};

// Appends the source line of `range` with a caret run under it.
void AppendSnippet(std::string& out, const SourceFile& file,
                   const SourceRange& range, const RenderOptions& options,
                   const Painter& paint, std::string_view caret_style) {
  LineColumn start = file.Position(range.begin);
  uint32_t line_begin = file.LineStart(start.line);
  std::string_view line = file.Line(start.line);
  // The caret run covers the range up to the end of its first line.
  uint32_t begin = range.begin - line_begin;
  uint32_t end = std::max<uint32_t>(
      begin, std::min<uint32_t>(range.end - line_begin, line.size()));

  // Cut very long lines to a window around the range.
  size_t window_begin = 0;
  size_t window_end = line.size();
  if (line.size() > options.max_line_width) {
    size_t half = options.max_line_width / 2;
    window_begin = begin > half ? begin - half : 0;
    window_end = std::min(line.size(), window_begin + options.max_line_width);
    window_begin = Utf8Floor(line, window_begin);
    window_end = Utf8Floor(line, window_end);
  }
  std::string shown;
  if (window_begin > 0) shown += "...";
  std::string prefix = shown;
  shown +=
      SanitizeForDisplay(line.substr(window_begin, window_end - window_begin));
  if (window_end < line.size()) shown += "...";

  std::string number = StrCat(start.line);
  std::string gutter(number.size(), ' ');
  StrAppend(&out, " ", paint(kBold, number), " | ", shown, "\n");

  // Columns are counted in code points so the caret lines up.
  size_t caret_from = prefix.size();
  if (begin > window_begin) {
    caret_from += Utf8Length(
        SanitizeForDisplay(line.substr(window_begin, begin - window_begin)));
  }
  size_t caret_len = 1;
  if (end > begin) {
    size_t clipped_end = std::min<size_t>(end, window_end);
    if (clipped_end > begin) {
      caret_len = Utf8Length(
          SanitizeForDisplay(line.substr(begin, clipped_end - begin)));
    }
  }
  caret_len = std::max<size_t>(caret_len, 1);
  std::string carets = "^";
  carets.append(caret_len - 1, '~');
  StrAppend(&out, " ", gutter, " | ", std::string(caret_from, ' '),
            paint(caret_style, carets), "\n");
}

std::string Location(const SourceManager& sources, const SourceRange& range) {
  const SourceFile* file = sources.Get(range.file);
  if (file == nullptr) return "<unknown>";
  LineColumn pos = file->Position(range.begin);
  return StrCat(file->path(), ":", pos.line, ":", pos.column);
}

void AppendPosition(std::string& out, const SourceFile* file, uint32_t offset) {
  LineColumn pos = file ? file->Position(offset) : LineColumn{};
  StrAppend(&out, "{\"line\": ", pos.line, ", \"column\": ", pos.column,
            ", \"offset\": ", offset, "}");
}

void AppendRange(std::string& out, const SourceManager& sources,
                 const SourceRange& range) {
  const SourceFile* file = sources.Get(range.file);
  out += "{\"file\": ";
  AppendJsonString(out, file ? file->path() : "");
  out += ", \"start\": ";
  AppendPosition(out, file, range.begin);
  out += ", \"end\": ";
  AppendPosition(out, file, range.end);
  out += "}";
}

}  // namespace

std::string RenderText(const Diagnostic& d, const SourceManager& sources,
                       const RenderOptions& options) {
  Painter paint(options.color);
  std::string out;
  const SourceFile* file = sources.Get(d.range.file);
  if (file != nullptr) {
    StrAppend(&out, paint(kBold, Location(sources, d.range)), ": ");
  }
  StrAppend(&out,
            paint(SeverityColor(d.severity),
                  StrCat(SeverityWord(d.severity), "[", d.code(), "]")),
            ": ", paint(kBold, SanitizeForDisplay(d.summary)));
  if (!d.config_path.empty()) StrAppend(&out, " (in ", d.config_path, ")");
  out += "\n";
  if (file != nullptr) {
    AppendSnippet(out, *file, d.range, options, paint, kGreen);
  }
  if (!d.help.empty()) {
    StrAppend(&out, "  = ", paint(kBold, "help"), ": ",
              SanitizeForDisplay(d.help), "\n");
  }
  if (!d.detail.empty()) {
    for (std::string_view line : StrSplit(d.detail, '\n')) {
      StrAppend(&out, "  ", SanitizeForDisplay(line), "\n");
    }
  }
  for (const DiagnosticLabel& label : d.labels) {
    const SourceFile* label_file = sources.Get(label.range.file);
    if (label_file == nullptr) continue;
    StrAppend(&out, paint(kBold, Location(sources, label.range)), ": ",
              paint(kCyan, "note"), ": ", SanitizeForDisplay(label.message),
              "\n");
    AppendSnippet(out, *label_file, label.range, options, paint, kCyan);
  }
  return out;
}

std::string RenderJson(absl::Span<const Diagnostic> diagnostics,
                       const SourceManager& sources) {
  std::string out = "{\"diagnostics\": [";
  bool first = true;
  for (const Diagnostic& d : diagnostics) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    out += "{\"severity\": ";
    AppendJsonString(out, SeverityWord(d.severity));
    out += ", \"code\": ";
    AppendJsonString(out, d.code());
    out += ", \"kind\": ";
    AppendJsonString(out, DiagnosticName(d.kind));
    out += ", \"summary\": ";
    AppendJsonString(out, d.summary);
    if (!d.detail.empty()) {
      out += ", \"detail\": ";
      AppendJsonString(out, d.detail);
    }
    if (!d.help.empty()) {
      out += ", \"help\": ";
      AppendJsonString(out, d.help);
    }
    if (!d.config_path.empty()) {
      out += ", \"path\": ";
      AppendJsonString(out, d.config_path);
    }
    if (d.range.valid()) {
      out += ", \"range\": ";
      AppendRange(out, sources, d.range);
    }
    if (!d.labels.empty()) {
      out += ", \"labels\": [";
      for (size_t i = 0; i < d.labels.size(); ++i) {
        if (i > 0) out += ", ";
        out += "{\"message\": ";
        AppendJsonString(out, d.labels[i].message);
        out += ", \"range\": ";
        AppendRange(out, sources, d.labels[i].range);
        out += "}";
      }
      out += "]";
    }
    out += "}";
  }
  out += first ? "]}\n" : "\n]}\n";
  return out;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = text[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            constexpr char kHex[] = "0123456789abcdef";
            StrAppend(&out, "\\u00", kHex[c >> 4], kHex[c & 15]);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

}  // namespace cairn
