#ifndef CAIRN_AGENT_HOST_HOST_H_
#define CAIRN_AGENT_HOST_HOST_H_

// Everything the agent does to a machine goes through Host: files, users'
// databases, commands. Providers are written against it; LocalHost is the
// real machine, FakeHost (fake_host.h) an in-memory one for fast unit
// tests.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cairn::agent {

// What lstat says of a path.
struct FileInfo {
  enum class Type { kMissing, kFile, kDirectory, kSymlink, kOther };
  Type type = Type::kMissing;
  // Permission bits (07777).
  uint32_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t size = 0;
  bool exists() const { return type != Type::kMissing; }
};

// How a command ended.
struct CommandResult {
  // The exit status; 128 + N when killed by signal N.
  int exit_code = 0;
  std::string out;
  std::string err;
};

class Host {
 public:
  virtual ~Host() = default;

  // lstat(2): a missing path is a FileInfo of type kMissing, not an error.
  virtual absl::StatusOr<FileInfo> Stat(const std::string& path) = 0;
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  virtual absl::StatusOr<std::string> ReadLink(const std::string& path) = 0;
  // Names in a directory, sorted, without . and ..
  virtual absl::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) = 0;

  // Replaces `path` atomically with a file of `content`, `mode`, `uid` and
  // `gid`: a temporary file in the same directory, written, fsynced, given
  // its owner and mode, renamed over `path`, and the directory fsynced.
  // Readers see the old file or the new one, never a part.
  virtual absl::Status WriteFile(const std::string& path,
                                 std::string_view content, uint32_t mode,
                                 uid_t uid, gid_t gid) = 0;
  // One file for WriteFiles.
  struct FileWrite {
    std::string path;
    std::string content;
    uint32_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
  };
  // WriteFile for many files at once, each as atomic and durable, and one
  // status per file in order. LocalHost writes every temporary file, syncs
  // each filesystem once (syncfs) instead of each file, renames them, then
  // syncs each directory once: a thousand files cost two syncs, not two
  // thousand. The default calls WriteFile for each.
  virtual std::vector<absl::Status> WriteFiles(
      const std::vector<FileWrite>& files);
  // Appends `data` to the file at `path` (created 0600 if missing); with
  // `durable`, makes it survive a power loss (fdatasync) before returning.
  // Without, it survives the process being killed, not the machine
  // losing power. For journals. The default reads and rewrites the file
  // atomically; LocalHost appends.
  virtual absl::Status AppendFile(const std::string& path,
                                  std::string_view data, bool durable = true);
  // Creates one directory (the parent must exist).
  virtual absl::Status MakeDirectory(const std::string& path, uint32_t mode,
                                     uid_t uid, gid_t gid) = 0;
  // Ownership and mode of an existing path (not following a symlink).
  virtual absl::Status SetOwner(const std::string& path, uid_t uid,
                                gid_t gid) = 0;
  virtual absl::Status SetMode(const std::string& path, uint32_t mode) = 0;
  // Makes `path` a symlink to `target`, atomically replacing what is there
  // (a file or a link; not a directory).
  virtual absl::Status MakeSymlink(const std::string& target,
                                   const std::string& path) = 0;
  // Removes a file, a symlink or an empty directory.
  virtual absl::Status Remove(const std::string& path) = 0;
  // Removes a directory and everything in it.
  virtual absl::Status RemoveTree(const std::string& path) = 0;
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;

  // Replaces `path` atomically with the regular file `temp`, in the same
  // directory (a download): gives it `uid`, `gid` and then `mode`, makes its
  // content durable, renames it over `path` and syncs the directory, as
  // WriteFile does for content in memory. On failure `temp` is left where
  // it is, for the caller to remove. The default sets owner and mode and
  // renames, without syncing.
  virtual absl::Status InstallFile(const std::string& temp,
                                   const std::string& path, uint32_t mode,
                                   uid_t uid, gid_t gid);

  // The SHA-256 of the file at `path` (a symlink is followed), lower-case
  // hex. The default reads the whole file into memory; LocalHost streams
  // it, so a file of gigabytes costs no memory.
  virtual absl::StatusOr<std::string> FileSha256(const std::string& path);

  // Runs `argv` (argv[0] is looked up in PATH) with `input` on stdin and
  // waits at most `timeout`, after which it is killed and the status says
  // so. A command that runs and fails is not an error: see exit_code.
  virtual absl::StatusOr<CommandResult> Run(
      const std::vector<std::string>& argv, std::string_view input = "",
      absl::Duration timeout = absl::Minutes(5)) = 0;

  // Run, with `environment` (NAME -> value) set for the command on top of
  // the agent's own environment, a name the agent has being replaced. The
  // values go only into the command's environment, never into its argv
  // (which every user can read in /proc) nor into a status this returns:
  // the way to hand a command a secret. argv[0] is looked up in the
  // agent's PATH, not in `environment`'s.
  virtual absl::StatusOr<CommandResult> RunWithEnvironment(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& environment,
      std::string_view input, absl::Duration timeout) = 0;
};

// Creates `path` (absolute) and its missing parents, owned by root: `mode`
// for `path` itself, `parent_mode` for the parents it makes. Fails when
// something on the way exists and is not a directory.
absl::Status MakeDirectories(Host& host, std::string_view path, uint32_t mode,
                             uint32_t parent_mode = 0755);

// The machine the agent runs on.
std::unique_ptr<Host> MakeLocalHost();

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_HOST_HOST_H_
