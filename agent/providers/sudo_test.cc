#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/host/host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Resource Resource(const v1::SudoRule& spec) {
  v1::Resource r;
  r.set_kind("sudo");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// The files live in a FakeHost, but `visudo` is the real one: the candidate
// the provider wrote is copied to a temporary file on this machine and
// checked there. This machine's /etc/sudoers.d is never touched.
class SudoTest : public ::testing::Test {
 protected:
  SudoTest() {
    host_.PutDirectory("/etc/sudoers.d", 0755);
    host_.PutFile("/etc/sudoers.d/README", "# sudo's own\n", 0440);
    context_.host = &host_;
    host_.OnCommand("visudo", [this](const std::vector<std::string>& argv,
                                     std::string_view) {
      CommandResult result;
      if (argv.size() != 4 || argv[1] != "-c" || argv[2] != "-f") {
        result.exit_code = 2;
        result.err = "unexpected visudo call";
        return result;
      }
      checked_.push_back(argv[3]);
      std::string real = StrCat(TempDir(), "/sudo_test_candidate");
      std::ofstream(real) << host_.ReadFile(argv[3]).value();
      absl::StatusOr<CommandResult> ran = local_->Run(
          {"/usr/sbin/visudo", "-c", "-f", real}, "", absl::Seconds(30));
      if (!ran.ok()) {
        result.exit_code = 126;
        result.err = std::string(ran.status().message());
        return result;
      }
      return *ran;
    });
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

  void Converge(const v1::Resource& r, v1::ResourceDiff::Action expected) {
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), expected);
    absl::Status applied = provider_->Apply(r, diff, context_);
    EXPECT_TRUE(applied.ok()) << applied;
    v1::ResourceDiff again = Check(r);
    EXPECT_EQ(again.action(), v1::ResourceDiff::ACTION_NONE);
    EXPECT_EQ(again.changes_size(), 0);
  }

  std::vector<std::string> SudoersFiles() {
    return host_.ListDirectory("/etc/sudoers.d").value();
  }

  FakeHost host_;
  std::unique_ptr<Host> local_ = MakeLocalHost();
  ProviderContext context_;
  const Provider* provider_ = FindProvider("sudo");
  std::vector<std::string> checked_;
};

TEST_F(SudoTest, WritesAValidatedRule) {
  ASSERT_NE(provider_, nullptr);
  v1::SudoRule spec;
  spec.set_name("deploy");
  spec.add_users("deploy");
  spec.set_nopasswd(true);
  spec.add_commands("/usr/bin/systemctl reload nginx");
  spec.add_commands("/usr/bin/systemctl restart app");
  Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(host_.ReadFile("/etc/sudoers.d/deploy").value(),
            "# Managed by cairn (sudo \"deploy\"): changes made here are "
            "overwritten.\n"
            "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl reload nginx, "
            "/usr/bin/systemctl restart app\n");
  FileInfo info = host_.Stat("/etc/sudoers.d/deploy").value();
  EXPECT_EQ(info.mode, 0440u);
  EXPECT_EQ(info.uid, 0u);
  EXPECT_EQ(info.gid, 0u);
  // Checked as a candidate sudo ignores (a dot in its name), then renamed.
  EXPECT_EQ(checked_,
            std::vector<std::string>{"/etc/sudoers.d/.cairn-deploy.tmp"});
  EXPECT_EQ(host_.commands(),
            std::vector<std::string>{
                "visudo -c -f /etc/sudoers.d/.cairn-deploy.tmp"});
  EXPECT_EQ(SudoersFiles(), (std::vector<std::string>{"README", "deploy"}));
}

TEST_F(SudoTest, GroupsUsersRunAsAndAllCommands) {
  v1::SudoRule spec;
  spec.set_name("admins");
  spec.add_users("ada");
  spec.add_groups("admins");
  spec.add_groups("wheel");
  spec.set_run_as("postgres");
  Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  std::string content = host_.ReadFile("/etc/sudoers.d/admins").value();
  EXPECT_NE(content.find("\nada, %admins, %wheel ALL=(postgres) ALL\n"),
            std::string::npos)
      << content;
}

TEST_F(SudoTest, CommandArgumentsAreEscapedForSudoers) {
  v1::SudoRule spec;
  spec.set_name("esc");
  spec.add_users("ops");
  spec.add_commands("/usr/bin/env A=1 /bin/echo a,b:c");
  Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_NE(
      host_.ReadFile("/etc/sudoers.d/esc")
          .value()
          .find("ops ALL=(root) /usr/bin/env A\\=1 /bin/echo a\\,b\\:c\n"),
      std::string::npos);
}

TEST_F(SudoTest, TheFileNameIsOneSudoReads) {
  v1::SudoRule spec;
  spec.set_name("web.deploy~");
  spec.add_users("deploy");
  Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_TRUE(host_.Stat("/etc/sudoers.d/web_deploy_").value().exists());
  EXPECT_EQ(SudoersFiles(),
            (std::vector<std::string>{"README", "web_deploy_"}));
}

