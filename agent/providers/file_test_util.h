#ifndef CAIRN_AGENT_PROVIDERS_FILE_TEST_UTIL_H_
#define CAIRN_AGENT_PROVIDERS_FILE_TEST_UTIL_H_

// Shared by the tests of the file, directory and symlink providers.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/fake_host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::agent::file_testing {

// A resource of `kind` holding `spec`, its id the spec's path.
template <typename Spec>
v1::Resource MakeResource(std::string_view kind, const Spec& spec,
                          std::vector<std::string> secret_fields = {}) {
  v1::Resource resource;
  resource.set_kind(std::string(kind));
  resource.set_id(spec.path());
  resource.mutable_spec()->PackFrom(spec);
  for (std::string& field : secret_fields) {
    resource.add_secret_fields(std::move(field));
  }
  return resource;
}

// /etc/passwd and /etc/group with root, www-data and nobody.
inline constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
inline constexpr char kGroup[] =
    "root:x:0:\n"
    "adm:x:4:\n"
    "www-data:x:33:\n"
    "nogroup:x:65534:\n";

// The names of the fields a diff changes, in order.
inline std::vector<std::string> ChangedFields(const v1::ResourceDiff& diff) {
  std::vector<std::string> fields;
  for (const v1::FieldChange& change : diff.changes()) {
    fields.push_back(change.field());
  }
  return fields;
}

// The change of `field`, or an empty one.
inline v1::FieldChange ChangeOf(const v1::ResourceDiff& diff,
                                std::string_view field) {
  for (const v1::FieldChange& change : diff.changes()) {
    if (change.field() == field) return change;
  }
  return v1::FieldChange();
}

inline constexpr char kBackupDir[] = "/var/lib/cairn/backup";

// A FakeHost with /etc/passwd, /etc/group and an empty /srv, and the
// provider of one kind.
class ProviderTest : public ::testing::Test {
 protected:
  void Init(std::string_view kind) {
    host_.PutFile("/etc/passwd", kPasswd);
    host_.PutFile("/etc/group", kGroup);
    host_.PutDirectory("/srv");
    context_.host = &host_;
    context_.fingerprint_key = "test-key";
    context_.backup_dir = kBackupDir;
    provider_ = FindProvider(kind);
    ASSERT_NE(provider_, nullptr) << kind << " is not registered";
    EXPECT_EQ(provider_->kind(), kind);
  }

  // Check, expecting that it changed nothing and ran nothing.
  absl::StatusOr<v1::ResourceDiff> Check(const v1::Resource& resource) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff =
        provider_->Check(resource, context_);
    EXPECT_EQ(host_.mutations(), mutations) << "Check changed the host";
    EXPECT_EQ(host_.commands().size(), commands) << "Check ran a command";
    return diff;
  }

  // Check, Apply, Check again: returns the first diff and expects the
  // second to be ACTION_NONE with no change.
  v1::ResourceDiff Converge(const v1::Resource& resource) {
    absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
    EXPECT_TRUE(diff.ok()) << diff.status();
    if (!diff.ok()) return {};
    absl::Status applied = provider_->Apply(resource, *diff, context_);
    EXPECT_TRUE(applied.ok()) << applied;
    absl::StatusOr<v1::ResourceDiff> again = Check(resource);
    EXPECT_TRUE(again.ok()) << again.status();
    if (again.ok()) {
      EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE)
          << again->DebugString();
      EXPECT_EQ(again->changes_size(), 0);
      EXPECT_EQ(again->text_diff(), "");
    }
    return *diff;
  }

  // Backup copies of `path` (BACKUP_DIR/PATH.TIMESTAMP), sorted.
  std::vector<std::string> Backups(const std::string& path) {
    std::string dir = StrCat(kBackupDir, path.substr(0, path.rfind('/')));
    std::string base = path.substr(path.rfind('/') + 1);
    std::vector<std::string> found;
    absl::StatusOr<std::vector<std::string>> names = host_.ListDirectory(dir);
    if (!names.ok()) return found;
    for (const std::string& name : *names) {
      if (StartsWith(name, StrCat(base, "."))) {
        found.push_back(StrCat(dir, "/", name));
      }
    }
    return found;
  }

  FakeHost host_;
  ProviderContext context_;
  const Provider* provider_ = nullptr;
};

}  // namespace cairn::agent::file_testing

#endif  // CAIRN_AGENT_PROVIDERS_FILE_TEST_UTIL_H_
