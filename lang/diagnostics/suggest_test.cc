#include "lang/diagnostics/suggest.h"

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(EditDistance, CountsTranspositionsAsOne) {
  EXPECT_EQ(EditDistance("import", "improt"), 1u);
  EXPECT_EQ(EditDistance("host", "hots"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
  constexpr std::string_view kWords[] = {"host", "zone", "role", "import"};
  EXPECT_EQ(ClosestMatch("hots", kWords), "host");
  EXPECT_EQ(ClosestMatch("improt", kWords), "import");
  EXPECT_EQ(ClosestMatch("package", kWords), "");
  EXPECT_EQ(ClosestMatch("host", kWords), "");  // Exact: nothing to suggest.
}

}  // namespace
}  // namespace cairn
