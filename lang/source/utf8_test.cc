#include "lang/source/utf8.h"

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(Utf8, SequenceLengths) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("é"), 2u);
  EXPECT_EQ(Utf8SequenceLength("☃"), 3u);
  EXPECT_EQ(Utf8SequenceLength("😀"), 4u);
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_EQ(Utf8SequenceLength("\xC0\x80"), 0u);          // Overlong.
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80"), 0u);      // Surrogate.
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80"), 0u);  // > U+10FFFF.
  EXPECT_EQ(Utf8SequenceLength("\xE2\x98"), 0u);          // Truncated.
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);              // Lone continuation.
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("café"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xE9!"), 3u);
}

TEST(Utf8, LengthCountsInvalidBytesAsOne) {
  EXPECT_EQ(Utf8Length("café"), 4u);
  EXPECT_EQ(Utf8Length("a\xFF"
                       "b"),
            3u);
}

TEST(Utf8, FloorDoesNotSplitASequence) {
  std::string_view text = "aé";
  EXPECT_EQ(Utf8Floor(text, 2), 1u);
  EXPECT_EQ(Utf8Floor(text, 1), 1u);
}

TEST(Utf8, SanitizeReplacesControlsAndBadBytes) {
  EXPECT_EQ(SanitizeForDisplay("a\tb\x1b"), "a b ");
  EXPECT_EQ(SanitizeForDisplay("x\xFFy"), "x\xEF\xBF\xBDy");
}

TEST(Utf8, DecodesCodePoints) {
  EXPECT_EQ(Utf8Decode("é", 2), U'é');
  EXPECT_EQ(Utf8Decode("😀", 4), U'😀');
}

}  // namespace
TEST(EscapeInvalidUtf8Test, EscapesOnlyWhatIsInvalid) {
  EXPECT_EQ(EscapeInvalidUtf8("caf\xc3\xa9\n"), "caf\xc3\xa9\n");
  EXPECT_EQ(EscapeInvalidUtf8("caf\xe9 ok\n"), "caf\\xE9 ok\n");
  EXPECT_EQ(EscapeInvalidUtf8("\xff\xfe"), "\\xFF\\xFE");
  EXPECT_EQ(EscapeInvalidUtf8("\xe2\x82"), "\\xE2\\x82");  // Truncated.
  EXPECT_EQ(FindInvalidUtf8(EscapeInvalidUtf8("a\x80"
                                              "b")),
            std::string_view::npos);
}

}  // namespace cairn
