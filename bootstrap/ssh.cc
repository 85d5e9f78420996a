#include "bootstrap/ssh.h"

#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace cairn::bootstrap {
namespace {

// How much of the command's input goes into one SSH packet, and how much
// of a file into one SFTP write (OpenSSH's sftp-server takes up to 256 KiB;
// 32 KiB is what every SFTP client sends).
constexpr size_t kChunk = 32 * 1024;
// How long Run sleeps when nothing happens before it looks again. Only a
// safety net: every change of state arrives on the socket and wakes it.
constexpr int kPollMs = 1000;
// The extension that renames over an existing file (OpenSSH's PROTOCOL,
// section 4.3).
constexpr char kPosixRename[] = "posix-rename@openssh.com";

struct Free {
  void operator()(ssh_key_struct* p) const { ssh_key_free(p); }
  void operator()(ssh_channel_struct* p) const { ssh_channel_free(p); }
  void operator()(ssh_event_struct* p) const { ssh_event_free(p); }
  void operator()(sftp_session_struct* p) const { sftp_free(p); }
  void operator()(sftp_file_struct* p) const { sftp_close(p); }
  void operator()(sftp_attributes_struct* p) const { sftp_attributes_free(p); }
  void operator()(ssh_knownhosts_entry* p) const {
    ssh_knownhosts_entry_free(p);
  }
  void operator()(char* p) const { ssh_string_free_char(p); }
  void operator()(FILE* p) const { fclose(p); }
};
// Owns a libssh object; `P` is the handle type (ssh_key, sftp_file, ...).
template <typename P>
using Ptr = std::unique_ptr<std::remove_pointer_t<P>, Free>;

// "host:port", or "[v6 address]:port".
std::string HostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return StrCat("[", host, "]:", port);
  return StrCat(host, ":", port);
}

// The host as known_hosts names it (what libssh looks up):
// "host" for port 22, "[host]:port" otherwise.
std::string KnownHostsName(const std::string& host, int port) {
  return port == 22 ? host : StrCat("[", host, "]:", port);
}

// "SHA256:..." as `ssh-keygen -l` prints it; empty if libssh cannot hash
// the key.
std::string Fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) !=
      SSH_OK) {
    return "";
  }
  Ptr<char*> text(
      ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length));
  ssh_clean_pubkey_hash(&hash);
  return text ? std::string(text.get()) : "";
}

// "ED25519 key SHA256:...": the key type as `ssh-keygen -l` names it.
std::string Describe(ssh_key key) {
  const char* name = ssh_key_type_to_char(ssh_key_type(key));
  std::string type = name != nullptr ? name : "unknown";
  if (StartsWith(type, "ssh-")) type = type.substr(4);
  if (StartsWith(type, "ecdsa")) type = "ecdsa";
  for (char& c : type) c = static_cast<char>(toupper(c));
  return StrCat(type, " key ", Fingerprint(key));
}

// An option that libssh holds as a string (a file name), "" if unset.
std::string StringOption(ssh_session session, ssh_options_e option) {
  char* value = nullptr;
  if (ssh_options_get(session, option, &value) != SSH_OK) return "";
  Ptr<char*> owned(value);
  return value != nullptr ? std::string(value) : "";
}

// Called by libssh when a key file is encrypted: bootstrap runs unattended
// and never asks, so the key is refused, and `*userdata` (a bool) notes
// why.
int NoPassphrase(const char* /*prompt*/, char* /*buf*/, size_t /*len*/,
                 int /*echo*/, int /*verify*/, void* userdata) {
  if (userdata != nullptr) *static_cast<bool*>(userdata) = true;
  return -1;
}

