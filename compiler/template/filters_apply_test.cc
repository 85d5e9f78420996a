// map, select, reject, selectattr and rejectattr, checked against what
// Ansible prints (jinja_reference.py --ansible), and their errors.

#include <string>

#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

constexpr char kUsers[] = R"({"users": [
  {"name": "alice", "enabled": true, "state": "present", "uid": 3,
   "shell": {"path": "/bin/bash"}, "groups": ["wheel", "adm"]},
  {"name": "Bob", "enabled": false, "uid": 1, "groups": []},
  {"name": "carol", "enabled": true, "state": "absent", "uid": 2,
   "shell": {"path": "/bin/zsh"}, "groups": ["adm"]}]})";

TEST(FiltersApplyTest, MapAppliesAFilter) {
  EXPECT_EQ(R("{{ ['b', 'A'] | map('upper') }} {{ 'ab' | map('upper') }} "
              "{{ {'k': 1} | map('upper') | list }}"),
            "['B', 'A'] ['A', 'B'] ['K']");
  EXPECT_EQ(R("{{ ['1', '0x1f'] | map('int', base=16) | list }} "
              "{{ ['a', 'b'] | map('regex_replace', '^', 'x-') | join }} "
              "{{ ['a b'] | map('ansible.builtin.quote') | first }} "
              "{{ [[3, 1], [2]] | map('sort') | list }} "
              "{{ [[1], [2, 3]] | map('map', 'string') | list }}"),
            "[1, 31] x-ax-b 'a b' [[1, 3], [2]] [['1'], ['2', '3']]");
  // The name may be computed.
  EXPECT_EQ(R("{{ [1] | map(f) }}", R"({"f": "string"})"), "['1']");
}

TEST(FiltersApplyTest, MapOfAnAttribute) {
  EXPECT_EQ(R("{{ users | map(attribute='name') | join(',') }} "
              "{{ users | map(attribute='shell.path', default='-') | list }} "
              "{{ users | map(attribute='groups.0', default='none') | list }}",
              kUsers),
            "alice,Bob,carol ['/bin/bash', '-', '/bin/zsh'] "
            "['wheel', 'none', 'adm']");
  EXPECT_EQ(R("{{ [[1, 2], [3, 4]] | map(attribute=1) | list }} "
              "{{ [[1, 2]] | map(attribute='0') | list }} "
              "{{ [[1, 2]] | map(attribute=-1) | list }} "
              "{{ [1, 2] | map(attribute=none) | list }}"),
            "[2, 4] [1] [2] [1, 2]");
}

TEST(FiltersApplyTest, ResultsAreListsAsAnsibleUnrollsThem) {
  EXPECT_EQ(R("{{ [3, 1, 2] | select('odd') }} "
              "{{ ([1, 2] | map('string'))[1] }} "
              "{{ [1, 2, 3] | select('odd') | length }} "
              "{{ none | map('upper') }} {{ '' | select }} {{ 0 | reject }}"),
            "[3, 1] 2 2 [] [] []");
}

TEST(FiltersApplyTest, MissingAttributesStayUndefinedInTheList) {
  EXPECT_EQ(R("{{ users | map(attribute='state') | select('defined') | list }}"
              " {{ users | map(attribute='state') | reject('undefined') | "
              "list }} {{ users | map(attribute='state') | length }} "
              "{{ users | map(attribute='state') | first }}",
              kUsers),
            "['present', 'absent'] ['present', 'absent'] 3 present");
  EXPECT_EQ(R("{% set s = users | map(attribute='state') %}"
              "{% for x in s %}{{ x | default('-') }} {% endfor %}"
              "{{ s[1] is defined }} {{ s | map('default', 'x') | list }} "
              "{{ s is sequence }} {{ 'present' in s }} {{ s | reverse | "
              "select('defined') | list }}",
              kUsers),
            "present - absent False ['present', 'x', 'absent'] True True "
            "['absent', 'present']");
  EXPECT_EQ(R("{% set a, b, c = users | map(attribute='state') %}{{ a }} "
              "{{ b | default('-') }} {{ c }}",
              kUsers),
            "present - absent");
  // Python's list == looks at the elements only of another list.
  EXPECT_EQ(R("{% set s = users | map(attribute='state') %}{{ s == 1 }} "
              "{{ s != 'x' }} {{ s == ['present'] }} {{ s == (1, 2, 3) }}",
              kUsers),
            "False True False False");
  // Using the undefined element fails, as in Ansible.
  const char* missing =
      "error: line 1, column 4: 'dict object' has no attribute 'state'";
  EXPECT_EQ(R("{{ users | map(attribute='state') }}", kUsers), missing);
  EXPECT_EQ(R("{{ users | map(attribute='state') | join }}", kUsers), missing);
  EXPECT_EQ(R("{{ users | map(attribute='state') | sort }}", kUsers), missing);
  EXPECT_EQ(R("{{ users | map(attribute='state') | to_json }}", kUsers),
            missing);
  EXPECT_EQ(R("{{ 'absent' in users | map(attribute='state') }}", kUsers),
            "error: line 1, column 16: 'dict object' has no attribute 'state'");
}

