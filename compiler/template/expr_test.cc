// Expressions with Python's and Jinja2's semantics.

#include <string>

#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

TEST(ExprTest, Literals) {
  EXPECT_EQ(R("{{ 1 }} {{ -2 }} {{ 1.0 }} {{ 'a' }} {{ \"b\" }} {{ 'x' 'y' }}"),
            "1 -2 1.0 a b xy");
  EXPECT_EQ(R("{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}|"),
            "True True False  |");
  EXPECT_EQ(R("{{ [1, 'a'] }} {{ (1,) }} {{ () }} {{ {'k': 1} }} {{ 1, 2 }}"),
            "[1, 'a'] (1,) () {'k': 1} (1, 2)");
}

TEST(ExprTest, Arithmetic) {
  EXPECT_EQ(R("{{ 7 + 3 * 2 }} {{ (7 + 3) * 2 }} {{ 2 ** 10 }} {{ 7 - 10 }}"),
            "13 20 1024 -3");
  EXPECT_EQ(R("{{ 10 / 4 }} {{ 10 / 5 }} {{ 7 // 2 }} {{ -7 // 2 }} "
              "{{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}"),
            "2.5 2.0 3 -4 2 -2 3.0 0.5");
  EXPECT_EQ(R("{{ true + 1 }} {{ 1 + 1.5 }} {{ 2 ** -1 }} {{ -2 ** 2 }}"),
            "2 2.5 0.5 4");
  EXPECT_EQ(R("{{ 'ab' * 2 }} {{ 2 * [0] }} {{ [1] + [2] }} {{ 'a' + 'b' }}"),
            "abab [0, 0] [1, 2] ab");
}

TEST(ExprTest, FloatsPrintLikePython) {
  EXPECT_EQ(R("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 1.5e-5 }} {{ 0.0001 "
              "}} {{ 1 / 3 }} {{ -0.0 }} {{ 123.0 }}"),
            "0.30000000000000004 1e+16 1000000000000000.0 1.5e-05 0.0001 "
            "0.3333333333333333 -0.0 123.0");
}

TEST(ExprTest, Concatenation) {
  EXPECT_EQ(R("{{ 'a' ~ 1 ~ none ~ true ~ [1] ~ 1.5 }}"), "a1NoneTrue[1]1.5");
}

TEST(ExprTest, Comparisons) {
  EXPECT_EQ(R("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ true == 1 }}"
              " {{ 'a' != 'b' }} {{ [1, 2] < [1, 3] }} {{ 'b' >= 'a' }}"),
            "True False True True True True True");
  EXPECT_EQ(R("{{ 'a' < 1 }}"),
            "error: line 1, column 4: '<' not supported between instances of "
            "'str' and 'int'");
}

TEST(ExprTest, Membership) {
  EXPECT_EQ(
      R("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 0} }}"
        " {{ 3 not in (1, 2) }} {{ 4 in range(0, 9, 2) }} {{ 1 in [1.0] }}"),
      "True True True True True True");
  EXPECT_EQ(R("{{ 1 in 'abc' }}"),
            "error: line 1, column 4: 'in <string>' requires string as left "
            "operand, not int");
}

TEST(ExprTest, Logic) {
  EXPECT_EQ(R("{{ true and 'x' }} {{ 0 or 'y' }} {{ none or [] }} {{ not 0 }}"),
            "x y [] True");
  // Short-circuiting never touches the undefined right-hand side.
  EXPECT_EQ(R("{{ false and missing }} {{ true or missing }}"), "False True");
  EXPECT_EQ(R("{{ missing and true }}"),
            "error: line 1, column 4: 'missing' is undefined");
}

TEST(ExprTest, Conditional) {
  EXPECT_EQ(
      R("{{ 'a' if x else 'b' }} {{ 'a' if not x else 'b' if y else 'c' }}",
        R"({"x": 0, "y": 1})"),
      "b a");
}

