// The "package" kind: Debian packages through dpkg and apt.
//
// Check reads dpkg's database with one `dpkg-query -W` for all packages and
// never runs apt-get; only for state = latest does it ask `apt-cache
// policy`, read-only and lock-free, which version apt would install.
// ApplyBatch converges every package of a catalog at once: one `apt-get
// install` for everything to install, upgrade or pin, then one `apt-get
// remove` and one `apt-get purge`. Installing first lets a package that
// replaces another (postfix for exim4) take its place before anything is
// removed. apt-get waits at most two minutes for dpkg's lock, and each
// command at most half an hour in all.
//
// What is compared: with `version`, the installed version string must equal
// it exactly (apt-get install NAME=VERSION, downgrades allowed); latest
// compares with apt's candidate from the package lists as they are (the
// agent runs apt-get update only when an install finds a package apt does
// not know: lists missing, as on a fresh cloud image, or out of date);
// removed is satisfied by dpkg's "config-files" state, purged only by no
// trace at all.
//
// With `deb`, the version wanted is the .deb file's (`dpkg-deb -f DEB
// Package Version`, read-only), whose Package must be the resource's name;
// it is installed by path in the same `apt-get install`, which pulls its
// dependencies from the repositories. A .deb not there at Check time is a
// change, not an error: a file resource with `source` earlier in the same
// apply usually downloads it. Not there at Apply time, it is an error.

#include <algorithm>

#include "absl/status/status.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using State = v1::Package::State;

// What dpkg knows of one package (of one architecture).
struct Installed {
  std::string name;
  std::string arch;
  // The last word of ${Status}: installed, config-files, not-installed,
  // half-installed, unpacked, half-configured, triggers-awaited,
  // triggers-pending.
  std::string status;
  std::string version;
};

// The state of a package for comparison.
enum class Current { kAbsent, kConfigFiles, kBroken, kInstalled };

Current Classify(const Installed* p) {
  if (p == nullptr || p->status == "not-installed") return Current::kAbsent;
  if (p->status == "config-files") return Current::kConfigFiles;
  if (p->status == "installed" || p->status == "triggers-awaited" ||
      p->status == "triggers-pending") {
    return Current::kInstalled;
  }
  return Current::kBroken;
}

std::string_view Describe(const Installed* p) {
  // Both arms string_view: with "..." : std::string the result would be a
  // temporary std::string, and the view would dangle.
  return p == nullptr ? std::string_view("not-installed")
                      : std::string_view(p->status);
}

using Database = std::vector<Installed>;

// Package names as Debian allows them (lower case letters, digits, + - .,
// at least two, starting alphanumeric), with an optional ":arch".
bool ValidName(std::string_view name) {
  size_t colon = name.find(':');
  std::string_view base = name.substr(0, colon);
  if (base.size() < 2) return false;
  for (size_t i = 0; i < base.size(); ++i) {
    char c = base[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '+' && c != '-' && c != '.'))) return false;
  }
  if (colon == std::string_view::npos) return true;
  std::string_view arch = name.substr(colon + 1);
  if (arch.empty()) return false;
  for (char c : arch) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

// Debian version characters: alphanumerics and . + ~ - :, starting with a
// digit.
bool ValidVersion(std::string_view version) {
  if (version.empty() || version[0] < '0' || version[0] > '9') return false;
  for (char c : version) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '~' ||
              c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<v1::Package> Spec(const v1::Resource& resource) {
  v1::Package spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("package ", resource.id(), ": spec is not a cairn.v1.Package"));
  }
  if (!ValidName(spec.name())) {
    return absl::InvalidArgumentError(
        StrCat("package '", spec.name(), "': not a Debian package name"));
  }
  if (!spec.version().empty() && !ValidVersion(spec.version())) {
    return absl::InvalidArgumentError(StrCat("package ", spec.name(),
                                             ": version '", spec.version(),
                                             "' is not a Debian version"));
  }
  // latest and a version contradict each other. A removal ignores the
  // version: the controller removes a package no longer declared by
  // sending its last spec, version and all, with state = removed.
  if (!spec.version().empty() && spec.state() == v1::Package::STATE_LATEST) {
    return absl::InvalidArgumentError(
        StrCat("package ", spec.name(),
               ": a version goes only with state = installed"));
  }
  // A removal ignores the .deb likewise.
  if (!spec.deb().empty() && spec.state() != v1::Package::STATE_REMOVED &&
      spec.state() != v1::Package::STATE_PURGED) {
    if (absl::Status path = CheckPath("package deb", spec.deb()); !path.ok()) {
      return Annotate(StrCat("package ", spec.name()), path);
    }
    if (!spec.version().empty()) {
      return absl::InvalidArgumentError(
          StrCat("package ", spec.name(),
                 ": deb and version exclude each other (the version is the "
                 ".deb file's)"));
    }
  }
  return spec;
}

