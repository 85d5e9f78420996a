#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/fake_systemd.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Action = v1::ResourceDiff::Action;

constexpr char kUnit[] =
    "[Unit]\nDescription=The app\n\n[Service]\nExecStart=/usr/local/bin/app\n"
    "\n[Install]\nWantedBy=multi-user.target\n";

v1::Resource Resource(const v1::Service& spec) {
  v1::Resource r;
  r.set_kind("service");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

v1::Service Spec(const std::string& name, bool enabled, bool running,
                 const std::string& unit = "") {
  v1::Service spec;
  spec.set_name(name);
  spec.set_enabled(enabled);
  spec.set_running(running);
  spec.set_unit(unit);
  return spec;
}

v1::Service Absent(const std::string& name, const std::string& unit = "") {
  v1::Service spec = Spec(name, false, false, unit);
  spec.set_ensure(v1::ENSURE_ABSENT);
  return spec;
}

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : systemd_(host_) { context_.host = &host_; }

  const Provider& provider() {
    const Provider* p = FindProvider("service");
    EXPECT_NE(p, nullptr);
    return *p;
  }

  // Check, asserting that it changed nothing and ran only queries.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff = provider().Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    for (size_t i = commands; i < host_.commands().size(); ++i) {
      EXPECT_TRUE(IsReadOnlySystemctl(host_.commands()[i]))
          << host_.commands()[i];
    }
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  // Apply after Check, then the second Check must find nothing to do.
  void Converge(const v1::Resource& r) {
    v1::ResourceDiff diff = Check(r);
    ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
    EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  }

  // Commands run since `from` that are not queries.
  std::vector<std::string> Mutating(size_t from = 0) {
    std::vector<std::string> out;
    for (size_t i = from; i < host_.commands().size(); ++i) {
      if (!IsReadOnlySystemctl(host_.commands()[i])) {
        out.push_back(host_.commands()[i]);
      }
    }
    return out;
  }

  std::string Field(const v1::ResourceDiff& diff, const std::string& field) {
    for (const v1::FieldChange& c : diff.changes()) {
      if (c.field() == field) return StrCat(c.current(), " -> ", c.desired());
    }
    return "(no change)";
  }

  FakeHost host_;
  FakeSystemd systemd_;
  ProviderContext context_;
};

TEST_F(ServiceTest, DefinesEnablesAndStartsANewUnit) {
  v1::Resource r = Resource(Spec("app", true, true, kUnit));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(Field(diff, "enabled"), "not-found -> enabled");
  EXPECT_EQ(Field(diff, "running"), "inactive -> active");
  EXPECT_NE(diff.text_diff().find("+ExecStart=/usr/local/bin/app"),
            std::string::npos)
      << diff.text_diff();

  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(*host_.ReadFile("/etc/systemd/system/app.service"), kUnit);
  EXPECT_EQ(host_.Stat("/etc/systemd/system/app.service")->mode, 0644u);
  EXPECT_EQ(Mutating(),
            (std::vector<std::string>{"systemctl daemon-reload",
                                      "systemctl enable app.service",
                                      "systemctl start app.service"}));
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  // A second Apply does nothing.
  size_t before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_TRUE(Mutating(before).empty());
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(ServiceTest, StopsAndDisablesAPackagedUnit) {
  FakeSystemd::Unit nginx;
  nginx.enabled = "enabled";
  nginx.active = true;
  systemd_.AddPackageUnit("nginx.service", nginx);
  v1::Resource r = Resource(Spec("nginx", false, false));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Field(diff, "enabled"), "enabled -> disabled");
  EXPECT_EQ(Field(diff, "running"), "active -> inactive");
  EXPECT_EQ(Field(diff, "unit"), "(no change)");
  Converge(r);
  EXPECT_EQ(Mutating(),
            (std::vector<std::string>{"systemctl disable nginx.service",
                                      "systemctl stop nginx.service"}));
  // No unit file is written for a packaged unit.
  EXPECT_FALSE(host_.Stat("/etc/systemd/system/nginx.service")->exists());
}

