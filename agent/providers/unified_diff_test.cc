#include "agent/providers/unified_diff.h"

#include <random>
#include <string>
#include <vector>

#include "base/strings.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

TEST(ContentDiffTest, EqualIsEmpty) {
  EXPECT_EQ(ContentDiff("a\nb\n", "a\nb\n", "/f"), "");
  EXPECT_EQ(ContentDiff("", "", "/f", /*current_exists=*/false), "");
}

// Outputs checked against GNU diff -u.
TEST(ContentDiffTest, OneChangedLine) {
  EXPECT_EQ(ContentDiff("a\nb\nc\n", "a\nB\nc\n", "/etc/x"),
            "--- a/etc/x\n"
            "+++ b/etc/x\n"
            "@@ -1,3 +1,3 @@\n"
            " a\n"
            "-b\n"
            "+B\n"
            " c\n");
}

TEST(ContentDiffTest, NewFile) {
  EXPECT_EQ(ContentDiff("", "one\ntwo\n", "/f", /*current_exists=*/false),
            "--- /dev/null\n"
            "+++ b/f\n"
            "@@ -0,0 +1,2 @@\n"
            "+one\n"
            "+two\n");
}

TEST(ContentDiffTest, EmptiedFile) {
  EXPECT_EQ(ContentDiff("x\n", "", "/f"),
            "--- a/f\n"
            "+++ b/f\n"
            "@@ -1 +0,0 @@\n"
            "-x\n");
}

TEST(ContentDiffTest, MissingNewlineAtEnd) {
  EXPECT_EQ(ContentDiff("a\nb", "a\nb\n", "/f"),
            "--- a/f\n"
            "+++ b/f\n"
            "@@ -1,2 +1,2 @@\n"
            " a\n"
            "-b\n"
            "\\ No newline at end of file\n"
            "+b\n");
}

TEST(ContentDiffTest, FarApartChangesMakeTwoHunks) {
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    StrAppend(&a, i, "\n");
    StrAppend(&b, i == 2 ? "two" : i == 18 ? "eighteen" : StrCat(i), "\n");
  }
  EXPECT_EQ(ContentDiff(a, b, "/n"),
            "--- a/n\n"
            "+++ b/n\n"
            "@@ -1,5 +1,5 @@\n"
            " 1\n"
            "-2\n"
            "+two\n"
            " 3\n"
            " 4\n"
            " 5\n"
            "@@ -15,6 +15,6 @@\n"
            " 15\n"
            " 16\n"
            " 17\n"
            "-18\n"
            "+eighteen\n"
            " 19\n"
            " 20\n");
}

TEST(ContentDiffTest, CloseChangesShareAHunk) {
  std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
  std::string b = "1\nX\n3\n4\n5\n6\n7\nY\n9\n10\n";  // 5 lines apart.
  EXPECT_EQ(ContentDiff(a, b, "/n"),
            "--- a/n\n"
            "+++ b/n\n"
            "@@ -1,10 +1,10 @@\n"
            " 1\n"
            "-2\n"
            "+X\n"
            " 3\n"
            " 4\n"
            " 5\n"
            " 6\n"
            " 7\n"
            "-8\n"
            "+Y\n"
            " 9\n"
            " 10\n");
}

TEST(ContentDiffTest, BinaryAndTooLarge) {
  EXPECT_EQ(ContentDiff(std::string("a\0b", 3), "ab", "/f"),
            "binary or too large: 3 bytes -> 2 bytes\n");
  DiffOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(ContentDiff("short\n", "much longer line\n", "/f", true, small),
            "binary or too large: 6 bytes -> 17 bytes\n");
  DiffOptions few_edits;
  few_edits.max_edits = 3;
  EXPECT_EQ(ContentDiff("a\nb\nc\n", "x\ny\nz\n", "/f", true, few_edits),
            "binary or too large: 6 bytes -> 6 bytes\n");
  EXPECT_NE(
      ContentDiff("a\nb\nc\n", "a\ny\nc\n", "/f", true, few_edits).find("+y\n"),
      std::string::npos);
}

