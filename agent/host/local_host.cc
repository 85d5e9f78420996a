// LocalHost: Host on the machine the agent runs on, by system calls.
// Failures are absl::ErrnoToStatus(errno, "OP PATH"), the same as
// FakeHost's, so tests on either see the same codes and messages.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "absl/status/status.h"
#include "agent/host/host.h"
#include "agent/host/run_command.h"
#include "base/strings.h"
#include "openssl/evp.h"

namespace cairn::agent {
namespace {

absl::Status Errno(int error, std::string_view op, const std::string& path) {
  return absl::ErrnoToStatus(error, StrCat(op, " ", path));
}

// Closes a descriptor once.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting close(2)'s error (a delayed write error on some
  // file systems).
  int Close() {
    int result = close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// `path` without trailing slashes ("/" stays).
std::string Trimmed(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  return end == std::string::npos ? path.substr(0, 1) : path.substr(0, end + 1);
}

// The directory part of `path` ("/" for "/x") and the rest; `path` is
// Trimmed.
std::string Dirname(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A hidden name next to `path` for a temporary file or link.
std::string TempName(const std::string& path, std::string_view suffix) {
  std::string dir = Dirname(path);
  return StrCat(dir == "/" ? "" : dir, "/.", Basename(path), ".cairn-", suffix);
}

std::string RandomSuffix() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(kChars[random() % 36]);
  return out;
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(errno, "write", path);
    }
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

// Makes a rename or a new entry in `dir` durable.
absl::Status SyncDirectory(const std::string& dir) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Errno(errno, "open", dir);
  if (fsync(fd.get()) != 0) return Errno(errno, "fsync", dir);
  return absl::OkStatus();
}

FileInfo ToFileInfo(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileInfo::Type::kFile;
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileInfo::Type::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileInfo::Type::kSymlink;
  } else {
    info.type = FileInfo::Type::kOther;
  }
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = st.st_size;
  return info;
}

// Removes `name` in the directory `dir_fd` and, for a directory, all of it,
// without following any symlink. `path` is for messages.
absl::Status RemoveAt(int dir_fd, const std::string& name,
                      const std::string& path) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Errno(errno, "remove", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dir_fd, name.c_str(), 0) != 0) {
      return Errno(errno, "remove", path);
    }
    return absl::OkStatus();
  }
  int fd = openat(dir_fd, name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open", path);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int error = errno;
    close(fd);
    return Errno(error, "opendir", path);
  }
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    std::string_view child = entry->d_name;
    if (child != "." && child != "..") names.emplace_back(child);
  }
  absl::Status status = absl::OkStatus();
  for (const std::string& child : names) {
    status = RemoveAt(dirfd(dir), child, StrCat(path, "/", child));
    if (!status.ok()) break;
  }
  closedir(dir);
  if (!status.ok()) return status;
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) {
    return Errno(errno, "remove", path);
  }
  return absl::OkStatus();
}

