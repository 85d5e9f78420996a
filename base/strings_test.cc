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

TEST(QuotedString, EscapesOnlyWhatMust) {
  EXPECT_EQ(QuotedString("sh -c 'a || b'"), "\"sh -c 'a || b'\"");
  EXPECT_EQ(QuotedString("say \"hi\"\\\n\t"), "\"say \\\"hi\\\"\\\\\\n\\t\"");
  EXPECT_EQ(QuotedString(std::string("\x01\x1f caf\xc3\xa9")),
            "\"\\u{1}\\u{1f} caf\xc3\xa9\"");
}

}  // namespace
}  // namespace cairn
