// One test per filter, checked against what Ansible prints.

#include <string>

#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

TEST(FiltersTest, Default) {
  EXPECT_EQ(R("{{ x | default('d') }} {{ x | d(1) }} {{ x | default }}|"),
            "d 1 |");
  EXPECT_EQ(R("{{ '' | default('e') }}|{{ '' | default('e', true) }} "
              "{{ 0 | d(5, boolean=true) }} {{ none | default('n') }}|"),
            "|e 5 |");
}

TEST(FiltersTest, Join) {
  EXPECT_EQ(R("{{ [1, 'a', none] | join(', ') }} {{ 'abc' | join('-') }} "
              "{{ [] | join(',') }}|{{ [1, 2] | join }}"),
            "1, a, None a-b-c |12");
  EXPECT_EQ(R("{{ users | join(',', attribute='name') }}",
              R"({"users": [{"name": "a"}, {"name": "b"}]})"),
            "a,b");
}

TEST(FiltersTest, UpperLower) {
  EXPECT_EQ(R("{{ 'MiXeD ß' | upper }} {{ 'MiXeD' | lower }} {{ 1 | upper }}"),
            "MIXED SS mixed 1");
}

TEST(FiltersTest, Trim) {
  EXPECT_EQ(R("[{{ '  a b \t\n' | trim }}] [{{ 'xxaxx' | trim('x') }}]"),
            "[a b] [a]");
}

TEST(FiltersTest, Replace) {
  EXPECT_EQ(
      R("{{ 'banana' | replace('a', 'o') }} {{ 'banana' | replace('a', "
        "'o', 2) }} {{ 'ab' | replace('', '-') }} {{ 12 | replace(1, 3) }}"),
      "bonono bonona -a-b- 32");
}

TEST(FiltersTest, Indent) {
  const char* vars = R"({"s": "a\nb\n\nc"})";
  EXPECT_EQ(R("{{ s | indent }}", vars), "a\n    b\n\n    c");
  EXPECT_EQ(R("{{ s | indent(2, true) }}", vars), "  a\n  b\n\n  c");
  EXPECT_EQ(R("{{ s | indent(width='> ', blank=true) }}", vars),
            "a\n> b\n> \n> c");
  EXPECT_EQ(R("{{ 5 | indent }}"),
            "error: line 1, column 8: indent needs a string, not a int object");
}

TEST(FiltersTest, Int) {
  EXPECT_EQ(R("{{ '42' | int }} {{ ' -7 ' | int }} {{ '4.9' | int }} "
              "{{ 'x' | int }} {{ 'x' | int(9) }} {{ 3.99 | int }} "
              "{{ true | int }} {{ '0x1F' | int(base=16) }} {{ '1_000' | int }}"
              " {{ none | int }}"),
            "42 -7 4 0 9 3 1 31 1000 0");
  EXPECT_EQ(R("{{ 'inf' | int }}"),
            "error: line 1, column 12: the number is out of range (infinite, "
            "or beyond 64 bits)");
}

TEST(FiltersTest, FloatStringListBool) {
  EXPECT_EQ(R("{{ '1.5' | float }} {{ 'x' | float }} {{ 2 | float }}"),
            "1.5 0.0 2.0");
  EXPECT_EQ(R("{{ 1 | string }} {{ none | string }} {{ 'ab' | list }} "
              "{{ {'k': 1} | list }}"),
            "1 None ['a', 'b'] ['k']");
  EXPECT_EQ(R("{{ 'Yes' | bool }} {{ 'on' | bool }} {{ '0' | bool }} "
              "{{ 1 | bool }} {{ 2 | bool }} {{ none | bool }}|"),
            "True True False True False |");
}

TEST(FiltersTest, Length) {
  EXPECT_EQ(R("{{ [1, 2] | length }} {{ 'héllo' | length }} "
              "{{ {'a': 1} | count }} {{ range(4) | length }}"),
            "2 5 1 4");
  EXPECT_EQ(R("{{ 5 | length }}"),
            "error: line 1, column 4: object of type 'int' has no len()");
}

TEST(FiltersTest, ToJson) {
  EXPECT_EQ(R("{{ v | to_json }}",
              R"({"v": {"b": [1, 2.5, true, null], "a": "é\"\n"}})"),
            R"({"b": [1, 2.5, true, null], "a": "\u00e9\"\n"})");
  EXPECT_EQ(R("{{ {'b': 1, 'a': []} | to_json(indent=2, sort_keys=true) }}"),
            "{\n  \"a\": [],\n  \"b\": 1\n}");
  EXPECT_EQ(R("{{ 'é' | to_json(ensure_ascii=false) }}"), "\"é\"");
}

