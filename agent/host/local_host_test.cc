// LocalHost on the real machine, in a temporary directory. Runs as root (the
// development and CI machines do): files are given to "nobody".

#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "agent/host/host.h"
#include "agent/host/run_command.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Type = FileInfo::Type;

std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

class LocalHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = getenv("TEST_TMPDIR");
    std::string dir_template =
        StrCat(base != nullptr ? base : "/tmp", "/local_host_XXXXXX");
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
    dir_ = dir_template;
    host_ = MakeLocalHost();
    passwd* nobody = getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    nobody_uid_ = nobody->pw_uid;
    nobody_gid_ = nobody->pw_gid;
    ASSERT_EQ(geteuid(), 0u) << "this test changes ownership: run it as root";
  }
  void TearDown() override {
    if (!dir_.empty()) {
      EXPECT_TRUE(host_->RemoveTree(dir_).ok());
    }
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }
  // Names in the test directory, which shows leftover temporary files.
  std::vector<std::string> Entries() const {
    return *host_->ListDirectory(dir_);
  }

  std::string dir_;
  std::unique_ptr<Host> host_;
  uid_t nobody_uid_ = 0;
  gid_t nobody_gid_ = 0;
};

TEST_F(LocalHostTest, MakeDirectoriesNeedsAnAbsolutePath) {
  absl::Status made = MakeDirectories(*host_, "relative/dir", 0700, 0755);
  EXPECT_EQ(made.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LocalHostTest, MakeDirectoriesSideBySide) {
  // Agents starting together make the same parents at once: none fails.
  for (int round = 0; round < 20; ++round) {
    std::string leaf = Path(StrCat("r", round, "/a/b/c"));
    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        std::unique_ptr<Host> host = MakeLocalHost();
        _exit(MakeDirectories(*host, StrCat(leaf, "/", i), 0700, 0755).ok()
                  ? 0
                  : 1);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "round " << round;
    }
  }
}

TEST_F(LocalHostTest, StatIsLstat) {
  EXPECT_FALSE(host_->Stat(Path("missing"))->exists());
  EXPECT_FALSE(host_->Stat(Path("missing/deeper"))->exists());
  ASSERT_TRUE(host_->WriteFile(Path("f"), "12345", 0640, 0, 0).ok());
  FileInfo file = *host_->Stat(Path("f"));
  EXPECT_EQ(file.type, Type::kFile);
  EXPECT_EQ(file.mode, 0640u);
  EXPECT_EQ(file.size, 5);
  ASSERT_TRUE(host_->MakeSymlink(Path("f"), Path("link")).ok());
  EXPECT_EQ(host_->Stat(Path("link"))->type, Type::kSymlink);
  EXPECT_EQ(host_->Stat(dir_)->type, Type::kDirectory);
  absl::StatusOr<FileInfo> under_file = host_->Stat(Path("f/x"));
  EXPECT_EQ(under_file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(under_file.status()), HasSubstr(Path("f/x")));
}

TEST_F(LocalHostTest, WriteFileSetsContentModeAndOwner) {
  std::string path = Path("conf");
  ASSERT_TRUE(
      host_->WriteFile(path, "one\n", 0640, nobody_uid_, nobody_gid_).ok());
  FileInfo info = *host_->Stat(path);
  EXPECT_EQ(info.mode, 0640u);
  EXPECT_EQ(info.uid, nobody_uid_);
  EXPECT_EQ(info.gid, nobody_gid_);
  EXPECT_EQ(*host_->ReadFile(path), "one\n");
  // Set-id bits survive: the mode is set after the owner.
  ASSERT_TRUE(host_->WriteFile(path, "two\n", 04755, nobody_uid_, 0).ok());
  info = *host_->Stat(path);
  EXPECT_EQ(info.mode, 04755u);
  EXPECT_EQ(info.gid, 0u);
  EXPECT_EQ(*host_->ReadFile(path), "two\n");
  EXPECT_THAT(Entries(), ElementsAre("conf"));  // No temporary left.
}