// Makes the kernel notice a host that stopped answering: TCP keepalive
// probes after `timeout` of silence, and unacknowledged data given up
// after twice that. libssh's blocking SFTP calls retry a timed-out read
// forever, and a command may rightly be silent for long, so this is what
// bounds the wait for a dead host.
void DetectDeadPeer(socket_t fd, std::chrono::seconds timeout) {
  int on = 1;
  int idle = static_cast<int>(std::max<int64_t>(1, timeout.count()));
  int interval = std::max(1, idle / 3);
  int count = 3;
  unsigned int user_timeout = static_cast<unsigned int>(idle) * 2000;
  // Best effort: the connection works without them, only a dead host is
  // then noticed later (by the kernel's defaults).
  (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
                   sizeof user_timeout);
}

// The first line of `command`, cut to a length a message can carry.
std::string Abbreviate(const std::string& command) {
  constexpr size_t kMax = 60;
  size_t end = std::min(command.find('\n'), kMax);
  if (end >= command.size()) return command;
  return StrCat(command.substr(0, end), "...");
}

// The directory part of a remote path, for hints.
std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A name no other upload picks: `path` + ".cairn-upload." + 8 hex digits.
std::string TemporaryName(const std::string& path) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string name = StrCat(path, ".cairn-upload.");
  for (int i = 0; i < 2; ++i) {
    uint32_t bits = random();
    for (int j = 0; j < 4; ++j, bits >>= 4) name.push_back(kHex[bits & 0xf]);
  }
  return name;
}

// A big-endian SFTP integer and string, appended to `out`.
void PutU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}
void PutString(std::string& out, std::string_view text) {
  PutU32(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}
uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(in[i]);
  }
  return value;
}

// The absl status for an SFTP status code from the server.
absl::Status SftpStatus(int code, const std::string& message) {
  switch (code) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
      return absl::NotFoundError(message);
    case SSH_FX_PERMISSION_DENIED:
    case SSH_FX_WRITE_PROTECT:
      return absl::PermissionDeniedError(message);
    case SSH_FX_EOF:
    case SSH_FX_NO_CONNECTION:
    case SSH_FX_CONNECTION_LOST:
      return absl::UnavailableError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

}  // namespace

struct SshSession::Impl {
  ssh_session session = nullptr;
  // "host:port", which every message starts with or names.
  std::string where;
  std::string user;
  std::chrono::seconds timeout{10};
  // Holds NoPassphrase for ssh_userauth_publickey_auto; libssh keeps a
  // pointer to it, so it lives as long as the session.
  ssh_callbacks_struct callbacks{};
  // Set when a default key file was skipped for being encrypted.
  bool skipped_encrypted_key = false;

  ~Impl() {
    if (session == nullptr) return;
    if (ssh_is_connected(session)) ssh_disconnect(session);
    ssh_free(session);
  }

  // libssh's last error, for the end of a message.
  std::string Error() const { return ssh_get_error(session); }

  // Unavailable: `what` failed, most likely with the connection.
  absl::Status Failed(std::string_view what) const {
    if (!ssh_is_connected(session)) {
      return absl::UnavailableError(
          StrCat(where, ": ", what, ": lost the connection: ", Error()));
    }
    return absl::UnavailableError(StrCat(where, ": ", what, ": ", Error()));
  }

  absl::Status SetOptions(const SshOptions& options);
  absl::Status Open();
  absl::StatusOr<std::string> CheckHostKey(const SshOptions& options);
  std::string ChangedKeyMessage(const SshOptions& options,
                                const std::string& offered) const;
  absl::Status AuthenticateWithKey(const std::string& path, ssh_key key);
  absl::Status AuthenticateWithDefaults();
  // The status for what ssh_userauth_* returned; `denied` is the message
  // for SSH_AUTH_DENIED.
  absl::Status Outcome(int rc, std::string denied) const;
  absl::Status Pump(ssh_channel channel, ssh_event event,
                    std::string_view input, const std::string& what,
                    CommandResult& result);
  absl::Status SftpError(sftp_session sftp, std::string_view what) const;
  absl::Status WriteFile(sftp_session sftp, FILE* in,
                         const std::string& local_path,
                         const std::string& temporary, int mode, bool& created);
  absl::Status Rename(sftp_session sftp, const std::string& from,
                      const std::string& to);
  absl::Status PosixRename(sftp_session sftp, const std::string& from,
                           const std::string& to);
  absl::Status ReadReply(ssh_channel channel, size_t count, std::string& out);
};

