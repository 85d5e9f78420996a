// The file, directory and symlink providers on the real machine, in a
// temporary directory, as root (files are given to nobody).

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "absl/status/status.h"
#include "agent/host/host.h"
#include "agent/providers/file_test_util.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using ::cairn::agent::file_testing::MakeResource;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class LocalFileProvidersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "this test changes ownership: run it as root";
    const char* base = getenv("TEST_TMPDIR");
    std::string dir = StrCat(base != nullptr ? base : "/tmp", "/files_XXXXXX");
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    host_ = MakeLocalHost();
    context_.host = host_.get();
    context_.fingerprint_key = "test-key";
    context_.backup_dir = Path("backup");
    passwd* nobody = getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    nobody_uid_ = nobody->pw_uid;
    nobody_gid_ = nobody->pw_gid;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      EXPECT_TRUE(host_->RemoveTree(dir_).ok());
    }
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  // Check, Apply, Check: the second Check finds nothing to do.
  v1::ResourceDiff Converge(const v1::Resource& resource) {
    const Provider* provider = FindProvider(resource.kind());
    EXPECT_NE(provider, nullptr);
    if (provider == nullptr) return {};
    absl::StatusOr<v1::ResourceDiff> diff = provider->Check(resource, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    if (!diff.ok()) return {};
    absl::Status applied = provider->Apply(resource, *diff, context_);
    EXPECT_TRUE(applied.ok()) << applied;
    absl::StatusOr<v1::ResourceDiff> again =
        provider->Check(resource, context_);
    EXPECT_TRUE(again.ok()) << again.status();
    if (again.ok()) {
      EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE)
          << again->DebugString();
    }
    return *diff;
  }

  std::string dir_;
  std::unique_ptr<Host> host_;
  ProviderContext context_;
  uid_t nobody_uid_ = 0;
  gid_t nobody_gid_ = 0;
};

TEST_F(LocalFileProvidersTest, FileLifecycle) {
  v1::File spec;
  spec.set_path(Path("app.conf"));
  spec.set_content("one\n");
  spec.set_mode("0640");
  spec.set_owner("nobody");
  EXPECT_EQ(Converge(MakeResource("file", spec)).action(),
            v1::ResourceDiff::ACTION_CREATE);
  FileInfo info = *host_->Stat(Path("app.conf"));
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.uid, nobody_uid_);
  EXPECT_EQ(info.gid, nobody_gid_);  // nobody's primary group.

  spec.set_content("two\n");
  v1::ResourceDiff update = Converge(MakeResource("file", spec));
  EXPECT_EQ(update.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_THAT(update.text_diff(), HasSubstr("-one\n+two\n"));
  EXPECT_EQ(*host_->ReadFile(Path("app.conf")), "two\n");
  std::string backup_dir = StrCat(Path("backup"), dir_);
  absl::StatusOr<std::vector<std::string>> backups =
      host_->ListDirectory(backup_dir);
  ASSERT_TRUE(backups.ok()) << backups.status();
  ASSERT_THAT(*backups, SizeIs(1));
  EXPECT_EQ(*host_->ReadFile(StrCat(backup_dir, "/", (*backups)[0])), "one\n");

  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("file", spec)).action(),
            v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_->Stat(Path("app.conf"))->exists());
  EXPECT_THAT(*host_->ListDirectory(backup_dir), SizeIs(2));
}

TEST_F(LocalFileProvidersTest, FileInAMissingDirectory) {
  v1::File spec;
  spec.set_path(Path("missing/app.conf"));
  const Provider* provider = FindProvider("file");
  v1::Resource resource = MakeResource("file", spec);
  absl::StatusOr<v1::ResourceDiff> diff = provider->Check(resource, context_);
  ASSERT_TRUE(diff.ok());
  absl::Status applied = provider->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr(Path("missing")));
}

TEST_F(LocalFileProvidersTest, DirectoryLifecycle) {
  v1::Directory spec;
  spec.set_path(Path("www"));
  spec.set_mode("2770");
  spec.set_owner("nobody");
  EXPECT_EQ(Converge(MakeResource("directory", spec)).action(),
            v1::ResourceDiff::ACTION_CREATE);
  FileInfo info = *host_->Stat(Path("www"));
  EXPECT_EQ(info.type, FileInfo::Type::kDirectory);
  EXPECT_EQ(info.mode, 02770u);
  EXPECT_EQ(info.uid, nobody_uid_);

  spec.set_owner("root");
  spec.set_mode("0755");
  EXPECT_EQ(Converge(MakeResource("directory", spec)).action(),
            v1::ResourceDiff::ACTION_UPDATE);
  info = *host_->Stat(Path("www"));
  EXPECT_EQ(info.mode, 0755u);
  EXPECT_EQ(info.uid, 0u);

  // Absent: refused while something is in it, unless purge says so.
  ASSERT_TRUE(host_->WriteFile(Path("www/index.html"), "x", 0644, 0, 0).ok());
  spec.set_ensure(v1::ENSURE_ABSENT);
  const Provider* provider = FindProvider("directory");
  v1::Resource absent = MakeResource("directory", spec);
  absl::StatusOr<v1::ResourceDiff> diff = provider->Check(absent, context_);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_DELETE);
  absl::Status applied = provider->Apply(absent, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr(StrCat("directory ", Path("www"), " is not empty")));
  EXPECT_TRUE(host_->Stat(Path("www/index.html"))->exists());

  spec.set_purge(true);
  EXPECT_EQ(Converge(MakeResource("directory", spec)).action(),
            v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_->Stat(Path("www"))->exists());

  // An empty one goes without purge.
  ASSERT_TRUE(host_->MakeDirectory(Path("empty"), 0755, 0, 0).ok());
  v1::Directory empty;
  empty.set_path(Path("empty"));
  empty.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("directory", empty)).action(),
            v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_->Stat(Path("empty"))->exists());
}

TEST_F(LocalFileProvidersTest, SymlinkLifecycle) {
  v1::Symlink spec;
  spec.set_path(Path("current"));
  spec.set_target("releases/1");
  EXPECT_EQ(Converge(MakeResource("symlink", spec)).action(),
            v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(*host_->ReadLink(Path("current")), "releases/1");

  spec.set_target("releases/2");
  EXPECT_EQ(Converge(MakeResource("symlink", spec)).action(),
            v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(*host_->ReadLink(Path("current")), "releases/2");

  ASSERT_TRUE(host_->MakeDirectory(Path("dir"), 0755, 0, 0).ok());
  v1::Symlink over_dir;
  over_dir.set_path(Path("dir"));
  over_dir.set_target("/etc");
  absl::StatusOr<v1::ResourceDiff> refused = FindProvider("symlink")->Check(
      MakeResource("symlink", over_dir), context_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(host_->Stat(Path("dir"))->type, FileInfo::Type::kDirectory);

  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("symlink", spec)).action(),
            v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(host_->Stat(Path("current"))->exists());
}

}  // namespace
}  // namespace cairn::agent