TEST_F(LocalHostTest, WriteFileReplacesASymlinkItself) {
  ASSERT_TRUE(host_->WriteFile(Path("real"), "real", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->MakeSymlink("real", Path("link")).ok());
  ASSERT_TRUE(host_->WriteFile(Path("link"), "new", 0644, 0, 0).ok());
  EXPECT_EQ(host_->Stat(Path("link"))->type, Type::kFile);
  EXPECT_EQ(*host_->ReadFile(Path("real")), "real");
}

TEST_F(LocalHostTest, WriteFileErrorsLeaveNothingBehind) {
  absl::Status no_parent = host_->WriteFile(Path("nodir/f"), "x", 0644, 0, 0);
  EXPECT_TRUE(absl::IsNotFound(no_parent));
  EXPECT_THAT(Message(no_parent), HasSubstr(Path("nodir/f")));
  ASSERT_TRUE(host_->MakeDirectory(Path("d"), 0755, 0, 0).ok());
  absl::Status over_dir = host_->WriteFile(Path("d"), "x", 0644, 0, 0);
  EXPECT_FALSE(over_dir.ok());
  EXPECT_THAT(Message(over_dir), HasSubstr(Path("d")));
  EXPECT_THAT(Entries(), ElementsAre("d"));
}

// A write that fails half-way (the file size limit, EFBIG) keeps the old
// file and removes the temporary one.
TEST_F(LocalHostTest, FailedWriteKeepsTheOldFile) {
  std::string path = Path("big");
  ASSERT_TRUE(host_->WriteFile(path, "old", 0644, 0, 0).ok());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit = {65536, 65536};
    setrlimit(RLIMIT_FSIZE, &limit);
    absl::Status status =
        host_->WriteFile(path, std::string(1 << 20, 'x'), 0644, 0, 0);
    _exit(!status.ok() && Message(status).find("big") != std::string::npos ? 0
                                                                           : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << "the write did not fail as set up";
  EXPECT_EQ(*host_->ReadFile(path), "old");
  EXPECT_THAT(Entries(), ElementsAre("big"));
}

// A writer killed at random moments: the file is always the old content or
// one complete new content, never a part.
TEST_F(LocalHostTest, InterruptedWriteNeverShowsAPartialFile) {
  std::string path = Path("target");
  constexpr size_t kSize = 4 << 20;
  ASSERT_TRUE(host_->WriteFile(path, "old", 0644, 0, 0).ok());
  for (int round = 0; round < 12; ++round) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0;; ++i) {
        char fill = i % 2 == 0 ? 'a' : 'b';
        (void)host_->WriteFile(path, std::string(kSize, fill), 0644, 0, 0);
      }
    }
    absl::SleepFor(absl::Milliseconds(3 + 7 * round));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::string content = *host_->ReadFile(path);
    bool whole = content == "old" || content == std::string(kSize, 'a') ||
                 content == std::string(kSize, 'b');
    EXPECT_TRUE(whole) << "round " << round << ": " << content.size()
                       << " bytes starting with '" << content.substr(0, 1)
                       << "'";
  }
  // Killed writers may leave hidden temporaries, never a visible part.
  for (const std::string& name : Entries()) {
    if (name != "target") {
      EXPECT_THAT(name, HasSubstr(".target.cairn-"));
    }
  }
}

TEST_F(LocalHostTest, AppendFile) {
  std::string path = Path("journal");
  ASSERT_TRUE(host_->AppendFile(path, "a\n").ok());
  ASSERT_TRUE(host_->AppendFile(path, "b\n").ok());
  EXPECT_EQ(*host_->ReadFile(path), "a\nb\n");
  EXPECT_EQ(host_->Stat(path)->mode, 0600u);
}

