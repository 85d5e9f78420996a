#include "agent/host/fake_host.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Type = FileInfo::Type;

std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

TEST(FakeHostTest, StartsWithAnEmptyRoot) {
  FakeHost host;
  absl::StatusOr<FileInfo> root = host.Stat("/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->type, Type::kDirectory);
  EXPECT_EQ(root->mode, 0755u);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_THAT(*host.ListDirectory("/"), ElementsAre());
  EXPECT_EQ(host.mutations(), 0);
}

TEST(FakeHostTest, PutCreatesParentsAndIsNotAMutation) {
  FakeHost host;
  host.PutFile("/etc/app/conf", "x=1\n", 0600, 33, 34);
  EXPECT_EQ(host.Stat("/etc")->type, Type::kDirectory);
  EXPECT_EQ(host.Stat("/etc/app")->mode, 0755u);
  FileInfo info = *host.Stat("/etc/app/conf");
  EXPECT_EQ(info.type, Type::kFile);
  EXPECT_EQ(info.mode, 0600u);
  EXPECT_EQ(info.uid, 33u);
  EXPECT_EQ(info.gid, 34u);
  EXPECT_EQ(info.size, 4);
  EXPECT_EQ(*host.ReadFile("/etc/app/conf"), "x=1\n");
  EXPECT_EQ(host.mutations(), 0);
}

TEST(FakeHostTest, PathsAreNormalized) {
  FakeHost host;
  host.PutFile("/etc//app/./conf/", "a");
  EXPECT_EQ(*host.ReadFile("/etc/app/conf"), "a");
  EXPECT_EQ(*host.ReadFile("/etc/x/../app//conf"), "a");
  EXPECT_EQ(*host.ReadFile("/../etc/app/conf"), "a");
  EXPECT_THAT(*host.ListDirectory("/etc/"), ElementsAre("app"));
}

TEST(FakeHostTest, RelativePathsAreRejected) {
  FakeHost host;
  absl::StatusOr<FileInfo> info = host.Stat("etc/passwd");
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(info.status()), HasSubstr("etc/passwd"));
  EXPECT_FALSE(host.WriteFile("x", "", 0644, 0, 0).ok());
}

TEST(FakeHostTest, StatOfMissingPathIsNotAnError) {
  FakeHost host;
  EXPECT_FALSE(host.Stat("/nope")->exists());
  EXPECT_FALSE(host.Stat("/nope/deeper")->exists());
}

TEST(FakeHostTest, StatUnderAFileIsNotADirectoryError) {
  FakeHost host;
  host.PutFile("/f", "");
  absl::StatusOr<FileInfo> info = host.Stat("/f/x");
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(info.status()), HasSubstr("/f/x"));
  EXPECT_THAT(Message(info.status()), HasSubstr("Not a directory"));
}

