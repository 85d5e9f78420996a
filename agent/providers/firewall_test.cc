#include "agent/providers/firewall.h"

#include <optional>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using firewall::Render;

v1::Firewall::Rule Rule(v1::Firewall::Action action, std::string protocol,
                        std::vector<std::string> ports,
                        std::vector<std::string> from = {},
                        std::vector<std::string> to = {},
                        std::string comment = "") {
  v1::Firewall::Rule rule;
  rule.set_action(action);
  rule.set_protocol(std::move(protocol));
  for (auto& p : ports) rule.add_ports(p);
  for (auto& f : from) rule.add_from(f);
  for (auto& t : to) rule.add_to(t);
  rule.set_comment(std::move(comment));
  return rule;
}

constexpr auto kAllow = v1::Firewall::ACTION_ALLOW;
constexpr auto kDeny = v1::Firewall::ACTION_DENY;
constexpr auto kReject = v1::Firewall::ACTION_REJECT;

// The example of docs/resources/firewall.md.
v1::Firewall Documented() {
  v1::Firewall f;
  f.set_name("default");
  f.set_inbound(v1::Firewall::POLICY_DROP);
  f.set_outbound(v1::Firewall::POLICY_ACCEPT);
  v1::Firewall::Set* office = f.add_sets();
  office->set_name("office");
  office->add_elements("198.51.100.0/24");
  office->add_elements("203.0.113.64/26");
  *f.add_rules() = Rule(kAllow, "tcp", {"22"}, {"@office"}, {}, "web.cairn:7");
  *f.add_rules() = Rule(kAllow, "tcp", {"80", "443"}, {}, {}, "web.cairn:8");
  *f.add_rules() = Rule(kAllow, "udp", {"60000-61000"}, {}, {}, "web.cairn:9");
  *f.add_rules() = Rule(kAllow, "icmp", {}, {}, {}, "web.cairn:10");
  *f.add_rules() = Rule(kReject, "tcp", {"25"}, {}, {}, "web.cairn:11");
  return f;
}

// The lines of the input chain after the housekeeping ones.
std::string InputRules(const v1::Firewall& f) {
  absl::StatusOr<std::string> script = Render(f);
  EXPECT_TRUE(script.ok()) << script.status();
  if (!script.ok()) return "";
  size_t begin = script->find("mld2-listener-report } accept\n");
  size_t end = script->find("\t}\n", begin);
  begin = script->find('\n', begin) + 1;
  std::string out;
  for (std::string_view line :
       StrSplit(std::string_view(*script).substr(begin, end - begin), '\n')) {
    if (!line.empty()) StrAppend(&out, line.substr(2), "\n");
  }
  return out;
}

