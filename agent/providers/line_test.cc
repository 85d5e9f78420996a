#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Resource Line(const std::string& line, const std::string& match = "",
                  const std::string& after = "", bool absent = false) {
  v1::Line spec;
  spec.set_name("test");
  spec.set_path("/etc/app.conf");
  spec.set_line(line);
  spec.set_match(match);
  spec.set_after(after);
  if (absent) spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r;
  r.set_kind("line");
  r.set_id("test");
  r.mutable_spec()->PackFrom(spec);
  return r;
}

class LineTest : public ::testing::Test {
 protected:
  LineTest() {
    context_.host = &host_;
    context_.backup_dir = "/var/lib/cairn/backup";
    host_.PutDirectory("/etc");
  }

  // Applies `r` to a file holding `before`; returns the file after, having
  // checked that a second Check finds nothing to do.
  std::string Converge(const v1::Resource& r, const std::string& before) {
    host_.PutFile("/etc/app.conf", before, 0640);
    const Provider* p = FindProvider("line");
    absl::StatusOr<v1::ResourceDiff> diff = p->Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    if (!diff.ok()) return "";
    if (diff->action() != v1::ResourceDiff::ACTION_NONE) {
      EXPECT_TRUE(p->Apply(r, *diff, context_).ok());
    }
    absl::StatusOr<v1::ResourceDiff> again = p->Check(r, context_);
    EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE);
    EXPECT_EQ(host_.Stat("/etc/app.conf")->mode, 0640u);  // Mode kept.
    return *host_.ReadFile("/etc/app.conf");
  }

  FakeHost host_;
  ProviderContext context_;
};

TEST_F(LineTest, AppendsAMissingLine) {
  EXPECT_EQ(Converge(Line("b = 2"), "a = 1\n"), "a = 1\nb = 2\n");
  EXPECT_EQ(Converge(Line("b = 2"), "a = 1"), "a = 1\nb = 2\n");
  EXPECT_EQ(Converge(Line("b = 2"), ""), "b = 2\n");
}

TEST_F(LineTest, AHugeFileIsRefusedNotRead) {
  host_.PutFile("/etc/app.conf", std::string(2 << 20, '\n'));
  absl::StatusOr<v1::ResourceDiff> diff =
      FindProvider("line")->Check(Line("a = 1"), context_);
  ASSERT_FALSE(diff.ok());
  EXPECT_NE(std::string(diff.status().message()).find("bytes; a line is"),
            std::string::npos)
      << diff.status();
}