absl::Status SshSession::Impl::SetOptions(const SshOptions& options) {
  if (options.host.empty()) {
    return absl::InvalidArgumentError("no host to connect to");
  }
  if (options.port < 1 || options.port > 65535) {
    return absl::InvalidArgumentError(
        StrCat(where, ": the port must be from 1 to 65535"));
  }
  if (options.user.empty()) {
    return absl::InvalidArgumentError(StrCat(where, ": no user to log in as"));
  }
  if (options.timeout.count() <= 0) {
    return absl::InvalidArgumentError(
        StrCat(where, ": the timeout must be at least one second"));
  }
  // ~/.ssh/config and /etc/ssh/ssh_config are not read: what the session
  // does depends on `options` alone.
  bool process_config = false;
  // Without it every SFTP request and channel message that waits for an
  // answer meets the peer's delayed ACK (Nagle): 40 ms each.
  int no_delay = 1;
  unsigned int port = static_cast<unsigned int>(options.port);
  long timeout_seconds = static_cast<long>(options.timeout.count());
  if (ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config) <
          0 ||
      ssh_options_set(session, SSH_OPTIONS_HOST, options.host.c_str()) < 0 ||
      ssh_options_set(session, SSH_OPTIONS_PORT, &port) < 0 ||
      ssh_options_set(session, SSH_OPTIONS_USER, options.user.c_str()) < 0 ||
      ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout_seconds) < 0 ||
      ssh_options_set(session, SSH_OPTIONS_NODELAY, &no_delay) < 0 ||
      (!options.known_hosts.empty() &&
       ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS,
                       options.known_hosts.c_str()) < 0)) {
    return absl::InvalidArgumentError(
        StrCat(where, ": bad SSH options: ", Error()));
  }
  ssh_callbacks_init(&callbacks);
  callbacks.auth_function = NoPassphrase;
  callbacks.userdata = &skipped_encrypted_key;
  if (ssh_set_callbacks(session, &callbacks) != SSH_OK) {
    return absl::InternalError(StrCat(where, ": ", Error()));
  }
  return absl::OkStatus();
}

absl::Status SshSession::Impl::Open() {
  if (ssh_connect(session) == SSH_OK) return absl::OkStatus();
  std::string error = Error();
  if (error.find("refused") != std::string::npos) {
    return absl::UnavailableError(
        StrCat(where,
               ": connection refused (is sshd running there and listening on "
               "that port?)"));
  }
  if (error.find("Timeout") != std::string::npos ||
      error.find("timed out") != std::string::npos) {
    return absl::UnavailableError(
        StrCat(where, ": no SSH answer within ", timeout.count(),
               " s: check the address, the port and any firewall on the way (",
               error, ")"));
  }
  return absl::UnavailableError(StrCat(where, ": cannot connect: ", error));
}