std::string RenderError(const v1::Firewall& f) {
  absl::StatusOr<std::string> script = Render(f);
  EXPECT_EQ(script.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(script.status().message());
}

TEST(RenderTest, TheDocumentedExample) {
  absl::StatusOr<std::string> script = Render(Documented());
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_EQ(*script,
            "# Written by cairn: the host's firewall. One `nft -f` of this "
            "file\n"
            "# replaces table inet cairn in a single transaction.\n"
            "table inet cairn\n"
            "delete table inet cairn\n"
            "table inet cairn {\n"
            "\tset office_v4 {\n"
            "\t\ttype ipv4_addr\n"
            "\t\tflags interval\n"
            "\t\tauto-merge\n"
            "\t\telements = { 198.51.100.0/24, 203.0.113.64/26 }\n"
            "\t}\n"
            "\n"
            "\tset office_v6 {\n"
            "\t\ttype ipv6_addr\n"
            "\t\tflags interval\n"
            "\t\tauto-merge\n"
            "\t}\n"
            "\n"
            "\tchain input {\n"
            "\t\ttype filter hook input priority filter; policy drop;\n"
            "\t\tct state established,related accept\n"
            "\t\tiif \"lo\" accept\n"
            "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
            "nd-router-solicit, nd-router-advert, mld-listener-query, "
            "mld-listener-report, mld-listener-done, mld2-listener-report } "
            "accept\n"
            "\t\tip saddr @office_v4 tcp dport 22 accept comment "
            "\"web.cairn:7\"\n"
            "\t\tip6 saddr @office_v6 tcp dport 22 accept comment "
            "\"web.cairn:7\"\n"
            "\t\ttcp dport { 80, 443 } accept comment \"web.cairn:8\"\n"
            "\t\tudp dport 60000-61000 accept comment \"web.cairn:9\"\n"
            "\t\tmeta l4proto icmp accept comment \"web.cairn:10\"\n"
            "\t\ttcp dport 25 reject with tcp reset comment "
            "\"web.cairn:11\"\n"
            "\t}\n"
            "\n"
            "\tchain forward {\n"
            "\t\ttype filter hook forward priority filter; policy accept;\n"
            "\t}\n"
            "\n"
            "\tchain output {\n"
            "\t\ttype filter hook output priority filter; policy accept;\n"
            "\t\tct state established,related accept\n"
            "\t\toif \"lo\" accept\n"
            "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
            "nd-router-solicit, nd-router-advert, mld-listener-query, "
            "mld-listener-report, mld-listener-done, mld2-listener-report } "
            "accept\n"
            "\t}\n"
            "}\n");
}

TEST(RenderTest, PoliciesDefaultToAccept) {
  v1::Firewall f;
  f.set_outbound(v1::Firewall::POLICY_DROP);
  f.set_forward(v1::Firewall::POLICY_DROP);
  absl::StatusOr<std::string> script = Render(f);
  ASSERT_TRUE(script.ok());
  EXPECT_NE(script->find("hook input priority filter; policy accept;"),
            std::string::npos);
  EXPECT_NE(script->find("hook forward priority filter; policy drop;"),
            std::string::npos);
  EXPECT_NE(script->find("hook output priority filter; policy drop;"),
            std::string::npos);
  EXPECT_EQ(InputRules(f), "");
}

TEST(RenderTest, AddressesAreSplitByFamily) {
  v1::Firewall f;
  v1::Firewall::Set* admins = f.add_sets();
  admins->set_name("admins");
  admins->add_elements("2001:db8::/48");
  *f.add_rules() = Rule(
      kAllow, "tcp", {"5432"},
      {"10.0.0.0/8", "2001:DB8:0:0::7", "@admins", "192.0.2.1"}, {"10.0.0.5"});
  *f.add_rules() = Rule(kDeny, "any", {}, {"2001:db8:1::/48"});
  *f.add_rules() = Rule(kAllow, "icmpv6", {}, {"@admins", "10.1.0.0/16"});
  EXPECT_EQ(InputRules(f),
            "ip saddr { 10.0.0.0/8, 192.0.2.1 } ip daddr 10.0.0.5 tcp dport "
            "5432 accept\n"
            "ip saddr @admins_v4 ip daddr 10.0.0.5 tcp dport 5432 accept\n"
            "ip6 saddr 2001:db8:1::/48 drop\n"
            "ip6 saddr @admins_v6 meta l4proto ipv6-icmp accept\n");
  absl::StatusOr<std::string> script = Render(f);
  EXPECT_NE(script->find("\tset admins_v6 {\n\t\ttype ipv6_addr\n\t\tflags "
                         "interval\n\t\tauto-merge\n\t\telements = { "
                         "2001:db8::/48 }\n\t}\n"),
            std::string::npos)
      << *script;
}

TEST(RenderTest, PortsAndAddressesAreMergedAndOrdered) {
  v1::Firewall f;
  *f.add_rules() =
      Rule(kAllow, "udp", {"443", "80", "8000-8100", "8050", "81", "443"},
           {"10.1.0.0/16", "10.0.0.0/8", "192.0.2.1", "192.0.2.1"});
  v1::Firewall::Set* set = f.add_sets();
  set->set_name("s");
  set->add_elements("198.51.100.7");
  set->add_elements("198.51.100.0/24");
  EXPECT_EQ(InputRules(f),
            "ip saddr { 10.0.0.0/8, 192.0.2.1 } udp dport { 80-81, 443, "
            "8000-8100 } accept\n");
  EXPECT_NE(Render(f)->find("elements = { 198.51.100.0/24 }"),
            std::string::npos);
}

TEST(RenderTest, ProtocolsActionsAndComments) {
  v1::Firewall f;
  *f.add_rules() = Rule(v1::Firewall::ACTION_UNSPECIFIED, "", {"53"});
  *f.add_rules() = Rule(kReject, "any", {"25", "587"});
  *f.add_rules() = Rule(kReject, "udp", {"161"});
  *f.add_rules() = Rule(kReject, "icmp", {}, {"192.0.2.0/24"});
  *f.add_rules() = Rule(kDeny, "tcp", {}, {}, {}, "a \"quoted\"\\ note");
  *f.add_rules() = Rule(kAllow, "any", {});
  EXPECT_EQ(InputRules(f),
            "meta l4proto { tcp, udp } th dport 53 accept\n"
            "meta l4proto { tcp, udp } th dport { 25, 587 } meta l4proto "
            "tcp reject with tcp reset\n"
            "meta l4proto { tcp, udp } th dport { 25, 587 } reject\n"
            "udp dport 161 reject\n"
            "ip saddr 192.0.2.0/24 meta l4proto icmp reject\n"
            "meta l4proto tcp drop comment \"a _quoted__ note\"\n"
            "accept\n");
}

TEST(RenderTest, MistakesAreNamedWithTheirRule) {
  auto with = [](v1::Firewall::Rule rule) {
    v1::Firewall f;
    *f.add_rules() = Rule(kAllow, "tcp", {"22"});
    *f.add_rules() = std::move(rule);
    return f;
  };
  EXPECT_EQ(RenderError(with(Rule(kAllow, "gre", {}, {}, {}, "x.cairn:3"))),
            "rule 2 (x.cairn:3): unknown protocol 'gre' (tcp, udp, icmp, "
            "icmpv6 or any)");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {"0"}))),
            "rule 2: '0' is not a port (1-65535)");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {"70000"}))),
            "rule 2: '70000' is not a port (1-65535)");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {"http"}))),
            "rule 2: 'http' is not a port (1-65535)");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {"90-80"}))),
            "rule 2: the port range '90-80' is backwards");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {"80-"}))),
            "rule 2: '' is not a port (1-65535)");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "icmp", {"8"}))),
            "rule 2: icmp has no ports");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {}, {"@nowhere"}))),
            "rule 2: no set named 'nowhere'");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {}, {"example.com"}))),
            "rule 2: 'example.com' is not an IPv4 or IPv6 address or network");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {}, {"10.0.0.1/8"}))),
            "rule 2: '10.0.0.1/8' has host bits set: did you mean "
            "10.0.0.0/8?");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "tcp", {}, {"10.0.0.0/33"}))),
            "rule 2: '10.0.0.0/33' has a bad prefix length");
  EXPECT_EQ(RenderError(with(Rule(kAllow, "icmp", {}, {"2001:db8::1"}))),
            "rule 2: matches no packet: its addresses are not of the family "
            "icmp carries, or from and to differ in family");
  EXPECT_EQ(
      RenderError(with(Rule(kAllow, "tcp", {}, {"10.0.0.1"}, {"2001:db8::1"}))),
      "rule 2: matches no packet: its addresses are not of the family tcp "
      "carries, or from and to differ in family");

  v1::Firewall sets;
  sets.add_sets()->set_name("bad-name");
  EXPECT_EQ(RenderError(sets),
            "set 'bad-name': a set name is a letter then letters, digits or _");
  sets.mutable_sets(0)->set_name("ok");
  sets.add_sets()->set_name("ok");
  EXPECT_EQ(RenderError(sets), "set 'ok': declared twice");
  sets.mutable_sets(1)->set_name("other");
  sets.mutable_sets(1)->add_elements("300.1.1.1");
  EXPECT_EQ(RenderError(sets),
            "set 'other': '300.1.1.1' is not an IPv4 or IPv6 address or "
            "network");
}

