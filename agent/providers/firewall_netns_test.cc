// The firewall provider against the real nft, in network namespaces made
// for the test: never this machine's own ruleset. Two namespaces joined by
// a veth pair stand for a client and a server; the server gets the
// firewall, and TCP connections from the client show what it lets in.
// The provider's files live in a FakeHost; only `nft` runs for real
// (`ip netns exec SERVER nft ...`, scripts copied out to a temp dir).
// Needs root, iproute2, nftables and netcat-openbsd (tools/setup).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/host/run_command.h"
#include "agent/providers/firewall.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

extern char** environ;

namespace cairn::agent {
namespace {

constexpr char kIp[] = "/usr/sbin/ip";
constexpr char kNft[] = "/usr/sbin/nft";
constexpr char kClientAddress[] = "10.231.0.1";
constexpr char kServerAddress[] = "10.231.0.2";

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

CommandResult Exec(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> result =
      RunCommand(argv, "", absl::Seconds(30));
  EXPECT_TRUE(result.ok()) << StrJoin(argv, " ") << ": " << result.status();
  return result.ok() ? *result : CommandResult{-1, "", ""};
}

// Runs `argv`, failing the test unless it exits 0.
void MustRun(const std::vector<std::string>& argv) {
  CommandResult result = Exec(argv);
  ASSERT_EQ(result.exit_code, 0) << StrJoin(argv, " ") << ": " << result.err;
}

v1::Firewall::Rule Allow(std::string port, std::vector<std::string> from) {
  v1::Firewall::Rule rule;
  rule.set_action(v1::Firewall::ACTION_ALLOW);
  rule.set_protocol("tcp");
  rule.add_ports(std::move(port));
  for (auto& f : from) rule.add_from(f);
  return rule;
}

// Inbound dropped but for SSH and `open_port` from the client (through a
// set), and 8082 refused with a reset.
v1::Firewall Spec(const std::string& open_port) {
  v1::Firewall f;
  f.set_name("default");
  f.set_inbound(v1::Firewall::POLICY_DROP);
  v1::Firewall::Set* clients = f.add_sets();
  clients->set_name("clients");
  clients->add_elements(kClientAddress);
  clients->add_elements("2001:db8::/64");
  *f.add_rules() = Allow("22", {kClientAddress});
  *f.add_rules() = Allow(open_port, {"@clients"});
  v1::Firewall::Rule reject;
  reject.set_action(v1::Firewall::ACTION_REJECT);
  reject.set_protocol("tcp");
  reject.add_ports("8082");
  reject.set_comment("netns_test:reject");
  *f.add_rules() = reject;
  return f;
}

v1::Resource Resource(const v1::Firewall& spec) {
  v1::Resource r;
  r.set_kind("firewall");
  r.set_id("default");
  r.mutable_spec()->PackFrom(spec);
  return r;
}

class FirewallNetnsTest : public ::testing::Test {
 protected:
  FirewallNetnsTest()
      : suffix_(StrCat(getpid())),
        client_(StrCat("cairn-fw-", suffix_, "-c")),
        server_(StrCat("cairn-fw-", suffix_, "-s")) {}

  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "this test makes network namespaces: run it "
                                "as root";
    root_before_ = Exec({kNft, "list", "table", "inet", "cairn"});
    std::string veth_c = StrCat("cfw", suffix_, "c");
    std::string veth_s = StrCat("cfw", suffix_, "s");
    MustRun({kIp, "netns", "add", client_});
    made_client_ = true;
    MustRun({kIp, "netns", "add", server_});
    made_server_ = true;
    MustRun(
        {kIp, "link", "add", veth_c, "type", "veth", "peer", "name", veth_s});
    MustRun({kIp, "link", "set", veth_c, "netns", client_});
    MustRun({kIp, "link", "set", veth_s, "netns", server_});
    MustRun({kIp, "-n", client_, "addr", "add", StrCat(kClientAddress, "/24"),
             "dev", veth_c});
    MustRun({kIp, "-n", server_, "addr", "add", StrCat(kServerAddress, "/24"),
             "dev", veth_s});
    for (const auto& [ns, dev] :
         {std::pair{client_, veth_c}, std::pair{server_, veth_s}}) {
      MustRun({kIp, "-n", ns, "link", "set", dev, "up"});
      MustRun({kIp, "-n", ns, "link", "set", "lo", "up"});
    }
    if (HasFatalFailure()) return;
    for (const char* port : {"22", "8080", "8081"}) {
      ASSERT_NO_FATAL_FAILURE(Listen(port));
    }

