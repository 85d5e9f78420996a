#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/fake_accounts.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Action = v1::ResourceDiff::Action;

constexpr char kHash[] = "$6$saltsalt$Zq0hashhashhash";

v1::Resource Resource(const v1::User& spec) {
  v1::Resource r;
  r.set_kind("user");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

std::string Changes(const v1::ResourceDiff& diff) {
  std::vector<std::string> out;
  for (const v1::FieldChange& c : diff.changes()) {
    out.push_back(
        StrCat(c.field(), ": '", c.current(), "' -> '", c.desired(), "'"));
  }
  return StrJoin(out, "\n");
}

class UserTest : public ::testing::Test {
 protected:
  UserTest() {
    PutBaseAccounts(host_);
    InstallAccountTools(host_);
    context_.host = &host_;
    context_.fingerprint_key = "test-key";
  }

  // Check, asserting it changed nothing and ran no command.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    std::string passwd = host_.ReadFile("/etc/passwd").value();
    absl::StatusOr<v1::ResourceDiff> diff = provider_->Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    EXPECT_EQ(host_.commands().size(), commands) << host_.commands().back();
    EXPECT_EQ(host_.ReadFile("/etc/passwd").value(), passwd);
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  // Check, Apply, and Check again, which must find nothing to do. Returns
  // the commands Apply ran.
  std::vector<std::string> Converge(const v1::Resource& r, Action expected) {
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), expected) << Changes(diff);
    size_t before = host_.commands().size();
    absl::Status applied = provider_->Apply(r, diff, context_);
    EXPECT_TRUE(applied.ok()) << applied;
    std::vector<std::string> ran(host_.commands().begin() + before,
                                 host_.commands().end());
    v1::ResourceDiff again = Check(r);
    EXPECT_EQ(again.action(), v1::ResourceDiff::ACTION_NONE)
        << Changes(again) << "\nafter: " << StrJoin(ran, "\n");
    EXPECT_EQ(again.changes_size(), 0);
    return ran;
  }

  void AddUser(const std::string& line, const std::string& shadow) {
    host_.PutFile("/etc/passwd",
                  StrCat(host_.ReadFile("/etc/passwd").value(), line, "\n"));
    host_.PutFile("/etc/shadow",
                  StrCat(host_.ReadFile("/etc/shadow").value(), shadow,
                         ":19000:0:99999:7:::\n"),
                  0640, 0, 42);
  }
  void AddGroup(const std::string& line) {
    host_.PutFile("/etc/group",
                  StrCat(host_.ReadFile("/etc/group").value(), line, "\n"));
  }

  FakeHost host_;
  ProviderContext context_;
  const Provider* provider_ = FindProvider("user");
};

TEST_F(UserTest, IsRegistered) {
  ASSERT_NE(provider_, nullptr);
  EXPECT_EQ(provider_->kind(), "user");
  EXPECT_FALSE(provider_->batches());
}

