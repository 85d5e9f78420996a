#include "agent/providers/file_support.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace cairn::agent {
namespace {

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::optional<uint32_t>> ParseMode(std::string_view mode) {
  if (mode.empty()) return std::nullopt;
  uint32_t bits = 0;
  bool valid = mode.size() <= 5;
  for (char c : mode) {
    if (c < '0' || c > '7') valid = false;
    bits = bits * 8 + (c - '0');
  }
  if (!valid || bits > 07777) {
    return absl::InvalidArgumentError(
        StrCat("mode '", mode, "' is not an octal mode like \"0644\""));
  }
  return bits;
}

std::string FormatMode(uint32_t mode) {
  std::string out(4, '0');
  for (int i = 3; i >= 0; --i) {
    out[i] = '0' + (mode & 7);
    mode >>= 3;
  }
  return out;
}

absl::Status CheckPath(std::string_view kind, std::string_view path) {
  bool valid = StartsWith(path, "/") && (path == "/" || !EndsWith(path, "/"));
  if (valid && path != "/") {
    for (std::string_view part : StrSplit(path.substr(1), '/')) {
      if (part.empty() || part == "." || part == "..") valid = false;
    }
  }
  if (!valid) {
    return absl::InvalidArgumentError(
        StrCat(kind, " path '", path, "' is not a normalized absolute path"));
  }
  return absl::OkStatus();
}

absl::Status CheckParentDirectory(Host& host, const std::string& path) {
  std::string dir = Dirname(path);
  absl::StatusOr<FileInfo> info = host.Stat(dir);
  if (!info.ok()) return info.status();
  if (info->type == FileInfo::Type::kDirectory) return absl::OkStatus();
  if (info->exists()) {
    return absl::FailedPreconditionError(
        StrCat("cannot create ", path, ": ", dir, " is not a directory"));
  }
  return absl::FailedPreconditionError(
      StrCat("cannot create ", path, ": directory ", dir,
             " does not exist (declare it as a directory resource)"));
}

absl::StatusOr<Ownership> ResolveOwnership(const Accounts& accounts,
                                           std::string_view owner,
                                           std::string_view group,
                                           bool preview) {
  Ownership wanted;
  if (!owner.empty()) {
    absl::StatusOr<uid_t> uid = accounts.UserId(owner);
    if (uid.ok()) {
      wanted.uid = *uid;
    } else if (preview && uid.status().code() == absl::StatusCode::kNotFound) {
      wanted.missing_owner = std::string(owner);
    } else {
      return uid.status();
    }
  }
  if (!group.empty()) {
    absl::StatusOr<gid_t> gid = accounts.GroupId(group);
    if (gid.ok()) {
      wanted.gid = *gid;
    } else if (preview && gid.status().code() == absl::StatusCode::kNotFound) {
      wanted.missing_group = std::string(group);
    } else {
      return gid.status();
    }
  } else if (!wanted.missing_owner.empty()) {
    // Its primary group will be the new user's.
    wanted.missing_group = StrCat(owner, "'s group");
  } else if (const Account* user = accounts.FindUserById(wanted.uid)) {
    wanted.gid = user->gid;
  } else if (wanted.uid != 0) {
    return absl::NotFoundError(
        StrCat("no group given and user '", owner,
               "' has no line in /etc/passwd to take its primary group from"));
  }
  return wanted;
}

void AddAttributeChanges(const v1::Resource& resource, const Accounts& accounts,
                         const FileInfo& current, const Ownership& wanted,
                         std::optional<uint32_t> mode,
                         const ProviderContext& context,
                         v1::ResourceDiff& diff) {
  bool exists = current.exists();
  if (!wanted.missing_owner.empty()) {
    AddChange(resource, "owner", exists ? accounts.UserName(current.uid) : "",
              StrCat(wanted.missing_owner, " (not a user yet)"), context, diff);
  } else if (!exists || current.uid != wanted.uid) {
    AddChange(resource, "owner", exists ? accounts.UserName(current.uid) : "",
              accounts.UserName(wanted.uid), context, diff);
  }
  if (!wanted.missing_group.empty()) {
    AddChange(resource, "group", exists ? accounts.GroupName(current.gid) : "",
              StrCat(wanted.missing_group, " (not a group yet)"), context,
              diff);
  } else if (!exists || current.gid != wanted.gid) {
    AddChange(resource, "group", exists ? accounts.GroupName(current.gid) : "",
              accounts.GroupName(wanted.gid), context, diff);
  }
  if (mode.has_value() && (!exists || current.mode != *mode)) {
    AddChange(resource, "mode", exists ? FormatMode(current.mode) : "",
              FormatMode(*mode), context, diff);
  }
}

absl::Status Annotate(std::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(),
                      StrCat(prefix, ": ", std::string(status.message())));
}

bool WantPresent(v1::Ensure ensure) { return ensure != v1::ENSURE_ABSENT; }

absl::StatusOr<std::string> BackupFile(Host& host,
                                       const std::string& backup_dir,
                                       const std::string& path,
                                       absl::Time now) {
  absl::StatusOr<std::string> content = host.ReadFile(path);
  if (!content.ok()) return content.status();
  std::string dir = backup_dir;
  while (dir.size() > 1 && EndsWith(dir, "/")) dir.pop_back();
  std::string base =
      StrCat(dir == "/" ? "" : dir, path, ".",
             absl::FormatTime("%Y%m%dT%H%M%E6SZ", now, absl::UTCTimeZone()));
  if (absl::Status status = MakeDirectories(host, Dirname(base), 0700, 0700);
      !status.ok()) {
    return status;
  }
  std::string backup = base;
  for (int n = 1;; ++n) {
    absl::StatusOr<FileInfo> info = host.Stat(backup);
    if (!info.ok()) return info.status();
    if (!info->exists()) break;
    backup = StrCat(base, "-", n);
  }
  if (absl::Status status = host.WriteFile(backup, *content, 0600, 0, 0);
      !status.ok()) {
    return status;
  }
  return backup;
}

}  // namespace cairn::agent