TEST_F(SudoTest, TheRealVisudoRejectsABrokenRuleAndNothingChanges) {
  host_.PutFile("/etc/sudoers.d/deploy", "deploy ALL=(root) /bin/true\n", 0440);
  v1::SudoRule spec;
  spec.set_name("deploy");
  spec.add_users("deploy");
  spec.add_commands("systemctl reload nginx");  // Not a full path.
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  absl::Status applied = provider_->Apply(r, diff, context_);
  ASSERT_EQ(applied.code(), absl::StatusCode::kInvalidArgument) << applied;
  EXPECT_NE(applied.message().find("fully-qualified"), absl::string_view::npos)
      << applied;
  EXPECT_EQ(checked_.size(), 1u);
  EXPECT_EQ(host_.ReadFile("/etc/sudoers.d/deploy").value(),
            "deploy ALL=(root) /bin/true\n");
  EXPECT_EQ(SudoersFiles(), (std::vector<std::string>{"README", "deploy"}));
}

TEST_F(SudoTest, ContentModeAndOwnerDriftAreFixed) {
  v1::SudoRule spec;
  spec.set_name("ops");
  spec.add_groups("ops");
  v1::Resource r = Resource(spec);
  Converge(r, v1::ResourceDiff::ACTION_CREATE);
  std::string good = host_.ReadFile("/etc/sudoers.d/ops").value();

  host_.PutFile("/etc/sudoers.d/ops", good, 0644, 1000, 0);
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "mode");
  EXPECT_EQ(diff.changes(0).current(), "0644 owner 1000:0");
  Converge(r, v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(host_.Stat("/etc/sudoers.d/ops").value().mode, 0440u);

  host_.PutFile("/etc/sudoers.d/ops", "%ops ALL=(ALL) NOPASSWD: ALL\n", 0440);
  diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "content");
  Converge(r, v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(host_.ReadFile("/etc/sudoers.d/ops").value(), good);
}

TEST_F(SudoTest, AbsentRemovesTheFile) {
  host_.PutFile("/etc/sudoers.d/old", "old ALL=(root) ALL\n", 0440);
  v1::SudoRule spec;
  spec.set_name("old");
  spec.set_ensure(v1::ENSURE_ABSENT);
  Converge(Resource(spec), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(SudoersFiles(), std::vector<std::string>{"README"});
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(SudoTest, AbsentTakesTheLastAppliedRuleAsItIs) {
  // Written (and checked by the real visudo), then removed with the same
  // spec and ensure = absent, as the controller sends it: the file name
  // is worked out the same way.
  v1::SudoRule spec;
  spec.set_name("web.deploy");
  spec.add_users("deploy");
  spec.add_commands("/usr/bin/systemctl reload nginx");
  spec.set_nopasswd(true);
  Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(SudoersFiles(), (std::vector<std::string>{"README", "web_deploy"}));
  spec.set_ensure(v1::ENSURE_ABSENT);
  size_t before = host_.commands().size();
  Converge(Resource(spec), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(SudoersFiles(), std::vector<std::string>{"README"});
  EXPECT_EQ(host_.commands().size(), before);  // No visudo for a removal.

  // Gone already: nothing to do.
  v1::ResourceDiff diff = Check(Resource(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  int mutations = host_.mutations();
  ASSERT_TRUE(provider_->Apply(Resource(spec), diff, context_).ok());
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(SudoTest, RefusesWhatWouldInjectAnotherRule) {
  std::vector<v1::SudoRule> bad(5);
  bad[0].add_users("deploy");
  bad[0].add_commands("/bin/true\nALL ALL=(ALL) NOPASSWD: ALL");
  bad[1].add_users("a, ALL");
  bad[2].add_groups("x)");
  bad[3].add_users("deploy");
  bad[3].set_run_as("ALL) NOPASSWD: ALL #");
  // bad[4]: nobody.
  for (v1::SudoRule& spec : bad) {
    spec.set_name("bad");
    absl::StatusOr<v1::ResourceDiff> diff =
        provider_->Check(Resource(spec), context_);
    EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument)
        << spec.ShortDebugString();
    EXPECT_EQ(
        provider_->Apply(Resource(spec), v1::ResourceDiff(), context_).code(),
        absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(SudoersFiles(), std::vector<std::string>{"README"});
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(SudoTest, WithoutSudoersDirApplyFailsClearly) {
  host_.RemoveTree("/etc/sudoers.d").IgnoreError();
  v1::SudoRule spec;
  spec.set_name("deploy");
  spec.add_users("deploy");
  v1::ResourceDiff diff = Check(Resource(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  absl::Status applied = provider_->Apply(Resource(spec), diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition) << applied;
}

}  // namespace
}  // namespace cairn::agent
