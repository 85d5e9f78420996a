// The directory provider on FakeHost.

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

class DirectoryProviderTest : public file_testing::ProviderTest {
 protected:
  void SetUp() override { Init("directory"); }

  static v1::Resource Directory(const std::string& path,
                                const std::string& mode = "",
                                const std::string& owner = "",
                                const std::string& group = "") {
    v1::Directory spec;
    spec.set_path(path);
    spec.set_mode(mode);
    spec.set_owner(owner);
    spec.set_group(group);
    return MakeResource("directory", spec);
  }
  static v1::Resource Absent(const std::string& path, bool purge = false) {
    v1::Directory spec;
    spec.set_path(path);
    spec.set_purge(purge);
    spec.set_ensure(v1::ENSURE_ABSENT);
    return MakeResource("directory", spec);
  }
};

TEST_F(DirectoryProviderTest, CreatesWithDefaultMode) {
  v1::ResourceDiff diff = Converge(Directory("/srv/www"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(diff.resource().kind(), "directory");
  EXPECT_THAT(ChangedFields(diff), ElementsAre("owner", "group", "mode"));
  EXPECT_EQ(ChangeOf(diff, "mode").desired(), "0755");
  FileInfo info = *host_.Stat("/srv/www");
  EXPECT_EQ(info.type, FileInfo::Type::kDirectory);
  EXPECT_EQ(info.mode, 0755u);
  EXPECT_EQ(info.uid, 0u);
}

TEST_F(DirectoryProviderTest, CreatesWithModeAndOwner) {
  Converge(Directory("/srv/www", "2750", "www-data", "adm"));
  FileInfo info = *host_.Stat("/srv/www");
  EXPECT_EQ(info.mode, 02750u);
  EXPECT_EQ(info.uid, 33u);
  EXPECT_EQ(info.gid, 4u);
}

TEST_F(DirectoryProviderTest, UpdatesMode) {
  host_.PutDirectory("/srv/www", 0700);
  v1::ResourceDiff diff = Converge(Directory("/srv/www", "755"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("mode"));
  EXPECT_EQ(ChangeOf(diff, "mode").current(), "0700");
  EXPECT_EQ(host_.Stat("/srv/www")->mode, 0755u);
}

TEST_F(DirectoryProviderTest, UpdatesOwnerAndGroupKeepingTheMode) {
  host_.PutDirectory("/srv/www", 0710);
  v1::ResourceDiff diff = Converge(Directory("/srv/www", "", "www-data"));
  EXPECT_THAT(ChangedFields(diff), ElementsAre("owner", "group"));
  FileInfo info = *host_.Stat("/srv/www");
  EXPECT_EQ(info.uid, 33u);
  EXPECT_EQ(info.gid, 33u);
  EXPECT_EQ(info.mode, 0710u);  // An empty mode keeps it.
}

TEST_F(DirectoryProviderTest, AlreadyRightIsNothingToDo) {
  host_.PutDirectory("/srv/www", 0755);
  v1::ResourceDiff diff = Converge(Directory("/srv/www", "0755"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(DirectoryProviderTest, AbsentRemovesAnEmptyDirectory) {
  host_.PutDirectory("/srv/www", 0750, 33, 33);
  v1::ResourceDiff diff = Converge(Absent("/srv/www"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("ensure"));
  EXPECT_FALSE(host_.Stat("/srv/www")->exists());
  EXPECT_TRUE(host_.Stat("/srv")->exists());
}

TEST_F(DirectoryProviderTest, AbsentWhenAlreadyGoneIsNothingToDo) {
  v1::ResourceDiff diff = Converge(Absent("/srv/never"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(diff.changes_size(), 0);
  // Nor is a missing parent an error.
  EXPECT_EQ(Converge(Absent("/opt/nowhere/at/all")).action(),
            v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(DirectoryProviderTest, AbsentRefusesADirectoryThatIsNotEmpty) {
  host_.PutFile("/srv/www/a/b", "x");
  host_.PutFile("/srv/www/index.html", "y");
  v1::Resource absent = Absent("/srv/www");
  absl::StatusOr<v1::ResourceDiff> diff = Check(absent);
  ASSERT_TRUE(diff.ok()) << diff.status();
  // Check shows it, since files removed earlier may empty it; Apply refuses.
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(ChangeOf(*diff, "content").current(), "2 entries");
  EXPECT_EQ(ChangeOf(*diff, "content").desired(), "(must be empty first)");
  int mutations = host_.mutations();
  absl::Status applied = provider_->Apply(absent, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(applied.message(),
            "directory /srv/www is not empty (2 entries); it is removed only "
            "when empty, or with everything in it when purge = true");
  EXPECT_EQ(host_.mutations(), mutations);
  EXPECT_EQ(*host_.ReadFile("/srv/www/a/b"), "x");
}

TEST_F(DirectoryProviderTest, AbsentWithPurgeRemovesTheTree) {
  host_.PutFile("/srv/www/a/b", "x");
  host_.PutFile("/srv/www-keep", "y");
  v1::ResourceDiff diff = Converge(Absent("/srv/www", /*purge=*/true));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(ChangeOf(diff, "content").current(), "1 entry");
  EXPECT_EQ(ChangeOf(diff, "content").desired(), "(removed with it: purge)");
  EXPECT_FALSE(host_.Stat("/srv/www")->exists());
  EXPECT_TRUE(host_.Stat("/srv/www-keep")->exists());
  EXPECT_EQ(Converge(Absent("/srv/never", /*purge=*/true)).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(DirectoryProviderTest, AbsentNeedsNeitherOwnerNorGroupToExist) {
  // The spec as last applied, its owner since removed.
  host_.PutDirectory("/srv/app");
  v1::Directory spec;
  spec.set_path("/srv/app");
  spec.set_owner("ghost");
  spec.set_group("ghosts");
  spec.set_mode("0700");
  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("directory", spec)).action(),
            v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_.Stat("/srv/app")->exists());
}

TEST_F(DirectoryProviderTest, NeverReplacesAFileOrASymlink) {
  host_.PutFile("/srv/file", "x");
  host_.PutDirectory("/srv/real");
  host_.PutSymlink("/srv/real", "/srv/link");
  for (const char* path : {"/srv/file", "/srv/link"}) {
    absl::StatusOr<v1::ResourceDiff> diff = Check(Directory(path));
    EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(diff.status().message()), HasSubstr(path));
    EXPECT_FALSE(Check(Absent(path)).ok());
    EXPECT_FALSE(provider_->Apply(Absent(path), {}, context_).ok());
  }
  EXPECT_EQ(host_.Stat("/srv/file")->type, FileInfo::Type::kFile);
  EXPECT_EQ(host_.Stat("/srv/link")->type, FileInfo::Type::kSymlink);
}

TEST_F(DirectoryProviderTest, MissingParentIsAClearErrorInApply) {
  v1::Resource resource = Directory("/opt/app/data");
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("/opt/app"));
}

TEST_F(DirectoryProviderTest, PurgeIsNotSupportedYetOnAPresentDirectory) {
  v1::Directory spec;
  spec.set_path("/srv/www");
  spec.set_purge(true);
  absl::StatusOr<v1::ResourceDiff> diff =
      Check(MakeResource("directory", spec));
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(diff.status().message()), HasSubstr("purge"));
}

TEST_F(DirectoryProviderTest, BadSpecs) {
  EXPECT_EQ(Check(Directory("/")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(Directory("/srv/www/")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(Directory("/srv/www", "rwx")).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A group that does not exist: shown by Check, refused by Apply.
  v1::Resource ghosts = Directory("/srv/www", "", "", "ghosts");
  absl::StatusOr<v1::ResourceDiff> preview = Check(ghosts);
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(provider_->Apply(ghosts, *preview, context_).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn::agent
