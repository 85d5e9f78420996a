// The line provider: one line in a file that something else owns, the way
// Ansible's lineinfile edits one. Check computes the file as it should be
// (Edit, below) and compares it with the file as it is; Apply writes that
// content atomically with the file's own mode and owner, keeping the old
// file as a backup. Two line resources on one file compose: each Check
// reads the file as the one before it left it.
//
// Edit, for ensure = present:
//   - with `match`: the last line matching it becomes `line`; when none
//     matches and `line` is not already there, `line` is added;
//   - without: nothing when `line` is there; otherwise it is added.
// Added means after the last line matching `after`, or at the end (a
// newline is put before it if the file does not end with one).
// For ensure = absent: every line matching `match` (or equal to `line`)
// goes.

#include <regex>
#include <string>
#include <vector>

#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "agent/providers/unified_diff.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

absl::StatusOr<std::regex> Compile(const v1::Line& spec, std::string_view field,
                                   const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(
        StrCat("line ", spec.name(), ": ", field,
               " is not a regular expression: ", e.what()));
  }
}

absl::Status Validate(const v1::Line& spec) {
  if (absl::Status path = CheckPath("line", spec.path()); !path.ok()) {
    return path;
  }
  if (spec.line().find('\n') != std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("line ", spec.name(), ": line holds a newline; one line only"));
  }
  // Also for ensure = absent: without either, every empty line would
  // match and go.
  if (spec.line().empty() && spec.match().empty()) {
    return absl::InvalidArgumentError(
        StrCat("line ", spec.name(), ": give the line or match"));
  }
  return absl::OkStatus();
}

// `content` with the line as `spec` wants it.
absl::StatusOr<std::string> Edit(const v1::Line& spec,
                                 const std::string& content) {
  std::vector<std::string> lines;
  for (std::string_view l : StrSplit(content, '\n')) lines.emplace_back(l);
  // "a\nb\n" splits into a, b, "": the last is no line.
  bool ends_with_newline = !content.empty() && content.back() == '\n';
  if (content.empty() || ends_with_newline) lines.pop_back();

  std::optional<std::regex> match;
  if (!spec.match().empty()) {
    absl::StatusOr<std::regex> re = Compile(spec, "match", spec.match());
    if (!re.ok()) return re.status();
    match = *std::move(re);
  }
  auto matches = [&](const std::string& l) {
    return match ? std::regex_search(l, *match) : l == spec.line();
  };

  if (!WantPresent(spec.ensure())) {
    std::vector<std::string> kept;
    for (std::string& l : lines) {
      if (!matches(l)) kept.push_back(std::move(l));
    }
    lines = std::move(kept);
  } else {
    int last = -1;
    for (int i = 0; i < static_cast<int>(lines.size()); ++i) {
      if (matches(lines[i])) last = i;
    }
    bool present = false;
    for (const std::string& l : lines) present |= l == spec.line();
    if (last >= 0) {
      lines[last] = spec.line();
    } else if (!present) {
      size_t at = lines.size();
      if (!spec.after().empty()) {
        absl::StatusOr<std::regex> after = Compile(spec, "after", spec.after());
        if (!after.ok()) return after.status();
        for (size_t i = 0; i < lines.size(); ++i) {
          if (std::regex_search(lines[i], *after)) at = i + 1;
        }
      }
      lines.insert(lines.begin() + at, spec.line());
      ends_with_newline = true;
    }
  }
  std::string out = StrJoin(lines, "\n");
  if (!lines.empty() && ends_with_newline) out += '\n';
  return out;
}

// A line is edited in a file read whole, split and joined: past this size
// the file is refused rather than read (a huge file where a config goes
// must not take the agent's memory, at every drift check).
constexpr int64_t kMaxLineFile = 1 << 20;

absl::Status CheckSize(const v1::Line& spec, const FileInfo& info) {
  if (!info.exists() || info.size <= kMaxLineFile) return absl::OkStatus();
  return absl::FailedPreconditionError(StrCat(
      "line ", spec.name(), ": ", spec.path(), " is ", info.size,
      " bytes; a line is kept only in files up to ", kMaxLineFile, " bytes"));
}

