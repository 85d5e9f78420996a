// The fleet as plan, apply and drift find it (fleet_load.h).

#include "cli/fleet_load.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>

#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "google/protobuf/util/json_util.h"

namespace cairn::cli {

bool FleetFlags::Take(const std::vector<std::string>& a, size_t& i) {
  bool has_value = i + 1 < a.size();
  auto number = [&](int& n) {
    n = std::atoi(a[++i].c_str());
    return true;
  };
  if (a[i] == "--host" && has_value) return hosts.push_back(a[++i]), true;
  if (a[i] == "--tag" && has_value) return tags.push_back(a[++i]), true;
  if (a[i] == "--zone" && has_value) return zones.push_back(a[++i]), true;
  if (a[i] == "--state" && has_value) return state = a[++i], true;
  if (a[i] == "--tls-dir" && has_value) return tls_dir = a[++i], true;
  if (a[i] == "--out" && has_value) return out = a[++i], true;
  if (a[i] == "--parallelism" && has_value) return number(parallelism);
  if (a[i] == "--timeout" && has_value) return number(timeout);
  if (a[i] == "--apply-timeout" && has_value) return number(apply_timeout);
  if (a[i] == "--confirm-timeout" && has_value) return number(confirm_timeout);
  if (a[i] == "--lock-timeout" && has_value) return number(lock_timeout);
  if (a[i] == "--limit" && has_value) return number(limit);
  if (a[i] == "--json") return json = true;
  if (a[i] == "--detailed-exitcode") return detailed_exitcode = true;
  if (a[i] == "--insecure") return insecure = true;
  if (a[i] == "--yes" || a[i] == "-y") return yes = true;
  if (a[i] == "-v" || a[i] == "--verbose") return verbose = true;
  if (a[i] == "--exit-code") return exit_code = true;
  if (a[i] == "--watch") return watch = true;
  if (a[i] == "--all") return all_events = true;
  if (a[i] == "--bootstrap") return bootstrap = true;
  if (ssh.Take(a, i, "--ssh-")) return true;
  if (a[i] == "--notify-command" && has_value) {
    return notify_command = a[++i], true;
  }
  return false;
}

int Fail(const char* command, const std::string& what, int code) {
  std::fprintf(stderr, "cairn %s: %s\n", command, what.c_str());
  return code;
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string UnderRoot(const std::string& root, const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find("://") != std::string::npos) {
    return path;  // Absolute, or a URL (postgresql://...).
  }
  return root == "." ? path : StrCat(root, "/", path);
}

std::string ToJson(const google::protobuf::Message& message, bool one_line) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !one_line;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    std::abort();  // Messages of the generated pool always print.
  }
  return json;
}

void PrintJson(const google::protobuf::Message& message) {
  std::fputs(ToJson(message).c_str(), stdout);
}

absl::StatusOr<Fleet> Load(CompileFlags flags, const FleetFlags& f,
                           bool without_secrets) {
  Fleet fleet;
  flags.options.vault_password_optional |= without_secrets;
  absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
  if (!compiled.ok()) return compiled.status();
  fleet.compiled = std::move(*compiled);
  PrintDiagnostics(*fleet.compiled, flags.color,
                   without_secrets ? "W0003" : "");
  if (fleet.compiled->diagnostics.has_errors()) {
    return absl::InvalidArgumentError(
        "the configuration has errors; no host was contacted");
  }
  const CompileResult& result = fleet.compiled->result;
  const std::string& first = flags.paths.front();
  fleet.root = IsDirectory(first) ? first : Dirname(first);
  fleet.fingerprint_key =
      vault::FingerprintKey(flags.options.vault_password.value_or(""));

  const v1::Fleet& settings = result.fleet;
  fleet.store_location = !f.state.empty() ? f.state
                         : !settings.state().empty()
                             ? UnderRoot(fleet.root, settings.state())
                             : StrCat(fleet.root, "/.cairn/state.db");
  absl::StatusOr<std::unique_ptr<state::Store>> store =
      state::Store::Open(fleet.store_location);
  if (!store.ok()) return store.status();
  fleet.store = std::move(*store);
  fleet.parallelism = f.parallelism > 0            ? f.parallelism
                      : settings.parallelism() > 0 ? settings.parallelism()
                                                   : 50;
  std::string tls_dir = f.tls_dir;
  if (tls_dir.empty()) {
    if (const char* env = std::getenv("CAIRN_TLS_DIR")) tls_dir = env;
  }
  if (tls_dir.empty()) {
    tls_dir =
        UnderRoot(fleet.root, settings.tls_dir().empty() ? std::string("tls")
                                                         : settings.tls_dir());
  }
  int port = settings.agent_port() > 0 ? settings.agent_port() : 7443;

  // The hosts asked for.
  std::set<std::string> known;
  for (const v1::Catalog& c : result.catalogs) known.insert(c.host().name());
  for (const std::string& h : f.hosts) {
    if (!known.count(h)) {
      return absl::InvalidArgumentError(
          StrCat("--host ", h, ": no host is named ", h));
    }
  }
  for (const v1::Catalog& catalog : result.catalogs) {
    const v1::Host& host = catalog.host();
    bool wanted = f.hosts.empty() && f.tags.empty() && f.zones.empty();
    wanted |=
        std::find(f.hosts.begin(), f.hosts.end(), host.name()) != f.hosts.end();
    for (const std::string& tag : f.tags) {
      wanted |= std::find(host.tags().begin(), host.tags().end(), tag) !=
                host.tags().end();
    }
    if (!wanted) continue;
    controller::HostTarget target;
    target.declared = catalog;
    target.agent.address =
        host.agent().empty() ? StrCat(host.address(), ":", port) : host.agent();
    target.agent.tls_dir = tls_dir;
    target.agent.insecure = f.insecure;
    target.agent.deadline = std::chrono::seconds(f.timeout);
    target.agent.apply_deadline = std::chrono::seconds(f.apply_timeout);
    if (!f.insecure && !StartsWith(target.agent.address, "unix:")) {
      // The agent's certificate names the host (cairn ca issue DIR NAME).
      target.agent.server_name = host.name();
    }
    fleet.targets.push_back(std::move(target));
  }

  // Zones: all of them when no filter is given, else those named.
  for (const ZoneCatalog& zone : result.zones) {
    bool wanted = f.hosts.empty() && f.tags.empty() && f.zones.empty();
    wanted |= std::find(f.zones.begin(), f.zones.end(), zone.zone.name()) !=
              f.zones.end();
    if (!wanted) continue;
    dns::ZoneTarget target;
    target.zone = zone.zone;
    for (const v1::Resource& r : zone.records) {
      v1::DnsRecord record;
      if (r.spec().UnpackTo(&record)) target.records.push_back(record);
    }
    fleet.zones.push_back(&zone);
    fleet.zone_targets.push_back(std::move(target));
  }
  return fleet;
}

}  // namespace cairn::cli
