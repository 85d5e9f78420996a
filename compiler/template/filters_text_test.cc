// title, capitalize, center, wordcount, split, abs, round, comment,
// b64decode, splitext, path_join and extract, checked against what Ansible
// prints (jinja_reference.py --ansible), and their errors.

#include <string>

#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

std::string R(std::string_view text, std::string_view json = "{}") {
  return jinja_testing::RenderForTest(text, json);
}

TEST(FiltersTextTest, TitleAndCapitalize) {
  EXPECT_EQ(R("{{ 'hello world-foo(bar)[baz]{q}<t>x' | title }} "
              "{{ 'hELLO wORLD' | title }} {{ \"it's o'neil\" | title }} "
              "{{ 'ǆemal ßtraße' | title }} {{ 'ΣΑΣ ΣΑΣ' | title }} "
              "{{ 123 | title }}"),
            "Hello World-Foo(Bar)[Baz]{Q}<T>x Hello World It's O'neil "
            "Ǆemal SStraße Σας Σας 123");
  // The first letter in title case, not upper case.
  EXPECT_EQ(R("{{ 'hELLO World' | capitalize }} {{ 'ǆemal' | capitalize }} "
              "{{ 'ßa' | capitalize }} {{ 'ΣΑΣ' | capitalize }} "
              "{{ 'ﬁx' | capitalize }} {{ '' | capitalize }}|"),
            "Hello world ǅemal Ssa Σας Fix |");
}

TEST(FiltersTextTest, CenterAndWordcount) {
  EXPECT_EQ(R("[{{ 'ab' | center(7) }}] [{{ 'abc' | center(6) }}] "
              "[{{ 'ab' | center(5) }}] [{{ 'héllo' | center(9) }}] "
              "[{{ 'toolong' | center(3) }}] [{{ 5 | center(3) }}] "
              "[{{ 'x' | center | length }}]"),
            "[   ab  ] [ abc  ] [  ab ] [  héllo  ] [toolong] [ 5 ] [80]");
  EXPECT_EQ(R("{{ 'x' | center(2.5) }}"),
            "error: line 1, column 10: 'float object' cannot be interpreted "
            "as an integer");
  EXPECT_EQ(R("{{ 'x' | center(10**12) }}"),
            "error: line 1, column 4: a string of 1000000000000 bytes is "
            "larger than the 67108864-byte limit");
  EXPECT_EQ(
      R("{{ 'hello, world! foo_bar 42 ünï' | wordcount }} "
        "{{ '' | wordcount }} {{ 12 | wordcount }} {{ '--' | wordcount }}"),
      "5 0 1 0");
}

TEST(FiltersTextTest, Split) {
  EXPECT_EQ(R("{{ 'a,b,,c' | split(',') }} {{ '  a  b c ' | split }} "
              "{{ 'a,b,c' | split(',', 1) }} {{ ' a b  ' | split(maxsplit=1) "
              "}} {{ ' a b  '.split(none, 1) }}"),
            "['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a', 'b,c'] ['a', 'b  '] "
            "['a', 'b  ']");
  EXPECT_EQ(R("{{ 'a' | split('') }}"),
            "error: line 1, column 10: empty separator");
  EXPECT_EQ(R("{{ 5 | split }}"),
            "error: line 1, column 8: split needs a string, not a int object");
}

TEST(FiltersTextTest, Abs) {
  EXPECT_EQ(R("{{ -3 | abs }} {{ 2.5 | abs }} {{ -0.0 | abs }} {{ true | abs "
              "}}"),
            "3 2.5 0.0 1");
  EXPECT_EQ(R("{{ 'x' | abs }}"),
            "error: line 1, column 10: bad operand type for abs(): 'str'");
}

TEST(FiltersTextTest, RoundLikePython) {
  EXPECT_EQ(R("{{ 42.55 | round }} {{ 42.55 | round(1) }} "
              "{{ 42.55 | round(1, 'floor') }} {{ 42.55 | round(1, 'ceil') }} "
              "{{ 2.5 | round }} {{ 3.5 | round }} {{ -2.5 | round }} "
              "{{ 2.675 | round(2) }} {{ 0.125 | round(2) }} "
              "{{ 1234.5678 | round(-2) }} {{ 1e300 | round(2) }} "
              "{{ 0.5 | round(400) }} {{ 123.456 | round(-400) }}"),
            "43.0 42.5 42.5 42.6 2.0 4.0 -2.0 2.67 0.12 1200.0 1e+300 0.5 "
            "0.0");
  // Ints stay ints, rounded half to even at tens and beyond.
  EXPECT_EQ(R("{{ 5 | round }} {{ 5 | round(2) }} {{ 1250 | round(-2) }} "
              "{{ 1350 | round(-2) }} {{ -1250 | round(-2) }} "
              "{{ true | round }} {{ 2.5 | round(none) }}"),
            "5 5 1200 1400 -1200 1 2");
  EXPECT_EQ(R("{{ 42 | round(0, 'ceil') }} {{ 42 | round(-1, 'ceil') }} "
              "{{ -42.1 | round(0, 'floor') }} {{ 1.55 | round(1, 'ceil') }} "
              "{{ 17.5 | round(-1, 'ceil') }} {{ true | round(0, 'ceil') }}"),
            "42.0 50.0 -43.0 1.6 20.0 1.0");
  EXPECT_EQ(R("{{ 'x' | round }}"),
            "error: line 1, column 10: type str doesn't define __round__ "
            "method");
  EXPECT_EQ(R("{{ 1.5 | round(1, 'up') }}"),
            "error: line 1, column 10: method must be common, ceil or floor");
  EXPECT_EQ(R("{{ 1.5 | round(1.5) }}"),
            "error: line 1, column 10: 'float' object cannot be interpreted "
            "as an integer");
  EXPECT_EQ(R("{{ 9223372036854775807 | round(-1) }}"),
            "error: line 1, column 26: integer overflow (values beyond 64 "
            "bits are not supported)");
}

