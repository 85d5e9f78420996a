// unique, the set filters, min, max, sum, batch, flatten, items,
// dict2items, items2dict and combine, checked against what Ansible prints
// (jinja_reference.py --ansible), and their errors.

#include <string>

#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

TEST(FiltersCollectionTest, UniqueIsAnsibles) {
  EXPECT_EQ(R("{{ ['b', 'A', 'a', 'B'] | unique }} "
              "{{ ['b', 'A', 'a'] | unique(case_sensitive=true) }} "
              "{{ [1, 1.0, true, 2, '1'] | unique }} "
              "{{ [{'n': 1, 'k': 'a'}, {'n': 2, 'k': 'a'}] | "
              "unique(attribute='k') | map(attribute='n') | list }}"),
            "['b', 'A'] ['b', 'A', 'a'] [1, 2, '1'] [1]");
  // Unhashable items: Ansible's own loop, comparing whole items.
  EXPECT_EQ(R("{{ [[1], [1], {'a': 1}, {'a': 1}] | unique }} "
              "{{ ['A', 'a', [1]] | unique }}"),
            "[[1], {'a': 1}] ['A', 'a', [1]]");
  EXPECT_EQ(R("{{ [[1]] | unique(case_sensitive=false) }}"),
            "error: line 1, column 12: unique: unhashable type: 'list'");
}

TEST(FiltersCollectionTest, SetTheory) {
  EXPECT_EQ(R("{{ [1, 2, 2, 3] | union([3, 4, 1]) }} "
              "{{ [1, 2, 2, 3] | intersect([3, 2, 5]) }} "
              "{{ [1, 2, 2, 3] | difference([2]) }} "
              "{{ [1, 2, 3] | symmetric_difference([3, 4, 4]) }}"),
            "[1, 2, 3, 4] [2, 3] [1, 3] [1, 2, 4]");
  EXPECT_EQ(R("{{ ['a', 'b'] | union(['B']) }} "
              "{{ [[1], [2]] | difference([[2]]) }} "
              "{{ {'a': 1, 'b': 2} | intersect(['b', 'c']) }} "
              "{{ ['ab', 'c'] | intersect('abc') }}"),
            "['a', 'b', 'B'] [[1]] ['b'] ['ab', 'c']");
  // Python makes an unordered set of two strings.
  EXPECT_EQ(R("{{ 'abc' | union('b') }}"),
            "error: line 1, column 12: on a str object and a str object this "
            "gives a Python set, whose order is not defined; pass lists");
  EXPECT_EQ(R("{{ [1] | union((2,)) }}"),
            "error: line 1, column 4: unsupported operand type(s) for +: "
            "'list' and 'tuple'");
}

TEST(FiltersCollectionTest, MinMax) {
  const char* vars = R"({"xs": ["b", "A", "a", "c", "B"],
                         "us": [{"n": "x", "uid": 3}, {"n": "y", "uid": 1}]})";
  EXPECT_EQ(R("{{ [3, 1, 2.5, true, -4] | min }} {{ [3, 1, 2.5] | max }} "
              "{{ xs | min }} {{ xs | max }} {{ xs | max(case_sensitive=true) "
              "}} {{ xs | min(case_sensitive=true) }} "
              "{{ us | min(attribute='uid') }} {{ (us | max(attribute='uid'))"
              ".n }} {{ 'hello' | max }} {{ range(4) | max }}",
              vars),
            "-4 3 A c c A {'n': 'y', 'uid': 1} x o 3");
  EXPECT_EQ(R("{{ [] | min | default('empty') }}"), "empty");
  EXPECT_EQ(R("{{ [] | max }}"),
            "error: line 1, column 4: No aggregated item, sequence was empty.");
  EXPECT_EQ(R("{{ [1, 'a'] | max }}"),
            "error: line 1, column 4: '<' not supported between instances of "
            "'int' and 'str'");
}

TEST(FiltersCollectionTest, Sum) {
  EXPECT_EQ(
      R("{{ [1, 2] | sum }} {{ [1.5, 2] | sum }} {{ [] | sum }} "
        "{{ [1, 2] | sum(start=10) }} {{ [[1], [2, 3]] | sum(start=[]) }} "
        "{{ [{'a': 1}, {'a': 2}] | sum(attribute='a') }} "
        "{{ range(3) | sum }}"),
      "3 3.5 0 13 [1, 2, 3] 3 3");
  EXPECT_EQ(R("{{ ['a', 'b'] | sum }}"),
            "error: line 1, column 4: unsupported operand type(s) for +: 'int' "
            "and 'str'");
  EXPECT_EQ(R("{{ ['a'] | sum(start='') }}"),
            "error: line 1, column 12: sum() can't sum strings [use "
            "''.join(seq) instead]");
  EXPECT_EQ(R("{{ [{'a': 1}, {}] | sum(attribute='a') }}"),
            "error: line 1, column 4: 'dict object' has no attribute 'a'");
}