TEST_F(LocalHostTest, ReadErrors) {
  absl::StatusOr<std::string> missing = host_->ReadFile(Path("missing"));
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(Message(missing.status()), HasSubstr(Path("missing")));
  EXPECT_THAT(Message(host_->ReadFile(dir_).status()),
              HasSubstr("Is a directory"));
  EXPECT_TRUE(absl::IsNotFound(host_->ListDirectory(Path("nope")).status()));
  ASSERT_TRUE(host_->WriteFile(Path("f"), "", 0644, 0, 0).ok());
  EXPECT_FALSE(host_->ReadLink(Path("f")).ok());
}

TEST_F(LocalHostTest, MakeDirectoryIgnoresTheUmask) {
  mode_t old_umask = umask(022);
  absl::Status made =
      host_->MakeDirectory(Path("d"), 0777, nobody_uid_, nobody_gid_);
  umask(old_umask);
  ASSERT_TRUE(made.ok()) << made;
  FileInfo info = *host_->Stat(Path("d"));
  EXPECT_EQ(info.type, Type::kDirectory);
  EXPECT_EQ(info.mode, 0777u);
  EXPECT_EQ(info.uid, nobody_uid_);
  EXPECT_EQ(host_->MakeDirectory(Path("d"), 0755, 0, 0).code(),
            absl::StatusCode::kAlreadyExists);
  absl::Status deep = host_->MakeDirectory(Path("a/b"), 0755, 0, 0);
  EXPECT_TRUE(absl::IsNotFound(deep));
  EXPECT_THAT(Message(deep), HasSubstr(Path("a/b")));
}

TEST_F(LocalHostTest, OwnerAndModeDoNotFollowSymlinks) {
  ASSERT_TRUE(host_->WriteFile(Path("f"), "x", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->MakeSymlink(Path("f"), Path("link")).ok());
  ASSERT_TRUE(host_->SetOwner(Path("link"), nobody_uid_, nobody_gid_).ok());
  EXPECT_EQ(host_->Stat(Path("link"))->uid, nobody_uid_);
  EXPECT_EQ(host_->Stat(Path("f"))->uid, 0u);
  EXPECT_FALSE(host_->SetMode(Path("link"), 0600).ok());
  EXPECT_EQ(host_->Stat(Path("f"))->mode, 0644u);
  ASSERT_TRUE(host_->SetMode(Path("f"), 0600).ok());
  EXPECT_EQ(host_->Stat(Path("f"))->mode, 0600u);
  EXPECT_TRUE(absl::IsNotFound(host_->SetMode(Path("missing"), 0600)));
}

TEST_F(LocalHostTest, MakeSymlinkReplacesFilesAndLinksButNotDirectories) {
  std::string link = Path("link");
  ASSERT_TRUE(host_->MakeSymlink("/etc/one", link).ok());
  EXPECT_EQ(*host_->ReadLink(link), "/etc/one");
  ASSERT_TRUE(host_->MakeSymlink("relative/two", link).ok());
  EXPECT_EQ(*host_->ReadLink(link), "relative/two");
  ASSERT_TRUE(host_->WriteFile(Path("file"), "x", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->MakeSymlink("/etc/three", Path("file")).ok());
  EXPECT_EQ(host_->Stat(Path("file"))->type, Type::kSymlink);
  ASSERT_TRUE(host_->MakeDirectory(Path("dir"), 0755, 0, 0).ok());
  absl::Status over_dir = host_->MakeSymlink("/etc", Path("dir"));
  EXPECT_FALSE(over_dir.ok());
  EXPECT_THAT(Message(over_dir), HasSubstr(Path("dir")));
  EXPECT_EQ(host_->Stat(Path("dir"))->type, Type::kDirectory);
  EXPECT_THAT(Entries(), ElementsAre("dir", "file", "link"));
}

TEST_F(LocalHostTest, RemoveAndRename) {
  ASSERT_TRUE(host_->MakeDirectory(Path("d"), 0755, 0, 0).ok());
  ASSERT_TRUE(host_->WriteFile(Path("d/f"), "x", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->MakeSymlink(Path("d"), Path("link")).ok());
  EXPECT_FALSE(host_->Remove(Path("d")).ok());  // Not empty.
  ASSERT_TRUE(host_->Remove(Path("link")).ok());
  EXPECT_TRUE(host_->Stat(Path("d/f"))->exists());
  ASSERT_TRUE(host_->Rename(Path("d/f"), Path("g")).ok());
  ASSERT_TRUE(host_->Remove(Path("d")).ok());
  EXPECT_THAT(Entries(), ElementsAre("g"));
  EXPECT_TRUE(absl::IsNotFound(host_->Remove(Path("d"))));
  absl::Status rename = host_->Rename(Path("missing"), Path("x"));
  EXPECT_TRUE(absl::IsNotFound(rename));
  EXPECT_THAT(Message(rename), HasSubstr(Path("missing")));
}

TEST_F(LocalHostTest, RemoveTreeDoesNotFollowSymlinks) {
  ASSERT_TRUE(host_->MakeDirectory(Path("outside"), 0755, 0, 0).ok());
  ASSERT_TRUE(host_->WriteFile(Path("outside/keep"), "k", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->MakeDirectory(Path("tree"), 0755, 0, 0).ok());
  ASSERT_TRUE(host_->MakeDirectory(Path("tree/sub"), 0700, 0, 0).ok());
  ASSERT_TRUE(host_->WriteFile(Path("tree/sub/f"), "f", 0600, 0, 0).ok());
  ASSERT_TRUE(host_->MakeSymlink(Path("outside"), Path("tree/sub/out")).ok());
  ASSERT_TRUE(host_->RemoveTree(Path("tree")).ok());
  EXPECT_FALSE(host_->Stat(Path("tree"))->exists());
  EXPECT_EQ(*host_->ReadFile(Path("outside/keep")), "k");
  EXPECT_TRUE(absl::IsNotFound(host_->RemoveTree(Path("tree"))));
}

TEST_F(LocalHostTest, ListDirectoryIsSorted) {
  for (const char* name : {"b", "a", "c.d", "C"}) {
    ASSERT_TRUE(host_->WriteFile(Path(name), "", 0644, 0, 0).ok());
  }
  EXPECT_THAT(Entries(), ElementsAre("C", "a", "b", "c.d"));
}

// Commands.

TEST(RunCommandTest, OutputErrorAndExitCode) {
  absl::StatusOr<CommandResult> result = RunCommand(
      {"sh", "-c", "echo out; echo err >&2; exit 3"}, "", absl::Seconds(30));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
}

TEST(RunCommandTest, StdinIsFed) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"tr", "a-z", "A-Z"}, "hello\n", absl::Seconds(30));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "HELLO\n");
  EXPECT_EQ(result->exit_code, 0);
}