// Applies a unified diff to `text` the way patch(1) would, checking every
// context and deleted line; fails the test on a mismatch.
std::string Patch(const std::string& text, const std::string& diff) {
  std::vector<std::string> old_lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    old_lines.push_back(text.substr(start, end - start));
    start = end;
  }
  std::vector<std::string> diff_lines;
  for (size_t start = 0; start < diff.size();) {
    size_t end = diff.find('\n', start) + 1;
    diff_lines.push_back(diff.substr(start, end - start));
    start = end;
  }
  std::string out;
  size_t old_index = 0;
  for (size_t i = 2; i < diff_lines.size(); ++i) {
    const std::string& line = diff_lines[i];
    if (line.rfind("@@ -", 0) == 0) {
      int start = std::stoi(line.substr(4));
      size_t comma = line.find(',');
      size_t space = line.find(' ', 4);
      int count = comma < space ? std::stoi(line.substr(comma + 1)) : 1;
      size_t target = count == 0 ? start : start - 1;
      while (old_index < target) out += old_lines[old_index++];
      continue;
    }
    bool no_newline = i + 1 < diff_lines.size() && diff_lines[i + 1][0] == '\\';
    std::string content = line.substr(1);
    if (no_newline) content.pop_back();
    if (line[0] == '\\') continue;
    if (line[0] == ' ' || line[0] == '-') {
      EXPECT_LT(old_index, old_lines.size());
      if (old_index >= old_lines.size()) return "";
      EXPECT_EQ(old_lines[old_index], content) << "at diff line " << i;
      ++old_index;
    }
    if (line[0] == ' ' || line[0] == '+') out += content;
  }
  while (old_index < old_lines.size()) out += old_lines[old_index++];
  return out;
}

// Counts the lines a diff inserts or deletes.
int Edits(const std::string& diff) {
  int edits = 0;
  for (size_t start = 0; start < diff.size();) {
    size_t end = diff.find('\n', start) + 1;
    std::string_view line(diff.data() + start, end - start);
    if ((line[0] == '+' || line[0] == '-') && line.substr(0, 3) != "+++" &&
        line.substr(0, 3) != "---") {
      ++edits;
    }
    start = end;
  }
  return edits;
}

// The length of the longest common subsequence of lines, by dynamic
// programming: the minimal number of edits is |a| + |b| - 2 * LCS.
int MinimalEdits(const std::vector<std::string>& a,
                 const std::vector<std::string>& b) {
  std::vector<std::vector<int>> lcs(a.size() + 1,
                                    std::vector<int>(b.size() + 1));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1
                               : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  return a.size() + b.size() - 2 * lcs[0][0];
}

// Random texts over a few distinct lines: every diff applies, and it is a
// shortest one.
TEST(ContentDiffTest, RandomDiffsApplyAndAreMinimal) {
  std::mt19937 random(42);
  const char* words[] = {"a\n", "b\n", "c\n", "d\n", "e"};
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> a, b;
    int a_size = random() % 30, b_size = random() % 30;
    for (int i = 0; i < a_size; ++i) a.push_back(words[random() % 4]);
    for (int i = 0; i < b_size; ++i) b.push_back(words[random() % 4]);
    // Sometimes a last line without its newline.
    if (random() % 4 == 0) a.push_back(words[4]);
    if (random() % 4 == 0) b.push_back(words[4]);
    std::string a_text = StrJoin(a, ""), b_text = StrJoin(b, "");
    DiffOptions options;
    options.context = random() % 4;
    std::string diff = ContentDiff(a_text, b_text, "/r", true, options);
    if (a_text == b_text) {
      EXPECT_EQ(diff, "");
      continue;
    }
    EXPECT_EQ(Patch(a_text, diff), b_text) << "round " << round << "\n" << diff;
    EXPECT_EQ(Edits(diff), MinimalEdits(a, b)) << "round " << round;
  }
}

TEST(ContentDiffTest, LargeFileWithFewChangesIsQuick) {
  std::string a, b;
  for (int i = 0; i < 20000; ++i) {
    StrAppend(&a, "line ", i, "\n");
    StrAppend(&b, "line ", i % 5000 == 17 ? -i : i, "\n");
  }
  std::string diff = ContentDiff(a, b, "/big");
  EXPECT_EQ(Edits(diff), 8);
  EXPECT_EQ(Patch(a, diff), b);
}

TEST(ContentDiffTest, Latin1LinesAreEscapedNotPassedThrough) {
  // A diff goes into a protobuf string, which must be UTF-8.
  std::string diff = ContentDiff("caf\xe9\n", "cafe\n", "/etc/x", true);
  EXPECT_NE(diff.find("-caf\\xE9\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("+cafe\n"), std::string::npos) << diff;
}

}  // namespace
}  // namespace cairn::agent
