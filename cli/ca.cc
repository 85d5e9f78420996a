// cairn ca: the fleet's certificate authority for mutual TLS between the
// controller and the agents.
//
//   cairn ca init DIR                 ca.pem and ca.key (0600)
//   cairn ca issue DIR HOST [--address IP]... [--client]
//                                     HOST.pem and HOST.key, signed by the CA

#include "agent/ca/ca.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "lang/source/source.h"

namespace cairn::cli {
namespace {

constexpr char kUsage[] =
    "usage: cairn ca init DIR\n"
    "       cairn ca issue DIR NAME [--address IP_OR_DNS]... [--client]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "cairn ca: %s\n", message.c_str());
  return kExitFindings;
}

absl::Status WritePair(const std::string& dir, const std::string& name,
                       const agent::KeyPair& pair, std::string_view cert_ext,
                       std::string_view key_ext) {
  std::filesystem::path base = std::filesystem::path(dir) / name;
  // The key first, owner-only; nothing else can read it even briefly.
  absl::Status key =
      WriteFileAtomically(StrCat(base.string(), key_ext), pair.key_pem, 0600);
  if (!key.ok()) return key;
  return WriteFileAtomically(StrCat(base.string(), cert_ext), pair.cert_pem,
                             0644);
}

}  // namespace

int Ca(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string& dir = args[1];
  if (args[0] == "init" && args.size() == 2) {
    if (std::filesystem::exists(std::filesystem::path(dir) / "ca.key")) {
      return Fail(StrCat(dir, "/ca.key exists: a CA is never overwritten"));
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(StrCat("cannot create ", dir, ": ", ec.message()));
    absl::StatusOr<agent::KeyPair> ca = agent::MakeCa("cairn fleet CA");
    if (!ca.ok()) return Fail(std::string(ca.status().message()));
    absl::Status written = WritePair(dir, "ca", *ca, ".pem", ".key");
    if (!written.ok()) return Fail(std::string(written.message()));
    std::fprintf(stderr,
                 "cairn ca: wrote %s/ca.pem and %s/ca.key (keep it "
                 "private)\n",
                 dir.c_str(), dir.c_str());
    return kExitOk;
  }
  if (args[0] == "issue" && args.size() >= 3) {
    agent::CertRequest request;
    request.common_name = args[2];
    request.alt_names.push_back(args[2]);
    for (size_t i = 3; i < args.size(); ++i) {
      if (args[i] == "--address" && i + 1 < args.size()) {
        request.alt_names.push_back(args[++i]);
      } else if (args[i] == "--client") {
        request.server = false;
      } else {
        std::fputs(kUsage, stderr);
        return kExitUsage;
      }
    }
    absl::StatusOr<std::string> key = ReadFile(dir + "/ca.key");
    absl::StatusOr<std::string> cert = ReadFile(dir + "/ca.pem");
    if (!key.ok()) return Fail(std::string(key.status().message()));
    if (!cert.ok()) return Fail(std::string(cert.status().message()));
    absl::StatusOr<agent::KeyPair> pair =
        agent::Issue(agent::KeyPair{*key, *cert}, request);
    if (!pair.ok()) return Fail(std::string(pair.status().message()));
    absl::Status written = WritePair(dir, args[2], *pair, ".pem", ".key");
    if (!written.ok()) return Fail(std::string(written.message()));
    std::fprintf(stderr, "cairn ca: wrote %s/%s.pem and %s/%s.key\n",
                 dir.c_str(), args[2].c_str(), dir.c_str(), args[2].c_str());
    return kExitOk;
  }
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

}  // namespace cairn::cli