TEST(RunCommandTest, LargeStdinAndStdoutDoNotDeadlock) {
  std::string input;
  for (int i = 0; input.size() < (3 << 20); ++i) {
    StrAppend(&input, "line ", i, "\n");
  }
  // Everything to stdout, then as much again to stderr: both pipes fill
  // up long before stdin is consumed.
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "tee /dev/stderr"}, input, absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->out.size(), input.size());
  EXPECT_TRUE(result->out == input);
  EXPECT_TRUE(result->err == input);
}

TEST(RunCommandTest, ProgramThatIgnoresStdin) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"true"}, std::string(2 << 20, 'x'), absl::Seconds(30));
  ASSERT_TRUE(result.ok()) << result.status();  // No SIGPIPE for the agent.
  EXPECT_EQ(result->exit_code, 0);
}

TEST(RunCommandTest, KilledBySignalIs128PlusN) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"sh", "-c", "kill -TERM $$"}, "", absl::Seconds(30));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 128 + SIGTERM);
}

TEST(RunCommandTest, MissingAndNonExecutablePrograms) {
  absl::StatusOr<CommandResult> missing =
      RunCommand({"cairn-no-such-program", "x"}, "", absl::Seconds(5));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_THAT(missing->err, HasSubstr("cairn-no-such-program"));
  EXPECT_THAT(missing->err, HasSubstr("command not found"));
  absl::StatusOr<CommandResult> absolute =
      RunCommand({"/nonexistent/prog"}, "", absl::Seconds(5));
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->exit_code, 127);
  absl::StatusOr<CommandResult> not_executable =
      RunCommand({"/etc/passwd"}, "", absl::Seconds(5));
  ASSERT_TRUE(not_executable.ok());
  EXPECT_EQ(not_executable->exit_code, 126);
  EXPECT_EQ(RunCommand({}, "", absl::Seconds(5)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunCommandTest, FindProgramSearchesThePath) {
  EXPECT_EQ(FindProgram("sh", "/nonexistent::/bin"), "/bin/sh");
  EXPECT_EQ(FindProgram("./x", "/bin"), "./x");
  EXPECT_EQ(FindProgram("cairn-no-such-program", "/bin:/usr/bin"), "");
  EXPECT_EQ(FindProgram("passwd", "/etc"), "");  // Not executable.
}

// Whether `pid` is gone (or a zombie nobody reaped yet).
bool Dead(pid_t pid) {
  std::ifstream stat(StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && line.substr(paren + 2, 1) == "Z";
}

TEST(RunCommandTest, TimeoutKillsTheProcessGroup) {
  char dir_template[] = "/tmp/run_timeout_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string pids = StrCat(dir_template, "/pids");
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> result = RunCommand(
      {"sh", "-c", StrCat("sleep 60 & echo $! > ", pids, "; sleep 60")}, "",
      absl::Milliseconds(500));
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(result.status()), HasSubstr("sleep 60"));
  EXPECT_LT(took, absl::Seconds(10));
  std::ifstream in(pids);
  pid_t background = 0;
  ASSERT_TRUE(in >> background);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!Dead(background) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(Dead(background)) << "the background sleep survived";
  unlink(pids.c_str());
  rmdir(dir_template);
}

TEST(RunCommandTest, EnvironmentIsSetButNeverInArgvOrErrors) {
  std::unique_ptr<Host> host = MakeLocalHost();
  setenv("CAIRN_TEST_REPLACED", "agent's", 1);
  // /proc/self/cmdline of the command is its argv: the value is not there.
  absl::StatusOr<CommandResult> result = host->RunWithEnvironment(
      {"sh", "-c",
       "printf '%s|%s|' \"$CAIRN_TEST_SECRET\" \"$CAIRN_TEST_REPLACED\"; "
       "tr '\\0' ' ' < /proc/$$/cmdline; test -n \"$PATH\" && echo path"},
      {{"CAIRN_TEST_SECRET", "hunter2 with spaces"},
       {"CAIRN_TEST_REPLACED", "mine"}},
      "", absl::Seconds(30));
  unsetenv("CAIRN_TEST_REPLACED");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->err;
  EXPECT_THAT(result->out, HasSubstr("hunter2 with spaces|mine|sh -c"));
  EXPECT_EQ(result->out.find("hunter2", result->out.find("sh -c")),
            std::string::npos)
      << result->out;
  EXPECT_THAT(result->out, HasSubstr("path\n"));  // The agent's PATH is kept.

  // A timeout names the command, never the environment.
  absl::StatusOr<CommandResult> slow = host->RunWithEnvironment(
      {"sleep", "30"}, {{"CAIRN_TEST_SECRET", "hunter2"}}, "",
      absl::Milliseconds(200));
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(slow.status()), Not(HasSubstr("hunter2")));

  absl::StatusOr<CommandResult> bad = host->RunWithEnvironment(
      {"true"}, {{"A=B", "hunter2"}}, "", absl::Seconds(5));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(bad.status()), Not(HasSubstr("hunter2")));
}

