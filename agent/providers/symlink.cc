// The "symlink" kind (cairn.v1.Symlink): a symbolic link to a target,
// made atomically (a link under a temporary name renamed over the path).
// A file or another link at the path is replaced (a file is backed up
// first); a directory is an error.

#include "absl/status/status.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Type = FileInfo::Type;

absl::StatusOr<v1::Symlink> Parse(const v1::Resource& resource) {
  v1::Symlink spec;
  if (absl::Status status = UnpackSpec(resource, spec); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckPath("symlink", spec.path()); !status.ok()) {
    return status;
  }
  if (spec.path() == "/") {
    return absl::InvalidArgumentError("symlink /: the root cannot be a link");
  }
  if (WantPresent(spec.ensure()) && spec.target().empty()) {
    return absl::InvalidArgumentError(
        StrCat("symlink ", spec.path(), ": the target is empty"));
  }
  return spec;
}

// Fails for what a symlink resource never replaces; for ensure = absent,
// for anything but a link.
absl::Status CheckReplaceable(const v1::Symlink& spec, const FileInfo& info) {
  if (info.type == Type::kDirectory) {
    return absl::FailedPreconditionError(
        StrCat("symlink ", spec.path(),
               ": a directory is there; a symlink "
               "resource never replaces or removes a directory"));
  }
  if (info.type == Type::kOther) {
    return absl::FailedPreconditionError(
        StrCat("symlink ", spec.path(),
               ": a special file is there; a symlink "
               "resource never replaces or removes it"));
  }
  if (!WantPresent(spec.ensure()) && info.type == Type::kFile) {
    return absl::FailedPreconditionError(
        StrCat("symlink ", spec.path(),
               ": a regular file is there; a "
               "symlink resource with ensure = absent removes only a link"));
  }
  return absl::OkStatus();
}

class SymlinkProvider : public Provider {
 public:
  std::string_view kind() const override { return "symlink"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Symlink> spec = Parse(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(spec->path());
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckReplaceable(*spec, *info); !status.ok()) {
      return status;
    }
    v1::ResourceDiff diff = NewDiff(resource);

    if (!WantPresent(spec->ensure())) {
      if (info->exists()) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        AddChange(resource, "ensure", "present", "absent", context, diff);
      }
      return diff;
    }

    switch (info->type) {
      case Type::kMissing:
        diff.set_action(v1::ResourceDiff::ACTION_CREATE);
        AddChange(resource, "target", "", spec->target(), context, diff);
        break;
      case Type::kSymlink: {
        absl::StatusOr<std::string> target = host.ReadLink(spec->path());
        if (!target.ok()) return target.status();
        if (*target != spec->target()) {
          diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
          AddChange(resource, "target", *target, spec->target(), context, diff);
        }
        break;
      }
      case Type::kFile:
        // The file goes (to the backup directory), the link comes.
        diff.set_action(v1::ResourceDiff::ACTION_REPLACE);
        AddChange(resource, "type", "file", "symlink", context, diff);
        AddChange(resource, "target", "", spec->target(), context, diff);
        break;
      case Type::kDirectory:
      case Type::kOther:
        break;  // Refused by CheckReplaceable.
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::Symlink> spec = Parse(resource);
    if (!spec.ok()) return spec.status();
    const std::string& path = spec->path();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckReplaceable(*spec, *info); !status.ok()) {
      return status;
    }

    if (!WantPresent(spec->ensure())) {
      if (!info->exists()) return absl::OkStatus();
      return host.Remove(path);
    }

    switch (info->type) {
      case Type::kMissing:
        if (absl::Status status = CheckParentDirectory(host, path);
            !status.ok()) {
          return status;
        }
        break;
      case Type::kSymlink: {
        absl::StatusOr<std::string> target = host.ReadLink(path);
        if (!target.ok()) return target.status();
        if (*target == spec->target()) return absl::OkStatus();
        break;
      }
      case Type::kFile: {
        absl::StatusOr<std::string> backup =
            BackupFile(host, context.backup_dir, path);
        if (!backup.ok()) return backup.status();
        break;
      }
      case Type::kDirectory:
      case Type::kOther:
        return absl::InternalError("unreachable: refused above");
    }
    return host.MakeSymlink(spec->target(), path);
  }
};

CAIRN_REGISTER_PROVIDER(SymlinkProvider);

}  // namespace
}  // namespace cairn::agent
