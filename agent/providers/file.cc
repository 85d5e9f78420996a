// The "file" kind (cairn.v1.File): a regular file with exact content, mode
// and ownership. Content is written atomically (Host::WriteFile) and the
// file it replaces or removes is first copied under the backup directory.
// A symlink at the path is replaced by the file; a directory is an error.

#include "absl/status/status.h"
#include "agent/host/accounts.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "agent/providers/unified_diff.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Type = FileInfo::Type;

// Fails for what a file resource never touches.
absl::Status CheckReplaceable(const std::string& path, const FileInfo& info) {
  if (info.type == Type::kDirectory) {
    return absl::FailedPreconditionError(
        StrCat("file ", path,
               ": a directory is there; a file resource never "
               "replaces or removes a directory"));
  }
  if (info.type == Type::kOther) {
    return absl::FailedPreconditionError(
        StrCat("file ", path,
               ": a special file (device, socket or fifo) is "
               "there; a file resource never replaces it"));
  }
  return absl::OkStatus();
}

// What a File resource asks for, parsed and checked.
struct Wanted {
  v1::File spec;
  std::optional<uint32_t> mode;  // nullopt: keep the current mode.
};

absl::StatusOr<Wanted> Parse(const v1::Resource& resource) {
  Wanted wanted;
  if (absl::Status status = UnpackSpec(resource, wanted.spec); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckPath("file", wanted.spec.path());
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::optional<uint32_t>> mode = ParseMode(wanted.spec.mode());
  if (!mode.ok()) {
    return Annotate(StrCat("file ", wanted.spec.path()), mode.status());
  }
  wanted.mode = *mode;
  return wanted;
}

// Files larger than this whose size differs from the content's are not
// read to be compared.
constexpr int64_t kMaxReadForDiff = 4 << 20;

// "12 bytes": how a content change reads in `changes` when the content is
// no secret (text_diff has the lines).
std::string Size(const std::string& content, bool exists) {
  return exists ? StrCat(content.size(), " bytes") : "";
}

class FileProvider : public Provider {
 public:
  std::string_view kind() const override { return "file"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    const std::string& path = wanted->spec.path();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckReplaceable(path, *info); !status.ok()) {
      return status;
    }
    v1::ResourceDiff diff = NewDiff(resource);

    if (!WantPresent(wanted->spec.ensure())) {
      if (info->exists()) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        AddChange(resource, "ensure", "present", "absent", context, diff);
      }
      return diff;
    }

    absl::StatusOr<const Accounts*> accounts = context.accounts();
    if (!accounts.ok()) return accounts.status();
    absl::StatusOr<Ownership> ownership =
        ResolveOwnership(**accounts, wanted->spec.owner(), wanted->spec.group(),
                         /*preview=*/true);
    if (!ownership.ok()) {
      return Annotate(StrCat("file ", path), ownership.status());
    }
    // A symlink is replaced: compared as if nothing were there.
    bool is_file = info->type == Type::kFile;
    if (info->type == Type::kSymlink) {
      absl::StatusOr<std::string> target = host.ReadLink(path);
      if (!target.ok()) return target.status();
      AddChange(resource, "type", StrCat("symlink to ", *target), "file",
                context, diff);
    }
    const std::string& desired = wanted->spec.content();
    // A file of another size than the content wants differs: past a few
    // megabytes it is not read (a huge file where a config goes must not
    // take the agent's memory), and the change says only its size.
    bool too_large = is_file &&
                     static_cast<size_t>(info->size) != desired.size() &&
                     info->size > kMaxReadForDiff;
    std::string current;
    if (is_file && !too_large) {
      absl::StatusOr<std::string> content = host.ReadFile(path);
      if (!content.ok()) return content.status();
      current = *std::move(content);
    }
    if (too_large) {
      v1::FieldChange* change = diff.add_changes();
      change->set_field("content");
      change->set_current(StrCat(info->size, " bytes, not read"));
      change->set_desired(IsSecretField(resource, "content")
                              ? "(secret)"
                              : Size(desired, true));
    } else if (!is_file || current != desired) {
      if (IsSecretField(resource, "content")) {
        AddChange(resource, "content", current, desired, context, diff);
      } else {
        AddChange(resource, "content", Size(current, is_file),
                  Size(desired, true), context, diff);
        diff.set_text_diff(ContentDiff(current, desired, path, is_file));
      }
    }
    FileInfo as_file = is_file ? *info : FileInfo{};
    std::optional<uint32_t> mode = wanted->mode;
    if (!is_file && !mode.has_value()) mode = 0644;
    AddAttributeChanges(resource, **accounts, as_file, *ownership, mode,
                        context, diff);

    if (diff.changes_size() > 0) {
      // A symlink where the file goes is removed, then the file created.
      diff.set_action(info->type == Type::kSymlink
                          ? v1::ResourceDiff::ACTION_REPLACE
                      : info->exists() ? v1::ResourceDiff::ACTION_UPDATE
                                       : v1::ResourceDiff::ACTION_CREATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<std::optional<Host::FileWrite>> write =
        Prepare(resource, context);
    if (!write.ok()) return write.status();
    if (!write->has_value()) return absl::OkStatus();
    const Host::FileWrite& w = **write;
    return context.host->WriteFile(w.path, w.content, w.mode, w.uid, w.gid);
  }

  // Files that need new content are written together (Host::WriteFiles:
  // one sync for all of them); everything else as Apply does it.
  bool batches() const override { return true; }
  std::vector<absl::Status> ApplyBatch(
      const std::vector<const v1::Resource*>& resources,
      const std::vector<v1::ResourceDiff>&,
      ProviderContext& context) const override {
    std::vector<absl::Status> out(resources.size());
    std::vector<Host::FileWrite> writes;
    std::vector<size_t> written;  // Index in `resources` of each write.
    for (size_t i = 0; i < resources.size(); ++i) {
      absl::StatusOr<std::optional<Host::FileWrite>> write =
          Prepare(*resources[i], context);
      if (!write.ok()) {
        out[i] = write.status();
      } else if (write->has_value()) {
        writes.push_back(**std::move(write));
        written.push_back(i);
      }
    }
    std::vector<absl::Status> statuses = context.host->WriteFiles(writes);
    for (size_t k = 0; k < written.size(); ++k) {
      out[written[k]] = statuses[k];
    }
    return out;
  }

 private:
  // Does what `resource` needs short of writing new content: removes the
  // file, fixes owner and mode in place, keeps a backup; returns the write
  // still to do, if any. The content it points to is the resource's.
  absl::StatusOr<std::optional<Host::FileWrite>> Prepare(
      const v1::Resource& resource, ProviderContext& context) const {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    const std::string& path = wanted->spec.path();
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();
    if (absl::Status status = CheckReplaceable(path, *info); !status.ok()) {
      return status;
    }
    bool is_file = info->type == Type::kFile;

    if (!WantPresent(wanted->spec.ensure())) {
      if (!info->exists()) return std::nullopt;
      if (is_file) {
        absl::StatusOr<std::string> backup =
            BackupFile(host, context.backup_dir, path);
        if (!backup.ok()) return backup.status();
      }
      if (absl::Status removed = host.Remove(path); !removed.ok()) {
        return removed;
      }
      return std::nullopt;
    }

    if (!info->exists()) {
      if (absl::Status status = CheckParentDirectory(host, path);
          !status.ok()) {
        return status;
      }
    }
    absl::StatusOr<const Accounts*> accounts = context.accounts();
    if (!accounts.ok()) return accounts.status();
    absl::StatusOr<Ownership> ownership = ResolveOwnership(
        **accounts, wanted->spec.owner(), wanted->spec.group());
    if (!ownership.ok()) {
      return Annotate(StrCat("file ", path), ownership.status());
    }
    uint32_t mode = wanted->mode.value_or(is_file ? info->mode : 0644);
    const std::string& desired = wanted->spec.content();

    if (is_file) {
      absl::StatusOr<std::string> current = host.ReadFile(path);
      if (!current.ok()) return current.status();
      if (*current == desired) {
        // Only attributes differ: no need to rewrite the content.
        bool owner_differs =
            info->uid != ownership->uid || info->gid != ownership->gid;
        if (owner_differs) {
          if (absl::Status status =
                  host.SetOwner(path, ownership->uid, ownership->gid);
              !status.ok()) {
            return status;
          }
        }
        // chown(2) clears set-id bits: the mode is set again after it.
        if (owner_differs || info->mode != mode) {
          if (absl::Status s = host.SetMode(path, mode); !s.ok()) return s;
        }
        return std::nullopt;
      }
      absl::StatusOr<std::string> backup =
          BackupFile(host, context.backup_dir, path);
      if (!backup.ok()) return backup.status();
    }
    Host::FileWrite write;
    write.path = path;
    write.content = desired;
    write.mode = mode;
    write.uid = ownership->uid;
    write.gid = ownership->gid;
    return std::optional<Host::FileWrite>(std::move(write));
  }
};

CAIRN_REGISTER_PROVIDER(FileProvider);

}  // namespace
}  // namespace cairn::agent