TEST_F(ServiceTest, AbsentStopsDisablesAndRemovesADefinedUnit) {
  Converge(Resource(Spec("app", true, true, kUnit)));
  // The spec as last applied, with ensure = absent: what the controller
  // sends for a service no longer declared.
  v1::Service spec = Spec("app", true, true, kUnit);
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "running"), "active -> inactive");
  EXPECT_EQ(Field(diff, "enabled"), "enabled -> disabled");
  EXPECT_EQ(Field(diff, "unit"), "(/etc/systemd/system/app.service) -> (none)");
  EXPECT_NE(diff.text_diff().find("-ExecStart=/usr/local/bin/app"),
            std::string::npos)
      << diff.text_diff();

  size_t before = host_.commands().size();
  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl stop app.service",
                                      "systemctl disable app.service",
                                      "systemctl daemon-reload"}));
  EXPECT_FALSE(host_.Stat("/etc/systemd/system/app.service")->exists());
  EXPECT_FALSE(systemd_.known("app.service"));  // Forgotten by systemd.
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  // A second Apply does nothing.
  before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_TRUE(Mutating(before).empty());
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(ServiceTest, AbsentOnlyStopsAndDisablesAPackagedUnit) {
  FakeSystemd::Unit nginx;
  nginx.enabled = "enabled";
  nginx.active = true;
  systemd_.AddPackageUnit("nginx.service", nginx);
  // A drop-in or override an admin put there is not ours to remove.
  host_.PutFile("/etc/systemd/system/nginx.service", "[Unit]\n");
  v1::Resource r = Resource(Absent("nginx"));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "unit"), "(no change)");
  int mutations = host_.mutations();
  Converge(r);
  EXPECT_EQ(Mutating(),
            (std::vector<std::string>{"systemctl stop nginx.service",
                                      "systemctl disable nginx.service"}));
  EXPECT_EQ(host_.mutations(), mutations);
  EXPECT_TRUE(host_.Stat("/etc/systemd/system/nginx.service")->exists());
  EXPECT_TRUE(systemd_.known("nginx.service"));
}

TEST_F(ServiceTest, AbsentWhenAlreadyGoneIsNothingToDo) {
  // Never defined, or removed with its package: systemd does not know it.
  EXPECT_EQ(Check(Resource(Absent("ghost", kUnit))).action(),
            v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(Resource(Absent("ghost"))).action(),
            v1::ResourceDiff::ACTION_NONE);
  // A packaged unit already stopped and disabled, or masked.
  systemd_.AddPackageUnit("cron.service");
  FakeSystemd::Unit masked;
  masked.enabled = "masked";
  systemd_.AddPackageUnit("exim4.service", masked);
  for (const char* name : {"cron", "exim4"}) {
    v1::ResourceDiff diff = Check(Resource(Absent(name)));
    EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE) << name;
    EXPECT_EQ(diff.changes_size(), 0) << name;
    ASSERT_TRUE(provider().Apply(Resource(Absent(name)), diff, context_).ok());
  }
  EXPECT_TRUE(Mutating().empty());
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(ServiceTest, AbsentFinishesARemovalSystemdHasNotSeen) {
  // The unit file went but daemon-reload did not happen (a crash between).
  Converge(Resource(Spec("app", false, false, kUnit)));
  ASSERT_TRUE(host_.Remove("/etc/systemd/system/app.service").ok());
  v1::Resource r = Resource(Absent("app", kUnit));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "unit"),
            "(removed on disk, still loaded by systemd) -> (unloaded)");
  size_t before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload"}));
  EXPECT_FALSE(systemd_.known("app.service"));
}

TEST_F(ServiceTest, AbsentWithASecretUnitShowsNoContent) {
  std::string secret = "[Service]\nEnvironment=TOKEN=hunter2\n";
  Converge(Resource(Spec("app", false, false, secret)));
  v1::Resource r = Resource(Absent("app", secret));
  r.add_secret_fields("unit");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_TRUE(diff.text_diff().empty());
  EXPECT_EQ(diff.DebugString().find("hunter2"), std::string::npos);
  Converge(r);
}