absl::StatusOr<std::string> SshSession::Impl::CheckHostKey(
    const SshOptions& options) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
    return Failed("getting the host key");
  }
  Ptr<ssh_key> key(raw);
  std::string fingerprint = Fingerprint(key.get());
  if (fingerprint.empty()) {
    return absl::InternalError(
        StrCat(where, ": cannot compute the host key's fingerprint"));
  }
  std::string offered = Describe(key.get());
  std::string file = StringOption(session, SSH_OPTIONS_KNOWNHOSTS);
  enum ssh_known_hosts_e state = ssh_session_is_known_server(session);
  switch (state) {
    case SSH_KNOWN_HOSTS_OK:
      return fingerprint;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      // OTHER: known_hosts has keys of other types only for the host. An
      // attacker can offer a key of any type, so OpenSSH refuses that as
      // well.
      return absl::PermissionDeniedError(ChangedKeyMessage(options, offered));
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
      if (!options.accept_new) {
        return absl::FailedPreconditionError(
            StrCat("host key of ", where, " is not in ", file, " (", offered,
                   "): check it (`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` "
                   "on the host's console shows it), then re-run with "
                   "--accept-new"));
      }
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return absl::FailedPreconditionError(
            StrCat("cannot record the host key of ", where, " in ", file, ": ",
                   Error()));
      }
      return fingerprint;
    case SSH_KNOWN_HOSTS_ERROR:
      return absl::FailedPreconditionError(
          StrCat("cannot check the host key of ", where, " against ", file,
                 ": ", Error()));
  }
  return absl::InternalError(
      StrCat(where, ": unexpected host key state ", static_cast<int>(state)));
}

// Which lines of the known_hosts files hold a key for the host, and which:
// libssh says only that the key differs.
std::string SshSession::Impl::ChangedKeyMessage(
    const SshOptions& options, const std::string& offered) const {
  std::string name = KnownHostsName(options.host, options.port);
  std::string user_file = StringOption(session, SSH_OPTIONS_KNOWNHOSTS);
  std::vector<std::string> recorded;
  for (const std::string& file :
       {user_file, StringOption(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS)}) {
    std::ifstream in(file);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#' ||
          line[start] == '@') {
        continue;
      }
      ssh_knownhosts_entry* raw = nullptr;
      int rc =
          ssh_known_hosts_parse_line(name.c_str(), line.c_str() + start, &raw);
      Ptr<ssh_knownhosts_entry*> entry(raw);
      if (rc != SSH_OK || entry == nullptr || entry->publickey == nullptr) {
        continue;
      }
      recorded.push_back(StrCat("line ", number, " of ", file, " has ",
                                Describe(entry->publickey)));
    }
  }
  if (recorded.empty()) {
    recorded.push_back(StrCat(user_file, " has another key"));
  }
  return StrCat("HOST KEY OF ", where,
                " HAS CHANGED: ", StrJoin(recorded, ", "), ", the host offers ",
                offered,
                ". Someone may be intercepting the connection; if the host "
                "was reinstalled, remove the old key with `ssh-keygen -f ",
                user_file, " -R '", name, "'` and connect again");
}

namespace {

// The private key in `path`, read before connecting: a local mistake is
// reported whatever the host does.
absl::StatusOr<Ptr<ssh_key>> LoadKey(const std::string& path) {
  // Opened first for errno: libssh says only that it could not.
  Ptr<FILE*> probe(fopen(path.c_str(), "r"));
  if (probe == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("cannot read the SSH key ", path, ": ", strerror(errno)));
  }
  probe.reset();
  bool encrypted = false;
  ssh_key raw = nullptr;
  int rc = ssh_pki_import_privkey_file(path.c_str(), nullptr, NoPassphrase,
                                       &encrypted, &raw);
  Ptr<ssh_key> key(raw);
  if (rc != SSH_OK || key == nullptr) {
    if (encrypted) {
      return absl::InvalidArgumentError(StrCat(
          "the SSH key ", path,
          " is encrypted, and bootstrap cannot ask for its passphrase: load "
          "it into ssh-agent (`ssh-add ",
          path, "`) and give no key file"));
    }
    return absl::InvalidArgumentError(
        StrCat(path,
               " is not a private key that libssh can read (an OpenSSH or PEM "
               "private key file, e.g. from ssh-keygen, is needed)"));
  }
  return key;
}

}  // namespace

absl::Status SshSession::Impl::AuthenticateWithKey(const std::string& path,
                                                   ssh_key key) {
  return Outcome(ssh_userauth_publickey(session, nullptr, key),
                 StrCat(where, " refused the key ", path, " (", Describe(key),
                        ") for user ", user, ": add ", path, ".pub to ~", user,
                        "/.ssh/authorized_keys on the host"));
}

