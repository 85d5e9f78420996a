// The exec provider on FakeHost: the shell played by a table of scripts.

#include <functional>
#include <map>
#include <string>
#include <vector>

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// One run of a shell command, as the fake saw it.
struct Ran {
  std::string user;  // "" for root: no runuser.
  std::string cwd;
  std::string script;
  std::map<std::string, std::string> environment;
  absl::Duration timeout;
};

class ExecTest : public file_testing::ProviderTest {
 protected:
  void SetUp() override {
    Init("exec");
    host_.OnCommand(
        "env", [this](const std::vector<std::string>& argv, std::string_view) {
          return Shell("", argv);
        });
    host_.OnCommand(
        "/usr/sbin/runuser",
        [this](const std::vector<std::string>& argv, std::string_view) {
          EXPECT_EQ(argv[1], "-u");
          EXPECT_EQ(argv[3], "--");
          return Shell(argv[2],
                       std::vector<std::string>(argv.begin() + 4, argv.end()));
        });
  }

  // env -C DIR /bin/sh -c SCRIPT
  CommandResult Shell(const std::string& user,
                      const std::vector<std::string>& argv) {
    EXPECT_EQ(argv.size(), 6u);
    EXPECT_EQ(argv[0], "env");
    EXPECT_EQ(argv[1], "-C");
    EXPECT_EQ(argv[3], "/bin/sh");
    EXPECT_EQ(argv[4], "-c");
    Ran ran{user, argv[2], argv[5], host_.environment(), host_.timeout()};
    runs_.push_back(ran);
    auto it = scripts_.find(ran.script);
    if (it == scripts_.end()) {
      CommandResult result;
      result.exit_code = 127;
      result.err = StrCat("sh: 1: ", ran.script, ": not found\n");
      return result;
    }
    return it->second(ran);
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

  // The scripts run, in order.
  std::vector<std::string> Scripts() const {
    std::vector<std::string> out;
    for (const Ran& ran : runs_) out.push_back(ran.script);
    return out;
  }

  // A script that exits with `code` and does `effect` first.
  void Script(const std::string& script, int code = 0,
              std::function<void()> effect = nullptr) {
    scripts_[script] = [code, effect](const Ran&) {
      if (effect) effect();
      CommandResult result;
      result.exit_code = code;
      return result;
    };
  }

  std::map<std::string, std::function<CommandResult(const Ran&)>> scripts_;
  std::vector<Ran> runs_;
};

TEST_F(ExecTest, WithNeitherCreatesNorUnlessItRunsOnlyWhenNotified) {
  v1::Exec spec;
  spec.set_name("reload-things");
  spec.set_command("reload-things");
  Script("reload-things");
  v1::Resource resource = Exec(spec);
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_THAT(runs_, IsEmpty());
  ASSERT_TRUE(provider_->Notify(resource, "run", context_).ok());
  EXPECT_THAT(Scripts(), ElementsAre("reload-things"));
  EXPECT_EQ(runs_[0].user, "");
  EXPECT_EQ(runs_[0].cwd, "/");
  EXPECT_EQ(runs_[0].timeout, absl::Seconds(300));
  EXPECT_EQ(host_.commands().back(), "env -C / /bin/sh -c reload-things");
  EXPECT_EQ(provider_->Notify(resource, "restart", context_).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runs_.size(), 1u);
}

TEST_F(ExecTest, CreatesRunsWhileThePathIsMissing) {
  v1::Exec spec;
  spec.set_name("borg-init");
  spec.set_command("borg init");
  spec.set_creates("/srv/borg/.initialised");
  Script("borg init", 0,
         [this] { host_.PutFile("/srv/borg/.initialised", ""); });
  v1::Resource resource = Exec(spec);
  // Check only looks at the path (ProviderTest::Check: no command).
  v1::ResourceDiff diff = Converge(resource);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("command", "creates"));
  EXPECT_EQ(ChangeOf(diff, "command").desired(), "borg init");
  EXPECT_EQ(ChangeOf(diff, "creates").desired(), "/srv/borg/.initialised");
  EXPECT_THAT(Scripts(), ElementsAre("borg init"));
  // Notified, it runs even though the path exists.
  ASSERT_TRUE(provider_->Notify(resource, "run", context_).ok());
  EXPECT_EQ(runs_.size(), 2u);
}