TEST(FakeHostTest, ReadErrorsNameThePath) {
  FakeHost host;
  host.PutDirectory("/d");
  absl::StatusOr<std::string> missing = host.ReadFile("/d/missing");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(Message(missing.status()), HasSubstr("/d/missing"));
  EXPECT_THAT(Message(missing.status()), HasSubstr("No such file"));
  absl::StatusOr<std::string> dir = host.ReadFile("/d");
  EXPECT_FALSE(dir.ok());
  EXPECT_THAT(Message(dir.status()), HasSubstr("Is a directory"));
  EXPECT_FALSE(host.ReadLink("/d").ok());
  EXPECT_EQ(host.ListDirectory("/nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FakeHostTest, ListDirectoryIsSortedAndOneLevel) {
  FakeHost host;
  host.PutFile("/a/b", "");
  host.PutFile("/a/c/d", "");
  host.PutFile("/a-b", "");  // Sorts between "/a" and "/a/...".
  host.PutFile("/a.c/x", "");
  host.PutSymlink("b", "/a/link");
  EXPECT_THAT(*host.ListDirectory("/a"), ElementsAre("b", "c", "link"));
  EXPECT_THAT(*host.ListDirectory("/"), ElementsAre("a", "a-b", "a.c"));
  absl::StatusOr<std::vector<std::string>> file = host.ListDirectory("/a/b");
  EXPECT_THAT(Message(file.status()), HasSubstr("Not a directory"));
}

TEST(FakeHostTest, WriteFileNeedsItsParent) {
  FakeHost host;
  absl::Status status = host.WriteFile("/etc/motd", "hi", 0644, 0, 0);
  EXPECT_TRUE(absl::IsNotFound(status));
  EXPECT_THAT(Message(status), HasSubstr("/etc/motd"));
  host.PutFile("/etc", "not a dir");
  status = host.WriteFile("/etc/motd", "hi", 0644, 0, 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(status), HasSubstr("Not a directory"));
  EXPECT_EQ(host.mutations(), 0);
}

TEST(FakeHostTest, WriteFileCreatesAndReplaces) {
  FakeHost host;
  host.PutDirectory("/etc");
  ASSERT_TRUE(host.WriteFile("/etc/motd", "one", 0640, 5, 6).ok());
  FileInfo info = *host.Stat("/etc/motd");
  EXPECT_EQ(info.type, Type::kFile);
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.uid, 5u);
  EXPECT_EQ(info.gid, 6u);
  ASSERT_TRUE(host.WriteFile("/etc/motd", "two!", 0100644, 0, 0).ok());
  EXPECT_EQ(*host.ReadFile("/etc/motd"), "two!");
  EXPECT_EQ(host.Stat("/etc/motd")->mode, 0644u);  // Permission bits only.
  EXPECT_EQ(host.Stat("/etc/motd")->size, 4);
  EXPECT_EQ(host.mutations(), 2);
}

TEST(FakeHostTest, WriteFileReplacesASymlinkInsteadOfFollowingIt) {
  FakeHost host;
  host.PutFile("/etc/real", "real");
  host.PutSymlink("/etc/real", "/etc/link");
  EXPECT_EQ(*host.ReadFile("/etc/link"), "real");  // open follows.
  ASSERT_TRUE(host.WriteFile("/etc/link", "new", 0644, 0, 0).ok());
  EXPECT_EQ(host.Stat("/etc/link")->type, Type::kFile);
  EXPECT_EQ(*host.ReadFile("/etc/real"), "real");
}

TEST(FakeHostTest, WriteFileOverADirectoryFails) {
  FakeHost host;
  host.PutDirectory("/srv");
  absl::Status status = host.WriteFile("/srv", "x", 0644, 0, 0);
  EXPECT_THAT(Message(status), HasSubstr("Is a directory"));
  EXPECT_EQ(host.Stat("/srv")->type, Type::kDirectory);
}

TEST(FakeHostTest, IntermediateSymlinksAreFollowed) {
  FakeHost host;
  host.PutFile("/data/www/index.html", "hello");
  host.PutSymlink("/data/www", "/srv/www");
  host.PutSymlink("../data", "/srv/rel");
  EXPECT_EQ(*host.ReadFile("/srv/www/index.html"), "hello");
  EXPECT_EQ(*host.ReadFile("/srv/rel/www/index.html"), "hello");
  ASSERT_TRUE(host.WriteFile("/srv/www/new", "n", 0644, 0, 0).ok());
  EXPECT_EQ(*host.ReadFile("/data/www/new"), "n");
  EXPECT_THAT(*host.ListDirectory("/srv/www"),
              ElementsAre("index.html", "new"));
}

TEST(FakeHostTest, StatDoesNotFollowTheLastSymlink) {
  FakeHost host;
  host.PutDirectory("/target");
  host.PutSymlink("/target", "/link");
  FileInfo info = *host.Stat("/link");
  EXPECT_EQ(info.type, Type::kSymlink);
  EXPECT_EQ(info.mode, 0777u);
  EXPECT_EQ(info.size, 7);
  EXPECT_EQ(*host.ReadLink("/link"), "/target");
  EXPECT_EQ(host.Stat("/link/")->type, Type::kDirectory);  // As lstat(2).
}

TEST(FakeHostTest, DanglingAndLoopingSymlinks) {
  FakeHost host;
  host.PutSymlink("/nowhere", "/dangling");
  EXPECT_EQ(host.Stat("/dangling")->type, Type::kSymlink);
  EXPECT_TRUE(absl::IsNotFound(host.ReadFile("/dangling").status()));
  host.PutSymlink("/loop2", "/loop1");
  host.PutSymlink("/loop1", "/loop2");
  absl::StatusOr<std::string> loop = host.ReadFile("/loop1");
  EXPECT_FALSE(loop.ok());
  EXPECT_THAT(Message(loop.status()), HasSubstr("/loop1"));
  EXPECT_THAT(Message(loop.status()), HasSubstr("symbolic links"));
}

TEST(FakeHostTest, MakeDirectory) {
  FakeHost host;
  ASSERT_TRUE(host.MakeDirectory("/srv", 0750, 7, 8).ok());
  FileInfo info = *host.Stat("/srv");
  EXPECT_EQ(info.type, Type::kDirectory);
  EXPECT_EQ(info.mode, 0750u);
  EXPECT_EQ(info.uid, 7u);
  absl::Status again = host.MakeDirectory("/srv", 0750, 0, 0);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(Message(again), HasSubstr("/srv"));
  absl::Status deep = host.MakeDirectory("/a/b", 0755, 0, 0);
  EXPECT_TRUE(absl::IsNotFound(deep));
  EXPECT_THAT(Message(deep), HasSubstr("/a/b"));
  host.PutSymlink("/srv", "/link");
  EXPECT_EQ(host.MakeDirectory("/link", 0755, 0, 0).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(host.mutations(), 1);
}

TEST(FakeHostTest, OwnerAndMode) {
  FakeHost host;
  host.PutFile("/f", "x");
  host.PutSymlink("/f", "/link");
  ASSERT_TRUE(host.SetMode("/f", 0600).ok());
  ASSERT_TRUE(host.SetOwner("/f", 10, 20).ok());
  EXPECT_EQ(host.Stat("/f")->mode, 0600u);
  EXPECT_EQ(host.Stat("/f")->uid, 10u);
  EXPECT_EQ(host.Stat("/f")->gid, 20u);
  // The link itself, not its target.
  ASSERT_TRUE(host.SetOwner("/link", 30, 40).ok());
  EXPECT_EQ(host.Stat("/link")->uid, 30u);
  EXPECT_EQ(host.Stat("/f")->uid, 10u);
  EXPECT_FALSE(host.SetMode("/link", 0600).ok());
  EXPECT_EQ(host.Stat("/f")->mode, 0600u);
  EXPECT_TRUE(absl::IsNotFound(host.SetMode("/missing", 0600)));
  EXPECT_TRUE(absl::IsNotFound(host.SetOwner("/missing", 0, 0)));
  EXPECT_EQ(host.mutations(), 3);
}

TEST(FakeHostTest, MakeSymlinkReplacesFilesAndLinksButNotDirectories) {
  FakeHost host;
  host.PutFile("/etc/x", "file");
  ASSERT_TRUE(host.MakeSymlink("/a", "/etc/x").ok());
  EXPECT_EQ(*host.ReadLink("/etc/x"), "/a");
  ASSERT_TRUE(host.MakeSymlink("relative/b", "/etc/x").ok());
  EXPECT_EQ(*host.ReadLink("/etc/x"), "relative/b");
  EXPECT_EQ(host.Stat("/etc/x")->type, Type::kSymlink);
  host.PutDirectory("/etc/d");
  absl::Status status = host.MakeSymlink("/a", "/etc/d");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(Message(status), HasSubstr("/etc/d"));
  EXPECT_EQ(host.Stat("/etc/d")->type, Type::kDirectory);
  EXPECT_TRUE(absl::IsNotFound(host.MakeSymlink("/a", "/nope/link")));
  EXPECT_EQ(host.mutations(), 2);
}

TEST(FakeHostTest, Remove) {
  FakeHost host;
  host.PutFile("/d/f", "x");
  host.PutSymlink("/d", "/link");
  absl::Status not_empty = host.Remove("/d");
  EXPECT_THAT(Message(not_empty), HasSubstr("not empty"));
  ASSERT_TRUE(host.Remove("/link").ok());  // The link, not /d.
  EXPECT_TRUE(host.Stat("/d/f")->exists());
  ASSERT_TRUE(host.Remove("/d/f").ok());
  ASSERT_TRUE(host.Remove("/d").ok());
  EXPECT_FALSE(host.Stat("/d")->exists());
  absl::Status missing = host.Remove("/d");
  EXPECT_TRUE(absl::IsNotFound(missing));
  EXPECT_THAT(Message(missing), HasSubstr("/d"));
  EXPECT_EQ(host.mutations(), 3);
}

TEST(FakeHostTest, RemoveTreeTakesEverythingUnderIt) {
  FakeHost host;
  host.PutFile("/d/a/b/c", "x");
  host.PutFile("/d/e", "y");
  host.PutFile("/d-sibling", "z");
  ASSERT_TRUE(host.RemoveTree("/d").ok());
  EXPECT_FALSE(host.Stat("/d")->exists());
  EXPECT_FALSE(host.Stat("/d/a/b/c")->exists());
  EXPECT_TRUE(host.Stat("/d-sibling")->exists());
  EXPECT_THAT(*host.ListDirectory("/"), ElementsAre("d-sibling"));
  EXPECT_TRUE(absl::IsNotFound(host.RemoveTree("/d")));
  EXPECT_EQ(host.mutations(), 1);
}

TEST(FakeHostTest, RenameMovesFilesAndTrees) {
  FakeHost host;
  host.PutFile("/a/x", "x");
  host.PutFile("/a/sub/y", "y");
  host.PutFile("/a-other", "o");
  host.PutDirectory("/b");
  ASSERT_TRUE(host.Rename("/a", "/b/moved").ok());
  EXPECT_EQ(*host.ReadFile("/b/moved/x"), "x");
  EXPECT_EQ(*host.ReadFile("/b/moved/sub/y"), "y");
  EXPECT_FALSE(host.Stat("/a")->exists());
  EXPECT_TRUE(host.Stat("/a-other")->exists());
  ASSERT_TRUE(host.Rename("/a-other", "/b/moved/x").ok());  // Replaces.
  EXPECT_EQ(*host.ReadFile("/b/moved/x"), "o");
  EXPECT_EQ(host.mutations(), 2);
}

TEST(FakeHostTest, RenameErrors) {
  FakeHost host;
  host.PutFile("/f", "");
  host.PutFile("/full/x", "");
  host.PutDirectory("/empty");
  EXPECT_TRUE(absl::IsNotFound(host.Rename("/missing", "/g")));
  EXPECT_TRUE(absl::IsNotFound(host.Rename("/f", "/nodir/g")));
  EXPECT_THAT(Message(host.Rename("/f", "/empty")),
              HasSubstr("Is a directory"));
  EXPECT_THAT(Message(host.Rename("/empty", "/f")),
              HasSubstr("Not a directory"));
  EXPECT_THAT(Message(host.Rename("/empty", "/full")), HasSubstr("not empty"));
  EXPECT_EQ(host.Rename("/full", "/full/x/y").code(),
            absl::StatusCode::kFailedPrecondition);  // x is a file.
  EXPECT_EQ(host.Rename("/full", "/full/inside").code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(host.Rename("/empty", "/empty2").ok());
  EXPECT_EQ(host.mutations(), 1);
}

TEST(FakeHostTest, ScriptedCommands) {
  FakeHost host;
  host.OnCommand("useradd", [](const std::vector<std::string>& argv,
                               std::string_view input) {
    CommandResult result;
    result.out = std::string(input) + argv.back();
    return result;
  });
  absl::StatusOr<CommandResult> ran =
      host.Run({"useradd", "-m", "bob"}, "in:", absl::Seconds(1));
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->exit_code, 0);
  EXPECT_EQ(ran->out, "in:bob");
  Host& as_host = host;  // The defaults of Run are declared on Host.
  absl::StatusOr<CommandResult> missing =
      as_host.Run({"/usr/sbin/nft", "-f", "-"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_THAT(missing->err, HasSubstr("command not found"));
  EXPECT_THAT(missing->err, HasSubstr("/usr/sbin/nft"));
  EXPECT_THAT(host.commands(),
              ElementsAre("useradd -m bob", "/usr/sbin/nft -f -"));
  EXPECT_FALSE(as_host.Run({}).ok());
  EXPECT_EQ(host.mutations(), 0);
}

TEST(FakeHostTest, EnvironmentIsForTheHandlerNotTheLog) {
  FakeHost host;
  std::string seen;
  host.OnCommand("sh", [&](const std::vector<std::string>&, std::string_view) {
    auto it = host.environment().find("TOKEN");
    seen = it == host.environment().end() ? "(none)" : it->second;
    return CommandResult();
  });
  ASSERT_TRUE(host.RunWithEnvironment({"sh", "-c", "x"}, {{"TOKEN", "s3cr3t"}},
                                      "", absl::Seconds(7))
                  .ok());
  EXPECT_EQ(seen, "s3cr3t");
  EXPECT_EQ(host.timeout(), absl::Seconds(7));
  EXPECT_THAT(host.commands(), ElementsAre("sh -c x"));
  ASSERT_TRUE(host.Run({"sh"}, "", absl::Seconds(1)).ok());
  EXPECT_EQ(seen, "(none)");
  EXPECT_TRUE(host.environment().empty());
}

TEST(FakeHostTest, FileSha256AndInstallFile) {
  FakeHost host;
  host.PutFile("/d/abc", "abc");
  EXPECT_EQ(*host.FileSha256("/d/abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  host.PutFile("/d/.tmp", "new", 0600);
  ASSERT_TRUE(host.InstallFile("/d/.tmp", "/d/abc", 0755, 33, 33).ok());
  EXPECT_EQ(*host.ReadFile("/d/abc"), "new");
  EXPECT_EQ(host.Stat("/d/abc")->mode, 0755u);
  EXPECT_EQ(host.Stat("/d/abc")->uid, 33u);
  EXPECT_FALSE(host.Stat("/d/.tmp")->exists());
}

TEST(FakeHostTest, FailedCallsAreNotMutations) {
  FakeHost host;
  host.PutDirectory("/d");
  EXPECT_FALSE(host.Remove("/missing").ok());
  EXPECT_FALSE(host.MakeDirectory("/d", 0755, 0, 0).ok());
  EXPECT_FALSE(host.SetMode("/missing", 0644).ok());
  EXPECT_FALSE(host.Rename("/missing", "/x").ok());
  EXPECT_EQ(host.mutations(), 0);
}

}  // namespace
}  // namespace cairn::agent
