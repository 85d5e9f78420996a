// The file provider on FakeHost.

#include "absl/status/status.h"
#include "agent/providers/file_test_util.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using ::cairn::agent::file_testing::ChangedFields;
using ::cairn::agent::file_testing::ChangeOf;
using ::cairn::agent::file_testing::kBackupDir;
using ::cairn::agent::file_testing::MakeResource;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class FileProviderTest : public file_testing::ProviderTest {
 protected:
  void SetUp() override { Init("file"); }

  static v1::Resource File(const std::string& path, const std::string& content,
                           const std::string& mode = "",
                           std::vector<std::string> secret_fields = {}) {
    v1::File spec;
    spec.set_path(path);
    spec.set_content(content);
    spec.set_mode(mode);
    return MakeResource("file", spec, std::move(secret_fields));
  }
};

TEST_F(FileProviderTest, Registered) { EXPECT_EQ(provider_->kind(), "file"); }

TEST_F(FileProviderTest, CreatesAFile) {
  v1::ResourceDiff diff = Converge(File("/srv/motd", "hello\nworld\n"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(diff.resource().kind(), "file");
  EXPECT_EQ(diff.resource().id(), "/srv/motd");
  EXPECT_THAT(ChangedFields(diff),
              ElementsAre("content", "owner", "group", "mode"));
  EXPECT_EQ(ChangeOf(diff, "content").desired(), "12 bytes");
  EXPECT_EQ(ChangeOf(diff, "owner").desired(), "root");
  EXPECT_EQ(ChangeOf(diff, "group").desired(), "root");
  EXPECT_EQ(ChangeOf(diff, "mode").desired(), "0644");
  EXPECT_EQ(diff.text_diff(),
            "--- /dev/null\n+++ b/srv/motd\n@@ -0,0 +1,2 @@\n+hello\n+world\n");
  EXPECT_EQ(*host_.ReadFile("/srv/motd"), "hello\nworld\n");
  FileInfo info = *host_.Stat("/srv/motd");
  EXPECT_EQ(info.mode, 0644u);
  EXPECT_EQ(info.uid, 0u);
  EXPECT_EQ(info.gid, 0u);
  EXPECT_FALSE(host_.Stat(kBackupDir)->exists());  // Nothing was replaced.
}

TEST_F(FileProviderTest, CreatesWithModeOwnerAndTheOwnersGroup) {
  v1::File spec;
  spec.set_path("/srv/app.conf");
  spec.set_content("x");
  spec.set_mode("0640");
  spec.set_owner("www-data");
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_EQ(ChangeOf(diff, "group").desired(), "www-data");
  FileInfo info = *host_.Stat("/srv/app.conf");
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.uid, 33u);
  EXPECT_EQ(info.gid, 33u);
}

TEST_F(FileProviderTest, MissingParentIsCreateInCheckAndAClearErrorInApply) {
  v1::Resource resource = File("/etc/app/app.conf", "x");
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  // The directory may be declared too and made before this file.
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("/etc/app"));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("does not exist"));
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr("declare it as a directory"));
}

TEST_F(FileProviderTest, OwnerNotYetAUserIsAChangeInCheckAndAnErrorInApply) {
  v1::File spec;
  spec.set_path("/etc/app.conf");
  spec.set_content("x");
  spec.set_owner("newbie");  // Made by a user resource earlier in the run.
  v1::Resource resource = MakeResource("file", spec);
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  bool shown = false;
  for (const v1::FieldChange& c : diff->changes()) {
    if (c.field() == "owner") {
      shown = true;
      EXPECT_EQ(c.desired(), "newbie (not a user yet)");
    }
  }
  EXPECT_TRUE(shown);
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("newbie"));
  EXPECT_FALSE(host_.Stat("/etc/app.conf")->exists());
}

TEST_F(FileProviderTest, UpdatesContentWithADiffAndABackup) {
  host_.PutFile("/srv/conf", "a\nb\nc\n", 0600, 33, 33);
  v1::File spec;
  spec.set_path("/srv/conf");
  spec.set_content("a\nB\nc\n");
  spec.set_owner("www-data");
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("content"));
  EXPECT_EQ(ChangeOf(diff, "content").current(), "6 bytes");
  EXPECT_EQ(
      diff.text_diff(),
      "--- a/srv/conf\n+++ b/srv/conf\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(*host_.ReadFile("/srv/conf"), "a\nB\nc\n");
  // An empty mode keeps the current one.
  EXPECT_EQ(host_.Stat("/srv/conf")->mode, 0600u);
  std::vector<std::string> backups = Backups("/srv/conf");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(*host_.ReadFile(backups[0]), "a\nb\nc\n");
  EXPECT_EQ(host_.Stat(backups[0])->mode, 0600u);
  EXPECT_EQ(host_.Stat(StrCat(kBackupDir, "/srv"))->mode, 0700u);
}