TEST(AllowsSshTest, AsTheCompilerMeasuresIt) {
  v1::Firewall f;
  f.set_inbound(v1::Firewall::POLICY_DROP);
  EXPECT_FALSE(firewall::AllowsSsh(f));
  *f.add_rules() = Rule(kAllow, "tcp", {"80"});
  *f.add_rules() = Rule(kDeny, "tcp", {"22"});
  *f.add_rules() = Rule(kAllow, "udp", {"22"});
  EXPECT_FALSE(firewall::AllowsSsh(f));
  *f.add_rules() = Rule(kAllow, "tcp", {"20-30"}, {"10.0.0.0/8"});
  EXPECT_TRUE(firewall::AllowsSsh(f));
  f.clear_rules();
  *f.add_rules() = Rule(kAllow, "any", {});
  EXPECT_TRUE(firewall::AllowsSsh(f));
  f.clear_rules();
  f.set_allow_no_ssh(true);
  EXPECT_TRUE(firewall::AllowsSsh(f));
  f.set_allow_no_ssh(false);
  f.set_inbound(v1::Firewall::POLICY_ACCEPT);
  EXPECT_TRUE(firewall::AllowsSsh(f));
}

// nft played on a FakeHost: one table inet cairn, whose listing is the
// loaded script from its last `table inet cairn {` on, without comments
// (a stand-in for nft's own formatting).
class FirewallTest : public ::testing::Test {
 protected:
  FirewallTest() {
    context_.host = &host_;
    host_.PutDirectory("/etc/systemd/system");
    host_.OnCommand(
        "nft", [this](const std::vector<std::string>& argv, std::string_view) {
          CommandResult r;
          std::string command = StrJoin(argv, " ");
          if (command == "nft -p list table inet cairn") {
            if (table_.has_value()) {
              r.out = *table_;
            } else {
              r.exit_code = 1;
              r.err =
                  "Error: No such file or directory\nlist table inet cairn\n"
                  "                 ^^^^^\n";
            }
            return r;
          }
          if (command == "nft delete table inet cairn") {
            if (!table_.has_value()) {
              r.exit_code = 1;
              r.err = "Error: No such file or directory\n";
            }
            table_.reset();
            return r;
          }
          bool check_only = argv.size() == 4 && argv[1] == "-c";
          if (!check_only && argv.size() != 3) {
            ADD_FAILURE() << command;
            r.exit_code = 64;
            return r;
          }
          EXPECT_EQ(argv[argv.size() - 2], "-f");
          absl::StatusOr<std::string> script = host_.ReadFile(argv.back());
          if (!script.ok() || script->find("BROKEN") != std::string::npos) {
            r.exit_code = 1;
            r.err = StrCat(argv.back(), ":30:3-8: Error: syntax error\n");
            return r;
          }
          if (!check_only) Load(*script);
          return r;
        });
  }