absl::Status SshSession::Impl::AuthenticateWithDefaults() {
  // The agent first, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
  int rc = ssh_userauth_publickey_auto(session, nullptr, nullptr);
  const char* agent = getenv("SSH_AUTH_SOCK");
  std::string tried =
      agent != nullptr && agent[0] != '\0'
          ? StrCat("the keys of the ssh-agent at ", agent, " and")
          : "no ssh-agent (SSH_AUTH_SOCK is not set), and";
  StrAppend(&tried, " the key files ~/.ssh/id_ed25519, id_ecdsa, id_rsa");
  if (skipped_encrypted_key) {
    StrAppend(&tried,
              " (one of them is encrypted and was skipped: load it into "
              "ssh-agent with ssh-add)");
  }
  return Outcome(rc, StrCat(where, " refused user ", user, " with ", tried,
                            ": give a key file, or add your public key to ~",
                            user, "/.ssh/authorized_keys on the host"));
}

absl::Status SshSession::Impl::Outcome(int rc, std::string denied) const {
  switch (rc) {
    case SSH_AUTH_SUCCESS:
      return absl::OkStatus();
    case SSH_AUTH_DENIED:
      return absl::UnauthenticatedError(denied);
    case SSH_AUTH_PARTIAL:
      return absl::UnauthenticatedError(
          StrCat(where, " accepted the key for user ", user,
                 " but asks for more (AuthenticationMethods in its "
                 "sshd_config), which bootstrap cannot give"));
    default:  // SSH_AUTH_ERROR; SSH_AUTH_AGAIN and _INFO do not come here.
      return Failed(StrCat("authenticating as ", user));
  }
}

SshSession::SshSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SshSession::~SshSession() = default;

absl::StatusOr<std::unique_ptr<SshSession>> SshSession::Connect(
    const SshOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->where = HostPort(options.host, options.port);
  impl->user = options.user;
  impl->timeout = options.timeout;
  impl->session = ssh_new();
  if (impl->session == nullptr) {
    return absl::InternalError(
        StrCat(impl->where, ": cannot allocate an SSH session"));
  }
  if (absl::Status status = impl->SetOptions(options); !status.ok()) {
    return status;
  }
  Ptr<ssh_key> key;
  if (!options.identity.empty()) {
    absl::StatusOr<Ptr<ssh_key>> loaded = LoadKey(options.identity);
    if (!loaded.ok()) return loaded.status();
    key = *std::move(loaded);
  }
  if (absl::Status status = impl->Open(); !status.ok()) return status;
  absl::StatusOr<std::string> fingerprint = impl->CheckHostKey(options);
  if (!fingerprint.ok()) return fingerprint.status();
  absl::Status status =
      key != nullptr ? impl->AuthenticateWithKey(options.identity, key.get())
                     : impl->AuthenticateWithDefaults();
  if (!status.ok()) return status;
  socket_t fd = ssh_get_fd(impl->session);
  if (fd != SSH_INVALID_SOCKET) DetectDeadPeer(fd, options.timeout);
  std::unique_ptr<SshSession> session(new SshSession(std::move(impl)));
  session->fingerprint_ = *std::move(fingerprint);
  return session;
}

absl::StatusOr<CommandResult> SshSession::Run(const std::string& command,
                                              std::string_view input) {
  std::string what = StrCat("running `", Abbreviate(command), "`");
  ssh_session session = impl_->session;
  Ptr<ssh_channel> channel(ssh_channel_new(session));
  if (channel == nullptr) return impl_->Failed(what);
  if (ssh_channel_open_session(channel.get()) != SSH_OK ||
      ssh_channel_request_exec(channel.get(), command.c_str()) != SSH_OK) {
    return impl_->Failed(what);
  }
  Ptr<ssh_event> event(ssh_event_new());
  if (event == nullptr ||
      ssh_event_add_session(event.get(), session) != SSH_OK) {
    return absl::InternalError(
        StrCat(impl_->where, ": cannot wait for ", what));
  }
  CommandResult result;
  absl::Status status =
      impl_->Pump(channel.get(), event.get(), input, what, result);
  // Gives the session its own poll context back, for the blocking calls
  // after this one. It fails only when the socket is gone already, which
  // `status` or the next call reports.
  (void)ssh_event_remove_session(event.get(), session);
  if (!status.ok()) return status;
  return result;
}