    host_.PutDirectory("/etc/systemd/system");
    context_.host = &host_;
    host_.OnCommand(
        "nft", [this](const std::vector<std::string>& argv, std::string_view) {
          std::vector<std::string> real = {kIp, "netns", "exec", server_, kNft};
          for (size_t i = 1; i < argv.size(); ++i) {
            std::string arg = argv[i];
            // Scripts the provider wrote into the FakeHost go to a real file.
            if (StartsWith(arg, "/var/lib/cairn/")) {
              std::string copy =
                  StrCat(TempDir(), "/", arg.substr(arg.rfind('/') + 1));
              std::ofstream(copy) << host_.ReadFile(arg).value();
              arg = copy;
            }
            real.push_back(arg);
          }
          return Exec(real);
        });
  }

  void TearDown() override {
    for (pid_t pid : listeners_) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (made_client_) Exec({kIp, "netns", "delete", client_});
    if (made_server_) Exec({kIp, "netns", "delete", server_});  // Veths too.
    // This machine's own ruleset was never touched.
    CommandResult root_after = Exec({kNft, "list", "table", "inet", "cairn"});
    EXPECT_EQ(root_after.exit_code, root_before_.exit_code);
    EXPECT_EQ(root_after.out, root_before_.out);
  }

  // A TCP listener in the server namespace, waited for.
  void Listen(const std::string& port) {
    std::vector<std::string> args = {kIp,  "netns", "exec", server_,
                                     "nc", "-l",    "-k",   port};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, kIp, &actions, nullptr, argv.data(), environ),
              0);
    posix_spawn_file_actions_destroy(&actions);
    listeners_.push_back(pid);
    for (int i = 0; i < 100; ++i) {
      if (Exec({kIp, "netns", "exec", server_, "nc", "-z", "-w", "1",
                "127.0.0.1", port})
              .exit_code == 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "nc does not listen on " << port;
  }

  // What a connection from the client to `port` meets: "open", "refused"
  // (an immediate reset) or "dropped" (no answer within a second).
  std::string Probe(const std::string& port) {
    auto start = std::chrono::steady_clock::now();
    CommandResult result = Exec({kIp, "netns", "exec", client_, "nc", "-z",
                                 "-w", "1", kServerAddress, port});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (result.exit_code == 0) return "open";
    return seconds < 0.8 ? "refused" : "dropped";
  }

  std::string ServerListing() {
    return Exec({kIp, "netns", "exec", server_, kNft, "list", "table", "inet",
                 "cairn"})
        .out;
  }

  const Provider& provider() { return *FindProvider("firewall"); }

  v1::ResourceDiff::Action CheckAction(const v1::Firewall& spec) {
    int mutations = host_.mutations();
    absl::StatusOr<v1::ResourceDiff> diff =
        provider().Check(Resource(spec), context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    return diff.ok() ? diff->action() : v1::ResourceDiff::ACTION_UNSPECIFIED;
  }

  void Apply(const v1::Firewall& spec) {
    absl::StatusOr<v1::ResourceDiff> diff =
        provider().Check(Resource(spec), context_);
    ASSERT_TRUE(diff.ok()) << diff.status();
    absl::Status applied = provider().Apply(Resource(spec), *diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
  }

  std::string suffix_, client_, server_;
  bool made_client_ = false, made_server_ = false;
  std::vector<pid_t> listeners_;
  CommandResult root_before_;
  FakeHost host_;
  ProviderContext context_;
};

TEST_F(FirewallNetnsTest, AppliesReplacesAndRollsBack) {
  // No firewall: every listener answers, a closed port resets.
  EXPECT_EQ(Probe("8080"), "open");
  EXPECT_EQ(Probe("8081"), "open");
  EXPECT_EQ(Probe("8082"), "refused");

  v1::Firewall first = Spec("8080");
  EXPECT_EQ(CheckAction(first), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_NO_FATAL_FAILURE(Apply(first));
  EXPECT_EQ(CheckAction(first), v1::ResourceDiff::ACTION_NONE);
  std::string listing = ServerListing();
  EXPECT_NE(listing.find("type filter hook input priority filter; policy "
                         "drop;"),
            std::string::npos)
      << listing;
  EXPECT_NE(listing.find("ip saddr @clients_v4 tcp dport 8080 accept"),
            std::string::npos)
      << listing;
  EXPECT_NE(listing.find("elements = { 2001:db8::/64 }"), std::string::npos)
      << listing;
  EXPECT_EQ(Probe("22"), "open");
  EXPECT_EQ(Probe("8080"), "open");
  EXPECT_EQ(Probe("8081"), "dropped");
  EXPECT_EQ(Probe("8082"), "refused");

  // One nft -f is one transaction: a script that fails half-way leaves the
  // table exactly as it was.
  std::string broken = StrCat(*firewall::Render(Spec("8081")),
                              "add rule inet cairn input tcp dport 1 "
                              "ip saddr @nowhere accept\n");
  std::string path = StrCat(TempDir(), "/broken.nft");
  std::ofstream(path) << broken;
  EXPECT_NE(Exec({kIp, "netns", "exec", server_, kNft, "-f", path}).exit_code,
            0);
  EXPECT_EQ(ServerListing(), listing);

  // The second version, kept for rollback first as the engine does.
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  v1::Firewall second = Spec("8081");
  EXPECT_EQ(CheckAction(second), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_NO_FATAL_FAILURE(Apply(second));
  EXPECT_EQ(CheckAction(second), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Probe("8080"), "dropped");
  EXPECT_EQ(Probe("8081"), "open");
  EXPECT_EQ(Probe("22"), "open");

  // No confirmation: back to the first.
  absl::Status rolled_back = firewall::Rollback(host_);
  ASSERT_TRUE(rolled_back.ok()) << rolled_back;
  EXPECT_EQ(ServerListing(), listing);
  EXPECT_EQ(CheckAction(first), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(CheckAction(second), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Probe("8080"), "open");
  EXPECT_EQ(Probe("8081"), "dropped");

  // A rule added by hand is drift, and Apply takes it out.
  MustRun({kIp, "netns", "exec", server_, kNft, "insert", "rule", "inet",
           "cairn", "input", "tcp", "dport", "8081", "accept"});
  EXPECT_EQ(Probe("8081"), "open");
  EXPECT_EQ(CheckAction(first), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_NO_FATAL_FAILURE(Apply(first));
  EXPECT_EQ(CheckAction(first), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Probe("8081"), "dropped");
  EXPECT_EQ(ServerListing(), listing);
}

TEST_F(FirewallNetnsTest, RollbackOfTheFirstFirewallOpensEverythingAgain) {
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  ASSERT_NO_FATAL_FAILURE(Apply(Spec("8080")));
  EXPECT_EQ(Probe("8081"), "dropped");
  ASSERT_TRUE(firewall::Rollback(host_).ok());
  EXPECT_NE(Exec({kIp, "netns", "exec", server_, kNft, "list", "table", "inet",
                  "cairn"})
                .exit_code,
            0);
  EXPECT_EQ(Probe("8081"), "open");
  EXPECT_EQ(CheckAction(Spec("8080")), v1::ResourceDiff::ACTION_CREATE);
}

TEST_F(FirewallNetnsTest, AbsentRemovesTheTableAndOpensEverythingAgain) {
  v1::Firewall spec = Spec("8080");
  ASSERT_NO_FATAL_FAILURE(Apply(spec));
  EXPECT_EQ(Probe("8081"), "dropped");
  std::string tables =
      Exec({kIp, "netns", "exec", server_, kNft, "list", "tables"}).out;
  EXPECT_NE(tables.find("table inet cairn"), std::string::npos) << tables;

  // The spec as last applied, with ensure = absent; no commit-confirm.
  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_FALSE(provider().NeedsConfirmFor(Resource(spec)));
  EXPECT_EQ(CheckAction(spec), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_NO_FATAL_FAILURE(Apply(spec));
  EXPECT_EQ(CheckAction(spec), v1::ResourceDiff::ACTION_NONE);
  CommandResult listed =
      Exec({kIp, "netns", "exec", server_, kNft, "list", "tables"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find("table inet cairn"), std::string::npos)
      << listed.out;
  EXPECT_FALSE(host_.Stat(std::string(firewall::kScriptPath))->exists());
  EXPECT_FALSE(host_.Stat(std::string(firewall::kBootUnitPath))->exists());
  EXPECT_EQ(Probe("8080"), "open");
  EXPECT_EQ(Probe("8081"), "open");

  // Absent again, with no table at all: nothing to do, and Apply is fine.
  ASSERT_NO_FATAL_FAILURE(Apply(spec));
  EXPECT_EQ(CheckAction(spec), v1::ResourceDiff::ACTION_NONE);
}

}  // namespace
}  // namespace cairn::agent
