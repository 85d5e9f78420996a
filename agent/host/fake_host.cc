#include "agent/host/fake_host.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "base/strings.h"

// The tree is a map from normalized absolute path to node, so a directory's
// children are the keys that extend "DIR/" by one component. Calls behave
// like the system calls LocalHost makes: intermediate symlinks are followed,
// the last component is followed only where the real call follows it (open
// and opendir do; lstat, readlink, mkdir, rename, unlink, lchown do not, but
// a trailing slash makes every call follow it), and
// failures are absl::ErrnoToStatus(errno, "OP PATH"), as LocalHost's are.

namespace cairn::agent {
namespace {

using Type = FileInfo::Type;

// Linux gives up on a path after this many symlinks (ELOOP).
constexpr int kMaxSymlinks = 40;

absl::Status Errno(int error, std::string_view op, const std::string& path) {
  return absl::ErrnoToStatus(error, StrCat(op, " ", path));
}

// "/a//b/./c/../d/" -> "/a/b/d"; ".." at the root stays at the root. Only
// absolute paths are accepted.
absl::StatusOr<std::string> Normalize(std::string_view path) {
  if (!StartsWith(path, "/")) {
    return absl::InvalidArgumentError(
        StrCat("not an absolute path: '", path, "'"));
  }
  std::vector<std::string_view> parts;
  for (std::string_view part : StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return StrCat("/", StrJoin(parts, "/"));
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Child(const std::string& dir, std::string_view name) {
  return dir == "/" ? StrCat("/", name) : StrCat(dir, "/", name);
}

// What the paths of `dir`'s descendants start with.
std::string ChildPrefix(const std::string& dir) {
  return dir == "/" ? "/" : StrCat(dir, "/");
}

// Whether `path` is `dir` or lies under it.
bool Within(const std::string& path, const std::string& dir) {
  return path == dir || StartsWith(path, ChildPrefix(dir));
}

}  // namespace

FakeHost::FakeHost() {
  Node root;
  root.info.type = Type::kDirectory;
  root.info.mode = 0755;
  nodes_["/"] = root;
}

// Where `path` really is: intermediate symlinks replaced by their targets,
// and the last component too when `follow_last`. The result is normalized;
// the node there may be missing. Fails like the kernel's path walk: ENOENT
// for a missing directory on the way, ENOTDIR for a non-directory on the
// way, ELOOP for too many symlinks.
absl::StatusOr<std::string> FakeHost::Resolve(const std::string& path,
                                              bool follow_last,
                                              std::string_view op) const {
  absl::StatusOr<std::string> normalized = Normalize(path);
  if (!normalized.ok()) return normalized.status();
  // A trailing slash makes the kernel follow the last component too.
  if (EndsWith(path, "/")) follow_last = true;
  std::string pending = *normalized;
  int symlinks = 0;
restart:
  std::vector<std::string_view> parts = StrSplit(pending, '/');
  std::string done = "/";
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;  // The root itself.
    bool last = i + 1 == parts.size();
    std::string next = Child(done, parts[i]);
    auto it = nodes_.find(next);
    if (it == nodes_.end()) {
      if (last) return next;
      return Errno(ENOENT, op, path);
    }
    const Node& node = it->second;
    if (node.info.type == Type::kSymlink && (!last || follow_last)) {
      if (++symlinks > kMaxSymlinks) return Errno(ELOOP, op, path);
      std::string rest;
      for (size_t j = i + 1; j < parts.size(); ++j) {
        StrAppend(&rest, "/", parts[j]);
      }
      std::string target = StartsWith(node.content, "/")
                               ? node.content
                               : StrCat(done, "/", node.content);
      absl::StatusOr<std::string> joined = Normalize(StrCat(target, rest));
      if (!joined.ok()) return joined.status();
      pending = *joined;
      goto restart;
    }
    if (!last && node.info.type != Type::kDirectory) {
      return Errno(ENOTDIR, op, path);
    }
    done = next;
  }
  return done;
}

// The node at `resolved`, or nullptr.
FakeHost::Node* FakeHost::Find(const std::string& resolved) {
  auto it = nodes_.find(resolved);
  return it == nodes_.end() ? nullptr : &it->second;
}

// Fails unless the parent of `resolved` is an existing directory.
absl::Status FakeHost::CheckParent(const std::string& resolved,
                                   std::string_view op,
                                   const std::string& path) {
  if (resolved == "/") return Errno(EEXIST, op, path);
  Node* parent = Find(Parent(resolved));
  if (parent == nullptr) return Errno(ENOENT, op, path);
  if (parent->info.type != Type::kDirectory) return Errno(ENOTDIR, op, path);
  return absl::OkStatus();
}

bool FakeHost::HasChildren(const std::string& dir) const {
  std::string prefix = ChildPrefix(dir);
  auto it = nodes_.upper_bound(prefix);  // Past "/" itself for the root.
  return it != nodes_.end() && StartsWith(it->first, prefix);
}

// Test set-up.

void FakeHost::PutParents(const std::string& path) {
  std::string dir = Parent(path);
  if (dir != "/") PutParents(dir);
  auto it = nodes_.find(dir);
  if (it == nodes_.end()) {
    Node node;
    node.info.type = Type::kDirectory;
    node.info.mode = 0755;
    nodes_[dir] = node;
  } else if (it->second.info.type != Type::kDirectory) {
    std::fprintf(stderr, "FakeHost: %s is not a directory\n", dir.c_str());
    std::abort();
  }
}

std::string FakeHost::PutPath(const std::string& path) {
  absl::StatusOr<std::string> normalized = Normalize(path);
  if (!normalized.ok() || *normalized == "/") {
    std::fprintf(stderr, "FakeHost: cannot put '%s'\n", path.c_str());
    std::abort();
  }
  PutParents(*normalized);
  return *normalized;
}

void FakeHost::PutFile(const std::string& path, std::string content,
                       uint32_t mode, uid_t uid, gid_t gid) {
  std::string key = PutPath(path);
  RemoveSubtree(key);
  Node node;
  node.info = {Type::kFile, mode & 07777, uid, gid,
               static_cast<int64_t>(content.size())};
  node.content = std::move(content);
  nodes_[key] = std::move(node);
}

void FakeHost::PutDirectory(const std::string& path, uint32_t mode, uid_t uid,
                            gid_t gid) {
  std::string key = PutPath(path);
  auto it = nodes_.find(key);
  if (it != nodes_.end() && it->second.info.type != Type::kDirectory) {
    nodes_.erase(it);
  }
  Node& node = nodes_[key];
  node.info = {Type::kDirectory, mode & 07777, uid, gid, 0};
  node.content.clear();
}

void FakeHost::PutSymlink(const std::string& target, const std::string& path) {
  std::string key = PutPath(path);
  RemoveSubtree(key);
  Node node;
  node.info = {Type::kSymlink, 0777, 0, 0, static_cast<int64_t>(target.size())};
  node.content = target;
  nodes_[key] = std::move(node);
}

void FakeHost::OnCommand(const std::string& program, CommandHandler handler) {
  handlers_[program] = std::move(handler);
}

void FakeHost::RemoveSubtree(const std::string& resolved) {
  nodes_.erase(resolved);
  // Children sort after "DIR/", not right after "DIR": "DIR-x" comes first.
  std::string prefix = ChildPrefix(resolved);
  auto it = nodes_.lower_bound(prefix);
  while (it != nodes_.end() && StartsWith(it->first, prefix)) {
    it = nodes_.erase(it);
  }
}

// Reading.

absl::StatusOr<FileInfo> FakeHost::Stat(const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "lstat");
  if (!resolved.ok()) {
    // lstat(2) of a path under a missing directory is ENOENT: missing.
    if (absl::IsNotFound(resolved.status())) return FileInfo{};
    return resolved.status();
  }
  Node* node = Find(*resolved);
  if (node == nullptr) return FileInfo{};
  return node->info;
}

absl::StatusOr<std::string> FakeHost::ReadFile(const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, true, "open");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "open", path);
  if (node->info.type == Type::kDirectory) return Errno(EISDIR, "read", path);
  return node->content;
}

