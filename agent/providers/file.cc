// The "file" kind (cairn.v1.File): a regular file with exact content, mode
// and ownership. Content is written atomically (Host::WriteFile) and the
// file it replaces or removes is first copied under the backup directory.
// A symlink at the path is replaced by the file; a directory is an error.
//
// With `source`, the content is a download that `checksum` names: Check
// compares the file's SHA-256 with it (and never downloads), the diff shows
// both checksums instead of a text diff, and Apply downloads with curl into
// a hidden file beside the target, checks it, gives it owner and mode and
// renames it over the target (download.h). A download that does not match
// is thrown away and the file left as it was. With `content`, a `checksum`
// must be the content's.

#include "absl/status/status.h"
#include "agent/host/accounts.h"
#include "agent/providers/download.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "agent/providers/unified_diff.h"
#include "base/digest.h"
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
  // With `source`: the SHA-256 wanted, hex.
  std::string sha256;
  // How messages name the source: the URL, or a stand-in for a secret one.
  std::string shown_source;
  bool secret_source = false;
  bool downloaded() const { return !spec.source().empty(); }
};

// Checks source, checksum and content against each other. A removal needs
// none of them: it may carry the last spec applied, whatever it was.
absl::Status ParseContent(const v1::Resource& resource, Wanted& wanted) {
  const v1::File& spec = wanted.spec;
  if (!WantPresent(spec.ensure())) return absl::OkStatus();
  if (spec.source().empty() && spec.checksum().empty()) {
    return absl::OkStatus();
  }
  std::string checksum_hex;
  if (!spec.checksum().empty()) {
    absl::StatusOr<std::string> hex = ParseChecksum(spec.checksum());
    if (!hex.ok()) return hex.status();
    checksum_hex = *std::move(hex);
  }
  if (spec.source().empty()) {
    // `content` with a checksum: the compiler checks it too.
    std::string actual = Sha256Hex(spec.content());
    if (actual != checksum_hex) {
      // The digest of a secret is not shown: it would let a guess be tested.
      return absl::InvalidArgumentError(
          StrCat("the content's checksum is ",
                 IsSecretField(resource, "content") ? "another"
                                                    : StrCat("sha256:", actual),
                 ", not the declared ", spec.checksum()));
    }
    return absl::OkStatus();
  }
  wanted.secret_source = IsSecretField(resource, "source");
  wanted.shown_source = wanted.secret_source ? "(secret URL)" : spec.source();
  if (absl::Status valid = CheckSourceUrl(spec.source(), wanted.shown_source);
      !valid.ok()) {
    return valid;
  }
  if (!spec.content().empty()) {
    return absl::InvalidArgumentError(
        "content and source exclude each other: the content is the "
        "download's");
  }
  if (spec.checksum().empty()) {
    return absl::InvalidArgumentError(
        "a source needs a checksum (\"sha256:HEX\"), which the download "
        "must match");
  }
  wanted.sha256 = std::move(checksum_hex);
  return absl::OkStatus();
}

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
  if (absl::Status status = ParseContent(resource, wanted); !status.ok()) {
    return Annotate(StrCat("file ", wanted.spec.path()), status);
  }
  return wanted;
}

// How long a download may take.
constexpr absl::Duration kDownloadTimeout = absl::Minutes(10);

// Files larger than this whose size differs from the content's are not
// read to be compared.
constexpr int64_t kMaxReadForDiff = 4 << 20;

// "12 bytes": how a content change reads in `changes` when the content is
// no secret (text_diff has the lines).
std::string Size(const std::string& content, bool exists) {
  return exists ? StrCat(content.size(), " bytes") : "";
}

// Adds the change of content for a file with `content`: a text diff, or
// fingerprints for a secret. `info` is what is at the path (a file or not).
absl::Status AddContentChange(const v1::Resource& resource,
                              const Wanted& wanted, const FileInfo& info,
                              ProviderContext& context,
                              v1::ResourceDiff& diff) {
  const std::string& path = wanted.spec.path();
  const std::string& desired = wanted.spec.content();
  bool is_file = info.type == Type::kFile;
  // A file of another size than the content wants differs: past a few
  // megabytes it is not read (a huge file where a config goes must not
  // take the agent's memory), and the change says only its size.
  bool too_large = is_file &&
                   static_cast<size_t>(info.size) != desired.size() &&
                   info.size > kMaxReadForDiff;
  std::string current;
  if (is_file && !too_large) {
    absl::StatusOr<std::string> content = context.host->ReadFile(path);
    if (!content.ok()) return content.status();
    current = *std::move(content);
  }
  if (too_large) {
    v1::FieldChange* change = diff.add_changes();
    change->set_field("content");
    change->set_current(StrCat(info.size, " bytes, not read"));
    change->set_desired(
        IsSecretField(resource, "content") ? "(secret)" : Size(desired, true));
  } else if (!is_file || current != desired) {
    if (IsSecretField(resource, "content")) {
      AddChange(resource, "content", current, desired, context, diff);
    } else {
      AddChange(resource, "content", Size(current, is_file),
                Size(desired, true), context, diff);
      diff.set_text_diff(ContentDiff(current, desired, path, is_file));
    }
  }
  return absl::OkStatus();
}

