#include "agent/host/accounts.h"

#include "absl/status/status.h"
#include "agent/host/fake_host.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment\n"
    "\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\r\n"
    "+nisuser::::::\n"
    "broken:x:notanumber:1:::\n"
    "short:x:5\n"
    "www-data:x:99:99:second line loses::\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";

constexpr char kGroup[] =
    "root:x:0:\n"
    "www-data:x:33:\n"
    "sudo:x:27:alice,bob\n"
    "-nisgroup:::\n"
    "nogroup:x:65534:\n";

TEST(AccountsTest, ParsesPasswd) {
  Accounts accounts = Accounts::Parse(kPasswd, kGroup);
  ASSERT_EQ(accounts.users().size(), 4u);
  const Account* www = accounts.FindUser("www-data");
  ASSERT_NE(www, nullptr);
  EXPECT_EQ(www->uid, 33u);  // The first line wins.
  EXPECT_EQ(www->gid, 33u);
  EXPECT_EQ(www->home, "/var/www");
  EXPECT_EQ(www->shell, "/usr/sbin/nologin");  // Without the \r.
  EXPECT_EQ(accounts.FindUserById(65534)->name, "nobody");
  EXPECT_EQ(accounts.FindUser("broken"), nullptr);
  EXPECT_EQ(accounts.FindUser("short"), nullptr);
  EXPECT_EQ(accounts.FindUser("+nisuser"), nullptr);
}

TEST(AccountsTest, ParsesGroup) {
  Accounts accounts = Accounts::Parse(kPasswd, kGroup);
  ASSERT_EQ(accounts.groups().size(), 4u);
  EXPECT_THAT(accounts.FindGroup("sudo")->members, ElementsAre("alice", "bob"));
  EXPECT_THAT(accounts.FindGroup("root")->members, ElementsAre());
  EXPECT_EQ(accounts.FindGroupById(65534)->name, "nogroup");
  EXPECT_EQ(accounts.FindGroup("-nisgroup"), nullptr);
}

TEST(AccountsTest, IdsAndNames) {
  Accounts accounts = Accounts::Parse(kPasswd, kGroup);
  EXPECT_EQ(*accounts.UserId("www-data"), 33u);
  EXPECT_EQ(*accounts.UserId("1234"), 1234u);  // Digits: the id itself.
  absl::StatusOr<uid_t> missing = accounts.UserId("ghost");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("'ghost'"));
  EXPECT_EQ(*accounts.GroupId("sudo"), 27u);
  EXPECT_FALSE(accounts.GroupId("12x").ok());
  EXPECT_EQ(accounts.UserName(0), "root");
  EXPECT_EQ(accounts.UserName(4242), "4242");
  EXPECT_EQ(accounts.GroupName(27), "sudo");
  EXPECT_EQ(accounts.GroupName(4242), "4242");
}

TEST(AccountsTest, ReadsThroughTheHost) {
  FakeHost host;
  EXPECT_TRUE(absl::IsNotFound(Accounts::Read(host).status()));
  host.PutFile("/etc/passwd", kPasswd);
  host.PutFile("/etc/group", kGroup);
  absl::StatusOr<Accounts> accounts = Accounts::Read(host);
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(*accounts->UserId("nobody"), 65534u);
}

}  // namespace
}  // namespace cairn::agent
