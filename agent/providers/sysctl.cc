// The sysctl provider: one kernel parameter, set now and at every boot.
//
// Check reads /proc/sys/KEY and compares it with the value, whitespace
// normalized (runs of blanks become one space, ends trimmed: the kernel
// writes "4096\t87380\t6291456" for "4096 87380 6291456"). Apply writes the
// parameter to its own file, /etc/sysctl.d/60-cairn-KEY.conf, so that each
// resource owns exactly one file and no resource has to know the others;
// then runs `sysctl -w KEY=VALUE` and reads the value back, failing when
// the kernel kept something else (a clamped or refused value would
// otherwise show as a change on every run). At boot, systemd-sysctl reads
// /etc/sysctl.d in name order and the last setting wins, so a file sorting
// after 60-cairn-* (99-sysctl.conf, that is /etc/sysctl.conf) that sets the
// same key overrides it; Check does not look for such files.
//
// ensure = absent: the file goes and nothing else; the running value stays
// until the next boot (what it was before is not known), so only the key
// matters then.

#include <cctype>
#include <optional>
#include <string>

#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

constexpr std::string_view kConfDir = "/etc/sysctl.d";

absl::StatusOr<v1::Sysctl> Unpack(const v1::Resource& resource) {
  v1::Sysctl spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("sysctl ", resource.id(), ": spec is not a cairn.v1.Sysctl"));
  }
  // A name of a file under /proc/sys (see ProcPath), never outside it.
  bool bad = spec.key().empty() || spec.key()[0] == '/' ||
             spec.key().find("..") != std::string::npos ||
             spec.key().find("//") != std::string::npos ||
             spec.key().find("/.") != std::string::npos ||
             spec.key().find("./") != std::string::npos;
  for (std::string_view part : StrSplit(spec.key(), '.')) {
    bad |= part.empty() || part == "..";
    for (char c : part) {
      bad |= !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               c == '-' || c == '/' || c == ':' || c == '@' || c == '+');
    }
  }
  if (bad) {
    return absl::InvalidArgumentError(
        StrCat("'", spec.key(), "' is not a sysctl key"));
  }
  if (spec.value().find_first_of("\n\r") != std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("sysctl ", spec.key(), ": the value has a line break"));
  }
  return spec;
}

// As sysctl.d(5): when the first separator is a dot, dots and slashes
// swap ("net.ipv4.conf.eth0/100.rp_filter"); when it is a slash, the key is
// already a path ("net/ipv4/conf/eth0.100/rp_filter").
std::string ProcPath(std::string_view key) {
  std::string path = "/proc/sys/";
  bool dotted = key.find_first_of("./") == std::string_view::npos ||
                key[key.find_first_of("./")] == '.';
  for (char c : key) {
    path += !dotted ? c : c == '.' ? '/' : c == '/' ? '.' : c;
  }
  return path;
}

std::string ConfPath(std::string_view key) {
  std::string name(key);
  for (char& c : name) c = c == '/' ? '.' : c;
  return StrCat(kConfDir, "/60-cairn-", name, ".conf");
}

std::string ConfContent(const v1::Sysctl& spec) {
  return StrCat(
      "# Written by cairn; change the configuration, not this "
      "file.\n",
      spec.key(), " = ", spec.value(), "\n");
}