// Adds the change of content for a file with `source`, compared by
// checksum (hashing streams, so any size will do): "sha256:OLD" to
// "sha256:NEW", and the URL it would come from. Never downloads.
absl::Status AddChecksumChange(const v1::Resource& resource,
                               const Wanted& wanted, const FileInfo& info,
                               ProviderContext& context,
                               v1::ResourceDiff& diff) {
  bool is_file = info.type == Type::kFile;
  std::string current;
  if (is_file) {
    absl::StatusOr<std::string> sha256 =
        context.host->FileSha256(wanted.spec.path());
    if (!sha256.ok()) return sha256.status();
    current = *std::move(sha256);
  }
  if (is_file && current == wanted.sha256) return absl::OkStatus();
  AddChange(resource, "content", is_file ? StrCat("sha256:", current) : "",
            StrCat("sha256:", wanted.sha256), context, diff);
  AddChange(resource, "source", "", wanted.spec.source(), context, diff);
  return absl::OkStatus();
}

// Gives an existing file with the right content its owner and mode.
absl::Status FixAttributes(Host& host, const std::string& path,
                           const FileInfo& info, const Ownership& ownership,
                           uint32_t mode) {
  bool owner_differs = info.uid != ownership.uid || info.gid != ownership.gid;
  if (owner_differs) {
    if (absl::Status status = host.SetOwner(path, ownership.uid, ownership.gid);
        !status.ok()) {
      return status;
    }
  }
  // chown(2) clears set-id bits: the mode is set again after it.
  if (owner_differs || info.mode != mode) {
    return host.SetMode(path, mode);
  }
  return absl::OkStatus();
}

// Downloads `wanted`'s source, checks it, keeps a backup of the file it
// replaces (`replacing`) and moves it into place; the file is left as it
// was when anything fails before the rename.
absl::Status Download(const Wanted& wanted, bool replacing, uint32_t mode,
                      const Ownership& ownership, ProviderContext& context) {
  Host& host = *context.host;
  const std::string& path = wanted.spec.path();
  Fetch fetch;
  fetch.url = wanted.spec.source();
  fetch.shown = wanted.shown_source;
  fetch.url_is_secret = wanted.secret_source;
  fetch.sha256 = wanted.sha256;
  fetch.timeout = kDownloadTimeout;
  absl::StatusOr<std::string> temp = FetchVerified(host, path, fetch);
  if (!temp.ok()) return temp.status();
  absl::Status status = absl::OkStatus();
  if (replacing) {
    status = BackupFile(host, context.backup_dir, path).status();
  }
  if (status.ok()) {
    status = host.InstallFile(*temp, path, mode, ownership.uid, ownership.gid);
  }
  if (!status.ok()) (void)host.Remove(*temp);
  return status;
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
    absl::Status compared =
        wanted->downloaded()
            ? AddChecksumChange(resource, *wanted, *info, context, diff)
            : AddContentChange(resource, *wanted, *info, context, diff);
    if (!compared.ok()) return compared;
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
      bool same = false;
      if (wanted->downloaded()) {
        absl::StatusOr<std::string> sha256 = host.FileSha256(path);
        if (!sha256.ok()) return sha256.status();
        same = *sha256 == wanted->sha256;
      } else {
        absl::StatusOr<std::string> current = host.ReadFile(path);
        if (!current.ok()) return current.status();
        same = *current == desired;
      }
      if (same) {
        // Only attributes differ: no need to rewrite the content.
        if (absl::Status status =
                FixAttributes(host, path, *info, *ownership, mode);
            !status.ok()) {
          return status;
        }
        return std::nullopt;
      }
      if (!wanted->downloaded()) {
        absl::StatusOr<std::string> backup =
            BackupFile(host, context.backup_dir, path);
        if (!backup.ok()) return backup.status();
      }
    }
    if (wanted->downloaded()) {
      if (absl::Status status =
              Download(*wanted, is_file, mode, *ownership, context);
          !status.ok()) {
        return Annotate(StrCat("file ", path), status);
      }
      return std::nullopt;
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