// Feeds `input` and collects both output streams at once, writing no more
// than the host's window allows, so that neither side waits on the other
// (a command that answers its input as it reads it would otherwise stop
// with full pipes); then waits for the channel to close, which comes after
// the exit status.
absl::Status SshSession::Impl::Pump(ssh_channel channel, ssh_event event,
                                    std::string_view input,
                                    const std::string& what,
                                    CommandResult& result) {
  std::vector<char> buffer(64 * 1024);
  size_t written = 0;
  bool input_done = false;
  bool out_done = false;
  bool err_done = false;
  for (;;) {
    bool progress = false;
    if (!input_done && ssh_channel_is_closed(channel)) {
      input_done = true;  // The command is gone; nothing reads the rest.
    }
    if (!input_done && written < input.size()) {
      uint32_t window = ssh_channel_window_size(channel);
      size_t count = std::min(
          {static_cast<size_t>(window), kChunk, input.size() - written});
      if (count > 0) {
        int rc = ssh_channel_write(channel, input.data() + written,
                                   static_cast<uint32_t>(count));
        if (rc == SSH_ERROR) {
          if (!ssh_is_connected(session)) return Failed(what);
          input_done = true;  // The host closed the channel meanwhile.
        } else {
          written += static_cast<size_t>(rc);
          progress = progress || rc > 0;
        }
      }
    }
    if (!input_done && written == input.size()) {
      if (ssh_channel_send_eof(channel) == SSH_ERROR &&
          !ssh_is_connected(session)) {
        return Failed(what);
      }
      input_done = true;
    }
    for (int is_stderr : {0, 1}) {
      bool& done = is_stderr ? err_done : out_done;
      if (done) continue;
      int rc = ssh_channel_read_nonblocking(
          channel, buffer.data(), static_cast<uint32_t>(buffer.size()),
          is_stderr);
      if (rc == SSH_EOF) {
        done = true;
      } else if (rc < 0) {
        return Failed(what);
      } else if (rc > 0) {
        (is_stderr ? result.err : result.out).append(buffer.data(), rc);
        progress = true;
      }
    }
    if (out_done && err_done && ssh_channel_is_closed(channel)) break;
    if (!progress && ssh_event_dopoll(event, kPollMs) == SSH_ERROR) {
      return Failed(what);
    }
  }
  if (!ssh_is_connected(session)) return Failed(what);
  // -1 when the command was killed: the host then sends a signal name,
  // not a status.
  result.exit_status = ssh_channel_get_exit_status(channel);
  return absl::OkStatus();
}

absl::Status SshSession::Impl::SftpError(sftp_session sftp,
                                         std::string_view what) const {
  if (!ssh_is_connected(session)) return Failed(what);
  return SftpStatus(sftp_get_error(sftp),
                    StrCat(where, ": ", what, ": ", Error()));
}

