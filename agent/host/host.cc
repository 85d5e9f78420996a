#include "agent/host/host.h"

#include "base/digest.h"
#include "base/strings.h"

namespace cairn::agent {

absl::Status Host::AppendFile(const std::string& path, std::string_view data,
                              bool) {
  absl::StatusOr<FileInfo> info = Stat(path);
  if (!info.ok()) return info.status();
  std::string text;
  if (info->exists()) {
    absl::StatusOr<std::string> old = ReadFile(path);
    if (!old.ok()) return old.status();
    text = *std::move(old);
  }
  text.append(data);
  return WriteFile(path, text, info->exists() ? info->mode : 0600,
                   info->exists() ? info->uid : 0,
                   info->exists() ? info->gid : 0);
}

std::vector<absl::Status> Host::WriteFiles(
    const std::vector<FileWrite>& files) {
  std::vector<absl::Status> out;
  out.reserve(files.size());
  for (const FileWrite& f : files) {
    out.push_back(WriteFile(f.path, f.content, f.mode, f.uid, f.gid));
  }
  return out;
}

absl::Status Host::InstallFile(const std::string& temp, const std::string& path,
                               uint32_t mode, uid_t uid, gid_t gid) {
  if (absl::Status status = SetOwner(temp, uid, gid); !status.ok()) {
    return status;
  }
  // chown(2) clears set-id bits: the mode comes after.
  if (absl::Status status = SetMode(temp, mode); !status.ok()) return status;
  return Rename(temp, path);
}

absl::StatusOr<std::string> Host::FileSha256(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  return Sha256Hex(*content);
}

absl::Status MakeDirectories(Host& host, std::string_view path, uint32_t mode,
                             uint32_t parent_mode) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        StrCat("cannot create ", path, ": not an absolute path"));
  }
  std::string prefix;
  for (std::string_view part : StrSplit(path.substr(1), '/')) {
    if (part.empty()) continue;
    StrAppend(&prefix, "/", part);
    absl::StatusOr<FileInfo> info = host.Stat(prefix);
    if (!info.ok()) return info.status();
    if (info->type == FileInfo::Type::kDirectory) continue;
    if (info->exists()) {
      return absl::FailedPreconditionError(
          StrCat("cannot create ", path, ": ", prefix,
                 " exists and is not a directory"));
    }
    bool last = prefix.size() >= path.size() - (path.back() == '/' ? 1 : 0);
    absl::Status made =
        host.MakeDirectory(prefix, last ? mode : parent_mode, 0, 0);
    if (!made.ok()) {
      // Someone else made it meanwhile (agents starting side by side): as
      // good as made, if it is a directory.
      absl::StatusOr<FileInfo> now = host.Stat(prefix);
      if (now.ok() && now->type == FileInfo::Type::kDirectory) continue;
      return made;
    }
  }
  return absl::OkStatus();
}

}  // namespace cairn::agent
