// The firewall provider: table inet cairn (see firewall.h).
//
// Check renders the spec and compares it with what the provider last
// loaded (firewall.nft), and compares `nft list table inet cairn` with the
// listing recorded right after that load (firewall.live): the first tells
// whether the spec changed, the second whether the table did (edited by
// hand, flushed, lost at a reboot that did not load it). Comparing
// listings with listings is exact; comparing nft's listing with our own
// rendering would mean re-implementing nft's normalization. Check runs
// only `nft list`, which changes nothing.
//
// Apply writes the script next to firewall.nft, has `nft -c -f` check it,
// loads it with one `nft -f` (the script deletes and re-creates the table
// inside that one transaction), then renames it over firewall.nft, records
// the listing and makes sure cairn-firewall.service loads it at boot. It
// refuses a firewall that drops inbound traffic and lets no SSH in unless
// allow_no_ssh says so; Check refuses it too, so that a plan shows it.
//
// ensure = absent: Apply deletes table inet cairn (`nft delete table inet
// cairn`, only when it exists), then cairn-firewall.service and its
// sysinit.target.wants link, then the provider's files in /var/lib/cairn
// (also a stale firewall.rollback.nft, which would otherwise bring the table
// back at the agent's next start). Everything is let through again, as
// before Cairn managed the firewall; so a removal needs no commit-confirm
// (NeedsConfirmFor) and no rule of the old spec is looked at. systemd is
// not reloaded: the boot unit is a oneshot that already ran, and matters
// only at the next boot, as when it was installed.

#include "agent/providers/firewall.h"

#include <optional>
#include <string>
#include <vector>

#include "agent/providers/provider.h"
#include "agent/providers/unified_diff.h"
#include "base/strings.h"

