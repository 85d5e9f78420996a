// Statements, options and the public API.

#include <string>

#include "compiler/template/template.h"
#include "compiler/template/testing/json_value.h"
#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

using jinja_testing::RenderForTest;

std::string R(std::string_view text, std::string_view json = "{}") {
  return RenderForTest(text, json);
}

TEST(RenderTest, TextAndOutput) {
  EXPECT_EQ(R("hello"), "hello");
  EXPECT_EQ(R("{{ x }}!", R"({"x": "world"})"), "world!");
  EXPECT_EQ(R("{{ n }} {{ f }} {{ b }} {{ z }}|",
              R"({"n": 3, "f": 2.0, "b": true, "z": null})"),
            "3 2.0 True |");
  EXPECT_EQ(
      R("{{ xs }} {{ d }}", R"({"xs": [1, "a", null], "d": {"k": [true]}})"),
      "[1, 'a', None] {'k': [True]}");
}

TEST(RenderTest, IfElifElse) {
  const char* t =
      "{% if n > 2 %}big{% elif n == 2 %}two{% else %}small{% endif %}";
  EXPECT_EQ(R(t, R"({"n": 5})"), "big");
  EXPECT_EQ(R(t, R"({"n": 2})"), "two");
  EXPECT_EQ(R(t, R"({"n": 0})"), "small");
  EXPECT_EQ(R("{% if xs %}some{% endif %}", R"({"xs": []})"), "");
}

TEST(RenderTest, ForWithLoopVariables) {
  EXPECT_EQ(R("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ "
              "loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}",
              R"({"xs": ["a", "b"]})"),
            "10TrueFalse2 21FalseTrue2 ");
  EXPECT_EQ(R("{% for x in xs %}{{ loop.revindex }}{{ loop.revindex0 }}"
              "{{ loop.cycle('a', 'b') }} {% endfor %}",
              R"({"xs": [1, 2, 3]})"),
            "32a 21b 10a ");
}

TEST(RenderTest, ForElseAndFilter) {
  EXPECT_EQ(
      R("{% for x in xs %}{{ x }}{% else %}none{% endfor %}", R"({"xs": []})"),
      "none");
  EXPECT_EQ(
      R("{% for x in xs if x > 1 %}{{ x }}/{{ loop.length }} {% endfor %}",
        R"({"xs": [1, 2, 3]})"),
      "2/2 3/2 ");
}

