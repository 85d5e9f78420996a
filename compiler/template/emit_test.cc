// Python's repr and json.dumps, and libyaml's emitter, on their own.

#include <cmath>
#include <limits>
#include <string>

#include "compiler/template/json_emit.h"
#include "compiler/template/pyformat.h"
#include "compiler/template/template.h"
#include "compiler/template/value_access.h"
#include "compiler/template/yaml_emit.h"
#include "gtest/gtest.h"

namespace cairn::jinja_internal {
namespace {

using jinja::Value;

std::string Repr(const Value& v) {
  std::string out;
  AppendRepr(v, {}, &out);
  return out;
}

std::string Json(const Value& v, JsonOptions options = {}) {
  std::string out, error;
  if (!DumpJson(v, options, 100, 1 << 20, &out, &error))
    return "error: " + error;
  return out;
}

std::string Yaml(const Value& v, YamlOptions options = {}) {
  std::string out, error;
  if (!DumpYaml(v, options, 100, 1 << 20, &out, &error))
    return "error: " + error;
  return out;
}

TEST(EmitTest, FloatRepr) {
  EXPECT_EQ(FloatRepr(1.0), "1.0");
  EXPECT_EQ(FloatRepr(0.1), "0.1");
  EXPECT_EQ(FloatRepr(1e16), "1e+16");
  EXPECT_EQ(FloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FloatRepr(1e-5), "1e-05");
  EXPECT_EQ(FloatRepr(0.00012), "0.00012");
  EXPECT_EQ(FloatRepr(-2.5), "-2.5");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FloatRepr(std::nan("")), "nan");
  EXPECT_EQ(FloatRepr(5e-324), "5e-324");
}

TEST(EmitTest, StringRepr) {
  EXPECT_EQ(Repr(Value("it's")), "\"it's\"");
  EXPECT_EQ(Repr(Value("say \"x\" it's")), "'say \"x\" it\\'s'");
  EXPECT_EQ(Repr(Value("tab\tnl\n\x01\\")), "'tab\\tnl\\n\\x01\\\\'");
  EXPECT_EQ(Repr(Value("é\u00a0\u200b😀")), "'é\\xa0\\u200b😀'");
}

TEST(EmitTest, ContainerRepr) {
  EXPECT_EQ(Repr(Value::List({Value(1), Value(), Value(true)})),
            "[1, None, True]");
  EXPECT_EQ(Repr(ValueAccess::Tuple({Value("a")})), "('a',)");
  EXPECT_EQ(Repr(Value::Map({{"k", Value::List({})}})), "{'k': []}");
}

TEST(EmitTest, Json) {
  Value v = Value::Map(
      {{"b", Value(1.5)}, {"a", Value::List({Value(), Value(false)})}});
  EXPECT_EQ(Json(v), "{\"b\": 1.5, \"a\": [null, false]}");
  JsonOptions sorted;
  sorted.sort_keys = true;
  sorted.indent = "  ";
  EXPECT_EQ(Json(v, sorted),
            "{\n  \"a\": [\n    null,\n    false\n  ],\n  \"b\": 1.5\n}");
  EXPECT_EQ(Json(Value("é😀\x7f")), "\"\\u00e9\\ud83d\\ude00\\u007f\"");
  EXPECT_EQ(Json(Value(std::numeric_limits<double>::infinity())), "Infinity");
}

TEST(EmitTest, YamlScalars) {
  EXPECT_EQ(Yaml(Value("plain")), "plain\n");
  EXPECT_EQ(Yaml(Value("yes")), "'yes'\n");
  EXPECT_EQ(Yaml(Value("123")), "'123'\n");
  EXPECT_EQ(Yaml(Value("")), "''\n");
  EXPECT_EQ(Yaml(Value("a\tb")), "\"a\\tb\"\n");
  EXPECT_EQ(Yaml(Value("😀")), "\"\\U0001F600\"\n");
  EXPECT_EQ(Yaml(Value(1e16)), "1.0e+16\n");
  EXPECT_EQ(Yaml(Value()), "null\n");
  EXPECT_EQ(Yaml(Value("two\nlines")), "'two\n\n  lines'\n");
}

TEST(EmitTest, YamlCollections) {
  Value v =
      Value::Map({{"z", Value::List({Value(1), Value(2)})},
                  {"a", Value::Map({{"k", Value::List({Value::Map({})})}})}});
  EXPECT_EQ(Yaml(v), "a:\n  k:\n  - {}\nz: [1, 2]\n");
  YamlOptions block;
  block.flow = YamlOptions::Flow::kNever;
  EXPECT_EQ(Yaml(v, block), "a:\n  k:\n  - {}\nz:\n- 1\n- 2\n");
  YamlOptions flow;
  flow.flow = YamlOptions::Flow::kAlways;
  EXPECT_EQ(Yaml(v, flow), "{a: {k: [{}]}, z: [1, 2]}\n");
  std::string long_key(130, 'k');
  EXPECT_EQ(Yaml(Value::Map({{long_key, Value(1)}})),
            "{? " + long_key + "\n  : 1}\n");
}

}  // namespace
}  // namespace cairn::jinja_internal
