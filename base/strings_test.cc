#include "base/strings.h"

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(StrCat, MixesStringsCharsAndNumbers) {
  std::string_view view = "view";
  EXPECT_EQ(StrCat("a", view, std::string("s"), 'c', 42, -7, size_t{3}),
            "aviewsc42-73");
  EXPECT_EQ(StrCat(true), "true");
}

TEST(StrAppend, Appends) {
  std::string out = "x";
  StrAppend(&out, "=", 1);
  EXPECT_EQ(out, "x=1");
}

TEST(StrJoin, Joins) {
  EXPECT_EQ(StrJoin(std::vector<std::string>{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(StrJoin(std::vector<std::string>{}, ", "), "");
}

TEST(StrSplit, KeepsEmptyPieces) {
  EXPECT_EQ(StrSplit("a,,b", ','),
            (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(StrSplit("", ','), (std::vector<std::string_view>{""}));
}

}  // namespace
}  // namespace cairn
