// The firewall provider through the engine: a firewall that is applied
// awaits Confirm; one that is removed (ensure = absent) does not, since
// letting everything through cannot cut the controller off. nft is played
// on a FakeHost, as in firewall_test.cc but simpler: only whether the
// table exists.

#include <string>
#include <vector>

#include "agent/engine/engine.h"
#include "agent/host/fake_host.h"
#include "agent/providers/firewall.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Catalog CatalogWith(const v1::Firewall& spec) {
  v1::Catalog catalog;
  v1::Resource* r = catalog.add_resources();
  r->set_kind("firewall");
  r->set_id("default");
  r->mutable_spec()->PackFrom(spec);
  return catalog;
}

class FirewallEngineTest : public ::testing::Test {
 protected:
  FirewallEngineTest() {
    host_.PutDirectory("/etc/systemd/system");
    host_.OnCommand(
        "nft", [this](const std::vector<std::string>& argv, std::string_view) {
          CommandResult r;
          std::string command = StrJoin(argv, " ");
          bool exists = !table_.empty();
          if (command == "nft -p list table inet cairn") {
            r.out = table_;
            if (!exists) {
              r.exit_code = 1;
              r.err = "Error: No such file or directory\n";
            }
          } else if (command == "nft delete table inet cairn") {
            table_.clear();
          } else if (argv.size() >= 3 && argv[argv.size() - 2] == "-f") {
            std::string script = host_.ReadFile(argv.back()).value();
            if (argv[1] != "-c") {
              size_t at = script.rfind("table inet cairn {");
              table_ = at == std::string::npos ? "" : script.substr(at);
            }
          } else {
            ADD_FAILURE() << command;
            r.exit_code = 64;
          }
          return r;
        });
  }

  // Applies `spec` alone; returns the firewall's event.
  v1::ApplyEvent Apply(const v1::Firewall& spec) {
    std::vector<v1::ApplyEvent> events;
    absl::Status status =
        engine_.Apply(CatalogWith(spec), ApplyOptions(),
                      [&](const v1::ApplyEvent& e) { events.push_back(e); });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? v1::ApplyEvent() : events[0];
  }

  FakeHost host_;
  std::string table_;
  Engine engine_{host_, EngineOptions()};
};

TEST_F(FirewallEngineTest, ARemovalNeedsNoConfirm) {
  ASSERT_TRUE(engine_.Recover().ok());
  v1::Firewall spec;
  spec.set_name("default");
  spec.set_inbound(v1::Firewall::POLICY_DROP);
  v1::Firewall::Rule* ssh = spec.add_rules();
  ssh->set_protocol("tcp");
  ssh->add_ports("22");

  v1::ApplyEvent applied = Apply(spec);
  EXPECT_EQ(applied.outcome(), v1::ApplyEvent::OUTCOME_CHANGED);
  EXPECT_TRUE(applied.needs_confirm());
  EXPECT_TRUE(engine_.Status().awaiting_confirm());
  EXPECT_TRUE(*firewall::RollbackPending(host_));
  ASSERT_TRUE(engine_.Confirm());
  EXPECT_FALSE(table_.empty());

  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::ApplyEvent removed = Apply(spec);
  EXPECT_EQ(removed.outcome(), v1::ApplyEvent::OUTCOME_CHANGED)
      << removed.error();
  EXPECT_EQ(removed.diff().action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_FALSE(removed.needs_confirm());
  EXPECT_FALSE(engine_.Status().awaiting_confirm());
  EXPECT_FALSE(*firewall::RollbackPending(host_));
  EXPECT_FALSE(engine_.Confirm());  // Nothing awaits.
  EXPECT_TRUE(table_.empty());

  // Removed already: unchanged.
  EXPECT_EQ(Apply(spec).outcome(), v1::ApplyEvent::OUTCOME_UNCHANGED);
}

}  // namespace
}  // namespace cairn::agent
