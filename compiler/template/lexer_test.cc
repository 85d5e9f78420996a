#include "compiler/template/lexer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cairn::jinja_internal {
namespace {

LexResult LexAll(std::string_view text, LexOptions options = {}) {
  return Lex(text, 0, text.size(), options);
}

// The kinds of the tokens, with data shown as its text.
std::string Kinds(std::string_view text, LexOptions options = {}) {
  LexResult r = LexAll(text, options);
  if (r.error) return "error: " + r.error->message;
  std::string out;
  for (const Token& t : r.tokens) {
    if (!out.empty()) out += " ";
    if (t.kind == TokenKind::kData) {
      out += "data(" + t.text + ")";
    } else if (t.kind == TokenKind::kName) {
      out += "name(" + t.text + ")";
    } else {
      out += std::string(Describe(t.kind));
    }
  }
  return out;
}

TEST(LexerTest, DataAndTags) {
  EXPECT_EQ(Kinds("a {{ x }} b"),
            "data(a ) '{{' name(x) '}}' data( b) the end of the template");
  EXPECT_EQ(Kinds("{% if x %}"),
            "'{%' name(if) name(x) '%}' the end of the template");
  EXPECT_EQ(Kinds("no tags at all"),
            "data(no tags at all) the end of the template");
  EXPECT_EQ(Kinds("{ x } %} }}"), "data({ x } %} }}) the end of the template");
}

TEST(LexerTest, CommentsVanish) {
  EXPECT_EQ(Kinds("a{# {{ x }} #}b"),
            "data(a) data(b) the end of the template");
}

TEST(LexerTest, WhitespaceControl) {
  EXPECT_EQ(Kinds("a  \n {{- x -}} \n b"),
            "data(a) '{{' name(x) '}}' data(b) the end of the template");
  EXPECT_EQ(Kinds("a\n{% if x %}\nb"),
            "data(a\n) '{%' name(if) name(x) '%}' data(b) the end of the "
            "template");
  LexOptions no_trim;
  no_trim.trim_blocks = false;
  EXPECT_EQ(Kinds("{% if x %}\nb", no_trim),
            "'{%' name(if) name(x) '%}' data(\nb) the end of the template");
  EXPECT_EQ(Kinds("{% if x +%}\nb"),
            "'{%' name(if) name(x) '%}' data(\nb) the end of the template");
}

TEST(LexerTest, LstripBlocks) {
  LexOptions lstrip;
  lstrip.lstrip_blocks = true;
  EXPECT_EQ(Kinds("x\n    {% if y %}", lstrip),
            "data(x\n) '{%' name(if) name(y) '%}' the end of the template");
  EXPECT_EQ(Kinds("x\n    {%+ if y %}", lstrip),
            "data(x\n    ) '{%' name(if) name(y) '%}' the end of the template");
  EXPECT_EQ(Kinds("x\n    {{ y }}", lstrip),
            "data(x\n    ) '{{' name(y) '}}' the end of the template");
  EXPECT_EQ(Kinds("x y {% if z %}", lstrip),
            "data(x y ) '{%' name(if) name(z) '%}' the end of the template");
}

TEST(LexerTest, NewlinesAreNormalised) {
  EXPECT_EQ(Kinds("a\r\nb\rc"), "data(a\nb\nc) the end of the template");
  EXPECT_EQ(Kinds("{% if x %}\r\nb"),
            "'{%' name(if) name(x) '%}' data(b) the end of the template");
}

TEST(LexerTest, Raw) {
  EXPECT_EQ(Kinds("{% raw %}{{ x }}{% endraw %}"),
            "data({{ x }}) the end of the template");
  EXPECT_EQ(Kinds("{%- raw -%}  a  {%- endraw -%}"),
            "data(a) the end of the template");
}

TEST(LexerTest, Numbers) {
  LexResult r = LexAll("{{ 42 1_000 0x1F 0o17 0b101 1.5 1e3 2.5E-2 0 }}");
  ASSERT_FALSE(r.error);
  std::vector<std::string> values;
  for (const Token& t : r.tokens) {
    if (t.kind == TokenKind::kInteger)
      values.push_back(std::to_string(t.int_value));
    if (t.kind == TokenKind::kFloat)
      values.push_back(std::to_string(t.float_value));
  }
  EXPECT_EQ(values,
            (std::vector<std::string>{"42", "1000", "31", "15", "5", "1.500000",
                                      "1000.000000", "0.025000", "0"}));
  // After a dot a number is an index, never a float: xs.0.1 is xs[0][1].
  EXPECT_EQ(Kinds("{{ xs.0.1 }}"),
            "'{{' name(xs) '.' an integer '.' an integer '}}' the end of the "
            "template");
}

TEST(LexerTest, StringEscapes) {
  LexResult r = LexAll(R"({{ 'a\'b' "c\"d" '\n\t\\' '\x41\u00e9\101' '\d' }})");
  ASSERT_FALSE(r.error);
  std::vector<std::string> strings;
  for (const Token& t : r.tokens) {
    if (t.kind == TokenKind::kString) strings.push_back(t.text);
  }
  EXPECT_EQ(strings, (std::vector<std::string>{"a'b", "c\"d", "\n\t\\",
                                               "A\xC3\xA9"
                                               "A",
                                               "\\d"}));
}

TEST(LexerTest, BracesInsideExpressionsDoNotCloseTags) {
  EXPECT_EQ(Kinds("{{ {'a': {'b': 1}} }}"),
            "'{{' '{' a string ':' '{' a string ':' an integer '}' '}' '}}' "
            "the end of the template");
}

TEST(LexerTest, Errors) {
  EXPECT_EQ(Kinds("{{ 'abc }}"), "error: this string is never closed");
  EXPECT_EQ(Kinds("{# never closed"),
            "error: this comment is never closed: '#}' is missing");
  EXPECT_EQ(Kinds("{{ x "), "error: this tag is never closed: '}}' is missing");
  EXPECT_EQ(Kinds("{% if x "),
            "error: this tag is never closed: '%}' is missing");
  EXPECT_EQ(Kinds("{{ x ! y }}"), "error: unexpected character '!'");
  EXPECT_EQ(Kinds("{{ (x] }}"), "error: unexpected ']', expected ')'");
  EXPECT_EQ(Kinds("{{ x) }}"), "error: unexpected ')'");
  EXPECT_EQ(Kinds("{{ 99999999999999999999 }}"),
            "error: this integer does not fit in 64 bits");
  EXPECT_EQ(Kinds("{{ '\\x4' }}"), "error: truncated \\xXX escape");
  EXPECT_EQ(Kinds("{% raw %}open"),
            "error: this {% raw %} is never closed: {% endraw %} is missing");
}

TEST(LexerTest, ErrorPositionsAreByteOffsets) {
  LexResult r = LexAll("ab\n{{ 'x }}");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->span.begin, 6u);
}

}  // namespace
}  // namespace cairn::jinja_internal
