// The public entry points: Ansible's template-module behaviour around
// Jinja2 (the "#jinja2:" override line, the trailing newlines restored after
// rendering), line and column of errors, and the variables a template reads.

#include "compiler/template/template.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/ast.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/lexer.h"
#include "compiler/template/parser.h"
#include "compiler/template/scopes.h"
#include "compiler/template/unicode.h"

namespace cairn::jinja_internal {

struct TemplateImpl {
  std::string text;
  Body body;
  Frame frame;
  std::vector<std::string> variables;
  // How many '\n' the template ends with (Ansible's data_newlines).
  size_t trailing_newlines = 0;
  bool restore_trailing_newlines = true;

  static const TemplateImpl& Of(const jinja::Template& t) { return *t.impl_; }
  static jinja::Template Wrap(std::shared_ptr<const TemplateImpl> impl) {
    jinja::Template t;
    t.impl_ = std::move(impl);
    return t;
  }
};

namespace {

using jinja::TemplateError;

TemplateError Locate(std::string_view text, const SourceError& error) {
  TemplateError out;
  out.message = error.message;
  out.begin = std::min(error.span.begin, text.size());
  out.end = std::max(out.begin, std::min(error.span.end, text.size()));
  size_t line_start = 0;
  int line = 1;
  for (size_t i = 0; i < out.begin; ++i) {
    if (text[i] == '\n' ||
        (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++line;
      line_start = i + 1;
    }
  }
  out.line = line;
  out.column = 1 + static_cast<int>(CountCodePoints(
                       text.substr(line_start, out.begin - line_start)));
  return out;
}

size_t CountTrailingNewlines(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[s.size() - 1 - n] == '\n') ++n;
  return n;
}

// Applies Ansible's "#jinja2: key: value, ..." first line. Returns where
// the template proper starts, or an error message.
bool ApplyOverrides(std::string_view text, jinja::ParseOptions* options,
                    size_t* start, SourceError* error) {
  constexpr std::string_view kPrefix = "#jinja2:";
  size_t eol = text.find('\n');
  // Like Ansible: without a newline the line runs to the last character but
  // one, and nothing is removed from the template.
  size_t line_end = eol == std::string_view::npos
                        ? (text.empty() ? 0 : text.size() - 1)
                        : eol;
  *start = eol == std::string_view::npos ? 0 : eol + 1;
  std::string_view line =
      text.substr(kPrefix.size(),
                  line_end > kPrefix.size() ? line_end - kPrefix.size() : 0);
  size_t offset = kPrefix.size();
  for (std::string_view pair : StrSplit(line, ',')) {
    Span span{offset, offset + pair.size()};
    offset += pair.size() + 1;
    size_t colon = pair.find(':');
    if (colon == std::string_view::npos) {
      *error = {StrCat("failed to parse the #jinja2 override '",
                       std::string(pair), "': use key: value"),
                span};
      return false;
    }
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
      }
      while (!s.empty() &&
             (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
      }
      return s;
    };
    std::string_view key = trim(pair.substr(0, colon));
    std::string_view value = trim(pair.substr(colon + 1));
    if (key != "trim_blocks" && key != "lstrip_blocks" &&
        key != "keep_trailing_newline") {
      *error = {StrCat("the #jinja2 override '", std::string(key),
                       "' is not supported (only trim_blocks, lstrip_blocks "
                       "and keep_trailing_newline)"),
                span};
      return false;
    }
    bool flag;
    if (value == "True" || value == "1") {
      flag = true;
    } else if (value == "False" || value == "0") {
      flag = false;
    } else {
      *error = {StrCat("the #jinja2 override '", std::string(key),
                       "' needs True or False"),
                span};
      return false;
    }
    if (key == "trim_blocks") {
      options->trim_blocks = flag;
    } else if (key == "lstrip_blocks") {
      options->lstrip_blocks = flag;
    } else {
      options->keep_trailing_newline = flag;
    }
  }
  return true;
}

}  // namespace
}  // namespace cairn::jinja_internal

namespace cairn::jinja {

using jinja_internal::SourceError;
using jinja_internal::TemplateImpl;

const std::vector<std::string>& Template::variables() const {
  return impl_->variables;
}

ParseResult Parse(std::string_view text, const ParseOptions& options) {
  ParseResult result;
  auto fail = [&](const SourceError& error) {
    result.error = jinja_internal::Locate(text, error);
    return result;
  };
  if (size_t bad = jinja_internal::FindInvalidUtf8(text);
      bad != std::string_view::npos) {
    return fail({"the template is not valid UTF-8", {bad, bad + 1}});
  }
  auto impl = std::make_shared<TemplateImpl>();
  impl->text = std::string(text);
  impl->trailing_newlines = jinja_internal::CountTrailingNewlines(text);
  impl->restore_trailing_newlines = options.restore_trailing_newlines;
  ParseOptions effective = options;
  size_t start = 0;
  if (options.allow_overrides && StartsWith(text, "#jinja2:")) {
    SourceError error;
    if (!jinja_internal::ApplyOverrides(text, &effective, &start, &error)) {
      return fail(error);
    }
  }
  size_t end = text.size();
  if (!effective.keep_trailing_newline && end > start) {
    if (EndsWith(text.substr(start), "\r\n")) {
      end -= 2;
    } else if (text[end - 1] == '\n' || text[end - 1] == '\r') {
      end -= 1;
    }
  }
  jinja_internal::LexResult lexed = jinja_internal::Lex(
      text, start, end, {effective.trim_blocks, effective.lstrip_blocks});
  if (lexed.error) return fail(*lexed.error);
  if (auto error = jinja_internal::ParseTokens(
          lexed.tokens, std::max(options.max_nesting, 1), &impl->body)) {
    return fail(*error);
  }
  impl->frame = jinja_internal::ResolveScopes(impl->body, &impl->variables);
  result.tmpl = TemplateImpl::Wrap(std::move(impl));
  return result;
}

RenderResult Render(const Template& tmpl, const Value& vars,
                    const RenderOptions& options) {
  const TemplateImpl& impl = TemplateImpl::Of(tmpl);
  RenderResult result;
  static const Value* empty = new Value(Value::Map({}));
  if (vars.type() != Value::Type::kMap && !vars.is_null()) {
    result.error = TemplateError{"the variables must be a map", 0, 0, 1, 1};
    return result;
  }
  jinja_internal::Evaluator evaluator(options, vars.is_null() ? *empty : vars);
  if (!evaluator.RenderTemplate(impl.body, impl.frame, &result.output)) {
    result.output.clear();
    result.error = jinja_internal::Locate(impl.text, *evaluator.TakeError());
    return result;
  }
  if (impl.restore_trailing_newlines) {
    size_t have = jinja_internal::CountTrailingNewlines(result.output);
    if (impl.trailing_newlines > have) {
      result.output.append(impl.trailing_newlines - have, '\n');
    }
  }
  if (result.output.size() > options.max_output_bytes) {
    result.output.clear();
    result.error = jinja_internal::Locate(
        impl.text, {StrCat("the output would be larger than ",
                           options.max_output_bytes, " bytes (the limit)"),
                    {impl.text.size(), impl.text.size()}});
  }
  return result;
}

RenderResult RenderString(std::string_view text, const Value& vars,
                          const ParseOptions& parse_options,
                          const RenderOptions& render_options) {
  ParseResult parsed = Parse(text, parse_options);
  if (parsed.error) {
    RenderResult result;
    result.error = std::move(parsed.error);
    return result;
  }
  return Render(*parsed.tmpl, vars, render_options);
}

}  // namespace cairn::jinja
