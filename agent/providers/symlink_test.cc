// The symlink provider on FakeHost.

#include "absl/status/status.h"
#include "agent/providers/file_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using ::cairn::agent::file_testing::ChangedFields;
using ::cairn::agent::file_testing::ChangeOf;
using ::cairn::agent::file_testing::MakeResource;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SymlinkProviderTest : public file_testing::ProviderTest {
 protected:
  void SetUp() override { Init("symlink"); }

  static v1::Resource Symlink(const std::string& path,
                              const std::string& target) {
    v1::Symlink spec;
    spec.set_path(path);
    spec.set_target(target);
    return MakeResource("symlink", spec);
  }
  static v1::Resource Absent(const std::string& path) {
    v1::Symlink spec;
    spec.set_path(path);
    spec.set_ensure(v1::ENSURE_ABSENT);
    return MakeResource("symlink", spec);
  }
};

TEST_F(SymlinkProviderTest, Creates) {
  v1::ResourceDiff diff = Converge(Symlink("/srv/current", "releases/42"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("target"));
  EXPECT_EQ(ChangeOf(diff, "target").desired(), "releases/42");
  EXPECT_EQ(*host_.ReadLink("/srv/current"), "releases/42");
}

TEST_F(SymlinkProviderTest, UpdatesTheTarget) {
  host_.PutSymlink("/etc/a", "/srv/link");
  v1::ResourceDiff diff = Converge(Symlink("/srv/link", "/etc/b"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(ChangeOf(diff, "target").current(), "/etc/a");
  EXPECT_EQ(ChangeOf(diff, "target").desired(), "/etc/b");
  EXPECT_EQ(*host_.ReadLink("/srv/link"), "/etc/b");
}

TEST_F(SymlinkProviderTest, ReplacesAFileKeepingABackup) {
  host_.PutFile("/srv/link", "was a file");
  v1::ResourceDiff diff = Converge(Symlink("/srv/link", "/etc/b"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_REPLACE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("type", "target"));
  EXPECT_EQ(host_.Stat("/srv/link")->type, FileInfo::Type::kSymlink);
  std::vector<std::string> backups = Backups("/srv/link");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(*host_.ReadFile(backups[0]), "was a file");
}

TEST_F(SymlinkProviderTest, RefusesToReplaceADirectory) {
  host_.PutFile("/srv/dir/inside", "x");
  v1::Resource resource = Symlink("/srv/dir", "/etc");
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(diff.status().message()), HasSubstr("/srv/dir"));
  EXPECT_THAT(std::string(diff.status().message()), HasSubstr("directory"));
  EXPECT_FALSE(provider_->Apply(resource, {}, context_).ok());
  EXPECT_FALSE(provider_->Apply(Absent("/srv/dir"), {}, context_).ok());
  EXPECT_TRUE(host_.Stat("/srv/dir/inside")->exists());
}

TEST_F(SymlinkProviderTest, AbsentRemovesOnlyALink) {
  host_.PutFile("/srv/target", "t");
  host_.PutSymlink("/srv/target", "/srv/link");
  v1::ResourceDiff diff = Converge(Absent("/srv/link"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_.Stat("/srv/link")->exists());
  EXPECT_EQ(*host_.ReadFile("/srv/target"), "t");
  EXPECT_EQ(Converge(Absent("/srv/never")).action(),
            v1::ResourceDiff::ACTION_NONE);
  absl::StatusOr<v1::ResourceDiff> file = Check(Absent("/srv/target"));
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(host_.Stat("/srv/target")->exists());
}

TEST_F(SymlinkProviderTest, AbsentRemovesTheLinkWhateverItPointsTo) {
  // The spec as last applied names its old target; a link retargeted by
  // hand since is still the resource's link, and goes.
  host_.PutSymlink("/etc/elsewhere", "/srv/current");
  v1::Symlink spec;
  spec.set_path("/srv/current");
  spec.set_target("releases/41");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Converge(MakeResource("symlink", spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_.Stat("/srv/current")->exists());
  EXPECT_TRUE(Backups("/srv/current").empty());  // A link holds no data.
}

TEST_F(SymlinkProviderTest, MissingParentIsAClearErrorInApply) {
  v1::Resource resource = Symlink("/opt/app/current", "/srv");
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("/opt/app"));
}

TEST_F(SymlinkProviderTest, BadSpecs) {
  EXPECT_EQ(Check(Symlink("/srv/link", "")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(Symlink("link", "/x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(Symlink("/", "/x")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::agent
