// cairn agent: talk to one cairn-agent directly — its facts, what a
// catalog would change there, apply it, its status. `cairn plan` and
// `cairn apply` do this for a whole fleet; this is the single-host tool
// for bootstrapping, debugging and scripts.
//
//   cairn agent facts   --agent ADDR
//   cairn agent status  --agent ADDR
//   cairn agent check   --agent ADDR (--catalog FILE | --host NAME PATH...)
//   cairn agent apply   --agent ADDR (--catalog FILE | --host NAME PATH...)
//                       [--confirm-timeout SECONDS] [-v]
//   cairn agent confirm --agent ADDR
//
// ADDR is HOST:PORT (mutual TLS with the files of --tls-dir, default
// $CAIRN_TLS_DIR) or unix:PATH. A catalog FILE is what `cairn compile
// --out` wrote.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/client/client.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"
#include "compiler/vault/vault.h"
#include "google/protobuf/util/json_util.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] =
    "usage: cairn agent facts|status|confirm --agent ADDR [--tls-dir DIR]\n"
    "       cairn agent check|apply --agent ADDR [--tls-dir DIR]\n"
    "             (--catalog FILE | --host NAME PATH... %s)\n"
    "             [--confirm-timeout SECONDS] [--server-name NAME] "
    "[--insecure] [-v]\n";

int Usage() {
  std::fprintf(stderr, kUsage, CompileFlags::kUsage);
  return kExitUsage;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "cairn agent: %s\n", what.c_str());
  return kExitUsage;
}

std::string Millis(int64_t micros) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f ms", micros / 1000.0);
  return buffer;
}

const char* ActionName(v1::ResourceDiff::Action action) {
  switch (action) {
    case v1::ResourceDiff::ACTION_CREATE:
      return "create";
    case v1::ResourceDiff::ACTION_UPDATE:
      return "update";
    case v1::ResourceDiff::ACTION_DELETE:
      return "delete";
    case v1::ResourceDiff::ACTION_REPLACE:
      return "replace";
    default:
      return "none";
  }
}

// The diff under a resource's line: changed fields, then the text diff.
void PrintDiff(const v1::ResourceDiff& diff) {
  std::string out;
  for (const v1::FieldChange& c : diff.changes()) {
    if (c.field() == "content" && !diff.text_diff().empty()) continue;
    StrAppend(&out, "      ", c.field(), ": ",
              c.current().empty() ? "(none)" : c.current(), " -> ",
              c.desired().empty() ? "(none)" : c.desired(), "\n");
  }
  for (std::string_view line : StrSplit(diff.text_diff(), '\n')) {
    if (!line.empty()) StrAppend(&out, "      ", line, "\n");
  }
  std::fputs(out.c_str(), stdout);
}

struct Tally {
  int changed = 0, unchanged = 0, failed = 0, skipped = 0, notified = 0;
  int64_t agent_micros = 0;
  bool needs_confirm = false;
};

void PrintEvent(const v1::ApplyEvent& e, bool verbose, Tally& tally) {
  tally.agent_micros += e.duration_micros();
  std::string what = StrCat(e.resource().kind(), " ", e.resource().id());
  switch (e.outcome()) {
    case v1::ApplyEvent::OUTCOME_UNCHANGED:
      ++tally.unchanged;
      if (verbose) std::printf("    %s: unchanged\n", what.c_str());
      return;
    case v1::ApplyEvent::OUTCOME_CHANGED:
      ++tally.changed;
      tally.needs_confirm |= e.needs_confirm();
      std::printf("  ~ %s: %sd (%s)\n", what.c_str(),
                  ActionName(e.diff().action()),
                  Millis(e.duration_micros()).c_str());
      PrintDiff(e.diff());
      return;
    case v1::ApplyEvent::OUTCOME_NOTIFIED:
      ++tally.notified;
      std::printf("  ! %s: %s (%s)\n", what.c_str(), e.action().c_str(),
                  Millis(e.duration_micros()).c_str());
      return;
    case v1::ApplyEvent::OUTCOME_SKIPPED:
      ++tally.skipped;
      std::printf("  - %s: skipped: %s\n", what.c_str(), e.error().c_str());
      return;
    default:
      ++tally.failed;
      std::printf("  x %s: FAILED: %s\n", what.c_str(), e.error().c_str());
      return;
  }
}

}  // namespace