TEST_F(ServiceTest, NotificationsToAnAbsentServiceDoNothing) {
  FakeSystemd::Unit unit;
  unit.active = true;
  systemd_.AddPackageUnit("app.service", unit);
  v1::Service spec = Absent("app");
  spec.set_reload_command("kill -HUP 1");
  for (const char* action : {"reload", "restart"}) {
    EXPECT_TRUE(provider().Notify(Resource(spec), action, context_).ok());
  }
  EXPECT_TRUE(host_.commands().empty());
  EXPECT_EQ(provider().Notify(Resource(spec), "explode", context_).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceTest, KeepsOtherUnitTypesAsNamed) {
  systemd_.AddPackageUnit("ssh.socket");
  v1::Resource r = Resource(Spec("ssh.socket", true, true));
  Converge(r);
  EXPECT_TRUE(systemd_.unit("ssh.socket").active);
  EXPECT_EQ(systemd_.unit("ssh.socket").enabled, "enabled");
}

TEST_F(ServiceTest, StaticUnitsNeedNoEnabling) {
  FakeSystemd::Unit unit;
  unit.enabled = "static";
  systemd_.AddPackageUnit("helper.service", unit);
  EXPECT_EQ(Check(Resource(Spec("helper", true, false))).action(),
            v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(Resource(Spec("helper", false, false))).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(ServiceTest, AChangedUnitIsReloadedAndTheServiceRestarted) {
  v1::Resource r = Resource(Spec("app", true, true, kUnit));
  Converge(r);
  EXPECT_EQ(systemd_.unit("app.service").restarts, 0);

  std::string changed = kUnit;
  changed.replace(changed.find("/app"), 4, "/app --verbose");
  v1::Resource r2 = Resource(Spec("app", true, true, changed));
  v1::ResourceDiff diff = Check(r2);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "unit");
  EXPECT_NE(diff.text_diff().find("-ExecStart=/usr/local/bin/app\n"
                                  "+ExecStart=/usr/local/bin/app --verbose"),
            std::string::npos)
      << diff.text_diff();
  size_t before = host_.commands().size();
  Converge(r2);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload",
                                      "systemctl restart app.service"}));
  EXPECT_EQ(systemd_.unit("app.service").restarts, 1);
}

TEST_F(ServiceTest, AUnitFileSystemdHasNotReadIsReloaded) {
  v1::Resource r = Resource(Spec("app", false, false, kUnit));
  Converge(r);
  // Someone wrote the same content back after editing it, or a previous
  // daemon-reload failed: the file is right, systemd is not.
  systemd_.unit("app.service").loaded = "[Unit]\n";
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Field(diff, "unit"),
            "(changed on disk, not yet loaded by systemd) -> (loaded)");
  size_t before = host_.commands().size();
  int mutations = host_.mutations();
  Converge(r);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload"}));
  EXPECT_EQ(host_.mutations(), mutations);  // The file was not rewritten.
}

TEST_F(ServiceTest, UnmasksAMaskedUnitThatShouldRun) {
  FakeSystemd::Unit unit;
  unit.enabled = "masked";
  systemd_.AddPackageUnit("app.service", unit);
  v1::Resource r = Resource(Spec("app", true, true));
  EXPECT_EQ(Field(Check(r), "enabled"), "masked -> enabled");
  Converge(r);
  EXPECT_EQ(Mutating(),
            (std::vector<std::string>{"systemctl unmask app.service",
                                      "systemctl enable app.service",
                                      "systemctl start app.service"}));
}