TEST(FiltersCollectionTest, Batch) {
  EXPECT_EQ(R("{{ [1, 2, 3, 4, 5] | batch(2) }} {{ [1, 2, 3] | batch(2, 'x') "
              "}} {{ [1, 2, 3] | batch(3, 0) }} {{ [] | batch(3) }} "
              "{{ [1, 2] | batch(0) }} {{ [1, 2] | batch(-1, 'x') }}"),
            "[[1, 2], [3, 4], [5]] [[1, 2], [3, 'x']] [[1, 2, 3]] [] "
            "[[], [1, 2]] [[1, 2]]");
  EXPECT_EQ(R("{{ [1] | batch('2') }}"),
            "error: line 1, column 10: batch needs an integer line count, not "
            "a str object");
  EXPECT_EQ(R("{{ [1] | batch() }}"),
            "error: line 1, column 10: filter 'batch': missing argument "
            "'linecount'");
}

TEST(FiltersCollectionTest, Flatten) {
  EXPECT_EQ(
      R("{{ [1, [2, [3, [4]]], none, 'None', 'null', (5, 6)] | flatten "
        "}} {{ [1, [2, [3, [4]]]] | flatten(1) }} {{ [1, [2, [3, [4]]]] | "
        "flatten(levels=2) }} {{ [1, [2, none]] | flatten(skip_nulls=false)"
        " }} {{ [[1, [2]]] | flatten(0) }} {{ 'ab' | flatten }}"),
      "[1, 2, 3, 4, 5, 6] [1, 2, [3, [4]]] [1, 2, 3, [4]] [1, 2, None] "
      "[[1, [2]]] ['a', 'b']");
  EXPECT_EQ(R("{{ [[1]] | flatten('1') }}"),
            "error: line 1, column 12: flatten needs a number of levels, not a "
            "str object");
  EXPECT_EQ(R("{{ none | flatten }}"),
            "error: line 1, column 4: 'NoneType' object is not iterable");
}

TEST(FiltersCollectionTest, Items) {
  EXPECT_EQ(R("{{ {'b': 1, 'a': 2} | items }} {{ missing | items }} "
              "{% for k, v in {'x': 1} | items %}{{ k }}={{ v }}{% endfor %}"),
            "[('b', 1), ('a', 2)] [] x=1");
  EXPECT_EQ(R("{{ [1] | items }}"),
            "error: line 1, column 10: Can only get item pairs from a "
            "mapping.");
}

TEST(FiltersCollectionTest, Dict2ItemsAndBack) {
  const char* vars = R"({"d": {"b": 1, "a": {"x": [1]}}})";
  EXPECT_EQ(R("{{ d | dict2items }} {{ d | dict2items('k', value_name='v') }} "
              "{{ {} | dict2items }} {{ d | dict2items('n', 'n') }}",
              vars),
            "[{'key': 'b', 'value': 1}, {'key': 'a', 'value': {'x': [1]}}] "
            "[{'k': 'b', 'v': 1}, {'k': 'a', 'v': {'x': [1]}}] [] "
            "[{'n': 1}, {'n': {'x': [1]}}]");
  EXPECT_EQ(R("{{ d | dict2items | items2dict }} {{ [{'n': 'a', 'v': 1}] | "
              "items2dict(key_name='n', value_name='v') }} "
              "{{ [['a', 1]] | items2dict(key_name=0, value_name=1) }} "
              "{{ [{'key': 'a', 'value': 1}, {'key': 'a', 'value': 2}] | "
              "items2dict }}",
              vars),
            "{'b': 1, 'a': {'x': [1]}} {'a': 1} {'a': 1} {'a': 2}");
  EXPECT_EQ(R("{{ [1] | dict2items }}"),
            "error: line 1, column 10: dict2items requires a dictionary, got "
            "<class 'list'> instead.");
  EXPECT_EQ(R("{{ {'a': 1} | dict2items(key_name=1) }}"),
            "error: line 1, column 15: key_name must be a string (only strings "
            "are supported as dict keys), not a int object");
  EXPECT_EQ(R("{{ {'a': 1} | items2dict }}"),
            "error: line 1, column 15: items2dict requires a list, got <class "
            "'dict'> instead.");
  EXPECT_EQ(R("{{ [{'key': 'a'}] | items2dict }}"),
            "error: line 1, column 21: items2dict requires each dictionary in "
            "the list to contain the keys 'key' and 'value'");
  EXPECT_EQ(R("{{ [1] | items2dict }}"),
            "error: line 1, column 10: items2dict requires a list of "
            "dictionaries");
  EXPECT_EQ(R("{{ [{'key': 1, 'value': 1}] | items2dict }}"),
            "error: line 1, column 31: only strings are supported as dict "
            "keys, not a int object");
}

