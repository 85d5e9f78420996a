#ifndef CAIRN_AGENT_HOST_FAKE_HOST_H_
#define CAIRN_AGENT_HOST_FAKE_HOST_H_

// An in-memory Host for fast unit tests of providers: a file tree and
// scripted commands. Not for production.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/host/host.h"

namespace cairn::agent {

class FakeHost : public Host {
 public:
  // Starts with an empty "/" (a directory, mode 0755, owned by root).
  FakeHost();

  // Test set-up, bypassing atomicity: creates missing parent directories
  // (0755, root).
  void PutFile(const std::string& path, std::string content,
               uint32_t mode = 0644, uid_t uid = 0, gid_t gid = 0);
  void PutDirectory(const std::string& path, uint32_t mode = 0755,
                    uid_t uid = 0, gid_t gid = 0);
  void PutSymlink(const std::string& target, const std::string& path);

  // Answers commands whose argv[0] is `program` (as given, e.g. "useradd"
  // or "/usr/sbin/nft"). Commands without a handler fail with exit code
  // 127 and "command not found" on stderr.
  using CommandHandler = std::function<CommandResult(
      const std::vector<std::string>& argv, std::string_view input)>;
  void OnCommand(const std::string& program, CommandHandler handler);
  // Every command run so far, argv joined by spaces, in order.
  const std::vector<std::string>& commands() const { return commands_; }
  // Number of calls that changed something (writes, removals, mode and
  // owner changes, symlinks, directories, renames); commands not counted.
  int mutations() const { return mutations_; }

  // Host.
  absl::StatusOr<FileInfo> Stat(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  absl::StatusOr<std::string> ReadLink(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) override;
  absl::Status WriteFile(const std::string& path, std::string_view content,
                         uint32_t mode, uid_t uid, gid_t gid) override;
  absl::Status MakeDirectory(const std::string& path, uint32_t mode, uid_t uid,
                             gid_t gid) override;
  absl::Status SetOwner(const std::string& path, uid_t uid, gid_t gid) override;
  absl::Status SetMode(const std::string& path, uint32_t mode) override;
  absl::Status MakeSymlink(const std::string& target,
                           const std::string& path) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status RemoveTree(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                    std::string_view input,
                                    absl::Duration timeout) override;
  // Recorded in commands() like Run, argv only; a handler reads the
  // environment with environment().
  absl::StatusOr<CommandResult> RunWithEnvironment(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& environment,
      std::string_view input, absl::Duration timeout) override;
  // The environment given to the command running (for a handler) or last
  // run; empty after Run.
  const std::map<std::string, std::string>& environment() const {
    return environment_;
  }
  // The timeout given to the command running or last run.
  absl::Duration timeout() const { return timeout_; }

 private:
  struct Node {
    FileInfo info;
    std::string content;  // File content or symlink target.
  };
  // Helpers of fake_host.cc: path walking like the kernel's, and set-up.
  absl::StatusOr<std::string> Resolve(const std::string& path, bool follow_last,
                                      std::string_view op) const;
  Node* Find(const std::string& resolved);
  absl::Status CheckParent(const std::string& resolved, std::string_view op,
                           const std::string& path);
  bool HasChildren(const std::string& dir) const;
  void RemoveSubtree(const std::string& resolved);
  void PutParents(const std::string& path);
  std::string PutPath(const std::string& path);

  // Normalized absolute path -> node. Parents always exist.
  std::map<std::string, Node> nodes_;
  std::map<std::string, CommandHandler> handlers_;
  std::vector<std::string> commands_;
  std::map<std::string, std::string> environment_;
  absl::Duration timeout_;
  int mutations_ = 0;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_HOST_FAKE_HOST_H_
