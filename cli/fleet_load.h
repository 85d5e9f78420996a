#ifndef CAIRN_CLI_FLEET_LOAD_H_
#define CAIRN_CLI_FLEET_LOAD_H_

// What the fleet-wide commands (plan, apply, drift) share: their flags, and
// the fleet as Load finds it — compiled, its state store open, the hosts
// and zones selected with the agents' addresses — plus small helpers for
// their output. Internal to cli/.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "controller/controller.h"
#include "dns/dns.h"
#include "google/protobuf/message.h"
#include "state/state.h"

namespace cairn::cli {

// plan --detailed-exitcode, drift --exit-code: changes, or drift, found.
inline constexpr int kExitChanges = 2;

// How `cairn bootstrap` reaches hosts, also given to `cairn apply
// --bootstrap` (with --ssh-user, --ssh-key and --ssh-port there).
struct BootstrapFlags {
  std::string user = "root";
  std::string key;
  int port = 22;
  std::string known_hosts;
  bool accept_new = false;
  // The agent's .deb; empty: found (PackagePath).
  std::string package;
  // bootstrap only: --upgrade, and --timeout for the agent to answer.
  bool upgrade = false;
  int timeout = 60;

  // Consumes a[i] (and its value) when it is one of these flags, the user,
  // key and port ones written with `prefix` ("--" or "--ssh-"); --upgrade
  // and --timeout only when `prefix` is "--".
  bool Take(const std::vector<std::string>& a, size_t& i,
            std::string_view prefix);
};

// Flags of plan, apply and drift besides the compile flags.
struct FleetFlags {
  std::vector<std::string> hosts, tags, zones;
  std::string state, tls_dir;
  int parallelism = 0;
  int timeout = 60;
  int apply_timeout = 3600;
  int confirm_timeout = 0;
  int lock_timeout = 0;
  bool insecure = false;
  bool verbose = false;
  bool json = false;
  // plan
  std::string out;
  bool detailed_exitcode = false;
  // apply
  bool yes = false;
  int limit = 20;
  bool bootstrap = false;
  BootstrapFlags ssh;
  // drift
  bool exit_code = false;
  bool watch = false;
  bool all_events = false;
  std::string notify_command;

  // Consumes a[i] (and its value, advancing i) when it is one of these
  // flags; false otherwise.
  bool Take(const std::vector<std::string>& a, size_t& i);
};

// Everything plan, apply and drift know about the fleet once compiled.
struct Fleet {
  std::unique_ptr<Compiled> compiled;
  std::string root;  // The configuration's directory.
  std::string fingerprint_key;
  std::unique_ptr<state::Store> store;
  std::string store_location;
  std::vector<controller::HostTarget> targets;
  std::vector<controller::Outgoing> outgoing;
  std::vector<const ZoneCatalog*> zones;
  std::vector<dns::ZoneTarget> zone_targets;
  int parallelism = 50;
  // Guards `store` once threads share it (the rollout, the lock's renewer,
  // drift's watchers).
  std::unique_ptr<std::mutex> store_mutex = std::make_unique<std::mutex>();
};

// Compiles, opens the store and selects the targets. A message for stderr
// when it cannot go on. `without_secrets`: the command sends no catalog
// (drift), so without a vault password the configuration is compiled all
// the same (what comes from the vault is unknown; the hosts and their
// agents are not) and the vault's warning W0003 is not shown.
absl::StatusOr<Fleet> Load(CompileFlags flags, const FleetFlags& f,
                           bool without_secrets = false);

// Bootstraps the agent of every target of `fleet` (cli/bootstrap.cc): with
// `trust_answering`, only of those whose agent does not answer. Prints each
// step as it ends and one line per host on stderr; returns how many failed.
int BootstrapTargets(const Fleet& fleet, const BootstrapFlags& flags,
                     bool trust_answering, int parallelism);

// Prints "cairn COMMAND: WHAT" on stderr and returns `code`.
int Fail(const char* command, const std::string& what,
         int code = kExitFindings);

// Seconds since the epoch.
int64_t Now();
// Milliseconds since the epoch.
int64_t NowMillis();
// `seconds` since the epoch as RFC 3339 UTC: "2026-11-22T21:40:00Z".
std::string Rfc3339(int64_t seconds);

bool IsDirectory(const std::string& path);
std::string Dirname(const std::string& path);
// A path of the configuration, relative to its root unless absolute (or a
// URL, postgresql://...).
std::string UnderRoot(const std::string& root, const std::string& path);

// `message` as JSON with the proto's field names and every field, zero
// values included; indented, or on one line when `one_line`.
std::string ToJson(const google::protobuf::Message& message,
                   bool one_line = false);
// Prints ToJson(message) on stdout.
void PrintJson(const google::protobuf::Message& message);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_FLEET_LOAD_H_