TEST_F(LineTest, PresentLineChangesNothing) {
  host_.PutFile("/etc/app.conf", "a = 1\nb = 2\n");
  absl::StatusOr<v1::ResourceDiff> diff =
      FindProvider("line")->Check(Line("a = 1"), context_);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(LineTest, ReplacesTheLastMatchingLine) {
  EXPECT_EQ(Converge(Line("w1_managed = yes", "^w1_managed\\s*="),
                     "# main\nw1_managed = no\nfoo = bar\nw1_managed=maybe\n"),
            "# main\nw1_managed = no\nfoo = bar\nw1_managed = yes\n");
}

TEST_F(LineTest, MatchWithoutAHitAddsAfterTheAnchor) {
  EXPECT_EQ(Converge(Line("Port 2222", "^#?Port ", "^# Network"),
                     "# Network\nListenAddress ::\n# Auth\n"),
            "# Network\nPort 2222\nListenAddress ::\n# Auth\n");
}

TEST_F(LineTest, AbsentRemovesEveryMatch) {
  EXPECT_EQ(Converge(Line("", "^debug", "", true), "debug=1\nx\ndebug=2\n"),
            "x\n");
  EXPECT_EQ(Converge(Line("x", "", "", true), "x\ny\nx\n"), "y\n");
}

TEST_F(LineTest, AbsentKeepsABackupAndTheRestOfTheFile) {
  host_.PutFile("/etc/app.conf", "a = 1\ndebug = 1\nb = 2\n", 0640, 0, 4);
  v1::Resource r = Line("debug = 1", "", "", true);
  const Provider* p = FindProvider("line");
  absl::StatusOr<v1::ResourceDiff> diff = p->Check(r, context_);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_NE(diff->text_diff().find("-debug = 1\n"), std::string::npos)
      << diff->text_diff();
  ASSERT_TRUE(p->Apply(r, *diff, context_).ok());
  EXPECT_EQ(*host_.ReadFile("/etc/app.conf"), "a = 1\nb = 2\n");
  FileInfo info = *host_.Stat("/etc/app.conf");
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.gid, 4u);
  absl::StatusOr<std::vector<std::string>> backups =
      host_.ListDirectory("/var/lib/cairn/backup/etc");
  ASSERT_TRUE(backups.ok()) << backups.status();
  ASSERT_EQ(backups->size(), 1u);
  EXPECT_EQ(
      *host_.ReadFile(StrCat("/var/lib/cairn/backup/etc/", (*backups)[0])),
      "a = 1\ndebug = 1\nb = 2\n");
  EXPECT_EQ(p->Check(r, context_)->action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(LineTest, AbsentWhenAlreadyGoneChangesNothing) {
  host_.PutFile("/etc/app.conf", "a = 1\n");
  const Provider* p = FindProvider("line");
  v1::Resource r = Line("", "^debug", "", true);
  absl::StatusOr<v1::ResourceDiff> diff = p->Check(r, context_);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_NONE);
  int mutations = host_.mutations();
  ASSERT_TRUE(p->Apply(r, *diff, context_).ok());
  EXPECT_EQ(host_.mutations(), mutations);  // Not even a backup.
  EXPECT_FALSE(host_.Stat("/var/lib/cairn/backup")->exists());

  // No file at all: nothing to do, and nothing created, even with create.
  ASSERT_TRUE(host_.Remove("/etc/app.conf").ok());
  v1::Line spec;
  r.spec().UnpackTo(&spec);
  spec.set_create(true);
  r.mutable_spec()->PackFrom(spec);
  diff = p->Check(r, context_);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_NONE);
  ASSERT_TRUE(p->Apply(r, *diff, context_).ok());
  EXPECT_FALSE(host_.Stat("/etc/app.conf")->exists());
}

TEST_F(LineTest, AbsentNeedsTheLineOrAMatch) {
  // Otherwise every empty line would match and go.
  host_.PutFile("/etc/app.conf", "a\n\nb\n");
  const Provider* p = FindProvider("line");
  v1::Resource r = Line("", "", "", true);
  absl::StatusOr<v1::ResourceDiff> diff = p->Check(r, context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p->Apply(r, {}, context_).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*host_.ReadFile("/etc/app.conf"), "a\n\nb\n");
}

TEST_F(LineTest, DiffIsAUnifiedDiffOfTheFile) {
  host_.PutFile("/etc/app.conf", "a = 1\n");
  absl::StatusOr<v1::ResourceDiff> diff =
      FindProvider("line")->Check(Line("b = 2"), context_);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_NE(diff->text_diff().find("+b = 2\n"), std::string::npos)
      << diff->text_diff();
  EXPECT_EQ(*host_.ReadFile("/etc/app.conf"), "a = 1\n");  // Check only.
}

TEST_F(LineTest, MissingFileIsAnErrorUnlessCreate) {
  v1::Resource r = Line("x = 1");
  absl::StatusOr<v1::ResourceDiff> diff =
      FindProvider("line")->Check(r, context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(diff.status().message().find("create = true"), std::string::npos);
  v1::Line spec;
  r.spec().UnpackTo(&spec);
  spec.set_create(true);
  r.mutable_spec()->PackFrom(spec);
  diff = FindProvider("line")->Check(r, context_);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_TRUE(FindProvider("line")->Apply(r, *diff, context_).ok());
  EXPECT_EQ(*host_.ReadFile("/etc/app.conf"), "x = 1\n");
}

TEST_F(LineTest, BadRegularExpressionIsNamed) {
  host_.PutFile("/etc/app.conf", "a\n");
  absl::StatusOr<v1::ResourceDiff> diff =
      FindProvider("line")->Check(Line("x", "(unclosed"), context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(diff.status().message().find("match is not a regular expression"),
            std::string::npos);
}

}  // namespace
}  // namespace cairn::agent