// Whether `spec` installs from a .deb file.
bool FromDeb(const v1::Package& spec) {
  return !spec.deb().empty() && spec.state() != v1::Package::STATE_REMOVED &&
         spec.state() != v1::Package::STATE_PURGED;
}

// The last lines of a command's output, for an error.
std::string Tail(const CommandResult& result) {
  std::string_view text = result.err.empty() ? result.out : result.err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  std::vector<std::string_view> lines = StrSplit(text, '\n');
  size_t from = lines.size() > 5 ? lines.size() - 5 : 0;
  return StrJoin(
      std::vector<std::string_view>(lines.begin() + from, lines.end()), "\n");
}

// Everything dpkg knows, in one dpkg-query.
absl::StatusOr<Database> ReadDatabase(Host& host) {
  absl::StatusOr<CommandResult> result = host.Run(
      {"dpkg-query", "-W",
       "--showformat=${Package}\\t${Architecture}\\t${Status}\\t${Version}\\n"},
      "", absl::Minutes(2));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(StrCat(
        "dpkg-query exited with ", result->exit_code, ": ", Tail(*result)));
  }
  Database db;
  for (std::string_view line : StrSplit(result->out, '\n')) {
    std::vector<std::string_view> f = StrSplit(line, '\t');
    if (f.size() != 4 || f[0].empty()) continue;
    std::vector<std::string_view> status = StrSplit(f[2], ' ');
    db.push_back(Installed{std::string(f[0]), std::string(f[1]),
                           std::string(status.back()), std::string(f[3])});
  }
  return db;
}

// The entry for `name` ("nginx" or "libc6:i386"). Of several architectures
// of a plain name, the most installed one.
const Installed* Find(const Database& db, std::string_view name) {
  size_t colon = name.find(':');
  std::string_view base = name.substr(0, colon);
  const Installed* best = nullptr;
  for (const Installed& p : db) {
    if (p.name != base) continue;
    if (colon != std::string_view::npos && p.arch != name.substr(colon + 1)) {
      continue;
    }
    if (best == nullptr || Classify(&p) > Classify(best)) best = &p;
  }
  return best;
}

// The version apt would install, "" when it knows none. Read-only.
absl::StatusOr<std::string> Candidate(Host& host, const std::string& name) {
  absl::StatusOr<CommandResult> result = host.Run(
      {"env", "LC_ALL=C", "apt-cache", "policy", name}, "", absl::Minutes(2));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(
        StrCat("apt-cache policy ", name, " exited with ", result->exit_code,
               ": ", Tail(*result)));
  }
  for (std::string_view line : StrSplit(result->out, '\n')) {
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!StartsWith(line, "Candidate:")) continue;
    line.remove_prefix(sizeof("Candidate:") - 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    return line == "(none)" ? std::string() : std::string(line);
  }
  return std::string();
}

// What a .deb file holds, as far as the comparison goes.
struct Deb {
  bool exists = false;
  std::string package;
  std::string version;
};

// Reads `spec.deb`'s Package and Version with dpkg-deb (read-only). A
// missing file is a Deb that does not exist; one that dpkg-deb cannot read,
// or of another package, is an error.
absl::StatusOr<Deb> ReadDeb(Host& host, const v1::Package& spec) {
  const std::string& path = spec.deb();
  Deb deb;
  absl::StatusOr<FileInfo> info = host.Stat(path);
  if (!info.ok()) return info.status();
  if (!info->exists()) return deb;
  deb.exists = true;
  absl::StatusOr<CommandResult> result = host.Run(
      {"dpkg-deb", "-f", path, "Package", "Version"}, "", absl::Minutes(2));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(StrCat(
        "package ", spec.name(), ": cannot read ", path,
        " (dpkg-deb exited with ", result->exit_code, "): ", Tail(*result)));
  }
  for (std::string_view line : StrSplit(result->out, '\n')) {
    for (auto [prefix, field] :
         {std::pair<std::string_view, std::string*>{"Package:", &deb.package},
          {"Version:", &deb.version}}) {
      if (!StartsWith(line, prefix)) continue;
      line.remove_prefix(prefix.size());
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      *field = std::string(line);
    }
  }
  std::string_view name = spec.name();
  name = name.substr(0, name.find(':'));
  if (deb.package != name) {
    return absl::FailedPreconditionError(StrCat("package ", spec.name(), ": ",
                                                path, " is the package '",
                                                deb.package, "', not ", name));
  }
  if (!ValidVersion(deb.version)) {
    return absl::FailedPreconditionError(
        StrCat("package ", spec.name(), ": ", path, " has no valid Version ('",
               deb.version, "')"));
  }
  return deb;
}