absl::StatusOr<std::string> FakeHost::ReadLink(const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "readlink");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "readlink", path);
  if (node->info.type != Type::kSymlink) return Errno(EINVAL, "readlink", path);
  return node->content;
}

absl::StatusOr<std::vector<std::string>> FakeHost::ListDirectory(
    const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, true, "opendir");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "opendir", path);
  if (node->info.type != Type::kDirectory) {
    return Errno(ENOTDIR, "opendir", path);
  }
  std::vector<std::string> names;
  std::string prefix = ChildPrefix(*resolved);
  for (auto it = nodes_.upper_bound(prefix);
       it != nodes_.end() && StartsWith(it->first, prefix); ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.find('/') == std::string_view::npos) names.emplace_back(rest);
  }
  return names;  // Sorted: the map is.
}

// Changing.

absl::Status FakeHost::WriteFile(const std::string& path,
                                 std::string_view content, uint32_t mode,
                                 uid_t uid, gid_t gid) {
  // A temporary file renamed over `path`: a symlink there is replaced, not
  // followed.
  absl::StatusOr<std::string> resolved = Resolve(path, false, "write");
  if (!resolved.ok()) return resolved.status();
  if (absl::Status status = CheckParent(*resolved, "write", path);
      !status.ok()) {
    return status;
  }
  Node* existing = Find(*resolved);
  if (existing != nullptr && existing->info.type == Type::kDirectory) {
    return Errno(EISDIR, "rename over", path);
  }
  Node node;
  node.info = {Type::kFile, mode & 07777, uid, gid,
               static_cast<int64_t>(content.size())};
  node.content = std::string(content);
  nodes_[*resolved] = std::move(node);
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::MakeDirectory(const std::string& path, uint32_t mode,
                                     uid_t uid, gid_t gid) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "mkdir");
  if (!resolved.ok()) return resolved.status();
  if (Find(*resolved) != nullptr) return Errno(EEXIST, "mkdir", path);
  if (absl::Status status = CheckParent(*resolved, "mkdir", path);
      !status.ok()) {
    return status;
  }
  Node node;
  node.info = {Type::kDirectory, mode & 07777, uid, gid, 0};
  nodes_[*resolved] = std::move(node);
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::SetOwner(const std::string& path, uid_t uid, gid_t gid) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "lchown");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "lchown", path);
  node->info.uid = uid;
  node->info.gid = gid;
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::SetMode(const std::string& path, uint32_t mode) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "chmod");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "chmod", path);
  // Linux has no mode for a symlink itself.
  if (node->info.type == Type::kSymlink)
    return Errno(EOPNOTSUPP, "chmod", path);
  node->info.mode = mode & 07777;
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::MakeSymlink(const std::string& target,
                                   const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "symlink");
  if (!resolved.ok()) return resolved.status();
  if (absl::Status status = CheckParent(*resolved, "symlink", path);
      !status.ok()) {
    return status;
  }
  Node* existing = Find(*resolved);
  if (existing != nullptr && existing->info.type == Type::kDirectory) {
    return Errno(EISDIR, "rename over", path);
  }
  Node node;
  node.info = {Type::kSymlink, 0777, 0, 0, static_cast<int64_t>(target.size())};
  node.content = target;
  nodes_[*resolved] = std::move(node);
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::Remove(const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "remove");
  if (!resolved.ok()) return resolved.status();
  Node* node = Find(*resolved);
  if (node == nullptr) return Errno(ENOENT, "remove", path);
  if (*resolved == "/") return Errno(EBUSY, "remove", path);
  if (node->info.type == Type::kDirectory && HasChildren(*resolved)) {
    return Errno(ENOTEMPTY, "remove", path);
  }
  nodes_.erase(*resolved);
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::RemoveTree(const std::string& path) {
  absl::StatusOr<std::string> resolved = Resolve(path, false, "remove");
  if (!resolved.ok()) return resolved.status();
  if (Find(*resolved) == nullptr) return Errno(ENOENT, "remove", path);
  if (*resolved == "/") return Errno(EBUSY, "remove", path);
  RemoveSubtree(*resolved);
  ++mutations_;
  return absl::OkStatus();
}