TEST_F(ExecTest, ACommandThatDoesNotCreateItsPathFails) {
  v1::Exec spec;
  spec.set_name("init");
  spec.set_command("true");
  spec.set_creates("/srv/marker");
  Script("true");
  v1::Resource resource = Exec(spec);
  absl::Status applied = provider_->Apply(resource, *Check(resource), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr("ran (exit 0) but did not create /srv/marker"));
}

TEST_F(ExecTest, UnlessDecidesAndIsCheckedAgainAfterTheRun) {
  bool generated = false;
  v1::Exec spec;
  spec.set_name("locale-gen");
  spec.set_command("locale-gen");
  spec.set_unless("locale -a | grep -qx fr_FR.utf8");
  scripts_["locale -a | grep -qx fr_FR.utf8"] = [&](const Ran&) {
    CommandResult result;
    result.exit_code = generated ? 0 : 1;
    return result;
  };
  Script("locale-gen", 0, [&] { generated = true; });
  v1::Resource resource = Exec(spec);
  absl::StatusOr<v1::ResourceDiff> diff = provider_->Check(resource, context_);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_THAT(ChangedFields(*diff), ElementsAre("command", "unless"));
  EXPECT_EQ(ChangeOf(*diff, "unless").current(), "exits 1");
  EXPECT_EQ(ChangeOf(*diff, "unless").desired(), "exits 0");
  ASSERT_TRUE(provider_->Apply(resource, *diff, context_).ok());
  absl::StatusOr<v1::ResourceDiff> again = provider_->Check(resource, context_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_THAT(Scripts(), ElementsAre(spec.unless(), "locale-gen", spec.unless(),
                                     spec.unless()));
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(ExecTest, UnlessStillFailingAfterTheRunIsAnError) {
  v1::Exec spec;
  spec.set_name("x");
  spec.set_command("do-it");
  spec.set_unless("is-done");
  Script("do-it");
  Script("is-done", 1);
  absl::Status applied = provider_->Apply(Exec(spec), {}, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr("unless still exits 1"));
}

TEST_F(ExecTest, CreatesPresentSkipsUnless) {
  host_.PutFile("/srv/done", "");
  v1::Exec spec;
  spec.set_name("x");
  spec.set_command("do-it");
  spec.set_creates("/srv/done");
  spec.set_unless("is-done");
  absl::StatusOr<v1::ResourceDiff> diff = Check(Exec(spec));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_THAT(runs_, IsEmpty());
}

TEST_F(ExecTest, RunsAsItsUserInItsDirectoryWithItsTimeout) {
  v1::Exec spec;
  spec.set_name("build");
  spec.set_command("make install");
  spec.set_user("www-data");
  spec.set_cwd("/srv/app");
  spec.set_timeout_seconds(600);
  Script("make install");
  ASSERT_TRUE(provider_->Notify(Exec(spec), "run", context_).ok());
  EXPECT_EQ(host_.commands().back(),
            "/usr/sbin/runuser -u www-data -- env -C /srv/app /bin/sh -c make "
            "install");
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_EQ(runs_[0].user, "www-data");
  EXPECT_EQ(runs_[0].timeout, absl::Seconds(600));
  // root is no runuser at all.
  spec.set_user("root");
  ASSERT_TRUE(provider_->Notify(Exec(spec), "run", context_).ok());
  EXPECT_EQ(host_.commands().back(), "env -C /srv/app /bin/sh -c make install");
}

TEST_F(ExecTest, AFailureHasTheExitCodeAndTheEndOfTheOutputButNoSecret) {
  v1::Exec spec;
  spec.set_name("migrate");
  spec.set_command("migrate-db");
  (*spec.mutable_environment())["DB_PASSWORD"] = "hunter2-very-secret";
  (*spec.mutable_environment())["LANG"] = "C.UTF-8";
  scripts_["migrate-db"] = [](const Ran& ran) {
    CommandResult result;
    result.exit_code = 3;
    for (int i = 1; i <= 8; ++i) StrAppend(&result.err, "line ", i, "\n");
    StrAppend(&result.err, "connecting with password ",
              ran.environment.at("DB_PASSWORD"), ": refused\n");
    result.out = "stdout is not shown when stderr has something\n";
    return result;
  };
  v1::Resource resource = Exec(spec, {"environment"});
  absl::Status ran = provider_->Notify(resource, "run", context_);
  EXPECT_EQ(ran.code(), absl::StatusCode::kFailedPrecondition);
  std::string message(ran.message());
  EXPECT_THAT(message, HasSubstr("exec migrate: the command exited with 3"));
  EXPECT_THAT(message, HasSubstr("line 8"));
  EXPECT_THAT(message, HasSubstr("line 5"));
  EXPECT_THAT(message, Not(HasSubstr("line 4")));
  EXPECT_THAT(message, HasSubstr("connecting with password (secret): refused"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  // The value reached the command through its environment, not argv.
  ASSERT_EQ(runs_.size(), 1u);
  EXPECT_EQ(runs_[0].environment.at("DB_PASSWORD"), "hunter2-very-secret");
  EXPECT_EQ(runs_[0].environment.at("LANG"), "C.UTF-8");
  for (const std::string& command : host_.commands()) {
    EXPECT_THAT(command, Not(HasSubstr("hunter2")));
  }

  // Without a secret environment, values are not redacted; with only stdout,
  // its end is shown.
  scripts_["migrate-db"] = [](const Ran& ran) {
    CommandResult result;
    result.exit_code = 1;
    result.out = StrCat("lang is ", ran.environment.at("LANG"), "\n");
    return result;
  };
  ran = provider_->Notify(Exec(spec), "run", context_);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("lang is C.UTF-8"));
}

TEST_F(ExecTest, SecretCommandsOnlyAsFingerprints) {
  v1::Exec spec;
  spec.set_name("join");
  spec.set_command("docker swarm join --token SWMTKN-s3cr3t 10.0.0.1:2377");
  spec.set_creates("/srv/joined");
  v1::Resource resource = Exec(spec, {"command"});
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(
      ChangeOf(*diff, "command").desired(),
      StrCat("(secret:", vault::Fingerprint(spec.command(), "test-key"), ")"));
  EXPECT_THAT(diff->DebugString(), Not(HasSubstr("s3cr3t")));
  // The shell's "not found" quotes the command: redacted.
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("exited with 127"));
  EXPECT_THAT(std::string(applied.message()), Not(HasSubstr("s3cr3t")));
}

TEST_F(ExecTest, AUserNotYetMadeIsAChangeInCheckAndAnErrorInApply) {
  v1::Exec spec;
  spec.set_name("init");
  spec.set_command("init-repo");
  spec.set_unless("test -d repo");
  spec.set_user("borg");  // Made by a user resource earlier in the run.
  v1::Resource resource = Exec(spec);
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(ChangeOf(*diff, "user").desired(), "borg (not a user yet)");
  EXPECT_THAT(runs_, IsEmpty());
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("borg"));
  EXPECT_THAT(runs_, IsEmpty());
}

TEST_F(ExecTest, BadSpecs) {
  auto code = [&](const v1::Exec& spec) {
    return provider_->Check(Exec(spec), context_).status().code();
  };
  v1::Exec spec;
  spec.set_name("x");
  EXPECT_EQ(code(spec), absl::StatusCode::kInvalidArgument);  // No command.
  spec.set_command("true");
  spec.set_creates("relative/path");
  EXPECT_EQ(code(spec), absl::StatusCode::kInvalidArgument);
  spec.clear_creates();
  spec.set_cwd("/srv/../etc");
  EXPECT_EQ(code(spec), absl::StatusCode::kInvalidArgument);
  spec.clear_cwd();
  spec.set_user("-u root");
  EXPECT_EQ(code(spec), absl::StatusCode::kInvalidArgument);
  spec.clear_user();
  (*spec.mutable_environment())["BAD NAME"] = "hunter2";
  absl::StatusOr<v1::ResourceDiff> bad = provider_->Check(Exec(spec), context_);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().ToString(), HasSubstr("BAD NAME"));
  EXPECT_THAT(bad.status().ToString(), Not(HasSubstr("hunter2")));
  spec.clear_environment();
  (*spec.mutable_environment())["OK"] = std::string("a\0b", 3);
  EXPECT_EQ(code(spec), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(runs_, IsEmpty());
}

}  // namespace
}  // namespace cairn::agent
