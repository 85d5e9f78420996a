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

v1::Timer Spec() {
  v1::Timer spec;
  spec.set_name("borgmatic");
  spec.set_on_calendar("*-*-* 03:00:00");
  spec.set_command("/usr/bin/borgmatic --verbosity 1");
  return spec;
}

v1::Resource Resource(const v1::Timer& spec) {
  v1::Resource r;
  r.set_kind("timer");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

class TimerTest : public ::testing::Test {
 protected:
  TimerTest() : systemd_(host_) { context_.host = &host_; }

  const Provider& provider() {
    const Provider* p = FindProvider("timer");
    EXPECT_NE(p, nullptr);
    return *p;
  }

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

  void Converge(const v1::Resource& r) {
    v1::ResourceDiff diff = Check(r);
    ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
    EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  }

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

TEST_F(TimerTest, WritesBothUnitsAndStartsTheTimer) {
  v1::Timer spec = Spec();
  spec.set_persistent(true);
  spec.set_randomized_delay("30m");
  spec.set_user("backup");
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(Field(diff, "on_calendar"), " -> *-*-* 03:00:00");
  EXPECT_EQ(Field(diff, "command"), " -> /usr/bin/borgmatic --verbosity 1");
  EXPECT_EQ(Field(diff, "enabled"), "not-found -> enabled");
  EXPECT_EQ(Field(diff, "active"), "inactive -> active");

  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(*host_.ReadFile("/etc/systemd/system/borgmatic.service"),
            "# Written by cairn for timer borgmatic; change the "
            "configuration, not this file.\n"
            "[Unit]\n"
            "Description=borgmatic, started by borgmatic.timer\n"
            "\n"
            "[Service]\n"
            "Type=oneshot\n"
            "ExecStart=/bin/sh -c \"/usr/bin/borgmatic --verbosity 1\"\n"
            "User=backup\n");
  EXPECT_EQ(*host_.ReadFile("/etc/systemd/system/borgmatic.timer"),
            "# Written by cairn for timer borgmatic; change the "
            "configuration, not this file.\n"
            "[Unit]\n"
            "Description=Starts borgmatic.service on a schedule\n"
            "\n"
            "[Timer]\n"
            "OnCalendar=*-*-* 03:00:00\n"
            "Persistent=true\n"
            "RandomizedDelaySec=30m\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n");
  EXPECT_EQ(Mutating(), (std::vector<std::string>{
                            "systemctl daemon-reload",
                            "systemctl enable --now borgmatic.timer"}));
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  // The service itself is started by the timer only.
  EXPECT_FALSE(systemd_.unit("borgmatic.service").active);

  size_t before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_TRUE(Mutating(before).empty());
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(TimerTest, AbsentStopsDisablesAndRemovesBothUnits) {
  Converge(Resource(Spec()));
  // The spec as last applied, with ensure = absent.
  v1::Timer spec = Spec();
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "active"), "active -> inactive");
  EXPECT_EQ(Field(diff, "enabled"), "enabled -> disabled");
  EXPECT_EQ(Field(diff, "unit"),
            "(/etc/systemd/system/borgmatic.service "
            "/etc/systemd/system/borgmatic.timer) -> (none)");
  EXPECT_NE(diff.text_diff().find("-OnCalendar=*-*-* 03:00:00\n"),
            std::string::npos)
      << diff.text_diff();
  EXPECT_NE(diff.text_diff().find("-Type=oneshot\n"), std::string::npos)
      << diff.text_diff();

  size_t before = host_.commands().size();
  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl stop borgmatic.timer",
                                      "systemctl disable borgmatic.timer",
                                      "systemctl daemon-reload"}));
  EXPECT_FALSE(host_.Stat("/etc/systemd/system/borgmatic.timer")->exists());
  EXPECT_FALSE(host_.Stat("/etc/systemd/system/borgmatic.service")->exists());
  EXPECT_FALSE(systemd_.known("borgmatic.timer"));
  EXPECT_FALSE(systemd_.known("borgmatic.service"));
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_TRUE(Mutating(before).empty());
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(TimerTest, AbsentNeedsOnlyTheName) {
  Converge(Resource(Spec()));
  v1::Timer spec;
  spec.set_name("borgmatic");
  spec.set_ensure(v1::ENSURE_ABSENT);
  Converge(Resource(spec));
  EXPECT_FALSE(host_.Stat("/etc/systemd/system/borgmatic.timer")->exists());
}