TEST(FiltersApplyTest, SelectAndRejectWithATest) {
  EXPECT_EQ(
      R("{{ [1, 2, 3, 4, 5, 6] | select('divisibleby', 3) | list }} "
        "{{ [1, 2, 3] | select('lessthan', 3) | list }} "
        "{{ [1, 2, 3] | select('in', [2, 4]) | list }} "
        "{{ [1, none, 2] | reject('none') | list }} "
        "{{ [1, none] | select('equalto', none) | list }} "
        "{{ ['a', 1, none, 2.5] | select('number') | list }} "
        "{{ ['ab', 'b'] | select('match', 'A', ignorecase=true) | list }}"),
      "[3, 6] [1, 2] [2] [1, 2] [None] [1, 2.5] ['ab']");
  EXPECT_EQ(R("{{ [0, 1, '', 'a', none, [], [0]] | select | list }} "
              "{{ [0, 1, '', 'a', none] | reject | list }}"),
            "[1, 'a', [0]] [0, '', None]");
}

TEST(FiltersApplyTest, SelectattrAndRejectattr) {
  EXPECT_EQ(R("{{ users | selectattr('enabled') | map(attribute='name') | "
              "list }} {{ users | rejectattr('enabled') | map(attribute='name')"
              " | list }}",
              kUsers),
            "['alice', 'carol'] ['Bob']");
  EXPECT_EQ(
      R("{{ users | selectattr('state', 'defined') | selectattr('state',"
        " 'equalto', 'present') | map(attribute='name') | list }} "
        "{{ users | selectattr('uid', 'gt', 1) | map(attribute='name') | "
        "join(' ') }} {{ users | rejectattr('shell', 'undefined') | "
        "map(attribute='shell.path') | list }} {{ users | "
        "selectattr('shell.path', 'defined') | list | length }} "
        "{{ users | selectattr('groups') | map(attribute='name') | list }}"
        " {{ users | selectattr('name', '==', 'Bob') | first }}",
        kUsers),
      "['alice'] alice carol ['/bin/bash', '/bin/zsh'] 2 "
      "['alice', 'carol'] {'name': 'Bob', 'enabled': False, 'uid': 1, "
      "'groups': []}");
  EXPECT_EQ(R("{% for u in users | selectattr('enabled') %}{{ loop.index }}:"
              "{{ u.name }}{{ ',' if not loop.last }}{% endfor %}",
              kUsers),
            "1:alice,2:carol");
  // Comparing or testing the truth of a missing attribute fails.
  EXPECT_EQ(R("{{ users | selectattr('state', 'equalto', 'present') | list }}",
              kUsers),
            "error: line 1, column 4: 'dict object' has no attribute 'state'");
  EXPECT_EQ(R("{{ users | selectattr('state') | list }}", kUsers),
            "error: line 1, column 4: 'dict object' has no attribute 'state'");
}

TEST(FiltersApplyTest, NamesAndArgumentsAreCheckedWhenParsing) {
  EXPECT_EQ(R("{{ [1] | map('frobnicate') }}"),
            "error: line 1, column 14: filter 'frobnicate' is not supported");
  EXPECT_EQ(R("{{ [1] | map('replace') }}"),
            "error: line 1, column 10: filter 'replace': missing argument "
            "'old'");
  EXPECT_EQ(R("{{ [1] | map(5) }}"),
            "error: line 1, column 14: the filter name must be a string, not "
            "a int object");
  EXPECT_EQ(R("{{ [1] | map() }}"),
            "error: line 1, column 10: map requires a filter argument");
  EXPECT_EQ(R("{{ [1] | map(attribute='a', foo=1) }}"),
            "error: line 1, column 29: map: unexpected argument 'foo'");
  EXPECT_EQ(R("{{ [1] | select('frobnicate') }}"),
            "error: line 1, column 17: test 'frobnicate' is not supported");
  EXPECT_EQ(R("{{ [1] | select('odd', 2) }}"),
            "error: line 1, column 10: test 'odd': takes at most 0 arguments "
            "(1 given)");
  EXPECT_EQ(R("{{ [1] | selectattr() }}"),
            "error: line 1, column 10: Missing parameter for attribute name");
  EXPECT_EQ(R("{{ [1] | rejectattr('a', 'frobnicate') }}"),
            "error: line 1, column 26: test 'frobnicate' is not supported");
}

TEST(FiltersApplyTest, ComputedNamesAreCheckedWhenRendering) {
  EXPECT_EQ(R("{{ [1] | map(f) }}", R"({"f": "frobnicate"})"),
            "error: line 1, column 10: filter 'frobnicate' is not supported");
  EXPECT_EQ(R("{{ [1] | select(f) }}", R"({"f": "frobnicate"})"),
            "error: line 1, column 10: test 'frobnicate' is not supported");
  EXPECT_EQ(R("{{ [1] | map(f, 1) }}", R"({"f": "upper"})"),
            "error: line 1, column 10: filter 'upper': takes at most 0 "
            "arguments (1 given)");
  EXPECT_EQ(R("{{ [1] | map(f) }}"),
            "error: line 1, column 14: 'f' is "
            "undefined");
  // Jinja2 looks at the name only when there is something to map.
  EXPECT_EQ(R("{{ [] | map(f) }}", R"({"f": "frobnicate"})"), "[]");
}

TEST(FiltersApplyTest, WrongInputs) {
  EXPECT_EQ(R("{{ 5 | map('string') }}"),
            "error: line 1, column 4: 'int' object is not iterable");
  EXPECT_EQ(R("{{ 5 | select }}"),
            "error: line 1, column 4: 'int' object is not iterable");
  EXPECT_EQ(R("{{ missing | map('upper') }}"),
            "error: line 1, column 4: 'missing' is undefined");
  EXPECT_EQ(R("{{ ['a'] | map('int') | sum }} {{ ['x'] | map('abs') }}"),
            "error: line 1, column 43: bad operand type for abs(): 'str'");
}

}  // namespace
}  // namespace cairn::jinja