TEST_F(FileProviderTest, TwoBackupsOfTheSameFileAreKept) {
  host_.PutFile("/srv/conf", "one");
  Converge(File("/srv/conf", "two"));
  Converge(File("/srv/conf", "three"));
  std::vector<std::string> backups = Backups("/srv/conf");
  ASSERT_EQ(backups.size(), 2u);
  std::vector<std::string> contents = {*host_.ReadFile(backups[0]),
                                       *host_.ReadFile(backups[1])};
  std::sort(contents.begin(), contents.end());
  EXPECT_THAT(contents, ElementsAre("one", "two"));
}

TEST_F(FileProviderTest, UpdatesModeOnlyWithoutRewriting) {
  host_.PutFile("/srv/conf", "same", 0600);
  v1::ResourceDiff diff = Converge(File("/srv/conf", "same", "0640"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("mode"));
  EXPECT_EQ(ChangeOf(diff, "mode").current(), "0600");
  EXPECT_EQ(ChangeOf(diff, "mode").desired(), "0640");
  EXPECT_EQ(diff.text_diff(), "");
  EXPECT_EQ(host_.Stat("/srv/conf")->mode, 0640u);
  EXPECT_THAT(Backups("/srv/conf"), IsEmpty());
}

TEST_F(FileProviderTest, UpdatesOwnerAndGroup) {
  host_.PutFile("/srv/conf", "same", 0644, 33, 33);
  v1::File spec;
  spec.set_path("/srv/conf");
  spec.set_content("same");
  spec.set_owner("nobody");
  spec.set_group("adm");
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_THAT(ChangedFields(diff), ElementsAre("owner", "group"));
  EXPECT_EQ(ChangeOf(diff, "owner").current(), "www-data");
  EXPECT_EQ(ChangeOf(diff, "owner").desired(), "nobody");
  EXPECT_EQ(ChangeOf(diff, "group").desired(), "adm");
  FileInfo info = *host_.Stat("/srv/conf");
  EXPECT_EQ(info.uid, 65534u);
  EXPECT_EQ(info.gid, 4u);
  EXPECT_EQ(info.mode, 0644u);
}

TEST_F(FileProviderTest, EmptyOwnerMeansRoot) {
  host_.PutFile("/srv/conf", "same", 0644, 33, 33);
  v1::ResourceDiff diff = Converge(File("/srv/conf", "same"));
  EXPECT_THAT(ChangedFields(diff), ElementsAre("owner", "group"));
  EXPECT_EQ(host_.Stat("/srv/conf")->uid, 0u);
}

TEST_F(FileProviderTest, DeletesWithABackup) {
  host_.PutFile("/srv/old", "bye");
  v1::File spec;
  spec.set_path("/srv/old");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_.Stat("/srv/old")->exists());
  std::vector<std::string> backups = Backups("/srv/old");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(*host_.ReadFile(backups[0]), "bye");
}

TEST_F(FileProviderTest, AbsentAndMissingIsNothingToDo) {
  v1::File spec;
  spec.set_path("/srv/never");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(FileProviderTest, AbsentTakesTheLastAppliedSpecAsItIs) {
  // What the controller sends for a file no longer declared: the spec as it
  // was, with ensure = absent. Its owner may be gone already and its
  // content a secret: neither matters, and the secret never shows.
  host_.PutFile("/srv/app.env", "TOKEN=hunter2\n", 0600, 33, 33);
  v1::File spec;
  spec.set_path("/srv/app.env");
  spec.set_content("TOKEN=hunter2\n");
  spec.set_mode("0600");
  spec.set_owner("ghost");
  spec.set_group("ghosts");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Converge(MakeResource("file", spec, {"content"}));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("ensure"));
  EXPECT_EQ(diff.text_diff(), "");
  EXPECT_EQ(diff.DebugString().find("hunter2"), std::string::npos);
  EXPECT_FALSE(host_.Stat("/srv/app.env")->exists());
  std::vector<std::string> backups = Backups("/srv/app.env");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(*host_.ReadFile(backups[0]), "TOKEN=hunter2\n");
  EXPECT_EQ(host_.Stat(backups[0])->mode, 0600u);
}

TEST_F(FileProviderTest, AbsentInAMissingDirectoryIsNothingToDo) {
  v1::File spec;
  spec.set_path("/opt/gone/app.conf");
  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("file", spec)).action(),
            v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(FileProviderTest, AHugeFileOfAnotherSizeIsNotRead) {
  host_.PutFile("/etc/app.conf", std::string(5 << 20, 'x'));
  absl::StatusOr<v1::ResourceDiff> diff = Check(File("/etc/app.conf", "a\n"));
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(ChangeOf(*diff, "content").current(), "5242880 bytes, not read");
  EXPECT_EQ(ChangeOf(*diff, "content").desired(), "2 bytes");
  EXPECT_TRUE(diff->text_diff().empty());
}

