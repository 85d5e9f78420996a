// The "directory" kind (cairn.v1.Directory): a directory with mode and
// ownership. ensure = absent removes it only when it is empty (what is in
// it must go first, by its own absent resources or by hand); with
// purge, everything in it goes too, unseen and not backed up, since purge
// says that nothing unmanaged in it is worth keeping. Anything else at the
// path (a file, a symlink, even to a directory) is an error: the catalog
// and the host disagree about what it is. purge on a present directory is
// not supported yet: only the engine knows which files the catalog manages.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agent/host/accounts.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Type = FileInfo::Type;

struct Wanted {
  v1::Directory spec;
  std::optional<uint32_t> mode;  // nullopt: keep the current mode.
};

absl::StatusOr<Wanted> Parse(const v1::Resource& resource) {
  Wanted wanted;
  if (absl::Status status = UnpackSpec(resource, wanted.spec); !status.ok()) {
    return status;
  }
  const std::string& path = wanted.spec.path();
  if (absl::Status status = CheckPath("directory", path); !status.ok()) {
    return status;
  }
  if (path == "/") {
    return absl::InvalidArgumentError("directory /: the root is not managed");
  }
  if (wanted.spec.purge() && WantPresent(wanted.spec.ensure())) {
    return absl::UnimplementedError(
        StrCat("directory ", path, ": purge is not supported yet"));
  }
  absl::StatusOr<std::optional<uint32_t>> mode = ParseMode(wanted.spec.mode());
  if (!mode.ok()) {
    return Annotate(StrCat("directory ", path), mode.status());
  }
  wanted.mode = *mode;
  return wanted;
}

absl::Status CheckIsDirectory(const std::string& path, const FileInfo& info) {
  if (!info.exists() || info.type == Type::kDirectory) {
    return absl::OkStatus();
  }
  std::string_view what = info.type == Type::kFile      ? "a file"
                          : info.type == Type::kSymlink ? "a symlink"
                                                        : "a special file";
  return absl::FailedPreconditionError(
      StrCat("directory ", path, ": ", what,
             " is there; a directory resource never replaces or removes it"));
}

class DirectoryProvider : public Provider {
 public:
  std::string_view kind() const override { return "directory"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    const std::string& path = wanted->spec.path();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckIsDirectory(path, *info); !status.ok()) {
      return status;
    }
    v1::ResourceDiff diff = NewDiff(resource);

    if (!WantPresent(wanted->spec.ensure())) {
      if (info->exists()) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        AddChange(resource, "ensure", "present", "absent", context, diff);
        // What is still in it: Apply refuses a directory that is not empty
        // unless purge is set. Not an error here: files removed earlier in
        // the same apply may empty it.
        absl::StatusOr<std::vector<std::string>> entries =
            host.ListDirectory(path);
        if (!entries.ok()) return entries.status();
        if (!entries->empty()) {
          AddChange(resource, "content",
                    StrCat(entries->size(),
                           entries->size() == 1 ? " entry" : " entries"),
                    wanted->spec.purge() ? "(removed with it: purge)"
                                         : "(must be empty first)",
                    context, diff);
        }
      }
      return diff;
    }

    absl::StatusOr<const Accounts*> accounts = context.accounts();
    if (!accounts.ok()) return accounts.status();
    absl::StatusOr<Ownership> ownership =
        ResolveOwnership(**accounts, wanted->spec.owner(), wanted->spec.group(),
                         /*preview=*/true);
    if (!ownership.ok()) {
      return Annotate(StrCat("directory ", path), ownership.status());
    }
    std::optional<uint32_t> mode = wanted->mode;
    if (!info->exists() && !mode.has_value()) mode = 0755;
    AddAttributeChanges(resource, **accounts, *info, *ownership, mode, context,
                        diff);
    if (diff.changes_size() > 0) {
      diff.set_action(info->exists() ? v1::ResourceDiff::ACTION_UPDATE
                                     : v1::ResourceDiff::ACTION_CREATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    const std::string& path = wanted->spec.path();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckIsDirectory(path, *info); !status.ok()) {
      return status;
    }

    if (!WantPresent(wanted->spec.ensure())) {
      if (!info->exists()) return absl::OkStatus();
      if (wanted->spec.purge()) return host.RemoveTree(path);
      absl::StatusOr<std::vector<std::string>> entries =
          host.ListDirectory(path);
      if (!entries.ok()) return entries.status();
      if (!entries->empty()) {
        return absl::FailedPreconditionError(
            StrCat("directory ", path, " is not empty (", entries->size(),
                   entries->size() == 1 ? " entry" : " entries",
                   "); it is removed only when empty, or with everything in it "
                   "when purge = true"));
      }
      return host.Remove(path);
    }

    absl::StatusOr<const Accounts*> accounts = context.accounts();
    if (!accounts.ok()) return accounts.status();
    absl::StatusOr<Ownership> ownership = ResolveOwnership(
        **accounts, wanted->spec.owner(), wanted->spec.group());
    if (!ownership.ok()) {
      return Annotate(StrCat("directory ", path), ownership.status());
    }
    if (!info->exists()) {
      if (absl::Status status = CheckParentDirectory(host, path);
          !status.ok()) {
        return status;
      }
      return host.MakeDirectory(path, wanted->mode.value_or(0755),
                                ownership->uid, ownership->gid);
    }
    uint32_t mode = wanted->mode.value_or(info->mode);
    bool owner_differs =
        info->uid != ownership->uid || info->gid != ownership->gid;
    if (owner_differs) {
      if (absl::Status status =
              host.SetOwner(path, ownership->uid, ownership->gid);
          !status.ok()) {
        return status;
      }
    }
    if (owner_differs || info->mode != mode) return host.SetMode(path, mode);
    return absl::OkStatus();
  }
};

CAIRN_REGISTER_PROVIDER(DirectoryProvider);

}  // namespace
}  // namespace cairn::agent
