// The "sudo" kind: one rule in its own file /etc/sudoers.d/NAME, 0440
// root:root. A new file is written first as /etc/sudoers.d/.cairn-NAME.tmp
// (sudo skips names with a dot), checked with `visudo -c -f`, and only then
// renamed over the real one; a rejected candidate is removed, so a broken
// rule never reaches sudo.
//
// NAME is the rule's name with every character other than letters, digits,
// '-' and '_' replaced by '_': sudo ignores files whose name has a dot or
// ends in '~', so "web.deploy" must not become a file sudo never reads.

#include "absl/status/status.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

constexpr char kSudoersDir[] = "/etc/sudoers.d";
constexpr uint32_t kMode = 0440;

std::string FileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '-' || c == '_';
    out.push_back(keep ? c : '_');
  }
  return out;
}

std::string RulePath(std::string_view name) {
  return StrCat(kSudoersDir, "/", FileName(name));
}

std::string CandidatePath(std::string_view name) {
  return StrCat(kSudoersDir, "/.cairn-", FileName(name), ".tmp");
}

bool HasControl(std::string_view text) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u == 0x7f) return true;
  }
  return false;
}

// A user, group or run-as name must be one sudoers word: anything that
// would end it or start other syntax is refused rather than escaped.
absl::Status CheckWord(std::string_view rule, std::string_view what,
                       std::string_view word) {
  bool ok = !word.empty() && !HasControl(word) &&
            word.find_first_of(" ,:=()!\\") == std::string_view::npos;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("sudo ", rule, ": ", what, " '", word,
             "' is not a single sudoers name (no blank, control character "
             "or any of , : = ( ) ! \\)"));
}

// A command with the characters sudoers wants escaped in a command line
// escaped: ',', ':', '=' and '\'.
std::string EscapeCommand(std::string_view command) {
  std::string out;
  for (char c : command) {
    if (c == ',' || c == ':' || c == '=' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<v1::SudoRule> Spec(const v1::Resource& resource) {
  v1::SudoRule spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("sudo ", resource.id(), ": spec is not a cairn.v1.SudoRule"));
  }
  if (spec.name().empty()) {
    return absl::InvalidArgumentError("sudo: the rule has no name");
  }
  return spec;
}

// The whole file for `spec`.
absl::StatusOr<std::string> Render(const v1::SudoRule& spec) {
  const std::string& name = spec.name();
  if (spec.users().empty() && spec.groups().empty()) {
    return absl::InvalidArgumentError(
        StrCat("sudo ", name, ": the rule names no user and no group"));
  }
  std::vector<std::string> who;
  for (const std::string& user : spec.users()) {
    if (absl::Status s = CheckWord(name, "user", user); !s.ok()) return s;
    who.push_back(user);
  }
  for (const std::string& group : spec.groups()) {
    if (absl::Status s = CheckWord(name, "group", group); !s.ok()) return s;
    who.push_back(StrCat("%", group));
  }
  std::string run_as = spec.run_as().empty() ? "root" : spec.run_as();
  if (absl::Status s = CheckWord(name, "run_as", run_as); !s.ok()) return s;
  std::vector<std::string> commands;
  for (const std::string& command : spec.commands()) {
    if (command.empty() || HasControl(command)) {
      return absl::InvalidArgumentError(
          StrCat("sudo ", name,
                 ": a command is empty or holds a control character "
                 "(a line break would start another rule)"));
    }
    commands.push_back(EscapeCommand(command));
  }
  if (commands.empty()) commands.push_back("ALL");
  // The name is for people only; keep it on one line of the comment.
  std::string shown;
  for (char c : name) shown.push_back(HasControl({&c, 1}) ? '?' : c);
  return StrCat("# Managed by cairn (sudo \"", shown,
                "\"): changes made here are overwritten.\n", StrJoin(who, ", "),
                " ALL=(", run_as, ") ", spec.nopasswd() ? "NOPASSWD: " : "",
                StrJoin(commands, ", "), "\n");
}

// Runs `visudo -c -f path`: OK when the file parses, InvalidArgument with
// visudo's complaint when not.
absl::Status Validate(Host& host, const std::string& path) {
  absl::StatusOr<CommandResult> result =
      host.Run({"visudo", "-c", "-f", path}, "", absl::Seconds(60));
  if (!result.ok()) return result.status();
  if (result->exit_code == 0) return absl::OkStatus();
  std::string why = result->err.empty() ? result->out : result->err;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) {
    why.pop_back();
  }
  return absl::InvalidArgumentError(
      StrCat("visudo rejected the rule (exit ", result->exit_code, "): ", why));
}

class SudoProvider : public Provider {
 public:
  std::string_view kind() const override { return "sudo"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::SudoRule> spec = Spec(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    std::string path = RulePath(spec->name());
    absl::StatusOr<FileInfo> info = host.Stat(path);
    if (!info.ok()) return info.status();

    v1::ResourceDiff diff = NewDiff(resource);
    if (spec->ensure() == v1::ENSURE_ABSENT) {
      if (info->exists()) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        AddChange(resource, "ensure", "present", "absent", context, diff);
      }
      return diff;
    }
    absl::StatusOr<std::string> desired = Render(*spec);
    if (!desired.ok()) return desired.status();
    if (!info->exists()) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      AddChange(resource, "content", "", *desired, context, diff);
      return diff;
    }
    std::string current;
    if (info->type == FileInfo::Type::kFile) {
      absl::StatusOr<std::string> read = host.ReadFile(path);
      if (!read.ok()) return read.status();
      current = *std::move(read);
    } else {
      current = "(not a regular file)";
    }
    if (current != *desired) {
      AddChange(resource, "content", current, *desired, context, diff);
    }
    if (info->type == FileInfo::Type::kFile &&
        (info->mode != kMode || info->uid != 0 || info->gid != 0)) {
      AddChange(resource, "mode",
                StrCat("0", info->mode >> 6 & 7, info->mode >> 3 & 7,
                       info->mode & 7, " owner ", info->uid, ":", info->gid),
                "0440 owner 0:0", context, diff);
    }
    if (diff.changes_size() > 0) {
      diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::SudoRule> spec = Spec(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    std::string path = RulePath(spec->name());
    if (spec->ensure() == v1::ENSURE_ABSENT) {
      absl::StatusOr<FileInfo> info = host.Stat(path);
      if (!info.ok()) return info.status();
      return info->exists() ? host.Remove(path) : absl::OkStatus();
    }
    absl::StatusOr<std::string> content = Render(*spec);
    if (!content.ok()) return content.status();
    absl::StatusOr<FileInfo> dir = host.Stat(kSudoersDir);
    if (!dir.ok()) return dir.status();
    if (dir->type != FileInfo::Type::kDirectory) {
      return absl::FailedPreconditionError(
          StrCat(kSudoersDir, " is not a directory: is sudo installed?"));
    }
    std::string candidate = CandidatePath(spec->name());
    absl::Status written = host.WriteFile(candidate, *content, kMode, 0, 0);
    if (!written.ok()) return written;
    absl::Status valid = Validate(host, candidate);
    if (!valid.ok()) {
      absl::Status removed = host.Remove(candidate);
      if (!removed.ok()) {
        return absl::Status(
            valid.code(),
            StrCat(std::string(valid.message()), "; and removing ", candidate,
                   " failed: ", std::string(removed.message())));
      }
      return valid;
    }
    return host.Rename(candidate, path);
  }
};

CAIRN_REGISTER_PROVIDER(SudoProvider);

}  // namespace
}  // namespace cairn::agent