TEST_F(FileProviderTest, ReplacesASymlinkButNotItsTarget) {
  host_.PutFile("/srv/real", "real");
  host_.PutSymlink("/srv/real", "/srv/link");
  v1::ResourceDiff diff = Converge(File("/srv/link", "own"));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_REPLACE);
  EXPECT_EQ(ChangeOf(diff, "type").current(), "symlink to /srv/real");
  EXPECT_EQ(host_.Stat("/srv/link")->type, FileInfo::Type::kFile);
  EXPECT_EQ(*host_.ReadFile("/srv/link"), "own");
  EXPECT_EQ(*host_.ReadFile("/srv/real"), "real");
}

TEST_F(FileProviderTest, NeverTouchesADirectory) {
  host_.PutDirectory("/srv/dir");
  absl::StatusOr<v1::ResourceDiff> diff = Check(File("/srv/dir", "x"));
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(diff.status().message()), HasSubstr("/srv/dir"));
  v1::File spec;
  spec.set_path("/srv/dir");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource absent = MakeResource("file", spec);
  EXPECT_FALSE(Check(absent).ok());
  EXPECT_FALSE(provider_->Apply(absent, {}, context_).ok());
  EXPECT_EQ(host_.Stat("/srv/dir")->type, FileInfo::Type::kDirectory);
}

TEST_F(FileProviderTest, BadSpecs) {
  EXPECT_EQ(Check(File("srv/relative", "x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(File("/srv/../etc/x", "x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<v1::ResourceDiff> bad_mode =
      Check(File("/srv/x", "x", "0999"));
  EXPECT_EQ(bad_mode.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_mode.status().message()), HasSubstr("0999"));
  v1::File spec;
  spec.set_path("/srv/x");
  spec.set_owner("ghost");
  // An unknown owner is a preview in Check (the run may create it) and an
  // error in Apply.
  v1::Resource ghost = MakeResource("file", spec);
  absl::StatusOr<v1::ResourceDiff> preview = Check(ghost);
  ASSERT_TRUE(preview.ok());
  absl::Status applied = provider_->Apply(ghost, *preview, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("'ghost'"));
  v1::Directory wrong;
  wrong.set_path("/srv/x");
  EXPECT_EQ(Check(MakeResource("file", wrong)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FileProviderTest, SecretContentOnlyAsFingerprints) {
  const std::string old_secret = "password=old-hunter2\n";
  const std::string new_secret = "password=new-hunter3\n";
  host_.PutFile("/srv/secret", old_secret, 0600);
  v1::Resource resource = File("/srv/secret", new_secret, "0600", {"content"});
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->text_diff(), "");
  v1::FieldChange change = ChangeOf(*diff, "content");
  EXPECT_EQ(
      change.current(),
      StrCat("(secret:", vault::Fingerprint(old_secret, "test-key"), ")"));
  EXPECT_EQ(
      change.desired(),
      StrCat("(secret:", vault::Fingerprint(new_secret, "test-key"), ")"));
  std::string everything = diff->DebugString();
  EXPECT_THAT(everything, Not(HasSubstr("hunter")));
  Converge(resource);
  EXPECT_EQ(*host_.ReadFile("/srv/secret"), new_secret);
}

TEST_F(FileProviderTest, SecretsNeverInErrors) {
  v1::Resource resource =
      File("/nodir/secret", "token=s3cr3t-value", "0600", {"content"});
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  EXPECT_THAT(diff->DebugString(), Not(HasSubstr("s3cr3t")));
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_FALSE(applied.ok());
  EXPECT_THAT(applied.ToString(), Not(HasSubstr("s3cr3t")));
  host_.PutDirectory("/nodir/secret");
  absl::StatusOr<v1::ResourceDiff> in_the_way = Check(resource);
  EXPECT_FALSE(in_the_way.ok());
  EXPECT_THAT(in_the_way.status().ToString(), Not(HasSubstr("s3cr3t")));
}

TEST_F(FileProviderTest, BinaryContentIsSummarized) {
  host_.PutFile("/srv/bin", std::string("\x7f"
                                        "ELF\0\0",
                                        6));
  v1::ResourceDiff diff = Converge(File("/srv/bin", std::string("\0\1", 2)));
  EXPECT_EQ(diff.text_diff(), "binary or too large: 6 bytes -> 2 bytes\n");
}

}  // namespace
}  // namespace cairn::agent