class LocalHost : public Host {
 public:
  absl::StatusOr<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return FileInfo{};
      return Errno(errno, "lstat", path);
    }
    return ToFileInfo(st);
  }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Errno(errno, "open", path);
    std::string content;
    char buffer[65536];
    while (true) {
      ssize_t n = read(fd.get(), buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno(errno, "read", path);
      }
      if (n == 0) break;
      content.append(buffer, n);
    }
    return content;
  }

  absl::StatusOr<std::string> ReadLink(const std::string& path) override {
    std::string target(256, '\0');
    while (true) {
      ssize_t n = readlink(path.c_str(), target.data(), target.size());
      if (n < 0) return Errno(errno, "readlink", path);
      if (static_cast<size_t>(n) < target.size()) {
        target.resize(n);
        return target;
      }
      target.resize(target.size() * 2);
    }
  }

  absl::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string& path) override {
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return Errno(errno, "opendir", path);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = readdir(dir)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int error = errno;
    closedir(dir);
    if (error != 0) return Errno(error, "readdir", path);
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::Status WriteFile(const std::string& given, std::string_view content,
                         uint32_t mode, uid_t uid, gid_t gid) override {
    std::string path = Trimmed(given);
    std::string temp = TempName(path, "XXXXXX");
    Fd fd(mkostemp(temp.data(), O_CLOEXEC));
    if (fd.get() < 0) return Errno(errno, "write", path);
    absl::Status status = FillTemp(fd, temp, content, mode, uid, gid);
    if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) {
      status = Errno(errno, "rename over", path);
    }
    if (!status.ok()) {
      unlink(temp.c_str());
      return status;
    }
    return SyncDirectory(Dirname(path));
  }

  std::vector<absl::Status> WriteFiles(
      const std::vector<FileWrite>& files) override {
    std::vector<absl::Status> out(files.size());
    std::vector<std::string> paths(files.size()), temps(files.size());
    // 1. Every temporary file, written, owned and moded, not yet synced.
    //    One open file per filesystem, to sync it by.
    std::map<dev_t, int> filesystems;  // Closed at the end.
    for (size_t i = 0; i < files.size(); ++i) {
      const FileWrite& f = files[i];
      paths[i] = Trimmed(f.path);
      temps[i] = TempName(paths[i], "XXXXXX");
      Fd fd(mkostemp(temps[i].data(), O_CLOEXEC));
      if (fd.get() < 0) {
        out[i] = Errno(errno, "write", paths[i]);
        temps[i].clear();
        continue;
      }
      struct stat st;
      if (fstat(fd.get(), &st) == 0 && !filesystems.count(st.st_dev)) {
        filesystems.emplace(st.st_dev, dup(fd.get()));
      }
      out[i] = FillTemp(fd, temps[i], f.content, f.mode, f.uid, f.gid,
                        /*sync=*/false);
      if (!out[i].ok()) {
        unlink(temps[i].c_str());
        temps[i].clear();
      }
    }
    // 2. Their content on disk before any of them replaces a file.
    absl::Status synced;
    for (auto& [dev, fd] : filesystems) {
      if (fd >= 0 && syncfs(fd) != 0 && synced.ok()) {
        synced = Errno(errno, "syncfs", "the new files");
      }
      if (fd >= 0) close(fd);
    }
    if (!synced.ok()) {
      for (size_t i = 0; i < files.size(); ++i) {
        if (temps[i].empty()) continue;
        unlink(temps[i].c_str());
        out[i] = synced;
      }
      return out;
    }
    // 3. Renamed into place; then each directory synced once.
    std::set<std::string> directories;
    for (size_t i = 0; i < files.size(); ++i) {
      if (temps[i].empty()) continue;
      if (rename(temps[i].c_str(), paths[i].c_str()) != 0) {
        out[i] = Errno(errno, "rename over", paths[i]);
        unlink(temps[i].c_str());
        continue;
      }
      directories.insert(Dirname(paths[i]));
    }
    for (const std::string& dir : directories) {
      absl::Status synced = SyncDirectory(dir);
      if (synced.ok()) continue;
      for (size_t i = 0; i < files.size(); ++i) {
        if (out[i].ok() && Dirname(paths[i]) == dir) out[i] = synced;
      }
    }
    return out;
  }

  absl::Status AppendFile(const std::string& path, std::string_view data,
                          bool durable) override {
    Fd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) return Errno(errno, "open", path);
    if (absl::Status status = WriteAll(fd.get(), data, path); !status.ok()) {
      return status;
    }
    if (durable && fdatasync(fd.get()) != 0) {
      return Errno(errno, "fdatasync", path);
    }
    if (fd.Close() != 0) return Errno(errno, "close", path);
    return absl::OkStatus();
  }

  absl::Status MakeDirectory(const std::string& given, uint32_t mode, uid_t uid,
                             gid_t gid) override {
    std::string path = Trimmed(given);
    // 0700 until owner and mode are set, so nobody else gets in meanwhile.
    if (mkdir(path.c_str(), 0700) != 0) return Errno(errno, "mkdir", path);
    absl::Status status = absl::OkStatus();
    if (lchown(path.c_str(), uid, gid) != 0) {
      status = Errno(errno, "lchown", path);
    } else if (chmod(path.c_str(), mode & 07777) != 0) {
      status = Errno(errno, "chmod", path);
    }
    if (!status.ok()) {
      rmdir(path.c_str());
      return status;
    }
    return SyncDirectory(Dirname(path));
  }

  absl::Status SetOwner(const std::string& path, uid_t uid,
                        gid_t gid) override {
    if (lchown(path.c_str(), uid, gid) != 0) {
      return Errno(errno, "lchown", path);
    }
    return absl::OkStatus();
  }

  absl::Status SetMode(const std::string& path, uint32_t mode) override {
    // Fails with EOPNOTSUPP on a symlink, which has no mode of its own.
    if (fchmodat(AT_FDCWD, path.c_str(), mode & 07777, AT_SYMLINK_NOFOLLOW) !=
        0) {
      return Errno(errno, "chmod", path);
    }
    return absl::OkStatus();
  }

  absl::Status MakeSymlink(const std::string& target,
                           const std::string& given) override {
    std::string path = Trimmed(given);
    std::string temp;
    for (int attempt = 0;; ++attempt) {
      temp = TempName(path, RandomSuffix());
      if (symlink(target.c_str(), temp.c_str()) == 0) break;
      if (errno != EEXIST || attempt == 100) {
        return Errno(errno, "symlink", path);
      }
    }
    // rename(2) refuses to put a non-directory over a directory (EISDIR).
    if (rename(temp.c_str(), path.c_str()) != 0) {
      int error = errno;
      unlink(temp.c_str());
      return Errno(error, "rename over", path);
    }
    return SyncDirectory(Dirname(path));
  }

  absl::Status Remove(const std::string& path) override {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return Errno(errno, "remove", path);
    int result =
        S_ISDIR(st.st_mode) ? rmdir(path.c_str()) : unlink(path.c_str());
    if (result != 0) return Errno(errno, "remove", path);
    return absl::OkStatus();
  }

  absl::Status RemoveTree(const std::string& given) override {
    std::string path = Trimmed(given);
    if (path == "/") return Errno(EBUSY, "remove", path);
    std::string dir = Dirname(path);
    Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0) return Errno(errno, "remove", path);
    return RemoveAt(dir_fd.get(), Basename(path), path);
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (rename(from.c_str(), to.c_str()) != 0) {
      return Errno(errno, "rename", StrCat(from, " to ", to));
    }
    return absl::OkStatus();
  }

  absl::Status InstallFile(const std::string& temp, const std::string& given,
                           uint32_t mode, uid_t uid, gid_t gid) override {
    std::string path = Trimmed(given);
    // O_NOFOLLOW: the file itself, never where a link put there points.
    Fd fd(open(temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return Errno(errno, "open", temp);
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return Errno(errno, "fstat", temp);
    if (!S_ISREG(st.st_mode)) return Errno(EINVAL, "install", temp);
    if (fchown(fd.get(), uid, gid) != 0) return Errno(errno, "fchown", temp);
    if (fchmod(fd.get(), mode & 07777) != 0) {
      return Errno(errno, "fchmod", temp);
    }
    if (fsync(fd.get()) != 0) return Errno(errno, "fsync", temp);
    if (fd.Close() != 0) return Errno(errno, "close", temp);
    if (rename(temp.c_str(), path.c_str()) != 0) {
      return Errno(errno, "rename over", path);
    }
    return SyncDirectory(Dirname(path));
  }

  absl::StatusOr<std::string> FileSha256(const std::string& path) override {
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Errno(errno, "open", path);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(),
                                                               EVP_MD_CTX_free);
    if (context == nullptr ||
        EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
      return absl::InternalError(
          StrCat("sha256 ", path, ": no digest context"));
    }
    std::vector<char> buffer(1 << 20);
    while (true) {
      ssize_t n = read(fd.get(), buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno(errno, "read", path);
      }
      if (n == 0) break;
      EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(n));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context.get(), digest, &size);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 15]);
    }
    return hex;
  }

  absl::StatusOr<CommandResult> Run(const std::vector<std::string>& argv,
                                    std::string_view input,
                                    absl::Duration timeout) override {
    return RunCommand(argv, input, timeout);
  }

  absl::StatusOr<CommandResult> RunWithEnvironment(
      const std::vector<std::string>& argv,
      const std::map<std::string, std::string>& environment,
      std::string_view input, absl::Duration timeout) override {
    return RunCommand(argv, input, timeout, environment);
  }

 private:
  // Writes the temporary file of WriteFile: content, owner, then mode
  // (chown clears set-id bits), then fsync and close.
  static absl::Status FillTemp(Fd& fd, const std::string& temp,
                               std::string_view content, uint32_t mode,
                               uid_t uid, gid_t gid, bool sync = true) {
    if (absl::Status status = WriteAll(fd.get(), content, temp); !status.ok()) {
      return status;
    }
    if (fchown(fd.get(), uid, gid) != 0) return Errno(errno, "fchown", temp);
    if (fchmod(fd.get(), mode & 07777) != 0) {
      return Errno(errno, "fchmod", temp);
    }
    if (sync && fsync(fd.get()) != 0) return Errno(errno, "fsync", temp);
    if (fd.Close() != 0) return Errno(errno, "close", temp);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Host> MakeLocalHost() { return std::make_unique<LocalHost>(); }

}  // namespace cairn::agent