// What one package needs.
enum class Need { kNothing, kInstall, kRemove, kPurge };

struct Plan {
  Need need = Need::kNothing;
  // For kInstall: "name" or "name=version".
  std::string target;
};

// PlanFor for a package installed from `deb`: it is wanted at the .deb's
// version. A .deb not there yet is a change in a Check (`diff` given) and
// an error in an Apply.
absl::StatusOr<Plan> PlanDeb(const v1::Resource& resource,
                             const v1::Package& spec, const Deb& deb,
                             const Installed* p, const ProviderContext& context,
                             v1::ResourceDiff* diff) {
  Current current = Classify(p);
  Plan plan;
  plan.target = spec.deb();
  if (!deb.exists && diff == nullptr) {
    return absl::FailedPreconditionError(
        StrCat("package ", spec.name(), ": ", spec.deb(),
               " does not exist (declare it, e.g. as a file with source, "
               "before this package)"));
  }
  bool installed = current == Current::kInstalled;
  if (deb.exists && installed && p->version == deb.version) return plan;
  plan.need = Need::kInstall;
  if (diff == nullptr) return plan;
  bool absent = current == Current::kAbsent || current == Current::kConfigFiles;
  diff->set_action(absent ? v1::ResourceDiff::ACTION_CREATE
                          : v1::ResourceDiff::ACTION_UPDATE);
  if (!installed) {
    AddChange(resource, "state", std::string(Describe(p)), "installed", context,
              *diff);
  }
  if (deb.exists) {
    AddChange(resource, "version",
              current == Current::kAbsent ? "" : p->version, deb.version,
              context, *diff);
  }
  AddChange(resource, "deb", "",
            deb.exists ? spec.deb() : StrCat(spec.deb(), " (not there yet)"),
            context, *diff);
  return plan;
}

// Works out what `spec` needs and, when `diff` is given, describes it.
absl::StatusOr<Plan> PlanFor(const v1::Resource& resource,
                             const v1::Package& spec, const Database& db,
                             Host& host, const ProviderContext& context,
                             v1::ResourceDiff* diff) {
  const Installed* p = Find(db, spec.name());
  Current current = Classify(p);
  Plan plan;
  auto change = [&](v1::ResourceDiff::Action action, std::string_view field,
                    std::string from, std::string to) {
    if (diff == nullptr) return;
    diff->set_action(action);
    AddChange(resource, field, std::move(from), std::move(to), context, *diff);
  };
  auto create_or_update =
      current == Current::kAbsent || current == Current::kConfigFiles
          ? v1::ResourceDiff::ACTION_CREATE
          : v1::ResourceDiff::ACTION_UPDATE;
  switch (spec.state()) {
    case v1::Package::STATE_UNSPECIFIED:
    case v1::Package::STATE_INSTALLED:
    case v1::Package::STATE_LATEST: {
      if (FromDeb(spec)) {
        absl::StatusOr<Deb> deb = ReadDeb(host, spec);
        if (!deb.ok()) return deb.status();
        return PlanDeb(resource, spec, *deb, p, context, diff);
      }
      std::string wanted_version = spec.version();
      if (spec.state() == v1::Package::STATE_LATEST &&
          current == Current::kInstalled) {
        absl::StatusOr<std::string> candidate = Candidate(host, spec.name());
        if (!candidate.ok()) return candidate.status();
        wanted_version = *candidate;
      }
      plan.target = spec.version().empty()
                        ? spec.name()
                        : StrCat(spec.name(), "=", spec.version());
      if (current != Current::kInstalled) {
        plan.need = Need::kInstall;
        change(create_or_update, "state", std::string(Describe(p)),
               "installed");
        if (!spec.version().empty()) {
          change(create_or_update, "version",
                 current == Current::kAbsent ? "" : p->version, spec.version());
        }
      } else if (!wanted_version.empty() && wanted_version != p->version) {
        plan.need = Need::kInstall;
        change(v1::ResourceDiff::ACTION_UPDATE, "version", p->version,
               wanted_version);
      }
      break;
    }
    case v1::Package::STATE_REMOVED:
      if (current == Current::kInstalled || current == Current::kBroken) {
        plan.need = Need::kRemove;
        change(v1::ResourceDiff::ACTION_DELETE, "state",
               std::string(Describe(p)), "removed");
      }
      break;
    case v1::Package::STATE_PURGED:
      if (current != Current::kAbsent) {
        plan.need = Need::kPurge;
        change(v1::ResourceDiff::ACTION_DELETE, "state",
               std::string(Describe(p)), "purged");
      }
      break;
    default:
      return absl::InvalidArgumentError(StrCat("package ", spec.name(),
                                               ": unknown state ",
                                               static_cast<int>(spec.state())));
  }
  return plan;
}

