// Errors: where they are reported, and every construct outside the subset.

#include <string>

#include "compiler/template/template.h"
#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

TEST(ErrorsTest, PositionsAreLineAndColumn) {
  RenderResult r = RenderString("a\nbé {{ port }}\n", Value::Map({}));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 2);
  EXPECT_EQ(r.error->column, 7);  // Code points: "bé {{ " is 6.
  EXPECT_EQ(r.error->begin, 9u);  // Bytes.
  EXPECT_EQ(r.error->end, 13u);
  EXPECT_EQ(r.error->ToString(), "line 2, column 7: 'port' is undefined");
}

TEST(ErrorsTest, CrlfCountsAsOneLineBreak) {
  EXPECT_EQ(R("a\r\nb\r\n{{ x }}"),
            "error: line 3, column 4: 'x' is undefined");
}

TEST(ErrorsTest, UndefinedAttributeIsReportedWhereItArose) {
  EXPECT_EQ(R("{% set u = user.nme %}\n{{ u }}", R"({"user": {"name": 1}})"),
            "error: line 1, column 12: 'dict object' has no attribute 'nme'");
}

TEST(ErrorsTest, UnsupportedTags) {
  EXPECT_EQ(R("{% macro m() %}{% endmacro %}"),
            "error: line 1, column 4: {% macro %} is not supported");
  for (const char* tag :
       {"include", "extends", "block", "call", "filter", "import", "from",
        "with", "autoescape", "print", "do", "break", "continue"}) {
    EXPECT_EQ(R(std::string("x\n  {% ") + tag + " y %}"),
              std::string("error: line 2, column 6: {% ") + tag +
                  " %} is not supported");
  }
  EXPECT_EQ(R("{% frobnicate %}"),
            "error: line 1, column 4: unknown tag 'frobnicate'");
}

TEST(ErrorsTest, UnsupportedExpressions) {
  EXPECT_EQ(R("{{ lookup('file', '/etc/passwd') }}"),
            "error: line 1, column 4: lookups are not supported: templates "
            "cannot read files, run commands or reach the network");
  EXPECT_EQ(R("{{ now() }}"),
            "error: line 1, column 4: now() is not supported: output must not "
            "depend on the clock");
  EXPECT_EQ(R("{% set ns = namespace() %}"),
            "error: line 1, column 13: namespace() is not supported");
  EXPECT_EQ(R("{{ '%s' % 1 }}"),
            "error: line 1, column 4: '%' formatting of strings is not "
            "supported");
  EXPECT_EQ(R("{{ x | password_hash('sha512') }}"),
            "error: line 1, column 8: filter 'password_hash' is not "
            "supported");
  EXPECT_EQ(R("{{ x | map('password_hash') }}"),
            "error: line 1, column 12: filter 'password_hash' is not "
            "supported");
  EXPECT_EQ(R("{{ x | select('callable') }}"),
            "error: line 1, column 15: test 'callable' is not supported");
  EXPECT_EQ(R("{{ x is callable }}"),
            "error: line 1, column 9: test 'callable' is not supported");
  EXPECT_EQ(R("{{ f(*args) }}"),
            "error: line 1, column 6: *args and **kwargs are not supported");
  EXPECT_EQ(R("{% for x in xs recursive %}{% endfor %}"),
            "error: line 1, column 16: recursive loops are not supported");
  EXPECT_EQ(R("{{ 2 ** 64 }}"),
            "error: line 1, column 4: integer overflow (values beyond 64 bits "
            "are not supported)");
  EXPECT_EQ(R("{{ {1: 'a'} }}"),
            "error: line 1, column 5: only strings are supported as dict keys");
}

TEST(ErrorsTest, SyntaxErrors) {
  EXPECT_EQ(R("{{ a b }}"),
            "error: line 1, column 6: expected '}}', found 'b'");
  EXPECT_EQ(R("{% if x %}\nno end"),
            "error: line 1, column 1: this {% if %} is never closed: "
            "{% endif %} is missing");
  EXPECT_EQ(
      R("{% endfor %}"),
      "error: line 1, column 4: unexpected {% endfor %}: no block is open");
  EXPECT_EQ(R("{% if x %}{% endfor %}"),
            "error: line 1, column 14: unexpected {% endfor %}: the innermost "
            "open block is {% if %}, closed by {% endif %}");
  EXPECT_EQ(R("{{ }}"),
            "error: line 1, column 4: expected an expression, "
            "found '}}'");
  EXPECT_EQ(R("{% for 1 in x %}"),
            "error: line 1, column 8: expected a variable name, found an "
            "integer");
  EXPECT_EQ(R("{% for loop in x %}{% endfor %}"),
            "error: line 1, column 8: the loop variable 'loop' cannot be a for "
            "loop's target");
  EXPECT_EQ(R("{% set true = 1 %}"),
            "error: line 1, column 8: cannot assign to 'true'");
}

TEST(ErrorsTest, RuntimeErrors) {
  EXPECT_EQ(R("{{ 1 / 0 }}"), "error: line 1, column 4: division by zero");
  EXPECT_EQ(R("{{ 'a' + 1 }}"),
            "error: line 1, column 4: unsupported operand type(s) for +: 'str' "
            "and 'int'");
  EXPECT_EQ(R("{% for x in 5 %}{% endfor %}"),
            "error: line 1, column 13: 'int' object is not iterable");
  EXPECT_EQ(R("{{ 5() }}"),
            "error: line 1, column 4: 'int object' is not "
            "callable");
  EXPECT_EQ(R("{% for i in [1] %}{{ loop }}{% endfor %}"),
            "error: line 1, column 22: printing the loop variable itself is "
            "not supported");
}

TEST(ErrorsTest, InvalidUtf8Template) {
  EXPECT_EQ(R("ok\n\xff"),
            "error: line 2, column 1: the template is not valid "
            "UTF-8");
}

TEST(ErrorsTest, ParseReportsBeforeRendering) {
  ParseResult parsed = Parse("{% if true %}fine{% endif %}{% macro x() %}");
  EXPECT_FALSE(parsed.tmpl.has_value());
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_EQ(parsed.error->message, "{% macro %} is not supported");
}

}  // namespace
}  // namespace cairn::jinja
