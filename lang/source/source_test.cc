#include "lang/source/source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(SourceFile, PositionsAreOneBasedAndCountCodePoints) {
  SourceFile file(1, "a.cairn", "ab\ncafé x\n");
  EXPECT_EQ(file.Position(0).line, 1u);
  EXPECT_EQ(file.Position(0).column, 1u);
  EXPECT_EQ(file.Position(3).line, 2u);
  EXPECT_EQ(file.Position(3).column, 1u);
  // "café " is 6 bytes but 5 code points: 'x' is at column 6.
  EXPECT_EQ(file.Position(9).column, 6u);
  EXPECT_EQ(file.Line(2), "café x");
  EXPECT_EQ(file.LineCount(), 2u);
}

TEST(SourceFile, ClampsOffsetsPastTheEnd) {
  SourceFile file(1, "a.cairn", "ab");
  EXPECT_EQ(file.Position(100).column, 3u);
}

TEST(SourceFile, LineStripsCarriageReturn) {
  SourceFile file(1, "a.cairn", "a\r\nb");
  EXPECT_EQ(file.Line(1), "a");
  EXPECT_EQ(file.Line(2), "b");
}

TEST(SourceManager, HandsOutIds) {
  SourceManager sources;
  const SourceFile& a = sources.AddBuffer("a", "1");
  const SourceFile& b = sources.AddBuffer("b", "2");
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(sources.Get(a.id()), &a);
  EXPECT_EQ(sources.Get(0), nullptr);
  EXPECT_EQ(sources.Get(99), nullptr);
}

TEST(ReadFile, FailsWithThePath) {
  absl::StatusOr<std::string> text = ReadFile("/nonexistent/x.cairn");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(std::string(text.status().message()).find("/nonexistent/x.cairn"),
            std::string::npos);
}

TEST(WriteFileAtomically, ReplacesAndKeepsMode) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/atomic.cairn";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "new contents").ok());
  EXPECT_EQ(*ReadFile(path), "new contents");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(WriteFileAtomically, FailsCleanlyInAMissingDirectory) {
  absl::Status status = WriteFileAtomically("/nonexistent/dir/x", "data");
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace cairn
