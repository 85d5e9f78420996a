#include <string>

#include "compiler/template/template.h"
#include "gtest/gtest.h"

namespace cairn::jinja {
namespace {

TEST(ValueTest, Scalars) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value(true).type(), Value::Type::kBool);
  EXPECT_EQ(Value(3).int_value(), 3);
  EXPECT_EQ(Value(int64_t{1} << 40).int_value(), int64_t{1} << 40);
  EXPECT_EQ(Value(2.5).double_value(), 2.5);
  EXPECT_EQ(Value("x").string_value(), "x");
  EXPECT_EQ(Value(std::string_view("y")).string_value(), "y");
}

TEST(ValueTest, MapsKeepOrderAndTakeTheLastValue) {
  Value m = Value::Map({{"b", Value(1)}, {"a", Value(2)}, {"b", Value(3)}});
  ASSERT_EQ(m.entries().size(), 2u);
  EXPECT_EQ(m.entries()[0].first, "b");
  EXPECT_EQ(m.entries()[0].second.int_value(), 3);
  EXPECT_EQ(m.Find("a")->int_value(), 2);
  EXPECT_EQ(m.Find("z"), nullptr);
  EXPECT_EQ(Value(1).Find("a"), nullptr);
}

TEST(ValueTest, LargeMapsAreIndexed) {
  std::vector<Value::Entry> entries;
  for (int i = 0; i < 1000; ++i)
    entries.emplace_back("k" + std::to_string(i), Value(i));
  Value m = Value::Map(std::move(entries));
  EXPECT_EQ(m.Find("k777")->int_value(), 777);
  EXPECT_EQ(m.Find("k1000"), nullptr);
}

TEST(ValueTest, CopiesShareContents) {
  Value list = Value::List({Value("a"), Value::Map({})});
  Value copy = list;
  EXPECT_EQ(&copy.items(), &list.items());
  EXPECT_TRUE(Value(1).items().empty());
  EXPECT_TRUE(Value(1).entries().empty());
}

}  // namespace
}  // namespace cairn::jinja
