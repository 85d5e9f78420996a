#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/fake_accounts.h"
#include "agent/providers/provider.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Resource Resource(const v1::Group& spec) {
  v1::Resource r;
  r.set_kind("group");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

class GroupTest : public ::testing::Test {
 protected:
  GroupTest() {
    PutBaseAccounts(host_);
    InstallAccountTools(host_);
    context_.host = &host_;
  }

  // Check, asserting it changed nothing and ran no command.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff = provider_->Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    EXPECT_EQ(host_.commands().size(), commands);
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  // Check, Apply, Check again (nothing left); the commands Apply ran.
  std::vector<std::string> Converge(const v1::Resource& r,
                                    v1::ResourceDiff::Action expected) {
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), expected);
    size_t before = host_.commands().size();
    absl::Status applied = provider_->Apply(r, diff, context_);
    EXPECT_TRUE(applied.ok()) << applied;
    v1::ResourceDiff again = Check(r);
    EXPECT_EQ(again.action(), v1::ResourceDiff::ACTION_NONE);
    EXPECT_EQ(again.changes_size(), 0);
    return {host_.commands().begin() + before, host_.commands().end()};
  }

  std::string GroupFile() { return host_.ReadFile("/etc/group").value(); }

  FakeHost host_;
  ProviderContext context_;
  const Provider* provider_ = FindProvider("group");
};

TEST_F(GroupTest, CreatesWithGid) {
  ASSERT_NE(provider_, nullptr);
  v1::Group spec;
  spec.set_name("deploy");
  spec.set_gid(2000);
  v1::ResourceDiff diff = Check(Resource(spec));
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "ensure");
  EXPECT_EQ(diff.changes(1).field(), "gid");
  EXPECT_EQ(diff.changes(1).desired(), "2000");
  EXPECT_EQ(Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE),
            std::vector<std::string>{"groupadd -g 2000 deploy"});
  EXPECT_NE(GroupFile().find("deploy:x:2000:\n"), std::string::npos);
}

TEST_F(GroupTest, CreatesASystemGroup) {
  v1::Group spec;
  spec.set_name("prometheus");
  spec.set_system(true);
  EXPECT_EQ(Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE),
            std::vector<std::string>{"groupadd -r prometheus"});
  EXPECT_NE(GroupFile().find("prometheus:x:999:\n"), std::string::npos);
}

TEST_F(GroupTest, ChangesTheGidOfAnExistingGroup) {
  host_.PutFile("/etc/group", GroupFile() + "deploy:x:1500:ci\n");
  v1::Group spec;
  spec.set_name("deploy");
  spec.set_gid(2000);
  v1::ResourceDiff diff = Check(Resource(spec));
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "1500");
  EXPECT_EQ(diff.changes(0).desired(), "2000");
  EXPECT_EQ(Converge(Resource(spec), v1::ResourceDiff::ACTION_UPDATE),
            std::vector<std::string>{"groupmod -g 2000 deploy"});
  EXPECT_NE(GroupFile().find("deploy:x:2000:ci\n"), std::string::npos);
}

TEST_F(GroupTest, ExistingGroupWithoutGidNeedsNothing) {
  v1::Group spec;
  spec.set_name("sudo");
  spec.set_system(true);  // Not a reason to touch an existing group.
  EXPECT_EQ(Check(Resource(spec)).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(GroupTest, AbsentDeletesAndThenNeedsNothing) {
  v1::Group spec;
  spec.set_name("adm");
  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(Resource(spec), v1::ResourceDiff::ACTION_DELETE),
            std::vector<std::string>{"groupdel adm"});
  EXPECT_EQ(GroupFile().find("adm:"), std::string::npos);
  size_t before = host_.commands().size();
  ASSERT_TRUE(
      provider_->Apply(Resource(spec), Check(Resource(spec)), context_).ok());
  EXPECT_EQ(host_.commands().size(), before);
}

TEST_F(GroupTest, AbsentAndNeverThereIsNothingToDo) {
  v1::Group spec;
  spec.set_name("deploy");
  spec.set_gid(2000);  // The spec as last applied: the gid does not matter.
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Check(Resource(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(diff.changes_size(), 0);
  ASSERT_TRUE(provider_->Apply(Resource(spec), diff, context_).ok());
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(GroupTest, TheToolsRefusalIsTheError) {
  v1::Group spec;
  spec.set_name("root");
  spec.set_ensure(v1::ENSURE_ABSENT);
  absl::Status status =
      provider_->Apply(Resource(spec), Check(Resource(spec)), context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("primary group of user 'root'"),
            absl::string_view::npos)
      << status;
}

TEST_F(GroupTest, RejectsBadNames) {
  for (const char* name : {"", "-g", "a b", "a:b", "a,b"}) {
    v1::Group spec;
    spec.set_name(name);
    EXPECT_EQ(provider_->Check(Resource(spec), context_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

}  // namespace
}  // namespace cairn::agent