  void Load(const std::string& script) {
    size_t at = script.rfind("table inet cairn {");
    if (at == std::string::npos) {
      table_.reset();
      return;
    }
    std::string table = script.substr(at);
    std::string listing;
    for (std::string_view line : StrSplit(table, '\n')) {
      size_t comment = line.find(" comment ");
      if (comment != std::string_view::npos) line = line.substr(0, comment);
      if (!line.empty()) StrAppend(&listing, line, "\n");
    }
    table_ = listing;
  }

  const Provider& provider() {
    const Provider* p = FindProvider("firewall");
    EXPECT_NE(p, nullptr);
    return *p;
  }

  v1::Resource Resource(const v1::Firewall& spec) {
    v1::Resource r;
    r.set_kind("firewall");
    r.set_id("default");
    r.mutable_spec()->PackFrom(spec);
    return r;
  }

  // Check, asserting that it changed nothing and only listed the table.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff = provider().Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    for (size_t i = commands; i < host_.commands().size(); ++i) {
      EXPECT_EQ(host_.commands()[i], "nft -p list table inet cairn");
    }
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  void Converge(const v1::Resource& r) {
    v1::ResourceDiff diff = Check(r);
    absl::Status applied = provider().Apply(r, diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
    EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  }

  std::string Field(const v1::ResourceDiff& diff, const std::string& field) {
    for (const v1::FieldChange& c : diff.changes()) {
      if (c.field() == field) return StrCat(c.current(), " -> ", c.desired());
    }
    return "(no change)";
  }

  std::vector<std::string> CommandsSince(size_t from) {
    return std::vector<std::string>(host_.commands().begin() + from,
                                    host_.commands().end());
  }

  std::string Listing(const v1::Firewall& f) {
    std::optional<std::string> saved = table_;
    Load(*Render(f));
    std::string listing = *table_;
    table_ = saved;
    return listing;
  }

  FakeHost host_;
  ProviderContext context_;
  std::optional<std::string> table_;
};