class LineProvider : public Provider {
 public:
  std::string_view kind() const override { return "line"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    v1::Line spec;
    if (absl::Status s = UnpackSpec(resource, spec); !s.ok()) return s;
    if (absl::Status s = Validate(spec); !s.ok()) return s;
    v1::ResourceDiff diff = NewDiff(resource);
    diff.set_action(v1::ResourceDiff::ACTION_NONE);
    Host& host = *context.host;
    absl::StatusOr<FileInfo> info = host.Stat(spec.path());
    if (!info.ok()) return info.status();
    if (!info->exists() && !WantPresent(spec.ensure())) return diff;
    if (!info->exists() && !spec.create()) {
      return absl::FailedPreconditionError(
          StrCat("line ", spec.name(), ": ", spec.path(),
                 " does not exist (set create = true to make it)"));
    }
    if (info->exists() && info->type != FileInfo::Type::kFile) {
      return absl::FailedPreconditionError(StrCat(
          "line ", spec.name(), ": ", spec.path(), " is not a regular file"));
    }
    if (absl::Status size = CheckSize(spec, *info); !size.ok()) return size;
    std::string current;
    if (info->exists()) {
      absl::StatusOr<std::string> read = host.ReadFile(spec.path());
      if (!read.ok()) return read.status();
      current = *std::move(read);
    }
    absl::StatusOr<std::string> desired = Edit(spec, current);
    if (!desired.ok()) return desired.status();
    if (info->exists() && *desired == current) return diff;
    diff.set_action(!info->exists() ? v1::ResourceDiff::ACTION_CREATE
                    : WantPresent(spec.ensure())
                        ? v1::ResourceDiff::ACTION_UPDATE
                        : v1::ResourceDiff::ACTION_DELETE);
    if (IsSecretField(resource, "line")) {
      AddChange(resource, "line", "", spec.line(), context, diff);
    } else {
      diff.set_text_diff(
          ContentDiff(current, *desired, spec.path(), info->exists()));
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    v1::Line spec;
    if (absl::Status s = UnpackSpec(resource, spec); !s.ok()) return s;
    if (absl::Status s = Validate(spec); !s.ok()) return s;
    Host& host = *context.host;
    // Edit again from what is there now: the diff was computed from it.
    absl::StatusOr<FileInfo> info = host.Stat(spec.path());
    if (!info.ok()) return info.status();
    // No file, no line to remove: never create one for that.
    if (!info->exists() && !WantPresent(spec.ensure())) {
      return absl::OkStatus();
    }
    if (info->exists() && info->type != FileInfo::Type::kFile) {
      return absl::FailedPreconditionError(StrCat(
          "line ", spec.name(), ": ", spec.path(), " is not a regular file"));
    }
    if (absl::Status size = CheckSize(spec, *info); !size.ok()) return size;
    std::string current;
    FileInfo keep;
    keep.mode = 0644;
    if (info->exists()) {
      absl::StatusOr<std::string> read = host.ReadFile(spec.path());
      if (!read.ok()) return read.status();
      current = *std::move(read);
      keep = *info;
    } else if (absl::Status parent = CheckParentDirectory(host, spec.path());
               !parent.ok()) {
      return parent;
    }
    absl::StatusOr<std::string> desired = Edit(spec, current);
    if (!desired.ok()) return desired.status();
    if (info->exists()) {
      if (*desired == current) return absl::OkStatus();
      absl::StatusOr<std::string> backup =
          BackupFile(host, context.backup_dir, spec.path());
      if (!backup.ok()) return backup.status();
    }
    return host.WriteFile(spec.path(), *desired, keep.mode, keep.uid, keep.gid);
  }
};
CAIRN_REGISTER_PROVIDER(LineProvider);

}  // namespace
}  // namespace cairn::agent
