#include "compiler/template/unicode.h"

#include <string>

#include "gtest/gtest.h"

namespace cairn::jinja_internal {
namespace {

std::string U(std::string_view s) {
  std::u32string c;
  DecodeUtf8(s, &c);
  return EncodeUtf8(Upper(c));
}

std::string L(std::string_view s) {
  std::u32string c;
  DecodeUtf8(s, &c);
  return EncodeUtf8(Lower(c));
}

TEST(UnicodeTest, CaseMappingLikePython) {
  EXPECT_EQ(U("straße"), "STRASSE");
  EXPECT_EQ(U("ǆemal ŉ ﬁ"), "ǄEMAL ʼN FI");
  EXPECT_EQ(L("İ"), "i\u0307");
  EXPECT_EQ(L("ΣΑΣ ΟΔΟΣ."), "σας οδος.");
  EXPECT_EQ(L("Σ"), "σ");
  EXPECT_EQ(U("ÿ µ"), "Ÿ Μ");
}

TEST(UnicodeTest, Properties) {
  EXPECT_TRUE(IsSpace(U'\u3000'));
  EXPECT_TRUE(IsSpace(0x1C));
  EXPECT_FALSE(IsSpace(U'\u200B'));
  EXPECT_FALSE(IsPrintable(U'\u00A0'));
  EXPECT_TRUE(IsPrintable(U'é'));
  EXPECT_TRUE(IsWordChar(U'_'));
  EXPECT_TRUE(IsWordChar(U'٣'));
  EXPECT_EQ(DecimalValue(U'٣'), 3);
  EXPECT_EQ(DecimalValue(U'x'), -1);
}

TEST(UnicodeTest, Utf8) {
  std::u32string c;
  EXPECT_TRUE(DecodeUtf8("aé😀", &c));
  EXPECT_EQ(c, U"aé😀");
  EXPECT_EQ(EncodeUtf8(c), "aé😀");
  EXPECT_EQ(FindInvalidUtf8("ok\xc3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);  // A surrogate.
  EXPECT_EQ(CountCodePoints("aé😀"), 3u);
}

}  // namespace
}  // namespace cairn::jinja_internal