TEST(RunCommandTest, ThroughTheHost) {
  std::unique_ptr<Host> host = MakeLocalHost();
  absl::StatusOr<CommandResult> result = host->Run({"echo", "hi"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->out, "hi\n");
}

}  // namespace
}  // namespace cairn::agent

namespace cairn::agent {
namespace {

TEST_F(LocalHostTest, WriteFilesWritesEachAndReportsEach) {
  ASSERT_TRUE(host_->MakeDirectory(Path("a"), 0755, 0, 0).ok());
  ASSERT_TRUE(host_->MakeDirectory(Path("b"), 0755, 0, 0).ok());
  ASSERT_TRUE(host_->WriteFile(Path("a/old"), "old\n", 0600, 0, 0).ok());
  std::vector<Host::FileWrite> writes(4);
  writes[0] = {Path("a/old"), "replaced\n", 0644, 0, 0};
  writes[1] = {Path("a/new"), "new\n", 0640, 0, 0};
  writes[2] = {Path("missing/x"), "x\n", 0644, 0, 0};  // No such directory.
  writes[3] = {Path("b/other"), "other\n", 0600, 0, 0};
  std::vector<absl::Status> out = host_->WriteFiles(writes);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[0].ok()) << out[0];
  EXPECT_TRUE(out[1].ok()) << out[1];
  EXPECT_EQ(out[2].code(), absl::StatusCode::kNotFound) << out[2];
  EXPECT_TRUE(out[3].ok()) << out[3];
  EXPECT_EQ(*host_->ReadFile(Path("a/old")), "replaced\n");
  EXPECT_EQ(host_->Stat(Path("a/old"))->mode, 0644u);
  EXPECT_EQ(*host_->ReadFile(Path("a/new")), "new\n");
  EXPECT_EQ(host_->Stat(Path("a/new"))->mode, 0640u);
  EXPECT_EQ(*host_->ReadFile(Path("b/other")), "other\n");
  // No temporary file is left anywhere.
  EXPECT_EQ(*host_->ListDirectory(Path("a")),
            (std::vector<std::string>{"new", "old"}));
  EXPECT_EQ(*host_->ListDirectory(Path("b")),
            (std::vector<std::string>{"other"}));
}

}  // namespace
}  // namespace cairn::agent