std::string Normalize(std::string_view value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

// The live value, normalized; nullopt when the kernel has no such
// parameter (a module not loaded).
absl::StatusOr<std::optional<std::string>> LiveValue(Host& host,
                                                     std::string_view key) {
  std::string path = ProcPath(key);
  absl::StatusOr<FileInfo> info = host.Stat(path);
  if (!info.ok()) return info.status();
  if (!info->exists()) return std::optional<std::string>();
  absl::StatusOr<std::string> value = host.ReadFile(path);
  if (!value.ok()) return value.status();
  return std::optional<std::string>(Normalize(*value));
}

absl::StatusOr<std::optional<std::string>> ConfFile(Host& host,
                                                    std::string_view key) {
  std::string path = ConfPath(key);
  absl::StatusOr<FileInfo> info = host.Stat(path);
  if (!info.ok()) return info.status();
  if (!info->exists()) return std::optional<std::string>();
  absl::StatusOr<std::string> content = host.ReadFile(path);
  if (!content.ok()) return content.status();
  return std::optional<std::string>(std::move(*content));
}

bool WantPresent(const v1::Sysctl& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

// Check for ensure = absent: the file, if there, goes.
v1::ResourceDiff CheckAbsent(const v1::Resource& resource,
                             const v1::Sysctl& spec,
                             const std::optional<std::string>& conf,
                             const ProviderContext& context) {
  v1::ResourceDiff diff = NewDiff(resource);
  if (!conf.has_value()) return diff;
  diff.set_action(v1::ResourceDiff::ACTION_DELETE);
  // The file holds the value: fingerprinted like it when secret.
  AddChange(resource, "value", *conf, "(removed; the running value stays)",
            context, diff);
  if (IsSecretField(resource, "value")) {
    diff.mutable_changes(0)->set_desired("(removed; the running value stays)");
  }
  diff.mutable_changes(0)->set_field(
      StrCat("value (", ConfPath(spec.key()), ")"));
  return diff;
}

class SysctlProvider : public Provider {
 public:
  std::string_view kind() const override { return "sysctl"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Sysctl> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    if (!WantPresent(*spec)) {
      absl::StatusOr<std::optional<std::string>> conf =
          ConfFile(host, spec->key());
      if (!conf.ok()) return conf.status();
      return CheckAbsent(resource, *spec, *conf, context);
    }
    absl::StatusOr<std::optional<std::string>> live =
        LiveValue(host, spec->key());
    if (!live.ok()) return live.status();
    absl::StatusOr<std::optional<std::string>> conf =
        ConfFile(host, spec->key());
    if (!conf.ok()) return conf.status();

    v1::ResourceDiff diff;
    diff.mutable_resource()->set_kind(resource.kind());
    diff.mutable_resource()->set_id(resource.id());
    std::string desired = Normalize(spec->value());
    if (live->value_or("") != desired || !live->has_value()) {
      AddChange(resource, "value", live->value_or("(no such parameter)"),
                desired, context, diff);
    }
    if (conf->value_or("") != ConfContent(*spec) || !conf->has_value()) {
      // The file holds the value: fingerprinted like it when secret.
      AddChange(resource, "value", conf->value_or("(missing)"),
                ConfContent(*spec), context, diff);
      diff.mutable_changes(diff.changes_size() - 1)
          ->set_field(StrCat("value (", ConfPath(spec->key()), ")"));
    }
    if (diff.changes().empty()) {
      diff.set_action(v1::ResourceDiff::ACTION_NONE);
    } else {
      diff.set_action(conf->has_value() ? v1::ResourceDiff::ACTION_UPDATE
                                        : v1::ResourceDiff::ACTION_CREATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::Sysctl> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;

    absl::StatusOr<std::optional<std::string>> conf =
        ConfFile(host, spec->key());
    if (!conf.ok()) return conf.status();
    if (!WantPresent(*spec)) {
      return conf->has_value() ? host.Remove(ConfPath(spec->key()))
                               : absl::OkStatus();
    }
    std::string content = ConfContent(*spec);
    if (conf->value_or("") != content || !conf->has_value()) {
      absl::Status written =
          host.WriteFile(ConfPath(spec->key()), content, 0644, 0, 0);
      if (!written.ok()) return written;
    }

    std::string desired = Normalize(spec->value());
    absl::StatusOr<std::optional<std::string>> live =
        LiveValue(host, spec->key());
    if (!live.ok()) return live.status();
    if (live->has_value() && **live == desired) return absl::OkStatus();
    absl::StatusOr<CommandResult> result =
        host.Run({"sysctl", "-w", StrCat(spec->key(), "=", spec->value())});
    if (!result.ok()) return result.status();
    // The value is not repeated: it may be a secret.
    if (result->exit_code != 0) {
      std::string_view err = result->err;
      while (!err.empty() && err.back() == '\n') err.remove_suffix(1);
      return absl::FailedPreconditionError(
          StrCat("`sysctl -w ", spec->key(), "=...` exited with ",
                 result->exit_code, err.empty() ? "" : ": ",
                 IsSecretField(resource, "value") ? "" : err));
    }
    live = LiveValue(host, spec->key());
    if (!live.ok()) return live.status();
    if (!live->has_value() || **live != desired) {
      return absl::FailedPreconditionError(
          StrCat("the kernel did not take sysctl ", spec->key(), ": it reads ",
                 IsSecretField(resource, "value")
                     ? std::string("another value")
                     : StrCat("'", live->value_or("(nothing)"), "'")));
    }
    return absl::OkStatus();
  }
};

CAIRN_REGISTER_PROVIDER(SysctlProvider);

}  // namespace
}  // namespace cairn::agent