TEST(RenderTest, ForOverDictsAndPairs) {
  const char* vars = R"({"d": {"b": 1, "a": 2}})";
  EXPECT_EQ(R("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", vars),
            "b=1;a=2;");
  EXPECT_EQ(R("{% for k in d %}{{ k }}{% endfor %}", vars), "ba");
  EXPECT_EQ(R("{% for k in d.keys() %}{{ k }}{% endfor %}"
              "{% for v in d.values() %}{{ v }}{% endfor %}",
              vars),
            "ba12");
  EXPECT_EQ(R("{% for a, b in [[1, 2], 'xy'] %}{{ a }}{{ b }} {% endfor %}"),
            "12 xy ");
  EXPECT_EQ(R("{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
            "error: line 1, column 8: too many values to unpack (expected 2)");
}

TEST(RenderTest, NestedLoopsKeepTheirOwnLoop) {
  EXPECT_EQ(R("{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}"
              "{% endfor %}{{ loop.index }} {% endfor %}"),
            "121 122 ");
}

TEST(RenderTest, Set) {
  EXPECT_EQ(R("{% set x = 1 + 2 %}{{ x }}"), "3");
  EXPECT_EQ(R("{% set a, b = 'p', 'q' %}{{ b }}{{ a }}"), "qp");
  EXPECT_EQ(R("{% set block %}in {{ 'block' }}{% endset %}[{{ block }}]"),
            "[in block]");
}

TEST(RenderTest, JinjaScoping) {
  // A set inside a loop is not seen after it; inside an if it is.
  EXPECT_EQ(R("{% set t = 0 %}{% for n in [1, 2] %}{% set t = t + n %}"
              "{{ t }}{% endfor %} {{ t }}"),
            "12 0");
  EXPECT_EQ(R("{% if true %}{% set y = 1 %}{% endif %}{{ y }}"), "1");
  // Each iteration starts afresh.
  EXPECT_EQ(R("{% for i in [1, 2] %}{% if loop.first %}{% set s = 'x' %}"
              "{% endif %}{{ s | default('-') }}{% endfor %}"),
            "x-");
  // A name set anywhere at the top level is one variable for the whole
  // template: a loop reading it before the set sees it undefined.
  EXPECT_EQ(
      R("{% for i in [1] %}{{ d }}{% endfor %}{% set d = 2 %}", R"({"d": 1})"),
      "error: line 1, column 22: 'd' is undefined");
  EXPECT_EQ(R("{{ d }}{% set d = 2 %}{{ d }}", R"({"d": 1})"), "12");
  EXPECT_EQ(R("{{ v }}{% if false %}{% set v = 2 %}{% endif %}{{ v }}",
              R"({"v": 1})"),
            "11");
}

TEST(RenderTest, Comments) { EXPECT_EQ(R("a{# {{ not rendered }} #}b"), "ab"); }

TEST(RenderTest, Raw) {
  EXPECT_EQ(R("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}");
}

TEST(RenderTest, AnsibleDefaultsTrimBlocks) {
  EXPECT_EQ(R("{% if true %}\nyes\n{% endif %}\n"), "yes\n");
  EXPECT_EQ(R("{# c #}\nx"), "x");
  EXPECT_EQ(R("{{ 'x' }}\ny"), "x\ny");
}

TEST(RenderTest, TrimBlocksOff) {
  ParseOptions options;
  options.trim_blocks = false;
  EXPECT_EQ(RenderForTest("{% if true %}\nyes\n{% endif %}\n", "{}", options),
            "\nyes\n");
}

TEST(RenderTest, LstripBlocks) {
  ParseOptions options;
  options.lstrip_blocks = true;
  EXPECT_EQ(
      RenderForTest("  {% if true %}\n  yes\n  {% endif %}\n", "{}", options),
      "  yes\n");
  EXPECT_EQ(R("  {% if true %}\n  yes\n  {% endif %}\n"), "    yes\n  \n");
}

TEST(RenderTest, TrailingNewlinesAsAnsible) {
  // Jinja2 drops one final newline; Ansible adds back as many as the
  // template ends with.
  EXPECT_EQ(R("x\n"), "x\n");
  EXPECT_EQ(R("x\n\n\n"), "x\n\n\n");
  EXPECT_EQ(R("{{ v }}\n", R"({"v": "a\n"})"), "a\n");
  EXPECT_EQ(R("{{ v }}", R"({"v": "a\n\n"})"), "a\n\n");
  ParseOptions jinja;
  jinja.restore_trailing_newlines = false;
  EXPECT_EQ(RenderForTest("x\n\n", "{}", jinja), "x\n");
  jinja.keep_trailing_newline = true;
  EXPECT_EQ(RenderForTest("x\n\n", "{}", jinja), "x\n\n");
}

TEST(RenderTest, OverrideLine) {
  EXPECT_EQ(R("#jinja2: trim_blocks: False\n{% if true %}\nx{% endif %}"),
            "\nx");
  EXPECT_EQ(R("#jinja2:lstrip_blocks:True\n  {% if true %}x{% endif %}"), "x");
  EXPECT_EQ(R("#jinja2: variable_start_string: '[['\nx"),
            "error: line 1, column 9: the #jinja2 override "
            "'variable_start_string' is not supported (only trim_blocks, "
            "lstrip_blocks and keep_trailing_newline)");
  ParseOptions off;
  off.allow_overrides = false;
  EXPECT_EQ(RenderForTest("#jinja2: trim_blocks: False\nx", "{}", off),
            "#jinja2: trim_blocks: False\nx");
}

TEST(RenderTest, ParseOnceRenderMany) {
  ParseResult parsed = Parse("{{ host }}:{{ port | default(22) }}");
  ASSERT_TRUE(parsed.tmpl.has_value());
  EXPECT_EQ(parsed.tmpl->variables(),
            (std::vector<std::string>{"host", "port"}));
  for (int i = 0; i < 3; ++i) {
    Value vars = Value::Map(
        {{"host", Value("h" + std::to_string(i))}, {"port", Value(i)}});
    RenderResult r = Render(*parsed.tmpl, vars);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.output, "h" + std::to_string(i) + ":" + std::to_string(i));
  }
  EXPECT_EQ(Render(*parsed.tmpl, Value(1)).error->message,
            "the variables must be a map");
}

TEST(RenderTest, VariablesListsInputsOnly) {
  ParseResult parsed = Parse(
      "{% set a = 1 %}{{ a }}{{ b }}{% for x in xs %}{{ x }}{{ loop.index }}"
      "{{ c }}{% endfor %}{{ range(3) | list }}{{ b }}");
  ASSERT_TRUE(parsed.tmpl.has_value());
  EXPECT_EQ(parsed.tmpl->variables(),
            (std::vector<std::string>{"b", "xs", "c"}));
}

TEST(RenderTest, NoneAndLenientUndefinedPrintAsNothing) {
  EXPECT_EQ(R("[{{ none }}][{{ 'a' if false }}][{{ 'a' if true }}]"),
            "[][][a]");
}

}  // namespace
}  // namespace cairn::jinja