// Runs one apt-get command over `packages`.
absl::Status AptGet(Host& host, std::string_view command,
                    const std::vector<std::string>& packages) {
  if (packages.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {
      "env",
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "-y",
      "-q",
      "-o",
      "DPkg::Lock::Timeout=120",
      "-o",
      "Dpkg::Options::=--force-confdef",
      "-o",
      "Dpkg::Options::=--force-confold",
  };
  if (command == "install") argv.push_back("--allow-downgrades");
  argv.push_back(std::string(command));
  argv.insert(argv.end(), packages.begin(), packages.end());
  absl::StatusOr<CommandResult> result = host.Run(argv, "", absl::Minutes(30));
  if (!result.ok()) return result.status();
  // A package apt does not know yet: the lists are missing (a fresh cloud
  // image ships none) or older than the sources. Update them once and try
  // again, as anyone would by hand.
  if (result->exit_code != 0 && command == "install" &&
      (result->err.find("Unable to locate package") != std::string::npos ||
       result->err.find("has no installation candidate") !=
           std::string::npos)) {
    absl::StatusOr<CommandResult> update =
        host.Run({"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q",
                  "-o", "DPkg::Lock::Timeout=120", "update"},
                 "", absl::Minutes(10));
    if (!update.ok()) return update.status();
    if (update->exit_code == 0) {
      result = host.Run(argv, "", absl::Minutes(30));
      if (!result.ok()) return result.status();
    }
  }
  if (result->exit_code == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("apt-get ", command, " ", StrJoin(packages, " "), " exited with ",
             result->exit_code, ": ", Tail(*result)));
}

class PackageProvider : public Provider {
 public:
  std::string_view kind() const override { return "package"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Package> spec = Spec(resource);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<Database> db = ReadDatabase(*context.host);
    if (!db.ok()) return db.status();
    v1::ResourceDiff diff = NewDiff(resource);
    absl::StatusOr<Plan> plan =
        PlanFor(resource, *spec, *db, *context.host, context, &diff);
    if (!plan.ok()) return plan.status();
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff& diff,
                     ProviderContext& context) const override {
    return ApplyAll({&resource}, context).at(0);
  }

  bool batches() const override { return true; }

  // One apt transaction: all succeed or all fail together, but for a
  // package whose own spec or .deb is wrong, which fails alone.
  std::vector<absl::Status> ApplyBatch(
      const std::vector<const v1::Resource*>& resources,
      const std::vector<v1::ResourceDiff>&,
      ProviderContext& context) const override {
    return ApplyAll(resources, context);
  }

 private:
  std::vector<absl::Status> ApplyAll(
      const std::vector<const v1::Resource*>& resources,
      ProviderContext& context) const {
    Host& host = *context.host;
    absl::StatusOr<Database> db = ReadDatabase(host);
    if (!db.ok()) {
      return std::vector<absl::Status>(resources.size(), db.status());
    }
    std::vector<absl::Status> out(resources.size());
    std::vector<size_t> planned;  // Those whose fate apt decides.
    std::vector<std::string> install, remove, purge;
    for (size_t i = 0; i < resources.size(); ++i) {
      absl::StatusOr<v1::Package> spec = Spec(*resources[i]);
      if (!spec.ok()) {
        out[i] = spec.status();
        continue;
      }
      absl::StatusOr<Plan> plan =
          PlanFor(*resources[i], *spec, *db, host, context, nullptr);
      if (!plan.ok()) {
        out[i] = plan.status();
        continue;
      }
      planned.push_back(i);
      switch (plan->need) {
        case Need::kNothing:
          break;
        case Need::kInstall:
          install.push_back(plan->target);
          break;
        case Need::kRemove:
          remove.push_back(spec->name());
          break;
        case Need::kPurge:
          purge.push_back(spec->name());
          break;
      }
    }
    absl::Status status = AptGet(host, "install", install);
    if (status.ok()) status = AptGet(host, "remove", remove);
    if (status.ok()) status = AptGet(host, "purge", purge);
    for (size_t i : planned) out[i] = status;
    return out;
  }
};

CAIRN_REGISTER_PROVIDER(PackageProvider);

}  // namespace
}  // namespace cairn::agent