TEST_F(ServiceTest, AMaskedUnitThatShouldNotRunStaysMasked) {
  FakeSystemd::Unit unit;
  unit.enabled = "masked";
  systemd_.AddPackageUnit("app.service", unit);
  EXPECT_EQ(Check(Resource(Spec("app", false, false))).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(ServiceTest, AMissingUnitThatShouldNotRunIsFine) {
  EXPECT_EQ(Check(Resource(Spec("ghost", false, false))).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(ServiceTest, AMissingUnitThatShouldRunFailsToApply) {
  v1::Resource r = Resource(Spec("ghost", true, true));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  absl::Status status = provider().Apply(r, diff, context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("ghost.service not found"), std::string::npos)
      << status;
}

TEST_F(ServiceTest, SystemctlFailuresAreReported) {
  systemd_.AddPackageUnit("nginx.service");
  systemd_.FailVerb("start");
  v1::Resource r = Resource(Spec("nginx", false, true));
  absl::Status status = provider().Apply(r, Check(r), context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("`systemctl start nginx.service` exited "
                                  "with 1: Failed to start."),
            std::string::npos)
      << status;
}

TEST_F(ServiceTest, ASecretUnitShowsOnlyFingerprints) {
  context_.fingerprint_key = "key";
  std::string secret = "[Service]\nEnvironment=TOKEN=hunter2\n";
  v1::Resource r = Resource(Spec("app", false, false, secret));
  r.add_secret_fields("unit");
  v1::ResourceDiff diff = Check(r);
  EXPECT_TRUE(diff.text_diff().empty());
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "unit");
  EXPECT_EQ(diff.changes(0).desired().find("hunter2"), std::string::npos);
  EXPECT_TRUE(StartsWith(diff.changes(0).desired(), "(secret:"));
  Converge(r);
}

TEST_F(ServiceTest, RefusesNamesThatAreNotUnits) {
  for (const char* name : {"../../etc/passwd", "a b", "", "-x"}) {
    v1::Resource r = Resource(Spec(name, true, true, kUnit));
    EXPECT_EQ(provider().Check(r, context_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
    EXPECT_EQ(provider().Apply(r, {}, context_).code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(ServiceTest, ReloadReloadsARunningUnitOrRestartsOneThatCannot) {
  FakeSystemd::Unit unit;
  unit.active = true;
  systemd_.AddPackageUnit("nginx.service", unit);
  v1::Resource r = Resource(Spec("nginx", true, true));
  ASSERT_TRUE(provider().Notify(r, "reload", context_).ok());
  EXPECT_EQ(host_.commands().back(),
            "systemctl try-reload-or-restart nginx.service");
  EXPECT_EQ(systemd_.unit("nginx.service").reloads, 1);

  systemd_.unit("nginx.service").can_reload = false;
  ASSERT_TRUE(provider().Notify(r, "reload", context_).ok());
  EXPECT_EQ(systemd_.unit("nginx.service").restarts, 1);

  // A stopped service reads its configuration when it starts.
  systemd_.unit("nginx.service").active = false;
  ASSERT_TRUE(provider().Notify(r, "reload", context_).ok());
  EXPECT_EQ(systemd_.unit("nginx.service").reloads, 1);
  EXPECT_EQ(systemd_.unit("nginx.service").restarts, 1);
  EXPECT_FALSE(systemd_.unit("nginx.service").active);
}

TEST_F(ServiceTest, RestartNeverStartsAServiceMeantToBeStopped) {
  systemd_.AddPackageUnit("app.service");
  ASSERT_TRUE(
      provider()
          .Notify(Resource(Spec("app", false, false)), "restart", context_)
          .ok());
  EXPECT_EQ(host_.commands().back(), "systemctl try-restart app.service");
  EXPECT_FALSE(systemd_.unit("app.service").active);

  ASSERT_TRUE(
      provider()
          .Notify(Resource(Spec("app", true, true)), "restart", context_)
          .ok());
  EXPECT_EQ(host_.commands().back(), "systemctl restart app.service");
  EXPECT_TRUE(systemd_.unit("app.service").active);
}

TEST_F(ServiceTest, CustomCommandsRunInAShell) {
  std::vector<std::string> ran;
  host_.OnCommand("/bin/sh",
                  [&](const std::vector<std::string>& argv, std::string_view) {
                    ran.push_back(StrJoin(argv, "|"));
                    CommandResult result;
                    if (argv[2] == "false") {
                      result.exit_code = 1;
                      result.err = "it broke\n";
                    }
                    return result;
                  });
  v1::Service spec = Spec("app", true, true);
  spec.set_reload_command("kill -HUP $(cat /run/app.pid)");
  spec.set_restart_command("/usr/bin/systemctl try-restart app");
  ASSERT_TRUE(provider().Notify(Resource(spec), "reload", context_).ok());
  ASSERT_TRUE(provider().Notify(Resource(spec), "restart", context_).ok());
  EXPECT_EQ(ran, (std::vector<std::string>{
                     "/bin/sh|-c|kill -HUP $(cat /run/app.pid)",
                     "/bin/sh|-c|/usr/bin/systemctl try-restart app"}));

  spec.set_reload_command("false");
  absl::Status status = provider().Notify(Resource(spec), "reload", context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "reload_command of service app exited with 1: it broke");
}

TEST_F(ServiceTest, OtherActionsAreRefused) {
  EXPECT_EQ(provider()
                .Notify(Resource(Spec("app", true, true)), "explode", context_)
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(host_.commands().empty());
}

}  // namespace
}  // namespace cairn::agent