TEST(FiltersCollectionTest, Combine) {
  const char* vars = R"({"d": {"b": 1, "a": {"x": [1, 2], "y": 3}},
                         "e": {"a": {"x": [3], "z": 4}, "c": 5}})";
  EXPECT_EQ(R("{{ d | combine(e) }}", vars),
            "{'b': 1, 'a': {'x': [3], 'z': 4}, 'c': 5}");
  EXPECT_EQ(R("{{ d | combine(e, recursive=true) }}", vars),
            "{'b': 1, 'a': {'x': [3], 'y': 3, 'z': 4}, 'c': 5}");
  EXPECT_EQ(R("{{ d | combine(e, recursive=true, list_merge='append') }} "
              "{{ d | combine(e, recursive=true, list_merge='prepend') }} "
              "{{ d | combine(e, recursive=true, list_merge='keep') }}",
              vars),
            "{'b': 1, 'a': {'x': [1, 2, 3], 'y': 3, 'z': 4}, 'c': 5} "
            "{'b': 1, 'a': {'x': [3, 1, 2], 'y': 3, 'z': 4}, 'c': 5} "
            "{'b': 1, 'a': {'x': [1, 2], 'y': 3, 'z': 4}, 'c': 5}");
  EXPECT_EQ(R("{{ {'a': [1, 2, 3]} | combine({'a': [3, 4]}, "
              "list_merge='append_rp') }} {{ {'a': [1, 2, 3]} | "
              "combine({'a': [3, 4]}, list_merge='prepend_rp') }} "
              "{{ {'a': (1, 2)} | combine({'a': [3]}, list_merge='append') }}"),
            "{'a': [1, 2, 3, 4]} {'a': [3, 4, 1, 2]} {'a': [3]}");
  // Lists of dicts, nulls, and the key order of Python's dicts.
  EXPECT_EQ(R("{{ [d, e] | combine }} {{ [d, none, e] | combine({'z': 0}) }} "
              "{{ {} | combine }} {{ none | combine }} {{ 'x' | combine }} "
              "{{ {'a': 1, 'b': 2} | combine({'b': 2, 'a': 1}) }} "
              "{{ {} | combine({'b': 1, 'a': 2}) }}",
              vars),
            "{'b': 1, 'a': {'x': [3], 'z': 4}, 'c': 5} "
            "{'b': 1, 'a': {'x': [3], 'z': 4}, 'c': 5, 'z': 0} {} {} x "
            "{'b': 2, 'a': 1} {'b': 1, 'a': 2}");
  EXPECT_EQ(R("{{ {'a': 1} | combine([1]) }}"),
            "error: line 1, column 15: failed to combine variables, expected "
            "dicts but got a 'dict' and a 'int'");
  EXPECT_EQ(R("{{ {'a': 1} | combine({'a': 2}, list_merge='bad') }}"),
            "error: line 1, column 15: merge_hash: 'list_merge' argument can "
            "only be equal to 'replace', 'keep', 'append', 'prepend', "
            "'append_rp' or 'prepend_rp'");
  EXPECT_EQ(R("{{ {'a': 1} | combine({'a': 2}, foo=1) }}"),
            "error: line 1, column 15: filter 'combine': unexpected argument "
            "'foo'");
  EXPECT_EQ(R("{{ {} | combine(missing) }}"),
            "error: line 1, column 17: 'missing' is undefined");
}

TEST(FiltersCollectionTest, GrowthIsBounded) {
  RenderOptions options;
  options.max_iterations = 1000;
  EXPECT_EQ(jinja_testing::RenderForTest("{{ [1] | batch(10**12, 'x') }}", "{}",
                                         {}, options),
            "error: line 1, column 4: stopped after 1000 loop iterations (the "
            "limit)");
  EXPECT_EQ(jinja_testing::RenderForTest(
                "{{ range(600) | map('string') | map('upper') | list }}", "{}",
                {}, options),
            "error: line 1, column 4: stopped after 1000 loop iterations (the "
            "limit)");
  // Linear, not quadratic, in the size of the lists.
  EXPECT_EQ(R("{{ range(100000) | list | intersect(range(100000) | list) | "
              "length }}"),
            "100000");
}

}  // namespace
}  // namespace cairn::jinja