TEST_F(TimerTest, AbsentWhenAlreadyGoneIsNothingToDo) {
  v1::Timer spec = Spec();
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ResourceDiff diff = Check(Resource(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(diff.changes_size(), 0);
  ASSERT_TRUE(provider().Apply(Resource(spec), diff, context_).ok());
  EXPECT_TRUE(Mutating().empty());
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(TimerTest, AbsentRemovesWhatIsLeftOfAHalfRemovedTimer) {
  // Stopped and disabled by hand, the timer file deleted, no reload.
  Converge(Resource(Spec()));
  systemd_.unit("borgmatic.timer").active = false;
  systemd_.unit("borgmatic.timer").enabled = "disabled";
  ASSERT_TRUE(host_.Remove("/etc/systemd/system/borgmatic.timer").ok());
  v1::Timer spec = Spec();
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "unit"),
            "(/etc/systemd/system/borgmatic.service) -> (none)");
  size_t before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload"}));
  EXPECT_FALSE(systemd_.known("borgmatic.timer"));
}

TEST_F(TimerTest, AbsentWithASecretCommandShowsNoContent) {
  v1::Timer spec = Spec();
  spec.set_command("curl -u admin:hunter2 https://example.test/ping");
  Converge(Resource(spec));
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  r.add_secret_fields("command");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_TRUE(diff.text_diff().empty());
  EXPECT_EQ(diff.DebugString().find("hunter2"), std::string::npos);
  Converge(r);
}

TEST_F(TimerTest, ANewScheduleRestartsTheTimer) {
  Converge(Resource(Spec()));
  v1::Timer spec = Spec();
  spec.set_on_calendar("hourly");
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(Field(diff, "on_calendar"), "*-*-* 03:00:00 -> hourly");
  EXPECT_NE(diff.text_diff().find("-OnCalendar=*-*-* 03:00:00\n"
                                  "+OnCalendar=hourly\n"),
            std::string::npos)
      << diff.text_diff();
  size_t before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload",
                                      "systemctl restart borgmatic.timer"}));
}

TEST_F(TimerTest, ANewCommandNeedsNoRestart) {
  Converge(Resource(Spec()));
  v1::Timer spec = Spec();
  spec.set_command("/usr/bin/borgmatic");
  v1::Resource r = Resource(spec);
  EXPECT_EQ(Field(Check(r), "command"),
            "/usr/bin/borgmatic --verbosity 1 -> /usr/bin/borgmatic");
  size_t before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(Mutating(before),
            (std::vector<std::string>{"systemctl daemon-reload"}));
}

TEST_F(TimerTest, TheCommandReachesTheShellUnchanged) {
  v1::Timer spec = Spec();
  spec.set_command(
      "tar czf \"/srv/backup-$(date +%F).tgz\" /etc && echo \\done\n"
      "echo $HOME");
  v1::Resource r = Resource(spec);
  Converge(r);
  std::string service =
      *host_.ReadFile("/etc/systemd/system/borgmatic.service");
  EXPECT_NE(service.find("ExecStart=/bin/sh -c \"tar czf "
                         "\\\"/srv/backup-$$(date +%%F).tgz\\\" /etc && echo "
                         "\\\\done\\necho $$HOME\"\n"),
            std::string::npos)
      << service;
  // And Check shows it as written.
  spec.set_command("true");
  EXPECT_EQ(Field(Check(Resource(spec)), "command"),
            "tar czf \"/srv/backup-$(date +%F).tgz\" /etc && echo "
            "\\done\necho $HOME -> true");
}

TEST_F(TimerTest, AStoppedOrDisabledTimerIsStartedAgain) {
  v1::Resource r = Resource(Spec());
  Converge(r);
  systemd_.unit("borgmatic.timer").active = false;
  EXPECT_EQ(Field(Check(r), "active"), "inactive -> active");
  size_t before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(
      Mutating(before),
      (std::vector<std::string>{"systemctl enable --now borgmatic.timer"}));
  systemd_.unit("borgmatic.timer").enabled = "masked";
  EXPECT_EQ(Field(Check(r), "enabled"), "masked -> enabled");
  before = host_.commands().size();
  Converge(r);
  EXPECT_EQ(Mutating(before), (std::vector<std::string>{
                                  "systemctl unmask borgmatic.timer",
                                  "systemctl enable --now borgmatic.timer"}));
}

TEST_F(TimerTest, HandEditedUnitsAreRewritten) {
  v1::Resource r = Resource(Spec());
  Converge(r);
  std::string timer = *host_.ReadFile("/etc/systemd/system/borgmatic.timer");
  host_.PutFile("/etc/systemd/system/borgmatic.timer",
                timer + "AccuracySec=1h\n");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Field(diff, "unit"), "(other content) -> (as cairn writes it)");
  Converge(r);
}

TEST_F(TimerTest, RefusesLineBreaksInDirectives) {
  v1::Timer spec = Spec();
  spec.set_on_calendar("daily\nExecStartPre=/bin/evil");
  EXPECT_EQ(provider().Check(Resource(spec), context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(provider().Apply(Resource(spec), {}, context_).code(),
            absl::StatusCode::kInvalidArgument);
  spec = Spec();
  spec.set_name("../x");
  EXPECT_EQ(provider().Apply(Resource(spec), {}, context_).code(),
            absl::StatusCode::kInvalidArgument);
  spec = Spec();
  spec.clear_command();
  EXPECT_EQ(provider().Apply(Resource(spec), {}, context_).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(TimerTest, ASecretCommandShowsOnlyFingerprints) {
  context_.fingerprint_key = "key";
  v1::Timer spec = Spec();
  spec.set_command("curl -u admin:hunter2 https://example.test/ping");
  v1::Resource r = Resource(spec);
  r.add_secret_fields("command");
  v1::ResourceDiff diff = Check(r);
  EXPECT_TRUE(diff.text_diff().empty());
  for (const v1::FieldChange& c : diff.changes()) {
    EXPECT_EQ(c.desired().find("hunter2"), std::string::npos) << c.field();
  }
  EXPECT_TRUE(StartsWith(Field(diff, "command"), "(secret:"));
  Converge(r);
}

}  // namespace
}  // namespace cairn::agent