absl::Status SshSession::Upload(const std::string& local_path,
                                const std::string& remote_path, int mode) {
  const std::string& where = impl_->where;
  if (mode < 0 || mode > 07777) {
    return absl::InvalidArgumentError(
        StrCat("bad permissions ", mode, " for ", remote_path));
  }
  Ptr<FILE*> in(fopen(local_path.c_str(), "rb"));
  if (in == nullptr) {
    int error = errno;
    std::string message =
        StrCat("cannot read ", local_path, ": ", strerror(error));
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::FailedPreconditionError(message);
  }
  Ptr<sftp_session> sftp(sftp_new(impl_->session));
  if (sftp == nullptr) return impl_->Failed("opening an SFTP channel");
  if (sftp_init(sftp.get()) != SSH_OK) {
    return absl::UnavailableError(
        StrCat(where,
               ": cannot start SFTP (is `Subsystem sftp` in the host's "
               "sshd_config?): ",
               impl_->Error()));
  }
  std::string temporary = TemporaryName(remote_path);
  bool created = false;
  absl::Status status = impl_->WriteFile(sftp.get(), in.get(), local_path,
                                         temporary, mode, created);
  if (status.ok()) status = impl_->Rename(sftp.get(), temporary, remote_path);
  if (status.ok() || !created) return status;
  if (sftp_unlink(sftp.get(), temporary.c_str()) < 0) {
    return absl::Status(status.code(),
                        StrCat(std::string(status.message()), "; ", temporary,
                               " is left behind: ", impl_->Error()));
  }
  return status;
}

absl::Status SshSession::Impl::WriteFile(sftp_session sftp, FILE* in,
                                         const std::string& local_path,
                                         const std::string& temporary, int mode,
                                         bool& created) {
  // O_EXCL: a file of that name that is there already is not ours to
  // overwrite (nor to remove afterwards).
  Ptr<sftp_file> file(sftp_open(sftp, temporary.c_str(),
                                O_WRONLY | O_CREAT | O_EXCL,
                                static_cast<mode_t>(mode)));
  if (file == nullptr) {
    absl::Status status = SftpError(sftp, StrCat("cannot create ", temporary));
    if (!absl::IsNotFound(status)) return status;
    return absl::NotFoundError(StrCat(std::string(status.message()),
                                      " (does the directory ",
                                      Dirname(temporary), " exist?)"));
  }
  created = true;
  std::vector<char> buffer(kChunk);
  for (;;) {
    size_t count = fread(buffer.data(), 1, buffer.size(), in);
    if (count == 0) {
      if (ferror(in)) {
        return absl::FailedPreconditionError(
            StrCat("cannot read ", local_path, ": ", strerror(errno)));
      }
      break;
    }
    for (size_t done = 0; done < count;) {
      ssize_t rc = sftp_write(file.get(), buffer.data() + done, count - done);
      if (rc <= 0) return SftpError(sftp, StrCat("writing ", temporary));
      done += static_cast<size_t>(rc);
    }
  }
  // On disk before it takes the place of the old file, so that a crash of
  // the host leaves the old file or the whole new one.
  if (sftp_extension_supported(sftp, "fsync@openssh.com", "1") &&
      sftp_fsync(file.get()) < 0) {
    return SftpError(sftp, StrCat("syncing ", temporary));
  }
  if (sftp_close(file.release()) != SSH_NO_ERROR) {
    return SftpError(sftp, StrCat("closing ", temporary));
  }
  // The server applied its umask when it created the file.
  if (sftp_chmod(sftp, temporary.c_str(), static_cast<mode_t>(mode)) < 0) {
    return SftpError(sftp, StrCat("setting the permissions of ", temporary));
  }
  return absl::OkStatus();
}