int Agent(const std::vector<std::string>& args) {
  if (args.empty()) return Usage();
  std::string verb = args[0];
  agent::ClientOptions client;
  if (const char* dir = std::getenv("CAIRN_TLS_DIR")) client.tls_dir = dir;
  std::string catalog_path, host;
  int confirm_timeout = 0;
  bool verbose = false;
  CompileFlags flags;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  bool parsed = ParseCommandLine(
      "agent", rest, flags, [&](const std::vector<std::string>& a, size_t& i) {
        bool has_value = i + 1 < a.size();
        if (a[i] == "--agent" && has_value) {
          client.address = a[++i];
        } else if (a[i] == "--tls-dir" && has_value) {
          client.tls_dir = a[++i];
        } else if (a[i] == "--server-name" && has_value) {
          client.server_name = a[++i];
        } else if (a[i] == "--catalog" && has_value) {
          catalog_path = a[++i];
        } else if (a[i] == "--host" && has_value) {
          host = a[++i];
        } else if (a[i] == "--confirm-timeout" && has_value) {
          confirm_timeout = std::atoi(a[++i].c_str());
        } else if (a[i] == "--insecure") {
          client.insecure = true;
        } else if (a[i] == "-v" || a[i] == "--verbose") {
          verbose = true;
        } else {
          return false;
        }
        return true;
      });
  if (!parsed) return kExitUsage;
  bool needs_catalog = verb == "check" || verb == "apply";
  if (client.address.empty() ||
      (verb != "facts" && verb != "status" && verb != "confirm" &&
       !needs_catalog) ||
      (needs_catalog && catalog_path.empty() == host.empty())) {
    return Usage();
  }
  absl::StatusOr<std::unique_ptr<agent::AgentClient>> connected =
      agent::AgentClient::Connect(client);
  if (!connected.ok()) return Fail(std::string(connected.status().message()));
  agent::AgentClient& agent = **connected;
  if (client.insecure) {
    std::fprintf(stderr,
                 "cairn agent: WARNING: --insecure: talking to %s without "
                 "TLS\n",
                 client.address.c_str());
  }

  auto print_json = [](const google::protobuf::Message& message) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(message, &json, options)
             .ok()) {
      std::abort();  // Messages of the generated pool always print.
    }
    std::fputs(json.c_str(), stdout);
  };
  if (verb == "facts" || verb == "status") {
    if (verb == "facts") {
      absl::StatusOr<v1::HostFacts> facts = agent.Facts();
      if (!facts.ok()) return Fail(std::string(facts.status().message()));
      print_json(*facts);
    } else {
      absl::StatusOr<v1::StatusResponse> status = agent.Status();
      if (!status.ok()) return Fail(std::string(status.status().message()));
      print_json(*status);
    }
    return kExitOk;
  }
  if (verb == "confirm") {
    absl::StatusOr<bool> confirmed = agent.Confirm();
    if (!confirmed.ok()) return Fail(std::string(confirmed.status().message()));
    std::printf("%s\n",
                *confirmed ? "confirmed" : "nothing awaited confirmation");
    return *confirmed ? kExitOk : kExitFindings;
  }

  // The catalog: from a file, or compiled here.
  v1::Catalog catalog;
  if (!catalog_path.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(catalog_path);
    if (!bytes.ok()) return Fail(std::string(bytes.status().message()));
    if (!catalog.ParseFromString(*bytes)) {
      return Fail(StrCat(catalog_path,
                         " is not a catalog (write one with `cairn compile "
                         "--out DIR`)"));
    }
  } else {
    bool found = false;
    flags.options.on_catalog = [&](v1::Catalog c) {
      if (c.host().name() != host) return;
      catalog = std::move(c);
      found = true;
    };
    absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
    if (!compiled.ok()) return Fail(std::string(compiled.status().message()));
    PrintDiagnostics(**compiled, flags.color);
    if ((*compiled)->diagnostics.has_errors()) return kExitFindings;
    if (!found) return Fail(StrCat("no host is named ", host));
  }
  std::string key =
      vault::FingerprintKey(flags.options.vault_password.value_or(""));
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return Millis(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count());
  };

  if (verb == "check") {
    v1::CheckRequest request;
    *request.mutable_catalog() = std::move(catalog);
    request.set_fingerprint_key(key);
    absl::StatusOr<v1::CheckResponse> response = agent.Check(request);
    if (!response.ok()) return Fail(std::string(response.status().message()));
    int changes = 0;
    for (const v1::ResourceDiff& d : response->diffs()) {
      if (d.action() == v1::ResourceDiff::ACTION_NONE) continue;
      ++changes;
      std::printf("  ~ %s %s: would %s\n", d.resource().kind().c_str(),
                  d.resource().id().c_str(), ActionName(d.action()));
      PrintDiff(d);
    }
    for (const v1::ApplyEvent& e : response->errors()) {
      std::printf("  x %s %s: cannot tell: %s\n", e.resource().kind().c_str(),
                  e.resource().id().c_str(), e.error().c_str());
    }
    std::printf("%s: %d to change, %d unchanged, %d unreadable (%s)\n",
                client.address.c_str(), changes,
                response->diffs_size() - changes, response->errors_size(),
                elapsed().c_str());
    return response->errors_size() > 0 ? kExitFindings : kExitOk;
  }

  v1::ApplyRequest request;
  *request.mutable_catalog() = std::move(catalog);
  request.set_fingerprint_key(key);
  request.set_confirm_timeout_seconds(confirm_timeout);
  Tally tally;
  absl::Status applied = agent.Apply(
      request, [&](const v1::ApplyEvent& e) { PrintEvent(e, verbose, tally); });
  std::printf(
      "%s: %d changed, %d unchanged, %d failed, %d skipped, %d notified "
      "(agent %s, in all %s)\n",
      client.address.c_str(), tally.changed, tally.unchanged, tally.failed,
      tally.skipped, tally.notified, Millis(tally.agent_micros).c_str(),
      elapsed().c_str());
  if (!applied.ok()) return Fail(std::string(applied.message()));
  if (tally.needs_confirm) {
    // Half the agent's wait at most, so that a cut-off host is reported
    // before it rolls back.
    int timeout = confirm_timeout > 0 ? confirm_timeout : 60;
    absl::StatusOr<bool> confirmed =
        agent.Confirm(std::chrono::seconds(std::clamp(timeout / 2, 1, 10)));
    if (!confirmed.ok() || !*confirmed) {
      std::printf(
          "%s: NOT CONFIRMED: %s; the agent restores the previous firewall "
          "by itself\n",
          client.address.c_str(),
          confirmed.ok() ? "it was already rolled back"
                         : std::string(confirmed.status().message()).c_str());
      return kExitFindings;
    }
    std::printf("%s: confirmed over a new connection\n",
                client.address.c_str());
  }
  return tally.failed + tally.skipped > 0 ? kExitFindings : kExitOk;
}

}  // namespace cairn::cli
