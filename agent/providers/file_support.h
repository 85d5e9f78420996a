#ifndef CAIRN_AGENT_PROVIDERS_FILE_SUPPORT_H_
#define CAIRN_AGENT_PROVIDERS_FILE_SUPPORT_H_

// What the file, directory and symlink providers share: modes written as
// octal strings, owners and groups by name, ensure, backups of replaced
// files, and the checks on paths.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/host/accounts.h"
#include "agent/host/host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/agent.pb.h"
#include "proto/cairn/v1/catalog.pb.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {

// "0644", "644", "4755" -> the permission bits; "" -> nullopt (keep the
// current mode). Anything else, or more than 07777, is InvalidArgument.
absl::StatusOr<std::optional<uint32_t>> ParseMode(std::string_view mode);
// 0644 -> "0644".
std::string FormatMode(uint32_t mode);

// Fails unless `path` is absolute and normalized: no empty, "." or ".."
// component, no trailing slash. `kind` names the resource in the message.
absl::Status CheckPath(std::string_view kind, std::string_view path);

// Fails unless the directory holding `path` exists: "cannot create PATH:
// directory DIR does not exist (declare it as a directory resource)".
absl::Status CheckParentDirectory(Host& host, const std::string& path);

// The owner and group a resource asks for.
struct Ownership {
  uid_t uid = 0;
  gid_t gid = 0;
  // For a preview (Check): a user or group that does not exist yet,
  // typically because a resource earlier in the same apply creates it.
  std::string missing_owner;
  std::string missing_group;
};

// Resolves `owner` (root when empty) and `group` (the owner's primary group
// when empty, root's for root) through `accounts`. Unknown names are
// NotFound errors naming them; with `preview`, they are recorded in
// missing_owner and missing_group instead, for Check to show.
absl::StatusOr<Ownership> ResolveOwnership(const Accounts& accounts,
                                           std::string_view owner,
                                           std::string_view group,
                                           bool preview = false);

// Adds "owner", "group" and "mode" changes between `current` and the wanted
// ownership and mode; `mode` nullopt means the mode is not managed.
void AddAttributeChanges(const v1::Resource& resource, const Accounts& accounts,
                         const FileInfo& current, const Ownership& wanted,
                         std::optional<uint32_t> mode,
                         const ProviderContext& context,
                         v1::ResourceDiff& diff);

// `status` with "PREFIX: " before its message, its code kept.
absl::Status Annotate(std::string_view prefix, const absl::Status& status);

// Whether a resource should exist: ENSURE_UNSPECIFIED is present.
bool WantPresent(v1::Ensure ensure);

// Unpacks resource.spec into `spec`, or says which kind was expected.
template <typename Spec>
absl::Status UnpackSpec(const v1::Resource& resource, Spec& spec) {
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat(resource.kind(), " ", resource.id(), ": the spec is not a ",
               Spec::descriptor()->full_name()));
  }
  return absl::OkStatus();
}

// Copies the regular file at `path` to BACKUP_DIR/PATH.TIMESTAMP (UTC, to
// the microsecond, with -1, -2... when taken), creating the directories it
// needs (0700, root), the copy 0600 and owned by root. Returns where.
absl::StatusOr<std::string> BackupFile(Host& host,
                                       const std::string& backup_dir,
                                       const std::string& path,
                                       absl::Time now = absl::Now());

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_FILE_SUPPORT_H_
