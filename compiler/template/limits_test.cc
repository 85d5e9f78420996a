// Hostile templates and data stop with an error, quickly.

#include <string>

#include "compiler/template/template.h"
#include "compiler/template/testing/render_for_test.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

using jinja_testing::RenderForTest;

std::string R(std::string_view text, std::string_view json = "{}",
              RenderOptions options = {}) {
  return RenderForTest(text, json, ParseOptions(), options);
}

TEST(LimitsTest, BillionIterationLoopIsStopped) {
  EXPECT_EQ(R("{% for i in range(1000000000) %}{% endfor %}"),
            "error: line 1, column 13: stopped after 1000000 loop iterations "
            "(the limit)");
  EXPECT_EQ(R("{% for i in range(1000000000) if i %}{% endfor %}"),
            "error: line 1, column 13: stopped after 1000000 loop iterations "
            "(the limit)");
  EXPECT_EQ(R("{{ range(1000000000) | list }}"),
            "error: line 1, column 4: stopped after 1000000 loop iterations "
            "(the limit)");
}

TEST(LimitsTest, NestedLoopsShareTheBudget) {
  RenderOptions options;
  options.max_iterations = 1000;
  EXPECT_EQ(R("{% for a in range(100) %}{% for b in range(100) %}{% endfor %}"
              "{% endfor %}",
              "{}", options),
            "error: line 1, column 38: stopped after 1000 loop iterations (the "
            "limit)");
}

TEST(LimitsTest, OutputTooLargeIsStopped) {
  RenderOptions options;
  options.max_output_bytes = 1000;
  EXPECT_EQ(
      R("{% for i in range(100) %}0123456789ABCDEF{% endfor %}", "{}", options),
      "error: line 1, column 26: the output would be larger than 1000 "
      "bytes (the limit)");
  EXPECT_EQ(
      R("{{ 'x' * 2000 }}", "{}", options),
      "error: line 1, column 4: a string of 2000 bytes is larger than the "
      "1000-byte limit");
}

TEST(LimitsTest, StringDoublingIsStopped) {
  // (In a loop each iteration would start again from the outer s.)
  std::string doubling = "{% set s = 'x' * 1000 %}";
  for (int i = 0; i < 20; ++i) doubling += "{% set s = s ~ s %}";
  std::string result = R(doubling + "{{ s | length }}");
  EXPECT_NE(result.find("bytes is larger than the 67108864-byte limit"),
            std::string::npos)
      << result;
}

TEST(LimitsTest, WorkIsBounded) {
  RenderOptions options;
  options.max_work_bytes = 1'000'000;
  std::string result =
      R("{% set big = 'x' * 100000 %}{% for i in range(1000) %}"
        "{{ (big ~ i) | length }}{% endfor %}",
        "{}", options);
  EXPECT_NE(result.find("stopped after building 1000000 bytes of strings"),
            std::string::npos)
      << result;
}

TEST(LimitsTest, CatastrophicRegexIsStopped) {
  EXPECT_EQ(R("{{ s | regex_replace('(a+)+$', '') }}",
              R"({"s": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"})"),
            "error: line 1, column 8: regex_replace: the regular expression "
            "needs too many steps on this input");
}

TEST(LimitsTest, DeepNestingIsAParseError) {
  std::string deep =
      "{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}";
  std::string result = R(deep);
  EXPECT_NE(result.find("nested more than 128 levels deep"), std::string::npos)
      << result;
  std::string chain = "{{ 1" + std::string();
  for (int i = 0; i < 300; ++i) chain += " + 1";
  EXPECT_NE(R(chain + " }}").find("nested more than 128 levels deep"),
            std::string::npos);
  std::string blocks;
  for (int i = 0; i < 200; ++i) blocks += "{% if true %}";
  EXPECT_NE(R(blocks).find("nested more than 128 levels deep"),
            std::string::npos);
}

TEST(LimitsTest, DeepValuesAreBounded) {
  std::string json = "1";
  for (int i = 0; i < 200; ++i) json = "[" + json + "]";
  EXPECT_EQ(R("{{ v | to_json }}", "{\"v\": " + json + "}"),
            "error: line 1, column 8: to_json: a value nested more than 128 "
            "levels deep");
  EXPECT_EQ(
      R("{{ v }}", "{\"v\": " + json + "}"),
      "error: line 1, column 4: a value nested more than 128 levels deep");
}

TEST(LimitsTest, ListRepetitionIsBounded) {
  EXPECT_EQ(R("{{ ([1] * 1000000000) | length }}"),
            "error: line 1, column 5: stopped after 1000000 loop iterations "
            "(the limit)");
}

}  // namespace
}  // namespace cairn::jinja
