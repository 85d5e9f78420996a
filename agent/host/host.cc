#include "agent/host/host.h"

#include "base/strings.h"

namespace cairn::agent {

absl::Status Host::AppendFile(const std::string& path, std::string_view data) {
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

}  // namespace cairn::agent
