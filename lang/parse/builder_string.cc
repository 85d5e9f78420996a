// Strings: escapes, interpolation, and the dedent of """ strings.

#include <string>

#include "base/strings.h"
#include "lang/parse/builder.h"
#include "lang/parse/tree_access.h"
#include "lang/source/utf8.h"

namespace cairn::parse_internal {
namespace {

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

const ast::StringExpr* Builder::String(P::StringContext* ctx) {
  auto* e = New<ast::StringExpr>(ctx);
  e->triple = StartType(ctx) == P::TRIPLE_OPEN;
  std::vector<P::StringPartContext*> raw = Children<P::StringPartContext>(ctx);
  auto is_text = [](P::StringPartContext* part) {
    return StartType(part) == P::STRING_TEXT;
  };

  // Fast path: "plain text" points into the source.
  if (raw.size() == 1 && is_text(raw[0]) && !e->triple) {
    antlr4::Token* t = raw[0]->getStart();
    ast::StringPart part{Text(Begin(t), End(t)), nullptr};
    e->parts = arena_.Copy(absl::Span<const ast::StringPart>(&part, 1));
    return e;
  }

  // For """: the text after the opening quotes up to the first newline is
  // dropped when blank, and when the closing quotes stand alone on their
  // line, their indentation is removed from every line.
  std::string_view indent;
  size_t first_text_skip = 0;
  size_t last_text_cut = std::string_view::npos;
  if (e->triple && !raw.empty()) {
    if (is_text(raw.front())) {
      antlr4::Token* t = raw.front()->getStart();
      std::string_view text = Text(Begin(t), End(t));
      size_t newline = text.find('\n');
      if (newline != std::string_view::npos &&
          IsBlank(text.substr(0, newline))) {
        first_text_skip = newline + 1;
      }
    }
    if (is_text(raw.back())) {
      antlr4::Token* t = raw.back()->getStart();
      std::string_view text = Text(Begin(t), End(t));
      size_t newline = text.rfind('\n');
      if (newline != std::string_view::npos &&
          IsBlank(text.substr(newline + 1))) {
        indent = text.substr(newline + 1);
        last_text_cut = newline + 1;
      }
    }
  }

  std::vector<ast::StringPart> parts;
  std::string text;
  bool at_line_start = first_text_skip > 0;
  auto flush = [&] {
    if (text.empty()) return;
    parts.push_back({arena_.CopyString(text), nullptr});
    text.clear();
  };
  for (size_t i = 0; i < raw.size(); ++i) {
    P::StringPartContext* part = raw[i];
    size_t kind = StartType(part);
    if (kind == P::STRING_TEXT) {
      antlr4::Token* t = part->getStart();
      std::string_view chunk = Text(Begin(t), End(t));
      if (i == 0) chunk.remove_prefix(std::min(first_text_skip, chunk.size()));
      if (i + 1 == raw.size() && last_text_cut != std::string_view::npos) {
        size_t cut = last_text_cut - (i == 0 ? first_text_skip : 0);
        chunk = chunk.substr(0, std::min(cut, chunk.size()));
      }
      if (!e->triple || indent.empty()) {
        text.append(chunk);
        continue;
      }
      size_t k = 0;
      while (k < chunk.size()) {
        if (at_line_start) {
          size_t skip = 0;
          while (skip < indent.size() && k + skip < chunk.size() &&
                 (chunk[k + skip] == ' ' || chunk[k + skip] == '\t')) {
            ++skip;
          }
          k += skip;
          at_line_start = false;
          continue;
        }
        char c = chunk[k++];
        text += c;
        if (c == '\n') at_line_start = true;
      }
      continue;
    }
    at_line_start = false;
    if (kind == P::STRING_ESCAPE) {
      antlr4::Token* t = part->getStart();
      uint32_t begin = Begin(t);
      uint32_t end = End(t);
      std::string_view escape = Text(begin, end);
      char c = escape.size() > 1 ? escape[1] : '\0';
      switch (c) {
        case 'n':
          text += '\n';
          break;
        case 't':
          text += '\t';
          break;
        case 'r':
          text += '\r';
          break;
        case '\\':
        case '"':
        case '$':
          text += c;
          break;
        case 'u': {
          // \u{1F600}: the braces and digits follow as text.
          std::string_view rest;
          P::StringPartContext* next =
              i + 1 < raw.size() ? raw[i + 1] : nullptr;
          if (next != nullptr && is_text(next)) {
            antlr4::Token* n = next->getStart();
            rest = Text(Begin(n), End(n));
          }
          size_t close = rest.find('}');
          char32_t value = 0;
          bool ok = !rest.empty() && rest[0] == '{' &&
                    close != std::string_view::npos && close >= 2 && close <= 7;
          for (size_t k = 1; ok && k < close; ++k) {
            char h = rest[k];
            int digit = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
            if (digit < 0) ok = false;
            value = value * 16 + digit;
          }
          if (ok &&
              (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))) {
            ok = false;
          }
          if (!ok) {
            Report(DiagnosticKind::kInvalidEscape, begin, end,
                   "\\u must be followed by {hex digits} naming a Unicode "
                   "scalar value, as in \\u{1F600}");
            break;
          }
          AppendUtf8(text, value);
          // Consume the "{...}" from the next text part.
          antlr4::Token* n = next->getStart();
          std::string_view after = Text(Begin(n) + close + 1, End(n));
          text.append(after);
          ++i;
          break;
        }
        default: {
          bool at_line_end =
              escape.size() < 2 || escape[1] == '\n' || escape[1] == '\r';
          std::string summary =
              at_line_end
                  ? std::string(
                        "a backslash at the end of a line escapes "
                        "nothing")
                  : StrCat("unknown escape sequence '",
                           SanitizeForDisplay(escape.substr(0, 2)), "'");
          Diagnostic d = MakeDiagnostic(DiagnosticKind::kInvalidEscape,
                                        {file_.file, begin, begin + 1},
                                        std::move(summary));
          if (!at_line_end) d.range.end = end;
          d.help =
              "valid escapes are \\n \\t \\r \\\\ \\\" \\$ and \\u{hex}; write "
              "\\\\ for a backslash";
          filter_.Report(std::move(d));
        }
      }
      continue;
    }
    if (kind == P::INTERP_OPEN) {
      flush();
      P::ExprContext* inner = ExprChild(part);
      if (inner == nullptr) {
        uint32_t begin = Begin(part);
        uint32_t end = End(part);
        Diagnostic d = MakeDiagnostic(DiagnosticKind::kEmptyInterpolation,
                                      {file_.file, begin, end},
                                      "empty interpolation '${}'");
        d.help = "write \\${ for a literal '${'";
        filter_.Report(std::move(d));
        continue;
      }
      parts.push_back({{}, Expr(inner)});
    }
  }
  flush();
  e->parts = Copy(parts);
  return e;
}

}  // namespace cairn::parse_internal