TEST_F(FirewallTest, CreatesTheTableAndLoadsItAtBoot) {
  EXPECT_TRUE(provider().NeedsConfirm());
  v1::Resource r = Resource(Documented());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_EQ(Field(diff, "ruleset"),
            "(no table inet cairn) -> (table inet cairn)");
  EXPECT_EQ(Field(diff, "boot"),
            "(not loaded at boot) -> (loaded at boot by "
            "cairn-firewall.service)");
  EXPECT_NE(diff.text_diff().find("+\t\ttcp dport 25 reject with tcp reset"),
            std::string::npos)
      << diff.text_diff();

  size_t before = host_.commands().size();
  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(
      CommandsSince(before),
      (std::vector<std::string>{"nft -p list table inet cairn",
                                "nft -c -f /var/lib/cairn/firewall.nft.new",
                                "nft -f /var/lib/cairn/firewall.nft.new",
                                "nft -p list table inet cairn"}));
  EXPECT_EQ(table_, Listing(Documented()));
  EXPECT_EQ(*host_.ReadFile("/var/lib/cairn/firewall.nft"),
            *Render(Documented()));
  EXPECT_EQ(*host_.ReadFile("/var/lib/cairn/firewall.live"), *table_);
  EXPECT_FALSE(host_.Stat("/var/lib/cairn/firewall.nft.new")->exists());
  EXPECT_EQ(host_.Stat("/var/lib/cairn")->mode, 0700u);
  EXPECT_EQ(host_.Stat("/var/lib/cairn/firewall.nft")->mode, 0600u);
  EXPECT_EQ(*host_.ReadFile("/etc/systemd/system/cairn-firewall.service"),
            firewall::BootUnit());
  EXPECT_EQ(*host_.ReadLink("/etc/systemd/system/sysinit.target.wants/"
                            "cairn-firewall.service"),
            "/etc/systemd/system/cairn-firewall.service");
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  // A second Apply loads nothing and writes nothing.
  before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  for (const std::string& command : CommandsSince(before)) {
    EXPECT_EQ(command, "nft -p list table inet cairn");
  }
  EXPECT_EQ(host_.mutations(), mutations);
}

TEST_F(FirewallTest, TheBootUnitPrefersTheTableBeforeAnUnconfirmedChange) {
  std::string unit = firewall::BootUnit();
  EXPECT_NE(unit.find("ExecStart=/bin/sh -c 'if [ -e "
                      "/var/lib/cairn/firewall.rollback.nft ]; then exec "
                      "/usr/sbin/nft -f /var/lib/cairn/firewall.rollback.nft; "
                      "else exec /usr/sbin/nft -f /var/lib/cairn/firewall.nft; "
                      "fi'\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("Before=network-pre.target"), std::string::npos);
  EXPECT_NE(unit.find("WantedBy=sysinit.target"), std::string::npos);
}

TEST_F(FirewallTest, ASpecChangeReplacesTheTable) {
  Converge(Resource(Documented()));
  v1::Firewall changed = Documented();
  *changed.add_rules() = Rule(kAllow, "tcp", {"3000"});
  v1::Resource r = Resource(changed);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Field(diff, "ruleset"), "(as last applied) -> (as the spec says)");
  EXPECT_NE(diff.text_diff().find("\n+\t\ttcp dport 3000 accept\n"),
            std::string::npos)
      << diff.text_diff();
  Converge(r);
  EXPECT_EQ(table_, Listing(changed));
}

TEST_F(FirewallTest, ATableChangedByHandIsRestored) {
  v1::Resource r = Resource(Documented());
  Converge(r);
  table_->insert(table_->find("\t}\n\tchain forward"),
                 "\t\ttcp dport 6379 accept\n");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(Field(diff, "ruleset"),
            "(changed outside cairn) -> (as last applied)");
  EXPECT_NE(diff.text_diff().find("\n-\t\ttcp dport 6379 accept\n"),
            std::string::npos)
      << diff.text_diff();
  Converge(r);
  EXPECT_EQ(table_, Listing(Documented()));
}

TEST_F(FirewallTest, ALostTableIsLoadedAgain) {
  v1::Resource r = Resource(Documented());
  Converge(r);
  table_.reset();  // nft flush ruleset, or a boot that did not load it.
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_CREATE);
  Converge(r);
  EXPECT_TRUE(table_.has_value());
}

TEST_F(FirewallTest, AMissingBootUnitIsPutBack) {
  v1::Resource r = Resource(Documented());
  Converge(r);
  ASSERT_TRUE(host_
                  .Remove("/etc/systemd/system/sysinit.target.wants/"
                          "cairn-firewall.service")
                  .ok());
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "boot");
  size_t before = host_.commands().size();
  Converge(r);
  for (const std::string& command : CommandsSince(before)) {
    EXPECT_EQ(command, "nft -p list table inet cairn");  // Nothing reloaded.
  }
}

