// Files with `source` on the real machine: the real curl, from file://
// URLs and from python3's http.server on 127.0.0.1 at a free port, into a
// temporary directory. Runs as root (files are given to nobody).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "agent/host/host.h"
#include "agent/providers/file_test_util.h"
#include "agent/providers/provider.h"
#include "base/digest.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

extern char** environ;

namespace cairn::agent {
namespace {

using ::cairn::agent::file_testing::MakeResource;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTool[] = "#!/bin/sh\necho tool 1.2\n";

std::string Checksum(std::string_view content) {
  return StrCat("sha256:", Sha256Hex(content));
}

// A port nothing listens on now (bound and released: a race with other
// processes, which a test can live with).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

class LocalDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "this test changes ownership: run it as root";
    const char* base = getenv("TEST_TMPDIR");
    std::string dir = StrCat(base != nullptr ? base : "/tmp", "/dl_XXXXXX");
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    host_ = MakeLocalHost();
    context_.host = host_.get();
    context_.fingerprint_key = "test-key";
    context_.backup_dir = Path("backup");
    ASSERT_TRUE(host_->MakeDirectory(Path("served"), 0755, 0, 0).ok());
    ASSERT_TRUE(host_->MakeDirectory(Path("target"), 0755, 0, 0).ok());
    ASSERT_TRUE(host_->WriteFile(Path("served/tool"), kTool, 0644, 0, 0).ok());
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGKILL);
      waitpid(server_, nullptr, 0);
    }
    if (!dir_.empty()) {
      EXPECT_TRUE(host_->RemoveTree(dir_).ok());
    }
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  // Serves Path("served") over HTTP; returns the URL of its root.
  std::string Serve() {
    int port = FreePort();
    std::vector<std::string> argv = {"python3",      "-m",        "http.server",
                                     "--bind",       "127.0.0.1", "--directory",
                                     Path("served"), StrCat(port)};
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int error = posix_spawnp(&server_, "python3", &actions, nullptr,
                             args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(error, 0) << "python3 not found";
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!Accepts(port) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(Accepts(port)) << "http.server did not start";
    return StrCat("http://127.0.0.1:", port);
  }

  v1::Resource Source(const std::string& url, const std::string& checksum) {
    v1::File spec;
    spec.set_path(Path("target/tool"));
    spec.set_source(url);
    spec.set_checksum(checksum);
    spec.set_mode("0750");
    spec.set_owner("nobody");
    return MakeResource("file", spec);
  }

  // Check, Apply, Check: the second Check finds nothing to do.
  void Converge(const v1::Resource& resource) {
    const Provider* provider = FindProvider("file");
    absl::StatusOr<v1::ResourceDiff> diff = provider->Check(resource, context_);
    ASSERT_TRUE(diff.ok()) << diff.status();
    EXPECT_NE(diff->action(), v1::ResourceDiff::ACTION_NONE);
    absl::Status applied = provider->Apply(resource, *diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
    absl::StatusOr<v1::ResourceDiff> again =
        provider->Check(resource, context_);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->action(), v1::ResourceDiff::ACTION_NONE)
        << again->DebugString();
  }

  std::string dir_;
  std::unique_ptr<Host> host_;
  ProviderContext context_;
  pid_t server_ = 0;
};

TEST_F(LocalDownloadTest, FromAFileUrl) {
  Converge(Source(StrCat("file://", Path("served/tool")), Checksum(kTool)));
  EXPECT_EQ(*host_->ReadFile(Path("target/tool")), kTool);
  FileInfo info = *host_->Stat(Path("target/tool"));
  EXPECT_EQ(info.mode, 0750u);
  EXPECT_EQ(info.uid, getpwnam("nobody")->pw_uid);
  EXPECT_THAT(*host_->ListDirectory(Path("target")), ElementsAre("tool"));
}

TEST_F(LocalDownloadTest, AMismatchLeavesTheOldFileAndNothingElse) {
  ASSERT_TRUE(host_->WriteFile(Path("target/tool"), "old\n", 0755, 0, 0).ok());
  v1::Resource resource = Source(StrCat("file://", Path("served/tool")),
                                 Checksum("another tool\n"));
  const Provider* provider = FindProvider("file");
  absl::StatusOr<v1::ResourceDiff> diff = provider->Check(resource, context_);
  ASSERT_TRUE(diff.ok()) << diff.status();
  absl::Status applied = provider->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied.message()), HasSubstr(Checksum(kTool)));
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr(Checksum("another tool\n")));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("file://"));
  EXPECT_EQ(*host_->ReadFile(Path("target/tool")), "old\n");
  EXPECT_THAT(*host_->ListDirectory(Path("target")), ElementsAre("tool"));
  EXPECT_FALSE(host_->Stat(Path("backup"))->exists());
}

TEST_F(LocalDownloadTest, OverHttpWithABackupOfTheOldFile) {
  std::string url = Serve();
  ASSERT_TRUE(host_->WriteFile(Path("target/tool"), "old\n", 0755, 0, 0).ok());
  Converge(Source(StrCat(url, "/tool"), Checksum(kTool)));
  EXPECT_EQ(*host_->ReadFile(Path("target/tool")), kTool);
  EXPECT_THAT(*host_->ListDirectory(Path("target")), ElementsAre("tool"));
  std::string backups = StrCat(Path("backup"), Path("target"));
  absl::StatusOr<std::vector<std::string>> kept = host_->ListDirectory(backups);
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(*host_->ReadFile(StrCat(backups, "/", (*kept)[0])), "old\n");

  // A 404 is an error naming the URL, and leaves nothing.
  v1::Resource missing = Source(StrCat(url, "/missing"), Checksum("x"));
  const Provider* provider = FindProvider("file");
  absl::StatusOr<v1::ResourceDiff> diff = provider->Check(missing, context_);
  ASSERT_TRUE(diff.ok()) << diff.status();
  absl::Status applied = provider->Apply(missing, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(applied.message()), HasSubstr("/missing"));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("404"));
  EXPECT_EQ(*host_->ReadFile(Path("target/tool")), kTool);
  EXPECT_THAT(*host_->ListDirectory(Path("target")), ElementsAre("tool"));
}

}  // namespace
}  // namespace cairn::agent
