// PyYAML's resolver and representer for scalars, and libyaml's analysis of
// a scalar's characters (src/emitter.c, yaml_emitter_analyze_scalar).

#include "compiler/template/yaml_scalar.h"

#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/template/pyformat.h"
#include "compiler/template/regex.h"

namespace cairn::jinja_internal {
namespace {

// PyYAML's implicit resolvers (yaml/resolver.py), verbatim, with the first
// characters each applies to.
struct Resolver {
  const char* first;  // nullptr: only the empty string
  const char* pattern;
};

constexpr Resolver kResolvers[] = {
    {"yYnNtTfFoO",
     R"(^(?:yes|Yes|YES|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$)"},
    {"-+0123456789.",
     R"(^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$)"},
    {"-+0123456789",
     R"(^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$)"},
    {"<", R"(^(?:<<)$)"},
    {"~nN", R"(^(?: ~
        |null|Null|NULL
        | )$)"},
    {nullptr, R"(^(?: ~
        |null|Null|NULL
        | )$)"},
    {"0123456789",
     R"(^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
         (?:[Tt]|[ \t]+)[0-9][0-9]?
         :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
         (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$)"},
    {"=", R"(^(?:=)$)"},
    {"!&*", R"(^(?:!|&|\*)$)"},
};

}  // namespace

// Whether a plain scalar `text` would be read back as a string.
bool ResolvesToString(const std::u32string& text) {
  static const auto* compiled = [] {
    auto* v = new std::vector<std::unique_ptr<Regex>>();
    for (const Resolver& r : kResolvers) {
      std::string error;
      RegexFlags flags;
      flags.verbose = true;
      v->push_back(Regex::Compile(r.pattern, flags, &error));
    }
    return v;
  }();
  for (size_t i = 0; i < std::size(kResolvers); ++i) {
    const Resolver& r = kResolvers[i];
    bool applies =
        r.first == nullptr
            ? text.empty()
            : !text.empty() && text[0] < 0x80 &&
                  std::string_view(r.first).find(static_cast<char>(text[0])) !=
                      std::string_view::npos;
    if (!applies || (*compiled)[i] == nullptr) continue;
    int64_t steps = 1'000'000;
    std::vector<int64_t> groups;
    if ((*compiled)[i]->MatchAt(text, 0, &steps, &groups) ==
        MatchResult::kMatch) {
      return false;
    }
  }
  return true;
}

bool IsYamlBreak(char32_t c) {
  return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}
bool IsYamlBlankZ(char32_t c) {
  return c == ' ' || c == '\t' || IsYamlBreak(c) || c == 0;
}

// libyaml's IS_PRINTABLE.
bool IsYamlPrintable(char32_t c) {
  return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
}

ScalarAnalysis AnalyzeScalar(const std::u32string& s) {
  ScalarAnalysis a;
  if (s.empty()) {
    a.flow_plain = false;
    return a;
  }
  bool block_ind = false, flow_ind = false, line_breaks = false,
       special = false, leading_space = false, leading_break = false,
       trailing_space = false, trailing_break = false, break_space = false,
       space_break = false, previous_space = false, previous_break = false;
  if (s.compare(0, 3, U"---") == 0 || s.compare(0, 3, U"...") == 0) {
    block_ind = flow_ind = true;
  }
  bool preceded_by_ws = true;
  auto at = [&](size_t i) { return i < s.size() ? s[i] : char32_t{0}; };
  bool followed_by_ws = IsYamlBlankZ(at(1));
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (i == 0) {
      if (std::u32string_view(U"#,[]{}&*!|>'\"%@`").find(c) !=
          std::u32string_view::npos) {
        flow_ind = block_ind = true;
      }
      if (c == '?' || c == ':') {
        flow_ind = true;
        if (followed_by_ws) block_ind = true;
      }
      if (c == '-' && followed_by_ws) flow_ind = block_ind = true;
    } else {
      if (std::u32string_view(U",?[]{}").find(c) != std::u32string_view::npos) {
        flow_ind = true;
      }
      if (c == ':') {
        flow_ind = true;
        if (followed_by_ws) block_ind = true;
      }
      if (c == '#' && preceded_by_ws) flow_ind = block_ind = true;
    }
    if (!IsYamlPrintable(c)) special = true;
    if (IsYamlBreak(c)) line_breaks = true;
    if (c == ' ') {
      if (i == 0) leading_space = true;
      if (i + 1 == s.size()) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsYamlBreak(c)) {
      if (i == 0) leading_break = true;
      if (i + 1 == s.size()) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = IsYamlBlankZ(c);
    followed_by_ws = IsYamlBlankZ(at(i + 2));
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.flow_plain = a.block_plain = false;
  }
  if (break_space) a.flow_plain = a.block_plain = a.single_quoted = false;
  if (space_break || special) {
    a.flow_plain = a.block_plain = a.single_quoted = false;
  }
  if (line_breaks) a.flow_plain = a.block_plain = false;
  if (flow_ind) a.flow_plain = false;
  if (block_ind) a.block_plain = false;
  return a;
}

// PyYAML's represent_float.
std::string YamlFloat(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  std::string text = FloatRepr(d);
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (text.find('.') == std::string::npos) {
    size_t e = text.find('e');
    if (e != std::string::npos) text.insert(e, ".0");
  }
  return text;
}

}  // namespace cairn::jinja_internal