TEST(FiltersTextTest, Comment) {
  const char* vars = R"({"m": "Ansible managed\nline two\n\nlast"})";
  EXPECT_EQ(R("{{ m | comment }}", vars),
            "#\n# Ansible managed\n# line two\n#\n# last\n#");
  EXPECT_EQ(R("{{ m | comment('cblock') }}", vars),
            "/*\n *\n * Ansible managed\n * line two\n *\n * last\n *\n */");
  EXPECT_EQ(R("{{ m | comment('xml') }}|{{ 'a' | comment('c') }}|"
              "{{ 'a' | comment('erlang') }}",
              vars),
            "<!--\n -\n - Ansible managed\n - line two\n -\n - last\n -\n-->|"
            "//\n// a\n//|%\n% a\n%");
  EXPECT_EQ(R("{{ 'a\nb' | comment(decoration='; ') }}|{{ 'a' | "
              "comment('plain', prefix='#!', prefix_count=2, postfix_count=0) "
              "}}|{{ 'a' | comment(beginning='BEGIN', end='END') }}|"
              "{{ 'a' | comment(decoration='-- ', postfix='--') }}|"
              "{{ '' | comment }}"),
            ";\n; a\n; b\n;|#!\n#!\n# a|BEGIN\n#\n# a\n#\nEND|--\n-- a\n--|"
            "#\n# \n#");
  EXPECT_EQ(R("{{ 'x' | comment('bogus') }}"),
            "error: line 1, column 10: comment: unknown style 'bogus'");
  EXPECT_EQ(R("{{ 5 | comment }}"),
            "error: line 1, column 8: comment needs a string, not a int "
            "object");
  EXPECT_EQ(R("{{ 'x' | comment(prefix_count=10**12) }}"),
            "error: line 1, column 4: a string of 2000000000000 bytes is "
            "larger than the 67108864-byte limit");
}

TEST(FiltersTextTest, B64decode) {
  EXPECT_EQ(
      R("{{ 'aGVsbG8gd29ybGQ=' | b64decode }} {{ 'a G k =' | b64decode }} "
        "{{ 'aGk==junk' | b64decode }} {{ 'w6k=' | b64decode }} "
        "{{ 'YWI=Yw==' | b64decode }} {{ 'YWJjZA=x=' | b64decode | "
        "length }}|{{ '' | b64decode }}|"),
      "hello world hi hi é ab 5||");
  EXPECT_EQ(R("{{ 'aGk' | b64decode }}"),
            "error: line 1, column 12: Incorrect padding");
  EXPECT_EQ(R("{{ 'a' | b64decode }}"),
            "error: line 1, column 10: Invalid base64-encoded string: number "
            "of data characters cannot be 1 more than a multiple of 4");
  // Ansible would write the bytes; this engine holds only UTF-8 text.
  EXPECT_EQ(R("{{ '/w==' | b64decode }}"),
            "error: line 1, column 13: the decoded bytes are not valid UTF-8");
}

TEST(FiltersTextTest, Paths) {
  EXPECT_EQ(R("{{ '/a/b.tar.gz' | splitext }} {{ '.bashrc' | splitext }} "
              "{{ '/a.b/c' | splitext }} {{ 'x.' | splitext }} "
              "{{ ('f.txt' | splitext)[1] }} {{ 'a/.b.c' | splitext }}"),
            "('/a/b.tar', '.gz') ('.bashrc', '') ('/a.b/c', '') ('x', '.') "
            ".txt ('a/.b', '.c')");
  EXPECT_EQ(R("{{ ['a', 'b', 'c'] | path_join }} {{ ['/etc', '/x', 'y'] | "
              "path_join }} {{ 'a' | path_join }} {{ ['a/', 'b'] | path_join }}"
              " {{ ['', 'b'] | path_join }} {{ ('a', 'b') | path_join }}"),
            "a/b/c /x/y a a/b b a/b");
  EXPECT_EQ(R("{{ 5 | path_join }}"),
            "error: line 1, column 8: |path_join expects string or sequence, "
            "got <class 'int'> instead.");
  EXPECT_EQ(R("{{ [1] | path_join }}"),
            "error: line 1, column 10: join() argument must be str, not int");
  EXPECT_EQ(R("{{ 5 | splitext }}"),
            "error: line 1, column 8: a path must be a string, not a int "
            "object");
}

TEST(FiltersTextTest, Extract) {
  const char* vars = R"({"hostvars": {"web1": {"ip": "10.0.0.1"},
                                      "web2": {"ip": "10.0.0.2"}}})";
  EXPECT_EQ(R("{{ ['web1', 'web2'] | map('extract', hostvars, 'ip') | list }} "
              "{{ 'web1' | extract(hostvars) }} {{ 0 | extract(['a', 'b']) }} "
              "{{ 'web1' | extract(hostvars, ['ip']) }} {{ ['web1', 'nope'] | "
              "map('extract', hostvars, 'ip') | select('defined') | list }}",
              vars),
            "['10.0.0.1', '10.0.0.2'] {'ip': '10.0.0.1'} a 10.0.0.1 "
            "['10.0.0.1']");
  EXPECT_EQ(R("{{ 'web3' | extract(hostvars) }}", vars),
            "error: line 1, column 4: 'dict object' has no attribute 'web3'");
}

}  // namespace
}  // namespace cairn::jinja