TEST_F(UserTest, CreatesUserWithGroupsShellKeysAndSecretPassword) {
  v1::User spec;
  spec.set_name("marien");
  spec.add_groups("sudo");
  spec.add_groups("adm");
  spec.set_shell("/bin/bash");
  spec.add_ssh_keys("ssh-ed25519 AAAAC3Nza marien@laptop\n\n");
  spec.add_ssh_keys("ssh-rsa AAAAB3Nza marien@desk");
  spec.set_password_hash(kHash);
  v1::Resource r = Resource(spec);
  r.add_secret_fields("password_hash");

  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(diff.resource().kind(), "user");
  EXPECT_EQ(diff.resource().id(), "marien");
  std::string changes = Changes(diff);
  EXPECT_NE(changes.find("groups: '' -> 'adm,sudo'"), std::string::npos)
      << changes;
  EXPECT_NE(changes.find("password_hash: '(secret:"), std::string::npos)
      << changes;
  EXPECT_EQ(changes.find("saltsalt"), std::string::npos) << changes;

  std::vector<std::string> ran = Converge(r, v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(ran.size(), 2u) << StrJoin(ran, "\n");
  EXPECT_EQ(ran[0],
            "useradd -U -G adm,sudo -s /bin/bash -d /home/marien -m marien");
  // The hash goes on stdin, never into argv.
  EXPECT_EQ(ran[1], "chpasswd -e");

  EXPECT_NE(host_.ReadFile("/etc/passwd")
                .value()
                .find("marien:x:1000:1000::/home/marien:/bin/bash"),
            std::string::npos);
  EXPECT_NE(host_.ReadFile("/etc/group").value().find("sudo:x:27:marien"),
            std::string::npos);
  EXPECT_NE(
      host_.ReadFile("/etc/shadow").value().find(StrCat("marien:", kHash, ":")),
      std::string::npos);
  EXPECT_EQ(host_.ReadFile("/home/marien/.ssh/authorized_keys").value(),
            "ssh-ed25519 AAAAC3Nza marien@laptop\n"
            "ssh-rsa AAAAB3Nza marien@desk\n");
  FileInfo keys = host_.Stat("/home/marien/.ssh/authorized_keys").value();
  EXPECT_EQ(keys.mode, 0600u);
  EXPECT_EQ(keys.uid, 1000u);
  EXPECT_EQ(keys.gid, 1000u);
  FileInfo dir = host_.Stat("/home/marien/.ssh").value();
  EXPECT_EQ(dir.type, FileInfo::Type::kDirectory);
  EXPECT_EQ(dir.mode, 0700u);
  EXPECT_EQ(dir.uid, 1000u);
}

TEST_F(UserTest, UpdatesUidGroupsShellAndLocksAPasswordNoLongerWanted) {
  AddUser("bob:x:1001:1001::/home/bob:/bin/sh", "bob:$6$old$oldhash");
  host_.PutFile("/etc/group",
                "root:x:0:\nadm:x:4:bob\nsudo:x:27:bob\nusers:x:100:\n"
                "bob:x:1001:\n");
  host_.PutDirectory("/home/bob", 0755, 1001, 1001);
  v1::User spec;
  spec.set_name("bob");
  spec.set_uid(1500);
  spec.add_groups("users");
  spec.set_shell("/bin/bash");
  v1::Resource r = Resource(spec);

  v1::ResourceDiff diff = Check(r);
  std::string changes = Changes(diff);
  EXPECT_NE(changes.find("uid: '1001' -> '1500'"), std::string::npos)
      << changes;
  EXPECT_NE(changes.find("groups: 'adm,sudo' -> 'users'"), std::string::npos)
      << changes;
  EXPECT_NE(changes.find("shell: '/bin/sh' -> '/bin/bash'"), std::string::npos)
      << changes;
  // Not a secret here, but the host's hash is never shown.
  EXPECT_NE(changes.find("password_hash: '(a hash)' -> '(locked)'"),
            std::string::npos)
      << changes;
  EXPECT_EQ(changes.find("oldhash"), std::string::npos) << changes;

  std::vector<std::string> ran = Converge(r, v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(ran.size(), 2u) << StrJoin(ran, "\n");
  EXPECT_EQ(ran[0], "usermod -u 1500 -G users -s /bin/bash bob");
  EXPECT_EQ(ran[1], "usermod -L bob");
  EXPECT_NE(host_.ReadFile("/etc/shadow").value().find("bob:!$6$old$oldhash:"),
            std::string::npos);
  EXPECT_NE(host_.ReadFile("/etc/group").value().find("adm:x:4:\n"),
            std::string::npos);
}

TEST_F(UserTest, NoGroupsMeansNoSupplementaryGroups) {
  AddUser("eve:x:1002:1002::/home/eve:/bin/sh", "eve:!");
  host_.PutFile("/etc/group", "root:x:0:\nsudo:x:27:eve,joe\neve:x:1002:\n");
  v1::User spec;
  spec.set_name("eve");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "usermod -G  eve");  // -G "" empties the list.
  EXPECT_NE(host_.ReadFile("/etc/group").value().find("sudo:x:27:joe\n"),
            std::string::npos);
}

TEST_F(UserTest, AlreadyConvergedUserNeedsNothing) {
  AddUser("ann:x:1003:1003::/home/ann:/bin/bash", "ann:!");
  AddGroup("ann:x:1003:");
  v1::User spec;
  spec.set_name("ann");
  spec.set_shell("/bin/bash");
  v1::ResourceDiff diff = Check(Resource(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE) << Changes(diff);
}

TEST_F(UserTest, KeysAreManagedExclusively) {
  AddUser("ada:x:1004:1004::/home/ada:/bin/bash", "ada:!");
  AddGroup("ada:x:1004:");
  host_.PutDirectory("/home/ada", 0755, 1004, 1004);
  host_.PutDirectory("/home/ada/.ssh", 0755, 0, 0);
  host_.PutFile("/home/ada/.ssh/authorized_keys",
                "ssh-ed25519 KEEP ada\nssh-rsa INTRUDER someone\n", 0644, 0, 0);
  v1::User spec;
  spec.set_name("ada");
  spec.add_ssh_keys("ssh-ed25519 KEEP ada");
  v1::Resource r = Resource(spec);

  v1::ResourceDiff diff = Check(r);
  EXPECT_NE(Changes(diff).find("ssh_keys: 'ssh-ed25519 KEEP ada\nssh-rsa "
                               "INTRUDER someone' -> 'ssh-ed25519 KEEP ada'"),
            std::string::npos)
      << Changes(diff);
  std::vector<std::string> ran = Converge(r, v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_TRUE(ran.empty()) << StrJoin(ran, "\n");
  EXPECT_EQ(host_.ReadFile("/home/ada/.ssh/authorized_keys").value(),
            "ssh-ed25519 KEEP ada\n");
  FileInfo dir = host_.Stat("/home/ada/.ssh").value();
  EXPECT_EQ(dir.mode, 0700u);
  EXPECT_EQ(dir.uid, 1004u);
  EXPECT_EQ(dir.gid, 1004u);
  FileInfo file = host_.Stat("/home/ada/.ssh/authorized_keys").value();
  EXPECT_EQ(file.mode, 0600u);
  EXPECT_EQ(file.uid, 1004u);

  // Only the mode drifts: still a change, and fixed.
  host_.PutFile("/home/ada/.ssh/authorized_keys", "ssh-ed25519 KEEP ada\n",
                0644, 1004, 1004);
  Converge(r, v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(host_.Stat("/home/ada/.ssh/authorized_keys").value().mode, 0600u);

  // No keys in the catalog: the file may grant nothing.
  spec.clear_ssh_keys();
  Converge(Resource(spec), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_FALSE(host_.Stat("/home/ada/.ssh/authorized_keys").value().exists());
}

TEST_F(UserTest, RefusesToFollowASshSymlink) {
  AddUser("mal:x:1005:1005::/home/mal:/bin/bash", "mal:!");
  AddGroup("mal:x:1005:");
  host_.PutDirectory("/home/mal", 0755, 1005, 1005);
  host_.PutDirectory("/etc/ssh");
  host_.PutSymlink("/etc/ssh", "/home/mal/.ssh");
  v1::User spec;
  spec.set_name("mal");
  spec.add_ssh_keys("ssh-ed25519 AAAA mal");
  v1::Resource r = Resource(spec);
  int mutations = host_.mutations();
  absl::StatusOr<v1::ResourceDiff> diff = provider_->Check(r, context_);
  ASSERT_FALSE(diff.ok());
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::Status applied = provider_->Apply(r, v1::ResourceDiff(), context_);
  EXPECT_FALSE(applied.ok());
  EXPECT_EQ(host_.mutations(), mutations);
  EXPECT_FALSE(host_.Stat("/etc/ssh/authorized_keys").value().exists());
}

TEST_F(UserTest, AbsentRemovesTheUserButKeepsTheHome) {
  AddUser("carol:x:1006:1006::/home/carol:/bin/bash", "carol:!");
  AddGroup("carol:x:1006:");
  host_.PutDirectory("/home/carol", 0700, 1006, 1006);
  host_.PutFile("/home/carol/notes", "keep me");
  v1::User spec;
  spec.set_name("carol");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(Changes(diff), "ensure: 'present' -> 'absent'");
  std::vector<std::string> ran = Converge(r, v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(ran, std::vector<std::string>{"userdel carol"});
  EXPECT_EQ(host_.ReadFile("/etc/passwd").value().find("carol"),
            std::string::npos);
  EXPECT_EQ(host_.ReadFile("/home/carol/notes").value(), "keep me");

  // Absent and already gone: nothing at all.
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->Apply(r, Check(r), context_).ok());
  EXPECT_EQ(host_.commands().size(), before);
}

TEST_F(UserTest, AbsentTakesTheLastAppliedSpecAsItIs) {
  // What the controller sends for a user no longer declared: the spec as it
  // was, ensure = absent. Its groups, keys and password do not matter.
  AddUser("erin:x:1007:1007::/home/erin:/bin/bash", "erin:!");
  AddGroup("erin:x:1007:");
  v1::User spec;
  spec.set_name("erin");
  spec.set_uid(1007);
  spec.add_groups("sudo");
  spec.add_groups("gone-since");
  spec.add_ssh_keys("ssh-ed25519 AAAA erin@laptop");
  spec.set_password_hash(kHash);
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  r.add_secret_fields("password_hash");
  EXPECT_EQ(Converge(r, v1::ResourceDiff::ACTION_DELETE),
            std::vector<std::string>{"userdel erin"});
  // USERGROUPS_ENAB: its own group went with it.
  EXPECT_EQ(host_.ReadFile("/etc/group").value().find("erin"),
            std::string::npos);
}

TEST_F(UserTest, AbsentAndNeverThereIsNothingToDo) {
  v1::User spec;
  spec.set_name("nobody-here");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(diff.changes_size(), 0);
  ASSERT_TRUE(provider_->Apply(r, diff, context_).ok());
  EXPECT_TRUE(host_.commands().empty());
  EXPECT_EQ(host_.mutations(), 0);
}

TEST_F(UserTest, AbsentRefusesAUserWithRunningProcesses) {
  AddUser("frank:x:1008:1008::/home/frank:/bin/bash", "frank:!");
  AddGroup("frank:x:1008:");
  // /proc as the kernel shows it: real, effective, saved and fs uids.
  host_.PutFile("/proc/1/status", "Name:\tinit\nUid:\t0\t0\t0\t0\n");
  host_.PutFile("/proc/4242/status",
                "Name:\tbash\nUid:\t1008\t1008\t1008\t1008\n");
  host_.PutFile("/proc/4243/status",
                "Name:\tsudo\nUid:\t1008\t0\t0\t0\n");  // setuid.
  host_.PutFile("/proc/10081/status",
                "Name:\tx\nUid:\t10081\t10081\t10081\t10081\n");
  host_.PutFile("/proc/self", "not a process directory");
  host_.PutDirectory("/proc/sys");
  v1::User spec;
  spec.set_name("frank");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  int mutations = host_.mutations();
  absl::Status applied = provider_->Apply(r, diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(applied.message(),
            "user frank is not removed: it has 2 running processes (pid "
            "4242, 4243); stop them first");
  EXPECT_TRUE(host_.commands().empty());  // userdel never ran.
  EXPECT_EQ(host_.mutations(), mutations);
  EXPECT_NE(host_.ReadFile("/etc/passwd").value().find("frank"),
            std::string::npos);

  // Once they have ended, it goes.
  ASSERT_TRUE(host_.Remove("/proc/4242/status").ok());
  ASSERT_TRUE(host_.Remove("/proc/4243/status").ok());
  EXPECT_EQ(Converge(r, v1::ResourceDiff::ACTION_DELETE),
            std::vector<std::string>{"userdel frank"});
}

TEST_F(UserTest, AbsentReportsUserdelRefusingAProcessStartedMeanwhile) {
  AddUser("gina:x:1009:1009::/home/gina:/bin/bash", "gina:!");
  host_.OnCommand("userdel",
                  [](const std::vector<std::string>&, std::string_view) {
                    CommandResult r;
                    r.exit_code = 8;
                    r.err =
                        "userdel: user gina is currently used by process "
                        "777\n";
                    return r;
                  });
  v1::User spec;
  spec.set_name("gina");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  absl::Status applied = provider_->Apply(r, Check(r), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(applied.message(),
            "userdel gina exited with 8: userdel: user gina is currently "
            "used by process 777");
}

TEST_F(UserTest, SystemUserWithoutHomeGetsNone) {
  v1::User spec;
  spec.set_name("prom");
  spec.set_system(true);
  spec.set_shell("/usr/sbin/nologin");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "useradd -r -U -s /usr/sbin/nologin -M prom");
  EXPECT_NE(host_.ReadFile("/etc/passwd").value().find("prom:x:999:999:"),
            std::string::npos);
  EXPECT_FALSE(host_.Stat("/home/prom").value().exists());
}

TEST_F(UserTest, SystemUserWithHomeAndKeysGetsThem) {
  v1::User spec;
  spec.set_name("backup");
  spec.set_system(true);
  spec.set_home("/var/lib/backup");
  spec.add_ssh_keys("ssh-ed25519 BBBB backup@controller");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "useradd -r -U -d /var/lib/backup -m backup");
  EXPECT_EQ(host_.ReadFile("/var/lib/backup/.ssh/authorized_keys").value(),
            "ssh-ed25519 BBBB backup@controller\n");
  EXPECT_EQ(host_.Stat("/var/lib/backup/.ssh/authorized_keys").value().uid,
            999u);
}

TEST_F(UserTest, PrimaryGroupNamedLikeTheUserThatExistsIsUsed) {
  AddGroup("deploy:x:2000:");
  v1::User spec;
  spec.set_name("deploy");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "useradd -g deploy -d /home/deploy -m deploy");
  EXPECT_NE(host_.ReadFile("/etc/passwd").value().find("deploy:x:1000:2000:"),
            std::string::npos);
}

TEST_F(UserTest, ExplicitPrimaryGroupAndUid) {
  v1::User spec;
  spec.set_name("web");
  spec.set_uid(3000);
  spec.set_group("users");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "useradd -u 3000 -g users -d /home/web -m web");

  // Moving it to its own group later: the group is made first.
  spec.clear_group();
  ran = Converge(Resource(spec), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(ran.size(), 2u) << StrJoin(ran, "\n");
  EXPECT_EQ(ran[0], "groupadd web");
  EXPECT_EQ(ran[1], "usermod -g web web");
}

TEST_F(UserTest, ChangedHomeIsMovedWhenTheNewOneIsFree) {
  AddUser("dave:x:1007:1007::/home/dave:/bin/bash", "dave:!");
  AddGroup("dave:x:1007:");
  host_.PutDirectory("/home/dave", 0700, 1007, 1007);
  host_.PutFile("/home/dave/data", "x");
  host_.PutDirectory("/srv");
  v1::User spec;
  spec.set_name("dave");
  spec.set_home("/srv/dave");
  std::vector<std::string> ran =
      Converge(Resource(spec), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(ran, std::vector<std::string>{"usermod -d /srv/dave -m dave"});
  EXPECT_EQ(host_.ReadFile("/srv/dave/data").value(), "x");
}

TEST_F(UserTest, AFailingToolIsAnErrorWithItsMessage) {
  v1::User spec;
  spec.set_name("zed");
  spec.set_group("nosuchgroup");
  v1::Resource r = Resource(spec);
  absl::Status applied = provider_->Apply(r, Check(r), context_);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.message().find("group 'nosuchgroup' does not exist"),
            absl::string_view::npos)
      << applied;
}

TEST_F(UserTest, RejectsValuesThatWouldBreakTheFilesOrTheTools) {
  v1::User spec;
  spec.set_name("-oops");
  EXPECT_EQ(provider_->Check(Resource(spec), context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.set_name("ok");
  spec.add_groups("a:b");
  EXPECT_EQ(provider_->Check(Resource(spec), context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec.clear_groups();
  // A line break in the hash would set another account's password through
  // chpasswd; the error never repeats the value.
  spec.set_password_hash("$6$x$y\nroot:$6$evil");
  v1::Resource r = Resource(spec);
  r.add_secret_fields("password_hash");
  absl::Status status = provider_->Apply(r, v1::ResourceDiff(), context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().find("evil"), absl::string_view::npos);
  EXPECT_TRUE(host_.commands().empty());
}

}  // namespace
}  // namespace cairn::agent