TEST(ExprTest, AttributesAndItems) {
  const char* vars =
      R"({"h": {"name": "web", "ips": ["a", "b", "c"], "meta": {"k": 1}}})";
  EXPECT_EQ(R("{{ h.name }} {{ h['name'] }} {{ h.ips[0] }} {{ h.ips.1 }} "
              "{{ h.ips[-1] }} {{ h.meta.k }} {{ h['meta']['k'] }}",
              vars),
            "web web a b c 1 1");
  EXPECT_EQ(R("{{ h.ips[1:] }} {{ h.ips[::-1] }} {{ h.name[1:] }} "
              "{{ h.ips[:-1] }} {{ 'hello'[::2] }}",
              vars),
            "['b', 'c'] ['c', 'b', 'a'] eb ['a', 'b'] hlo");
  EXPECT_EQ(
      R("{{ h.missing }}", vars),
      "error: line 1, column 4: 'dict object' has no attribute 'missing'");
  EXPECT_EQ(R("{{ h.ips[7] }}", vars),
            "error: line 1, column 4: list object has no element 7");
  EXPECT_EQ(R("{{ h.items }}", vars),
            "error: line 1, column 4: 'items' is a Python method of dict "
            "object; write ['items'] for the key");
}

TEST(ExprTest, DictAndStringMethods) {
  const char* vars = R"({"d": {"a": 1}})";
  EXPECT_EQ(R("{{ d.items() }} {{ d.keys() }} {{ d.values() }} "
              "{{ d.get('a') }} {{ d.get('z', 0) }} {{ d.get('z') }}|",
              vars),
            "[('a', 1)] ['a'] [1] 1 0 |");
  EXPECT_EQ(R("{{ 'a,b'.split(',') }} {{ ' x '.strip() }} {{ 'Ab'.lower() }}"
              " {{ 'ab'.upper() }} {{ 'abc'.startswith('a') }} "
              "{{ 'abc'.endswith(('x', 'c')) }} {{ 'aa'.replace('a', 'b', 1) }}"
              " {{ '-'.join(['x', 'y']) }}"),
            "['a', 'b'] x ab AB True True ba x-y");
  EXPECT_EQ(R("{{ 'x'.title() }}"),
            "error: line 1, column 4: str.title() is not supported");
}

TEST(ExprTest, UndefinedBehavesLikeAnsible) {
  EXPECT_EQ(R("{{ missing }}"),
            "error: line 1, column 4: 'missing' is undefined");
  // Attributes of an undefined value are undefined too (AnsibleUndefined),
  // so default() and `is defined` work on whole chains.
  EXPECT_EQ(R("{{ a.b.c | default('d') }} {{ a.b is defined }}"), "d False");
  EXPECT_EQ(R("{% if missing %}x{% endif %}"),
            "error: line 1, column 7: 'missing' is undefined");
  EXPECT_EQ(R("{% set m = missing %}{{ m | default('ok') }}"), "ok");
}

TEST(ExprTest, RangeAndDict) {
  EXPECT_EQ(R("{{ range(3) }} {{ range(1, 7, 2) | list }} {{ range(5)[-1] }}"),
            "[0, 1, 2] [1, 3, 5] 4");
  EXPECT_EQ(R("{{ dict(a=1, b=[2]) }}"), "{'a': 1, 'b': [2]}");
  EXPECT_EQ(R("{{ range(1, 2, 0) }}"),
            "error: line 1, column 4: range() arg 3 must not be zero");
}

TEST(ExprTest, Tests) {
  const char* vars = R"({"n": 3, "s": "x", "l": [1], "d": {}, "z": null})";
  EXPECT_EQ(R("{{ n is odd }} {{ n is even }} {{ n is divisibleby 3 }} "
              "{{ n is number }} {{ n is integer }} {{ n is float }}",
              vars),
            "True False True True True False");
  EXPECT_EQ(R("{{ s is string }} {{ l is sequence }} {{ d is mapping }} "
              "{{ z is none }} {{ no is defined }} {{ no is undefined }} "
              "{{ s is not none }} {{ l is iterable }} {{ true is boolean }}",
              vars),
            "True True True True False True True True True");
  EXPECT_EQ(R("{{ n is eq 3 }} {{ n is gt(2) }} {{ n is in [1, 3] }} "
              "{{ s is match('x') }} {{ 'ax' is search('x') }}",
              vars),
            "True True True True True");
}

}  // namespace
}  // namespace cairn::jinja
