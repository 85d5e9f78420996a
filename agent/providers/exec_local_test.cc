// The exec provider on the real machine: real /bin/sh, runuser and env, in
// a temporary directory under /tmp (which nobody can reach, unlike the
// test's own). Runs as root.

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "agent/host/host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LocalExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "this test runs commands as nobody: be root";
    std::string dir = "/tmp/cairn_exec_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    host_ = MakeLocalHost();
    context_.host = host_.get();
    context_.fingerprint_key = "test-key";
    provider_ = FindProvider("exec");
    ASSERT_NE(provider_, nullptr);
  }
  void TearDown() override {
    if (!dir_.empty()) {
      EXPECT_TRUE(host_->RemoveTree(dir_).ok());
    }
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  static v1::Resource Exec(const v1::Exec& spec,
                           std::vector<std::string> secret_fields = {}) {
    v1::Resource resource;
    resource.set_kind("exec");
    resource.set_id(spec.name());
    resource.mutable_spec()->PackFrom(spec);
    for (std::string& f : secret_fields) resource.add_secret_fields(f);
    return resource;
  }

  // Check, Apply, Check: the first says it would run, the last that it
  // would not.
  void Converge(const v1::Resource& resource) {
    absl::StatusOr<v1::ResourceDiff> diff =
        provider_->Check(resource, context_);
    ASSERT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
    absl::Status applied = provider_->Apply(resource, *diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
    absl::StatusOr<v1::ResourceDiff> again =
        provider_->Check(resource, context_);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE)
        << again->DebugString();
  }

  std::string dir_;
  std::unique_ptr<Host> host_;
  ProviderContext context_;
  const Provider* provider_ = nullptr;
};

TEST_F(LocalExecTest, CreatesWithTheEnvironmentItWasGiven) {
  v1::Exec spec;
  spec.set_name("init");
  spec.set_command(
      StrCat("test \"$TOKEN\" = 'hunter2 x' && touch ", Path("initialised")));
  spec.set_creates(Path("initialised"));
  (*spec.mutable_environment())["TOKEN"] = "hunter2 x";
  Converge(Exec(spec, {"environment"}));
  EXPECT_TRUE(host_->Stat(Path("initialised"))->exists());
}

TEST_F(LocalExecTest, UnlessIsRunByTheShell) {
  v1::Exec spec;
  spec.set_name("greet");
  spec.set_command("echo hello > greeting");
  spec.set_unless("grep -qx hello greeting");
  spec.set_cwd(dir_);
  Converge(Exec(spec));
  absl::StatusOr<std::string> greeting = host_->ReadFile(Path("greeting"));
  ASSERT_TRUE(greeting.ok()) << greeting.status();
  EXPECT_EQ(*greeting, "hello\n");
}

TEST_F(LocalExecTest, RunsAsTheUserInTheDirectory) {
  passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ASSERT_TRUE(host_->SetOwner(dir_, nobody->pw_uid, nobody->pw_gid).ok());
  v1::Exec spec;
  spec.set_name("whoami");
  spec.set_command("{ id -un; pwd; echo \"$HOME\"; } > out");
  spec.set_user("nobody");
  spec.set_cwd(dir_);
  spec.set_creates(Path("out"));
  Converge(Exec(spec));
  absl::StatusOr<std::string> out = host_->ReadFile(Path("out"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, StrCat("nobody\n", dir_, "\n", nobody->pw_dir, "\n"));
  EXPECT_EQ(host_->Stat(Path("out"))->uid, nobody->pw_uid);
}

TEST_F(LocalExecTest, AFailureShowsTheEndOfTheOutputWithoutSecrets) {
  v1::Exec spec;
  spec.set_name("migrate");
  spec.set_command(
      "for i in 1 2 3 4 5 6 7; do echo \"step $i\" >&2; done; "
      "echo \"connecting with $DB_PASSWORD\" >&2; exit 3");
  (*spec.mutable_environment())["DB_PASSWORD"] = "hunter2-s3cr3t";
  absl::Status ran =
      provider_->Notify(Exec(spec, {"environment"}), "run", context_);
  EXPECT_EQ(ran.code(), absl::StatusCode::kFailedPrecondition);
  std::string message(ran.message());
  EXPECT_THAT(message, HasSubstr("exited with 3"));
  EXPECT_THAT(message, HasSubstr("step 7"));
  EXPECT_THAT(message, Not(HasSubstr("step 3")));
  EXPECT_THAT(message, HasSubstr("connecting with (secret)"));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t")));
}

TEST_F(LocalExecTest, AMissingDirectoryOrUserFailsClearly) {
  v1::Exec spec;
  spec.set_name("x");
  spec.set_command("true");
  spec.set_cwd(Path("missing"));
  absl::Status ran = provider_->Notify(Exec(spec), "run", context_);
  EXPECT_FALSE(ran.ok());
  EXPECT_THAT(std::string(ran.message()), HasSubstr(Path("missing")));
  spec.clear_cwd();
  spec.set_user("cairn-no-such-user");
  ran = provider_->Notify(Exec(spec), "run", context_);
  EXPECT_EQ(ran.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("cairn-no-such-user"));
}

TEST_F(LocalExecTest, ATimeoutKillsTheCommand) {
  v1::Exec spec;
  spec.set_name("slow");
  spec.set_command("sleep 30; touch never");
  spec.set_cwd(dir_);
  spec.set_timeout_seconds(1);
  absl::Time start = absl::Now();
  absl::Status ran =
      provider_->Notify(Exec(spec, {"command"}), "run", context_);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(ran.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("killed after 1s"));
  // The status of the run quotes argv; the exec's does not.
  EXPECT_THAT(std::string(ran.message()), Not(HasSubstr("sleep")));
  EXPECT_FALSE(host_->Stat(Path("never"))->exists());
}

}  // namespace
}  // namespace cairn::agent