namespace cairn::agent::firewall {
namespace {

constexpr std::string_view kCandidatePath = "/var/lib/cairn/firewall.nft.new";

std::string Trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// Runs nft; an error with its stderr unless it exits 0.
absl::StatusOr<CommandResult> Nft(Host& host,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"nft"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = host.Run(argv, "", absl::Seconds(60));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(
        StrCat("`", StrJoin(argv, " "), "` exited with ", result->exit_code,
               ": ", Trimmed(result->err)));
  }
  return result;
}

// `nft list table inet cairn`; nullopt when there is no such table. With
// -p, protocols are numbers: the listing does not change when a package
// installs /etc/protocols (netbase) after the firewall was applied.
absl::StatusOr<std::optional<std::string>> ListTable(Host& host) {
  absl::StatusOr<CommandResult> result = host.Run(
      {"nft", "-p", "list", "table", "inet", "cairn"}, "", absl::Seconds(60));
  if (!result.ok()) return result.status();
  if (result->exit_code == 0) return std::optional<std::string>(result->out);
  if (result->err.find("No such file or directory") != std::string::npos) {
    return std::optional<std::string>();
  }
  return absl::UnavailableError(
      StrCat("`nft list table inet cairn` exited with ", result->exit_code,
             ": ", Trimmed(result->err)));
}

absl::StatusOr<std::optional<std::string>> ReadIfExists(Host& host,
                                                        std::string_view path) {
  absl::StatusOr<FileInfo> info = host.Stat(std::string(path));
  if (!info.ok()) return info.status();
  if (!info->exists()) return std::optional<std::string>();
  absl::StatusOr<std::string> content = host.ReadFile(std::string(path));
  if (!content.ok()) return content.status();
  return std::optional<std::string>(std::move(*content));
}

absl::Status RemoveIfExists(Host& host, std::string_view path) {
  absl::StatusOr<FileInfo> info = host.Stat(std::string(path));
  if (!info.ok()) return info.status();
  if (!info->exists()) return absl::OkStatus();
  return host.Remove(std::string(path));
}

// Records the live listing as the one to compare with; no table, no
// listing.
absl::Status RecordListing(Host& host) {
  absl::StatusOr<std::optional<std::string>> listing = ListTable(host);
  if (!listing.ok()) return listing.status();
  if (!listing->has_value()) return RemoveIfExists(host, kListingPath);
  return host.WriteFile(std::string(kListingPath), **listing, 0600, 0, 0);
}

// Whether cairn-firewall.service is written and wanted at boot.
absl::StatusOr<bool> BootUnitInPlace(Host& host) {
  absl::StatusOr<std::optional<std::string>> unit =
      ReadIfExists(host, kBootUnitPath);
  if (!unit.ok()) return unit.status();
  if (*unit != BootUnit()) return false;
  absl::StatusOr<FileInfo> link = host.Stat(std::string(kBootWantsPath));
  if (!link.ok()) return link.status();
  if (link->type != FileInfo::Type::kSymlink) return false;
  absl::StatusOr<std::string> target =
      host.ReadLink(std::string(kBootWantsPath));
  if (!target.ok()) return target.status();
  return *target == kBootUnitPath;
}

absl::Status InstallBootUnit(Host& host) {
  absl::StatusOr<bool> in_place = BootUnitInPlace(host);
  if (!in_place.ok()) return in_place.status();
  if (*in_place) return absl::OkStatus();
  absl::Status written =
      host.WriteFile(std::string(kBootUnitPath), BootUnit(), 0644, 0, 0);
  if (!written.ok()) return written;
  std::string wants(kBootWantsPath);
  absl::Status dir =
      MakeDirectories(host, wants.substr(0, wants.rfind('/')), 0755);
  if (!dir.ok()) return dir;
  // Enabling is this symlink (what `systemctl enable` makes); the unit
  // only matters at the next boot, so systemd need not reload now.
  return host.MakeSymlink(std::string(kBootUnitPath), wants);
}

bool WantPresent(const v1::Firewall& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

absl::StatusOr<v1::Firewall> Unpack(const v1::Resource& resource) {
  v1::Firewall spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(StrCat(
        "firewall ", resource.id(), ": spec is not a cairn.v1.Firewall"));
  }
  // A removal needs nothing of the rules: the table goes whatever it held.
  if (!WantPresent(spec)) return spec;
  if (!AllowsSsh(spec)) {
    return absl::FailedPreconditionError(
        "the firewall drops inbound traffic and allows no SSH (tcp 22): it "
        "would cut off access to the host. Allow tcp 22 from somewhere, or "
        "set allow_no_ssh = true if the host is reached otherwise");
  }
  return spec;
}

// What a removal deletes besides the table, boot unit first.
constexpr std::string_view kOwnFiles[] = {kBootWantsPath, kBootUnitPath,
                                          kScriptPath,    kListingPath,
                                          kRollbackPath,  kCandidatePath};

// What is left of a firewall Cairn managed: the table, the boot unit (file
// or link), the files in /var/lib/cairn.
struct Remains {
  std::optional<std::string> table;
  bool boot = false;
  std::vector<std::string> files;  // In kStateDir.
};

absl::StatusOr<Remains> FindRemains(Host& host) {
  Remains remains;
  absl::StatusOr<std::optional<std::string>> live = ListTable(host);
  if (!live.ok()) return live.status();
  remains.table = std::move(*live);
  for (std::string_view path : kOwnFiles) {
    absl::StatusOr<FileInfo> info = host.Stat(std::string(path));
    if (!info.ok()) return info.status();
    if (!info->exists()) continue;
    if (path == kBootWantsPath || path == kBootUnitPath) {
      remains.boot = true;
    } else {
      remains.files.emplace_back(path);
    }
  }
  return remains;
}

// Check for ensure = absent.
v1::ResourceDiff CheckAbsent(const v1::Resource& resource,
                             const Remains& remains,
                             const ProviderContext& context) {
  v1::ResourceDiff diff;
  diff.mutable_resource()->set_kind(resource.kind());
  diff.mutable_resource()->set_id(resource.id());
  if (remains.table.has_value()) {
    AddChange(resource, "ruleset", "(table inet cairn)",
              "(no table inet cairn)", context, diff);
    diff.set_text_diff(ContentDiff(*remains.table, "", "table inet cairn"));
  }
  if (remains.boot) {
    AddChange(resource, "boot", "(loaded at boot by cairn-firewall.service)",
              "(not loaded at boot)", context, diff);
  }
  if (!remains.files.empty()) {
    AddChange(resource, "files", StrJoin(remains.files, " "), "(none)", context,
              diff);
  }
  diff.set_action(diff.changes().empty() ? v1::ResourceDiff::ACTION_NONE
                                         : v1::ResourceDiff::ACTION_DELETE);
  return diff;
}

// Apply for ensure = absent.
absl::Status RemoveFirewall(Host& host) {
  absl::StatusOr<std::optional<std::string>> live = ListTable(host);
  if (!live.ok()) return live.status();
  if (live->has_value()) {
    absl::StatusOr<CommandResult> deleted =
        Nft(host, {"delete", "table", "inet", "cairn"});
    if (!deleted.ok()) return deleted.status();
  }
  for (std::string_view path : kOwnFiles) {
    if (absl::Status s = RemoveIfExists(host, path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

class FirewallProvider : public Provider {
 public:
  std::string_view kind() const override { return "firewall"; }

  bool NeedsConfirm() const override { return true; }
  bool NeedsConfirmFor(const v1::Resource& resource) const override {
    // A spec that does not unpack fails in Check; confirm to be safe.
    v1::Firewall spec;
    return !resource.spec().UnpackTo(&spec) || WantPresent(spec);
  }
  absl::Status SaveForRollback(ProviderContext& context) const override {
    return firewall::SaveForRollback(*context.host);
  }
  absl::Status Rollback(ProviderContext& context) const override {
    return firewall::Rollback(*context.host);
  }
  absl::Status DiscardRollback(ProviderContext& context) const override {
    return firewall::DiscardRollback(*context.host);
  }
  absl::StatusOr<bool> RollbackPending(
      ProviderContext& context) const override {
    return firewall::RollbackPending(*context.host);
  }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Firewall> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    if (!WantPresent(*spec)) {
      absl::StatusOr<Remains> remains = FindRemains(host);
      if (!remains.ok()) return remains.status();
      return CheckAbsent(resource, *remains, context);
    }
    absl::StatusOr<std::string> desired = Render(*spec);
    if (!desired.ok()) return desired.status();
    absl::StatusOr<std::optional<std::string>> live = ListTable(host);
    if (!live.ok()) return live.status();
    absl::StatusOr<std::optional<std::string>> loaded =
        ReadIfExists(host, kScriptPath);
    if (!loaded.ok()) return loaded.status();
    absl::StatusOr<std::optional<std::string>> recorded =
        ReadIfExists(host, kListingPath);
    if (!recorded.ok()) return recorded.status();
    absl::StatusOr<bool> boot = BootUnitInPlace(host);
    if (!boot.ok()) return boot.status();

    v1::ResourceDiff diff;
    diff.mutable_resource()->set_kind(resource.kind());
    diff.mutable_resource()->set_id(resource.id());
    auto change = [&](std::string field, std::string current,
                      std::string wanted) {
      AddChange(resource, field, std::move(current), std::move(wanted), context,
                diff);
    };
    diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
    if (!live->has_value()) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      change("ruleset", "(no table inet cairn)", "(table inet cairn)");
      diff.set_text_diff(ContentDiff("", *desired, kScriptPath, false));
    } else if (*loaded != *desired) {
      change("ruleset", "(as last applied)", "(as the spec says)");
      // Without our last script, nft's listing is the best "before".
      diff.set_text_diff(
          ContentDiff(loaded->value_or(**live), *desired, kScriptPath));
    } else if (*recorded != *live) {
      change("ruleset", "(changed outside cairn)", "(as last applied)");
      diff.set_text_diff(
          ContentDiff(**live, recorded->value_or(""), "table inet cairn"));
    }
    if (!*boot) {
      change("boot", "(not loaded at boot)",
             "(loaded at boot by cairn-firewall.service)");
    }
    if (diff.changes().empty()) diff.set_action(v1::ResourceDiff::ACTION_NONE);
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::Firewall> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    if (!WantPresent(*spec)) return RemoveFirewall(host);
    absl::StatusOr<std::string> script = Render(*spec);
    if (!script.ok()) return script.status();
    absl::Status dir = MakeDirectories(host, kStateDir, 0700);
    if (!dir.ok()) return dir;

    absl::StatusOr<std::optional<std::string>> loaded =
        ReadIfExists(host, kScriptPath);
    if (!loaded.ok()) return loaded.status();
    absl::StatusOr<std::optional<std::string>> live = ListTable(host);
    if (!live.ok()) return live.status();
    absl::StatusOr<std::optional<std::string>> recorded =
        ReadIfExists(host, kListingPath);
    if (!recorded.ok()) return recorded.status();
    bool table_as_wanted =
        live->has_value() && *loaded == *script && *recorded == *live;
    if (!table_as_wanted) {
      std::string candidate(kCandidatePath);
      absl::Status written = host.WriteFile(candidate, *script, 0600, 0, 0);
      if (!written.ok()) return written;
      absl::StatusOr<CommandResult> checked =
          Nft(host, {"-c", "-f", candidate});
      if (checked.ok()) checked = Nft(host, {"-f", candidate});
      if (!checked.ok()) {
        (void)host.Remove(candidate);
        return checked.status();
      }
      absl::Status renamed = host.Rename(candidate, std::string(kScriptPath));
      if (!renamed.ok()) return renamed;
      absl::Status listed = RecordListing(host);
      if (!listed.ok()) return listed;
    }
    return InstallBootUnit(host);
  }
};

CAIRN_REGISTER_PROVIDER(FirewallProvider);

}  // namespace

std::string BootUnit() {
  return StrCat(
      "# Written by cairn: loads the firewall cairn applied last (table inet\n"
      "# cairn) at boot, before the network comes up. A change still\n"
      "# awaiting confirmation is not kept: the table before it is loaded.\n"
      "[Unit]\n"
      "Description=Cairn firewall (table inet cairn)\n"
      "DefaultDependencies=no\n"
      "Wants=network-pre.target\n"
      "Before=network-pre.target shutdown.target\n"
      "Conflicts=shutdown.target\n"
      "RequiresMountsFor=",
      kStateDir, "\n", "ConditionPathExists=", kScriptPath, "\n",
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "RemainAfterExit=yes\n"
      "ExecStart=/bin/sh -c 'if [ -e ",
      kRollbackPath, " ]; then exec /usr/sbin/nft -f ", kRollbackPath,
      "; else exec /usr/sbin/nft -f ", kScriptPath,
      "; fi'\n"
      "\n"
      "[Install]\n"
      "WantedBy=sysinit.target\n");
}

absl::Status SaveForRollback(Host& host) {
  absl::StatusOr<std::optional<std::string>> live = ListTable(host);
  if (!live.ok()) return live.status();
  absl::StatusOr<std::optional<std::string>> loaded =
      ReadIfExists(host, kScriptPath);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<std::optional<std::string>> recorded =
      ReadIfExists(host, kListingPath);
  if (!recorded.ok()) return recorded.status();
  absl::Status dir = MakeDirectories(host, kStateDir, 0700);
  if (!dir.ok()) return dir;
  // The table as Cairn left it: its own script, so that after a rollback
  // Check finds the previous spec applied. Otherwise nft's listing.
  std::string script;
  if (live->has_value() && loaded->has_value() && *recorded == *live) {
    script = **loaded;
  } else {
    script = StrCat(
        "# Written by cairn: table inet cairn as it was before a change\n"
        "# that awaits confirmation",
        live->has_value() ? "." : " (there was none).",
        "\ntable inet cairn\ndelete table inet cairn\n", live->value_or(""));
  }
  return host.WriteFile(std::string(kRollbackPath), script, 0600, 0, 0);
}

absl::Status Rollback(Host& host) {
  absl::StatusOr<FileInfo> info = host.Stat(std::string(kRollbackPath));
  if (!info.ok()) return info.status();
  if (!info->exists()) {
    return absl::FailedPreconditionError(
        StrCat("no firewall to roll back to: ", kRollbackPath, " is missing"));
  }
  std::string path(kRollbackPath);
  absl::StatusOr<CommandResult> loaded = Nft(host, {"-c", "-f", path});
  if (loaded.ok()) loaded = Nft(host, {"-f", path});
  if (!loaded.ok()) return loaded.status();
  // The restored table is now the one loaded at boot, and what Check
  // compares the spec with (so the spec shows as not applied).
  absl::Status renamed = host.Rename(path, std::string(kScriptPath));
  if (!renamed.ok()) return renamed;
  return RecordListing(host);
}

absl::Status DiscardRollback(Host& host) {
  return RemoveIfExists(host, kRollbackPath);
}

absl::StatusOr<bool> RollbackPending(Host& host) {
  absl::StatusOr<FileInfo> info = host.Stat(std::string(kRollbackPath));
  if (!info.ok()) return info.status();
  return info->exists();
}

}  // namespace cairn::agent::firewall