TEST_F(FirewallTest, ARejectedScriptChangesNothing) {
  v1::Resource good = Resource(Documented());
  Converge(good);
  std::optional<std::string> table = table_;
  v1::Firewall broken = Documented();
  broken.mutable_rules(0)->set_comment("BROKEN");
  v1::Resource r = Resource(broken);
  absl::Status status = provider().Apply(r, Check(r), context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "`nft -c -f /var/lib/cairn/firewall.nft.new` exited with 1: "
            "/var/lib/cairn/firewall.nft.new:30:3-8: Error: syntax error");
  EXPECT_EQ(table_, table);
  EXPECT_FALSE(host_.Stat("/var/lib/cairn/firewall.nft.new")->exists());
  EXPECT_EQ(Check(good).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(FirewallTest, RefusesToLockOutSsh) {
  v1::Firewall f;
  f.set_inbound(v1::Firewall::POLICY_DROP);
  *f.add_rules() = Rule(kAllow, "tcp", {"80", "443"});
  v1::Resource r = Resource(f);
  absl::StatusOr<v1::ResourceDiff> diff = provider().Check(r, context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::Status status = provider().Apply(r, {}, context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("allow_no_ssh"), std::string::npos);
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_TRUE(host_.commands().empty());

  f.set_allow_no_ssh(true);
  Converge(Resource(f));
}

TEST_F(FirewallTest, AnInvalidSpecIsAnError) {
  v1::Firewall f = Documented();
  f.mutable_rules(1)->add_ports("http");
  v1::Resource r = Resource(f);
  EXPECT_EQ(provider().Check(r, context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(provider().Apply(r, {}, context_).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(host_.mutations(), 0);
}

v1::Firewall Absent(v1::Firewall spec = Documented()) {
  spec.set_ensure(v1::ENSURE_ABSENT);
  return spec;
}

TEST_F(FirewallTest, AbsentRemovesTheTableTheBootUnitAndTheFiles) {
  Converge(Resource(Documented()));
  // The spec as last applied, with ensure = absent.
  v1::Resource r = Resource(Absent());
  EXPECT_FALSE(provider().NeedsConfirmFor(r));
  EXPECT_TRUE(provider().NeedsConfirmFor(Resource(Documented())));
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "ruleset"),
            "(table inet cairn) -> (no table inet cairn)");
  EXPECT_EQ(Field(diff, "boot"),
            "(loaded at boot by cairn-firewall.service) -> (not loaded at "
            "boot)");
  EXPECT_EQ(Field(diff, "files"),
            "/var/lib/cairn/firewall.nft /var/lib/cairn/firewall.live -> "
            "(none)");
  EXPECT_NE(diff.text_diff().find("-\t\ttcp dport 25 reject with tcp reset"),
            std::string::npos)
      << diff.text_diff();

  size_t before = host_.commands().size();
  ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  EXPECT_EQ(CommandsSince(before),
            (std::vector<std::string>{"nft -p list table inet cairn",
                                      "nft delete table inet cairn"}));
  EXPECT_FALSE(table_.has_value());
  for (const char* path :
       {"/etc/systemd/system/cairn-firewall.service",
        "/etc/systemd/system/sysinit.target.wants/cairn-firewall.service",
        "/var/lib/cairn/firewall.nft", "/var/lib/cairn/firewall.live",
        "/var/lib/cairn/firewall.rollback.nft"}) {
    EXPECT_FALSE(host_.Stat(path)->exists()) << path;
  }
  EXPECT_FALSE(*firewall::RollbackPending(host_));
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  // A second Apply only looks.
  before = host_.commands().size();
  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  for (const std::string& command : CommandsSince(before)) {
    EXPECT_EQ(command, "nft -p list table inet cairn");
  }
  EXPECT_EQ(host_.mutations(), mutations);
  // And the firewall can come back.
  EXPECT_EQ(Check(Resource(Documented())).action(),
            v1::ResourceDiff::ACTION_CREATE);
}

TEST_F(FirewallTest, AbsentWhenThereWasNoneIsNothingToDo) {
  v1::ResourceDiff diff = Check(Resource(Absent()));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(diff.changes_size(), 0);
  ASSERT_TRUE(provider().Apply(Resource(Absent()), diff, context_).ok());
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_EQ(host_.commands(),
            (std::vector<std::string>{"nft -p list table inet cairn",
                                      "nft -p list table inet cairn"}));
}

TEST_F(FirewallTest, AbsentNeedsNothingOfTheRules) {
  // A spec that would be refused (no SSH, a bad port): a removal does not
  // care.
  Converge(Resource(Documented()));
  v1::Firewall f;
  f.set_inbound(v1::Firewall::POLICY_DROP);
  *f.add_rules() = Rule(kAllow, "tcp", {"http"});
  Converge(Resource(Absent(f)));
  EXPECT_FALSE(table_.has_value());
}

TEST_F(FirewallTest, AbsentRemovesWhatALostTableLeftBehind) {
  // The table is gone (a flush, a reboot without the unit) but the boot
  // unit and the files are not; a stale rollback would bring it back.
  Converge(Resource(Documented()));
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  table_.reset();
  v1::Resource r = Resource(Absent());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(Field(diff, "ruleset"), "(no change)");
  size_t before = host_.commands().size();
  Converge(r);
  for (const std::string& command : CommandsSince(before)) {
    EXPECT_EQ(command, "nft -p list table inet cairn");  // No delete.
  }
  EXPECT_FALSE(*firewall::RollbackPending(host_));
  EXPECT_FALSE(
      host_.Stat("/etc/systemd/system/cairn-firewall.service")->exists());
}

TEST_F(FirewallTest, AbsentRemovesAHandMadeTable) {
  table_ = "table inet cairn {\n\tchain input {\n\t}\n}\n";
  v1::Resource r = Resource(Absent());
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_DELETE);
  Converge(r);
  EXPECT_FALSE(table_.has_value());
}

TEST_F(FirewallTest, RollbackRestoresTheTableBeforeTheChange) {
  v1::Resource first = Resource(Documented());
  Converge(first);
  v1::Firewall second_spec = Documented();
  second_spec.set_inbound(v1::Firewall::POLICY_ACCEPT);
  v1::Resource second = Resource(second_spec);

  EXPECT_FALSE(*firewall::RollbackPending(host_));
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  EXPECT_TRUE(*firewall::RollbackPending(host_));
  Converge(second);
  EXPECT_EQ(table_, Listing(second_spec));

  size_t before = host_.commands().size();
  ASSERT_TRUE(firewall::Rollback(host_).ok());
  EXPECT_EQ(CommandsSince(before),
            (std::vector<std::string>{
                "nft -c -f /var/lib/cairn/firewall.rollback.nft",
                "nft -f /var/lib/cairn/firewall.rollback.nft",
                "nft -p list table inet cairn"}));
  EXPECT_EQ(table_, Listing(Documented()));
  EXPECT_FALSE(*firewall::RollbackPending(host_));
  // The first spec is what is applied again, and what boot loads.
  EXPECT_EQ(Check(first).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(second).action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(*host_.ReadFile("/var/lib/cairn/firewall.nft"),
            *Render(Documented()));

  EXPECT_EQ(firewall::Rollback(host_).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FirewallTest, RollbackOfAFirstFirewallRemovesTheTable) {
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  Converge(Resource(Documented()));
  ASSERT_TRUE(firewall::Rollback(host_).ok());
  EXPECT_FALSE(table_.has_value());
  EXPECT_FALSE(host_.Stat("/var/lib/cairn/firewall.live")->exists());
  EXPECT_EQ(Check(Resource(Documented())).action(),
            v1::ResourceDiff::ACTION_CREATE);
}

TEST_F(FirewallTest, RollbackRestoresAHandMadeTableAsListed) {
  table_ = "table inet cairn {\n\tchain input {\n\t}\n}\n";
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  EXPECT_NE(host_.ReadFile("/var/lib/cairn/firewall.rollback.nft")
                ->find("table inet cairn\ndelete table inet cairn\n"
                       "table inet cairn {\n\tchain input {\n\t}\n}\n"),
            std::string::npos);
  Converge(Resource(Documented()));
  ASSERT_TRUE(firewall::Rollback(host_).ok());
  EXPECT_EQ(table_, "table inet cairn {\n\tchain input {\n\t}\n}\n");
}

TEST_F(FirewallTest, DiscardKeepsTheNewTable) {
  ASSERT_TRUE(firewall::SaveForRollback(host_).ok());
  Converge(Resource(Documented()));
  ASSERT_TRUE(firewall::DiscardRollback(host_).ok());
  EXPECT_FALSE(*firewall::RollbackPending(host_));
  EXPECT_EQ(firewall::Rollback(host_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(table_, Listing(Documented()));
  EXPECT_TRUE(firewall::DiscardRollback(host_).ok());  // Twice is fine.
}

}  // namespace
}  // namespace cairn::agent