TEST(FiltersTest, ToYaml) {
  EXPECT_EQ(R("{{ v | to_yaml }}",
              R"({"v": {"b": [1, 2], "a": {"x": "yes", "y": null}, "c": []}})"),
            "a: {x: 'yes', y: null}\nb: [1, 2]\nc: []\n");
  EXPECT_EQ(R("{{ v | to_yaml }}", R"({"v": [{"k": "v"}, [1]]})"),
            "- {k: v}\n- [1]\n");
  EXPECT_EQ(R("{{ 'a: b' | to_yaml }}"), "'a: b'\n");
  EXPECT_EQ(
      R("{{ v | to_yaml(default_flow_style=false) }}", R"({"v": {"k": [1]}})"),
      "k:\n- 1\n");
}

TEST(FiltersTest, B64encode) {
  EXPECT_EQ(R("{{ 'admin:secret' | b64encode }} {{ 'é' | b64encode }} "
              "{{ '' | b64encode }}|{{ 'ab' | b64encode }}"),
            "YWRtaW46c2VjcmV0 w6k= |YWI=");
}

TEST(FiltersTest, RegexReplace) {
  EXPECT_EQ(
      R("{{ 'a1b22' | regex_replace('\\\\d+', '#') }} "
        "{{ 'key=val' | regex_replace('^(\\\\w+)=(\\\\w+)$', '\\\\2=\\\\1') }} "
        "{{ 'ABC' | regex_replace('b', 'x', ignorecase=true) }} "
        "{{ 'a\nb' | regex_replace('^', '> ', multiline=true) }}"),
      "a#b# val=key AxC > a\n> b");
  EXPECT_EQ(R("{{ 'x' | regex_replace('(', '') }}"),
            "error: line 1, column 10: bad regular expression: missing ), "
            "unterminated subpattern at position 1");
}

TEST(FiltersTest, RegexSearchFindallEscape) {
  EXPECT_EQ(R("{{ 'v=42' | regex_search('\\\\d+') }} "
              "{{ 'none' | regex_search('\\\\d') }}|"
              "{{ 'a1b2' | regex_findall('[a-z](\\\\d)') }} "
              "{{ 'a.b*c' | regex_escape }}"),
            "42 |['1', '2'] a\\.b\\*c");
}

TEST(FiltersTest, FirstLastReverseSort) {
  EXPECT_EQ(R("{{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }} "
              "{{ [3, 1, 2] | reverse }} {{ 'abc' | reverse }} "
              "{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'a'] | sort }} "
              "{{ ['b', 'A', 'a'] | sort(case_sensitive=true) }} "
              "{{ [1, 3, 2] | sort(reverse=true) }}"),
            "3 2 [2, 1, 3] cba [1, 2, 3] ['A', 'a', 'b'] ['A', 'a', 'b'] "
            "[3, 2, 1]");
  EXPECT_EQ(R("{{ (xs | sort(attribute='n'))[0].n }}",
              R"({"xs": [{"n": 2}, {"n": 1}]})"),
            "1");
  EXPECT_EQ(R("{{ {'b': 1, 'a': 2} | dictsort }} "
              "{{ {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) }}"),
            "[('a', 2), ('b', 1)] [('a', 2), ('b', 1)]");
  EXPECT_EQ(R("{{ [] | first }}"),
            "error: line 1, column 4: No first item, sequence was empty.");
}

TEST(FiltersTest, TernaryAndQuote) {
  EXPECT_EQ(R("{{ true | ternary('y', 'n') }} {{ 0 | ternary('y', 'n') }} "
              "{{ none | ternary('y', 'n', 'null') }}"),
            "y n null");
  EXPECT_EQ(R("{{ \"it's\" | quote }} {{ 'a_b.c' | quote }} {{ '' | quote }}"),
            "'it'\"'\"'s' a_b.c ''");
}

TEST(FiltersTest, AnsibleBuiltinPrefixOnlyForAnsibleFilters) {
  EXPECT_EQ(R("{{ [1] | ansible.builtin.to_json }}"), "[1]");
  EXPECT_EQ(R("{{ 'a' | ansible.builtin.upper }}"),
            "error: line 1, column 10: filter 'ansible.builtin.upper' is not "
            "supported");
}

TEST(FiltersTest, ArgumentsAreCheckedWhenParsing) {
  EXPECT_EQ(
      R("{% if false %}{{ 'a' | replace('a') }}{% endif %}"),
      "error: line 1, column 24: filter 'replace': missing argument 'new'");
  EXPECT_EQ(
      R("{{ 'a' | upper(1) }}"),
      "error: line 1, column 10: filter 'upper': takes at most 0 arguments "
      "(1 given)");
  EXPECT_EQ(
      R("{{ 'a' | indent(foo=1) }}"),
      "error: line 1, column 10: filter 'indent': unexpected argument 'foo'");
}

}  // namespace
}  // namespace cairn::jinja
