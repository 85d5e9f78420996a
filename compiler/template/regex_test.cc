#include "compiler/template/regex.h"

#include <memory>
#include <string>
#include <vector>

#include "compiler/template/unicode.h"
#include "gtest/gtest.h"

namespace cairn::jinja_internal {
namespace {

// re.sub(pattern, replacement, text), or "error: ...".
std::string Sub(std::string_view pattern, std::string_view replacement,
                std::string_view text, RegexFlags flags = {}) {
  std::string error, out;
  std::unique_ptr<Regex> regex = Regex::Compile(pattern, flags, &error);
  if (regex == nullptr) return "error: " + error;
  int64_t steps = 1'000'000;
  if (!RegexSub(*regex, replacement, text, &steps, &out, &error)) {
    return "error: " + error;
  }
  return out;
}

// The whole match of re.search, "None", or "error: ...".
std::string Search(std::string_view pattern, std::string_view text) {
  std::string error;
  std::unique_ptr<Regex> regex = Regex::Compile(pattern, {}, &error);
  if (regex == nullptr) return "error: " + error;
  std::u32string chars;
  DecodeUtf8(text, &chars);
  int64_t steps = 1'000'000;
  std::vector<int64_t> groups;
  if (regex->Search(chars, 0, false, &steps, &groups) != MatchResult::kMatch) {
    return "None";
  }
  return EncodeUtf8(chars.substr(groups[0], groups[1] - groups[0]));
}

TEST(RegexTest, LiteralsClassesAndQuantifiers) {
  EXPECT_EQ(Search("b+", "aabbbc"), "bbb");
  EXPECT_EQ(Search("b+?", "aabbbc"), "b");
  EXPECT_EQ(Search("[a-c]{2,3}", "xxabcabc"), "abc");
  EXPECT_EQ(Search("[^a-z]+", "abc123def"), "123");
  EXPECT_EQ(Search("a.c", "a\nc abc"), "abc");
  EXPECT_EQ(Search("colou?r", "the color"), "color");
  EXPECT_EQ(Search("x{,2}y", "xxxy"), "xxy");
  EXPECT_EQ(Search("a{2}", "a aa"), "aa");
  EXPECT_EQ(Search("a{", "a{"), "a{");
}

TEST(RegexTest, UnicodeClasses) {
  EXPECT_EQ(Search("\\w+", "--héllo--"), "héllo");
  EXPECT_EQ(Search("\\d+", "x١٢٣y"), "١٢٣");
  EXPECT_EQ(Search("\\s+", "a\u00a0\u2003b"), "\u00a0\u2003");
  EXPECT_EQ(Search("\\bcat\\b", "concat cat"), "cat");
}

TEST(RegexTest, AnchorsAndFlags) {
  EXPECT_EQ(Search("^b", "a\nb"), "None");
  EXPECT_EQ(Sub("^", "> ", "a\nb", {false, true}), "> a\n> b");
  EXPECT_EQ(Search("a$", "a\n"), "a");  // $ matches before a final newline.
  EXPECT_EQ(Search("a\\Z", "a\n"), "None");
  EXPECT_EQ(Sub("B", "x", "abc", {true, false}), "axc");
  EXPECT_EQ(Search("(?i)ABC", "xabcx"), "abc");
  EXPECT_EQ(Search("(?x) a b  # comment", "ab"), "ab");
  EXPECT_EQ(Search("(?s)a.b", "a\nb"), "a\nb");
}

TEST(RegexTest, GroupsAndBackreferences) {
  EXPECT_EQ(Sub("(\\w+)@(\\w+)", "\\2 at \\1", "me@host"), "host at me");
  EXPECT_EQ(Sub("(?P<k>\\w+)=(?P<v>\\w+)", "\\g<v>=\\g<k>", "a=1"), "1=a");
  EXPECT_EQ(Sub("(a)|b", "[\\1]", "ab"), "[a][]");
  EXPECT_EQ(Search("(\\w)\\1", "abccd"), "cc");
  EXPECT_EQ(Search("(?P<x>a)(?P=x)", "xaa"), "aa");
  EXPECT_EQ(Sub("a", "\\g<0>\\g<0>", "a"), "aa");
}

TEST(RegexTest, Lookaround) {
  EXPECT_EQ(Search("foo(?=bar)", "foobaz foobar"), "foo");
  EXPECT_EQ(Search("foo(?!bar)", "foobar foobaz"), "foo");
  EXPECT_EQ(Sub("(?<=\\$)\\d+", "N", "cost $42 or 42"), "cost $N or 42");
  EXPECT_EQ(Sub("(?<!\\$)\\b\\d+", "N", "$42 or 42"), "$42 or N");
  EXPECT_EQ(Sub("(?<!^)(?=[A-Z])", "_", "CamelCaseName"), "Camel_Case_Name");
}

TEST(RegexTest, EmptyMatchesLikePython) {
  EXPECT_EQ(Sub("x*", "-", "abxd"), "-a-b--d-");
  EXPECT_EQ(Sub("", ".", "ab"), ".a.b.");
  EXPECT_EQ(Sub("a|", "-", "ba"), "-b--");
  EXPECT_EQ(Sub("(a*)*", "-", "b"), "-b-");
}

TEST(RegexTest, ReplacementEscapes) {
  EXPECT_EQ(Sub("a", "\\n\\t\\\\", "a"), "\n\t\\");
  EXPECT_EQ(Sub("a", "\\.", "a"), "\\.");
  EXPECT_EQ(Sub("a", "\\q", "a"), "error: bad escape \\q");
  EXPECT_EQ(Sub("a", "\\1", "a"), "error: invalid group reference 1");
  EXPECT_EQ(Sub("a", "\\g<nope>", "a"), "error: unknown group name 'nope'");
}

TEST(RegexTest, CompileErrors) {
  EXPECT_EQ(Sub("(a", "", ""),
            "error: missing ), unterminated subpattern at "
            "position 2");
  EXPECT_EQ(Sub("*a", "", ""), "error: nothing to repeat at position 0");
  EXPECT_EQ(Sub("a**", "", ""), "error: multiple repeat at position 2");
  EXPECT_EQ(Sub("[z-a]", "", ""), "error: bad character range at position 4");
  EXPECT_EQ(Sub("\\q", "", ""), "error: bad escape \\q at position 2");
  EXPECT_EQ(Sub("(?<=a+)b", "", ""),
            "error: look-behind requires fixed-width pattern at position 7");
  EXPECT_EQ(Sub("a++", "", ""),
            "error: possessive quantifiers are not supported at position 2");
  EXPECT_EQ(Sub("(?i:a)", "", ""),
            "error: scoped inline flags (?flags:...) are not supported at "
            "position 3");
}

TEST(RegexTest, StepBudget) {
  std::string error;
  std::unique_ptr<Regex> regex = Regex::Compile("(x+x+)+y", {}, &error);
  ASSERT_NE(regex, nullptr);
  std::u32string text(40, U'x');
  int64_t steps = 100'000;
  std::vector<int64_t> groups;
  EXPECT_EQ(regex->Search(text, 0, false, &steps, &groups),
            MatchResult::kTooManySteps);
}

}  // namespace
}  // namespace cairn::jinja_internal
