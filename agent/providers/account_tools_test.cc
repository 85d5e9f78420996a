#include "agent/providers/account_tools.h"

#include "agent/host/fake_host.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

TEST(AccountToolsTest, ParsesShadowSkippingWhatIsNotAnEntry) {
  ShadowPasswords shadow = ParseShadow(
      "root:*:19000:0:99999:7:::\n"
      "# comment\n"
      "short:x:1\n"
      "ada:$6$salt$hash:19000:0:99999:7:::\r\n"
      "ada:second:19000:0:99999:7:::\n"
      "bob::19000:0:99999:7:::");
  EXPECT_EQ(shadow, (ShadowPasswords{
                        {"ada", "$6$salt$hash"}, {"bob", ""}, {"root", "*"}}));
}

TEST(AccountToolsTest, MissingShadowIsEmpty) {
  FakeHost host;
  absl::StatusOr<ShadowPasswords> shadow = ReadShadow(host);
  ASSERT_TRUE(shadow.ok()) << shadow.status();
  EXPECT_TRUE(shadow->empty());
  host.PutFile("/etc/shadow", "ada:!:19000:0:99999:7:::\n", 0640);
  EXPECT_EQ(ReadShadow(host).value().at("ada"), "!");
}

TEST(AccountToolsTest, SupplementaryGroupsAreSortedAndUnique) {
  Accounts accounts = Accounts::Parse(
      "ada:x:1000:1000::/home/ada:/bin/sh\n",
      "sudo:x:27:ada\nadm:x:4:bob,ada\nada:x:1000:\nx:x:5:ada,ada\n");
  EXPECT_EQ(SupplementaryGroups(accounts, "ada"),
            (std::vector<std::string>{"adm", "sudo", "x"}));
  EXPECT_TRUE(SupplementaryGroups(accounts, "nobody").empty());
}

TEST(AccountToolsTest, AccountNames) {
  EXPECT_TRUE(CheckAccountName("user", "www-data").ok());
  EXPECT_TRUE(CheckAccountName("user", "a_b.c$").ok());
  for (const char* bad : {"", "-r", "a b", "a:b", "a,b", "a/b", "a\nb",
                          "abcdefghijabcdefghijabcdefghijabc"}) {
    EXPECT_EQ(CheckAccountName("user", bad).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(AccountToolsTest, RunAccountToolReportsTheFailureButNotTheInput) {
  FakeHost host;
  host.OnCommand("chpasswd",
                 [](const std::vector<std::string>&, std::string_view) {
                   CommandResult r;
                   r.exit_code = 1;
                   r.err = "chpasswd: line 1: user 'x' does not exist\n";
                   return r;
                 });
  absl::Status status =
      RunAccountTool(host, {"chpasswd", "-e"}, "x:$6$secret\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "chpasswd -e exited with 1: chpasswd: line 1: user 'x' does not "
            "exist");
  // Not found (127) is a failure too.
  EXPECT_EQ(RunAccountTool(host, {"true"}).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cairn::agent