absl::Status SshSession::Impl::Rename(sftp_session sftp,
                                      const std::string& from,
                                      const std::string& to) {
  bool posix = sftp_extension_supported(sftp, kPosixRename, "1") != 0;
  absl::Status status;
  if (posix) {
    status = PosixRename(sftp, from, to);
  } else if (sftp_rename(sftp, from.c_str(), to.c_str()) < 0) {
    status = SftpError(sftp, StrCat("cannot rename ", from, " to ", to));
  }
  if (status.ok() || absl::IsUnavailable(status) || absl::IsInternal(status)) {
    return status;
  }
  // What is in the way, if anything: the server's message ("Failure") does
  // not say.
  Ptr<sftp_attributes> target(sftp_lstat(sftp, to.c_str()));
  if (target == nullptr) return status;
  if (target->type == SSH_FILEXFER_TYPE_DIRECTORY) {
    return absl::FailedPreconditionError(
        StrCat(where, ": cannot replace ", to, ": it is a directory"));
  }
  if (posix) return status;
  // SFTP 3's rename does not replace a file. Without the extension the old
  // file is removed first, which leaves a moment without either.
  if (sftp_unlink(sftp, to.c_str()) < 0 ||
      sftp_rename(sftp, from.c_str(), to.c_str()) < 0) {
    return SftpError(sftp, StrCat("cannot replace ", to));
  }
  return absl::OkStatus();
}

// libssh 0.10 has no call for the extension (0.11's sftp_rename uses it),
// so the request is written on the SFTP channel here and its reply read
// back. That does not disturb libssh: it reads the channel one whole
// packet at a time and only while it waits for a reply of its own, and
// none is outstanding now.
absl::Status SshSession::Impl::PosixRename(sftp_session sftp,
                                           const std::string& from,
                                           const std::string& to) {
  std::string what = StrCat("renaming ", from, " to ", to);
  uint32_t id = ++sftp->id_counter;
  std::string body(1, static_cast<char>(SSH_FXP_EXTENDED));
  PutU32(body, id);
  PutString(body, kPosixRename);
  PutString(body, from);
  PutString(body, to);
  std::string packet;
  PutU32(packet, static_cast<uint32_t>(body.size()));
  packet += body;
  if (ssh_channel_write(sftp->channel, packet.data(),
                        static_cast<uint32_t>(packet.size())) !=
      static_cast<int>(packet.size())) {
    return Failed(what);
  }
  std::string header;
  if (absl::Status status = ReadReply(sftp->channel, 4, header); !status.ok()) {
    return status;
  }
  // A status reply: type, id, code, message and language tag.
  uint32_t length = GetU32(header, 0);
  std::string reply;
  if (length < 1 + 4 + 4 + 4 + 4 || length > 64 * 1024) {
    return absl::InternalError(
        StrCat(where, ": ", what, ": malformed reply from the SFTP server"));
  }
  if (absl::Status status = ReadReply(sftp->channel, length, reply);
      !status.ok()) {
    return status;
  }
  if (static_cast<unsigned char>(reply[0]) != SSH_FXP_STATUS ||
      GetU32(reply, 1) != id) {
    return absl::InternalError(
        StrCat(where, ": ", what, ": unexpected reply from the SFTP server"));
  }
  uint32_t code = GetU32(reply, 5);
  if (code == SSH_FX_OK) return absl::OkStatus();
  uint32_t size = GetU32(reply, 9);
  std::string message =
      size <= reply.size() - 13 ? reply.substr(13, size) : "error";
  return SftpStatus(static_cast<int>(code),
                    StrCat(where, ": cannot rename ", from, " to ", to,
                           ": SFTP server: ", message));
}

absl::Status SshSession::Impl::ReadReply(ssh_channel channel, size_t count,
                                         std::string& out) {
  out.clear();
  char buffer[4096];
  while (out.size() < count) {
    size_t want = std::min(sizeof buffer, count - out.size());
    int rc =
        ssh_channel_read_timeout(channel, buffer, static_cast<uint32_t>(want),
                                 0, static_cast<int>(timeout.count() * 1000));
    if (rc < 0) return Failed("waiting for the SFTP server");
    if (rc == 0) {
      return absl::UnavailableError(StrCat(
          where, ": the SFTP server ",
          ssh_channel_is_eof(channel)
              ? std::string("closed its channel")
              : StrCat("did not answer within ", timeout.count(), " s")));
    }
    out.append(buffer, static_cast<size_t>(rc));
  }
  return absl::OkStatus();
}

}  // namespace cairn::bootstrap
