#ifndef CAIRN_BOOTSTRAP_SSH_H_
#define CAIRN_BOOTSTRAP_SSH_H_

// What bootstrap does to a host before it has an agent: run a command and
// write a file, over SSH (libssh). `Remote` is the interface the bootstrap
// steps use; `SshSession` is the real one, and the steps' unit tests use a
// fake.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cairn::bootstrap {

// What a command run on the host gave back.
struct CommandResult {
  // The command's exit status; -1 when the host gave none (killed).
  int exit_status = -1;
  std::string out;
  std::string err;
};

// A host that bootstrap acts on.
class Remote {
 public:
  virtual ~Remote() = default;

  // Runs `command` on the host with the logged-in user's shell (so write
  // it for any POSIX shell) as that user, feeding it
  // `input` on stdin (then end of file). A non-zero exit status is a result,
  // not an error; an error means the command could not be run or its
  // result was lost (Unavailable).
  virtual absl::StatusOr<CommandResult> Run(const std::string& command,
                                            std::string_view input = {}) = 0;

  // Copies the local file `local_path` to `remote_path` on the host with
  // permissions `mode`, over SFTP. Written under a temporary name in the
  // same directory and renamed into place, so `remote_path` is either the
  // old file or the whole new one; the temporary file is removed on
  // failure.
  virtual absl::Status Upload(const std::string& local_path,
                              const std::string& remote_path, int mode) = 0;
};

// How to reach a host over SSH.
struct SshOptions {
  // An address or a name the machine resolves.
  std::string host;
  int port = 22;
  std::string user = "root";
  // A private key file (OpenSSH format, unencrypted). Empty: the ssh-agent
  // ($SSH_AUTH_SOCK), then ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
  std::string identity;
  // The known_hosts file. Empty: ~/.ssh/known_hosts.
  std::string known_hosts;
  // Records the key of a host that known_hosts does not know yet, as
  // OpenSSH's StrictHostKeyChecking=accept-new does. A key that differs from
  // the recorded one is refused all the same.
  bool accept_new = false;
  // How long connecting (TCP, key exchange, authentication) may take. After
  // that, a host that stops answering altogether (TCP keepalive) is given up
  // after about twice this; a command that Run runs may be silent for as
  // long as it likes.
  std::chrono::seconds timeout{10};
};

// An authenticated SSH connection to one host. Not thread-safe: one thread
// at a time (bootstrap uses one session per host and thread).
class SshSession : public Remote {
 public:
  // Connects, checks the host's key against known_hosts and authenticates.
  // Each failure says what to do about it, naming the host and port:
  //   Unavailable         connection refused, no route, timeout, name
  //                       not resolved, the connection lost
  //   FailedPrecondition  the host's key is not in known_hosts (and not
  //                       accept_new); the message gives its SHA256
  //                       fingerprint, as `ssh-keygen -lf` shows it
  //   PermissionDenied    the host's key differs from the one recorded
  //                       (possible man in the middle): both fingerprints
  //                       and the known_hosts file and line to check
  //   Unauthenticated     the server refused the key (or every key of the
  //                       agent); names the user and the key file
  //   InvalidArgument     the key file is missing, unreadable or encrypted
  static absl::StatusOr<std::unique_ptr<SshSession>> Connect(
      const SshOptions& options);

  ~SshSession() override;
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  absl::StatusOr<CommandResult> Run(const std::string& command,
                                    std::string_view input = {}) override;
  absl::Status Upload(const std::string& local_path,
                      const std::string& remote_path, int mode) override;

  // The host key's SHA256 fingerprint, "SHA256:..." as OpenSSH prints it.
  const std::string& host_key_fingerprint() const { return fingerprint_; }

 private:
  struct Impl;
  explicit SshSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string fingerprint_;
};

}  // namespace cairn::bootstrap

#endif  // CAIRN_BOOTSTRAP_SSH_H_