namespace cairn::agent {
namespace {

TEST_F(LocalHostTest, FileSha256StreamsTheFile) {
  ASSERT_TRUE(host_->WriteFile(Path("abc"), "abc", 0644, 0, 0).ok());
  EXPECT_EQ(*host_->FileSha256(Path("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Larger than the read buffer.
  std::string big(3 << 20, 'x');
  ASSERT_TRUE(host_->WriteFile(Path("big"), big, 0644, 0, 0).ok());
  absl::StatusOr<CommandResult> expected =
      host_->Run({"sha256sum", Path("big")}, "", absl::Seconds(30));
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*host_->FileSha256(Path("big")), expected->out.substr(0, 64));
  EXPECT_EQ(host_->FileSha256(Path("missing")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(LocalHostTest, InstallFileReplacesWithOwnerAndMode) {
  ASSERT_TRUE(host_->WriteFile(Path("target"), "old\n", 0644, 0, 0).ok());
  ASSERT_TRUE(host_->WriteFile(Path(".download"), "new\n", 0600, 0, 0).ok());
  ASSERT_TRUE(host_
                  ->InstallFile(Path(".download"), Path("target"), 04750,
                                nobody_uid_, nobody_gid_)
                  .ok());
  EXPECT_EQ(*host_->ReadFile(Path("target")), "new\n");
  FileInfo info = *host_->Stat(Path("target"));
  EXPECT_EQ(info.mode, 04750u);  // Set after chown, which clears set-id.
  EXPECT_EQ(info.uid, nobody_uid_);
  EXPECT_EQ(info.gid, nobody_gid_);
  EXPECT_THAT(Entries(), ElementsAre("target"));
  // A symlink as the temporary file is refused, and left for the caller.
  ASSERT_TRUE(host_->MakeSymlink(Path("target"), Path(".link")).ok());
  EXPECT_FALSE(
      host_->InstallFile(Path(".link"), Path("other"), 0644, 0, 0).ok());
  EXPECT_FALSE(host_->Stat(Path("other"))->exists());
}

}  // namespace
}  // namespace cairn::agent