absl::Status FakeHost::Rename(const std::string& from, const std::string& to) {
  std::string both = StrCat(from, " to ", to);
  absl::StatusOr<std::string> source = Resolve(from, false, "rename");
  if (!source.ok()) return source.status();
  absl::StatusOr<std::string> dest = Resolve(to, false, "rename");
  if (!dest.ok()) return dest.status();
  Node* node = Find(*source);
  if (node == nullptr) return Errno(ENOENT, "rename", both);
  if (absl::Status status = CheckParent(*dest, "rename", both); !status.ok()) {
    return status;
  }
  if (*source == *dest) return absl::OkStatus();
  bool is_dir = node->info.type == Type::kDirectory;
  if (is_dir && Within(*dest, *source)) return Errno(EINVAL, "rename", both);
  if (*source == "/") return Errno(EBUSY, "rename", both);
  if (Node* target = Find(*dest); target != nullptr) {
    bool target_dir = target->info.type == Type::kDirectory;
    if (target_dir && !is_dir) return Errno(EISDIR, "rename", both);
    if (!target_dir && is_dir) return Errno(ENOTDIR, "rename", both);
    if (target_dir && HasChildren(*dest)) {
      return Errno(ENOTEMPTY, "rename", both);
    }
    nodes_.erase(*dest);
  }
  // Move the node and, for a directory, everything under it.
  std::vector<std::pair<std::string, Node>> moved;
  moved.emplace_back(*dest, std::move(*node));
  nodes_.erase(*source);
  std::string prefix = ChildPrefix(*source);
  auto it = nodes_.lower_bound(prefix);
  while (it != nodes_.end() && StartsWith(it->first, prefix)) {
    moved.emplace_back(StrCat(*dest, it->first.substr(source->size())),
                       std::move(it->second));
    it = nodes_.erase(it);
  }
  for (auto& [key, moved_node] : moved) nodes_[key] = std::move(moved_node);
  ++mutations_;
  return absl::OkStatus();
}

// Commands.

absl::StatusOr<CommandResult> FakeHost::Run(
    const std::vector<std::string>& argv, std::string_view input,
    absl::Duration timeout) {
  return RunWithEnvironment(argv, {}, input, timeout);
}

absl::StatusOr<CommandResult> FakeHost::RunWithEnvironment(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& environment,
    std::string_view input, absl::Duration timeout) {
  environment_ = environment;
  timeout_ = timeout;
  if (argv.empty()) return absl::InvalidArgumentError("run: empty command");
  commands_.push_back(StrJoin(argv, " "));
  auto it = handlers_.find(argv[0]);
  if (it == handlers_.end()) {
    CommandResult result;
    result.exit_code = 127;
    result.err = StrCat(argv[0], ": command not found\n");
    return result;
  }
  return it->second(argv, input);
}

}  // namespace cairn::agent
