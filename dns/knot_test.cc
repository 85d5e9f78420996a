// Plan and Apply against a real knotd, started by knot_test.sh. What the
// server holds is read back with kdig, and concurrent edits are made with
// knsupdate, so the checks do not depend on this library's own reading.

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/strings.h"
#include "dns/dns.h"
#include "dns/wire.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run this through dns/knot_test.sh";
    return "";
  }
  return value;
}

std::string Server() { return Env("DNS_SERVER"); }
std::string Key() { return Env("DNS_TSIG"); }
std::string Port() {
  std::string s = Server();
  return s.substr(s.rfind(':') + 1);
}
std::string Secret() {
  std::string k = Key();
  return k.substr(k.rfind(':') + 1);
}

v1::DnsRecord R(const std::string& name, const std::string& type,
                std::vector<std::string> values, uint32_t ttl = 300) {
  v1::DnsRecord r;
  r.set_name(name);
  r.set_type(type);
  for (std::string& v : values) r.add_values(std::move(v));
  r.set_ttl(ttl);
  return r;
}

ZoneTarget Target(const std::string& zone, std::vector<v1::DnsRecord> records,
                  std::vector<v1::DnsRecord> previous = {},
                  bool exclusive = false) {
  ZoneTarget t;
  t.zone.set_name(zone);
  t.zone.set_server(Server());
  t.zone.set_tsig(Key());
  t.zone.set_exclusive(exclusive);
  for (v1::DnsRecord& r : records) r.set_zone(zone);
  t.records = std::move(records);
  t.previous = std::move(previous);
  return t;
}

ZoneTarget Example(std::vector<v1::DnsRecord> records,
                   std::vector<v1::DnsRecord> previous = {}) {
  return Target(Env("DNS_ZONE"), std::move(records), std::move(previous));
}

Options Fast() {
  Options o;
  o.timeout = std::chrono::seconds(3);
  return o;
}

v1::ZonePlan MustPlan(const ZoneTarget& target) {
  absl::StatusOr<v1::ZonePlan> plan = Plan(target, Fast());
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : v1::ZonePlan();
}

// Plans, applies, and checks that a second plan finds nothing to do.
void Converge(const ZoneTarget& target) {
  v1::ZonePlan plan = MustPlan(target);
  absl::Status st = Apply(target, plan, Fast());
  ASSERT_TRUE(st.ok()) << st;
  v1::ZonePlan again = MustPlan(target);
  EXPECT_EQ(again.changes_size(), 0) << again.DebugString();
  EXPECT_EQ(again.unchanged(), static_cast<int>(target.records.size()));
}

std::string Run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view line : StrSplit(text, '\n')) {
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The data of `type` records at `name` (relative to `zone`), by kdig.
std::vector<std::string> Dig(const std::string& type, const std::string& name,
                             const std::string& zone = "") {
  std::string z = zone.empty() ? Env("DNS_ZONE") : zone;
  std::string fqdn = name == "@" ? z : StrCat(name, ".", z);
  return Lines(Run(StrCat("kdig @127.0.0.1 -p ", Port(),
                          " +tcp +short +time=2 +retry=0 ", type, " ", fqdn)));
}

// The TTLs of those records.
std::vector<std::string> DigTtl(const std::string& type,
                                const std::string& name) {
  std::string fqdn = StrCat(name, ".", Env("DNS_ZONE"));
  return Lines(Run(StrCat("kdig @127.0.0.1 -p ", Port(),
                          " +tcp +noall +answer +time=2 +retry=0 ", type, " ",
                          fqdn, " | awk '{print $2}'")));
}

// An edit made behind Cairn's back, signed with the test's key.
void Nsupdate(const std::string& zone, const std::vector<std::string>& lines) {
  std::string script = StrCat("server 127.0.0.1 ", Port(), "\nzone ", zone,
                              ".\n", StrJoin(lines, "\n"), "\nsend\n");
  FILE* p = popen(StrCat("knsupdate -y ", Key()).c_str(), "w");
  ASSERT_NE(p, nullptr);
  fwrite(script.data(), 1, script.size(), p);
  int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << script;
}

const v1::ResourceDiff* Change(const v1::ZonePlan& plan,
                               const std::string& id) {
  for (const v1::ResourceDiff& d : plan.changes()) {
    if (d.resource().id() == id) return &d;
  }
  return nullptr;
}

std::vector<std::string> Fields(const v1::ResourceDiff& diff) {
  std::vector<std::string> out;
  for (const v1::FieldChange& f : diff.changes()) out.push_back(f.field());
  return out;
}

std::vector<std::string> Ids(const v1::ZonePlan& plan,
                             v1::ResourceDiff::Action action) {
  std::vector<std::string> out;
  for (const v1::ResourceDiff& d : plan.changes()) {
    if (d.action() == action) out.push_back(d.resource().id());
  }
  return out;
}

TEST(KnotTest, CreatesEveryTypeAndReadsItBack) {
  ZoneTarget target = Example({
      R("all-a", "A", {"192.0.2.10", "192.0.2.11"}),
      R("all-aaaa", "AAAA", {"2001:DB8::10"}),
      R("all-mx", "MX", {"10 mail", "20 mail2.example.test."}),
      R("all-txt", "TXT", {"v=spf1 mx -all", "hello, world"}, 60),
      R("all-cname", "CNAME", {"all-a"}),
      R("_sip._tcp.all", "SRV", {"10 5 5060 sip.example.test."}),
      R("all-caa", "CAA", {"0 issue \"letsencrypt.org\""}),
  });
  v1::ZonePlan plan = MustPlan(target);
  EXPECT_EQ(plan.status(), v1::PLAN_STATUS_OK);
  EXPECT_EQ(plan.zone(), "example.test");
  EXPECT_EQ(plan.records_digest().size(), 64u);
  EXPECT_EQ(Ids(plan, v1::ResourceDiff::ACTION_CREATE).size(), 7u);
  EXPECT_EQ(plan.unchanged(), 0);
  const v1::ResourceDiff* mx = Change(plan, "all-mx MX");
  ASSERT_NE(mx, nullptr);
  ASSERT_EQ(mx->changes_size(), 2);
  EXPECT_EQ(mx->changes(0).field(), "values");
  EXPECT_EQ(mx->changes(0).current(), "");
  EXPECT_EQ(mx->changes(0).desired(),
            "10 mail.example.test., 20 mail2.example.test.");
  EXPECT_EQ(mx->changes(1).field(), "ttl");
  EXPECT_EQ(mx->changes(1).desired(), "300");

  ASSERT_TRUE(Apply(target, plan, Fast()).ok());
  v1::ZonePlan again = MustPlan(target);
  EXPECT_THAT(again.changes(), IsEmpty());
  EXPECT_EQ(again.unchanged(), 7);
  EXPECT_EQ(again.records_digest(), plan.records_digest());

  EXPECT_THAT(Dig("A", "all-a"), ElementsAre("192.0.2.10", "192.0.2.11"));
  EXPECT_THAT(Dig("AAAA", "all-aaaa"), ElementsAre("2001:db8::10"));
  EXPECT_THAT(Dig("MX", "all-mx"),
              ElementsAre("10 mail.example.test.", "20 mail2.example.test."));
  EXPECT_THAT(Dig("TXT", "all-txt"),
              ElementsAre("\"hello, world\"", "\"v=spf1 mx -all\""));
  EXPECT_THAT(Dig("CNAME", "all-cname"), ElementsAre("all-a.example.test."));
  EXPECT_THAT(Dig("SRV", "_sip._tcp.all"),
              ElementsAre("10 5 5060 sip.example.test."));
  EXPECT_THAT(Dig("CAA", "all-caa"),
              ElementsAre("0 issue \"letsencrypt.org\""));
}

TEST(KnotTest, TtlChangeIsOneUpdateOfTheTtl) {
  Converge(Example({R("ttl", "A", {"192.0.2.20"}, 300)}));
  ZoneTarget target = Example({R("ttl", "A", {"192.0.2.20"}, 600)});
  v1::ZonePlan plan = MustPlan(target);
  ASSERT_EQ(plan.changes_size(), 1) << plan.DebugString();
  const v1::ResourceDiff& diff = plan.changes(0);
  EXPECT_EQ(diff.resource().kind(), "record");
  EXPECT_EQ(diff.resource().id(), "ttl A");
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_THAT(Fields(diff), ElementsAre("ttl"));
  EXPECT_EQ(diff.changes(0).current(), "300");
  EXPECT_EQ(diff.changes(0).desired(), "600");
  ASSERT_TRUE(Apply(target, plan, Fast()).ok());
  EXPECT_THAT(MustPlan(target).changes(), IsEmpty());
  EXPECT_THAT(DigTtl("A", "ttl"), ElementsAre("600"));
}

TEST(KnotTest, AddressChange) {
  Converge(Example({R("addr", "A", {"192.0.2.30"})}));
  ZoneTarget target = Example({R("addr", "A", {"192.0.2.31"})});
  v1::ZonePlan plan = MustPlan(target);
  ASSERT_EQ(plan.changes_size(), 1);
  EXPECT_EQ(plan.changes(0).action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_THAT(Fields(plan.changes(0)), ElementsAre("values"));
  EXPECT_EQ(plan.changes(0).changes(0).current(), "192.0.2.30");
  EXPECT_EQ(plan.changes(0).changes(0).desired(), "192.0.2.31");
  ASSERT_TRUE(Apply(target, plan, Fast()).ok());
  EXPECT_THAT(Dig("A", "addr"), ElementsAre("192.0.2.31"));
  EXPECT_THAT(MustPlan(target).changes(), IsEmpty());
}

TEST(KnotTest, TextsWithCommasUpdate) {
  // The plan's "values" joins with ", "; the prerequisite must split it
  // back right, or the server answers NXRRSET.
  Converge(Example({R("commas", "TXT", {"a, b", "c"})}));
  ZoneTarget target = Example({R("commas", "TXT", {"a, b", "d, e"})});
  v1::ZonePlan plan = MustPlan(target);
  ASSERT_EQ(plan.changes_size(), 1);
  EXPECT_EQ(plan.changes(0).changes(0).current(), "\"a, b\", \"c\"");
  absl::Status st = Apply(target, plan, Fast());
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_THAT(Dig("TXT", "commas"), ElementsAre("\"a, b\"", "\"d, e\""));
}

TEST(KnotTest, DeletesWhatWasDeclaredBefore) {
  std::vector<v1::DnsRecord> before = {R("keep", "A", {"192.0.2.40"}),
                                       R("gone", "A", {"192.0.2.41"}),
                                       R("gone", "TXT", {"bye"})};
  Converge(Example(before));
  ZoneTarget target = Example({R("keep", "A", {"192.0.2.40"})}, before);
  v1::ZonePlan plan = MustPlan(target);
  EXPECT_THAT(Ids(plan, v1::ResourceDiff::ACTION_DELETE),
              ElementsAre("gone A", "gone TXT"));
  EXPECT_EQ(plan.changes_size(), 2);
  EXPECT_EQ(plan.unchanged(), 1);
  const v1::ResourceDiff* gone = Change(plan, "gone A");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->changes(0).current(), "192.0.2.41");
  EXPECT_EQ(gone->changes(0).desired(), "");
  ASSERT_TRUE(Apply(target, plan, Fast()).ok());
  EXPECT_THAT(Dig("A", "gone"), IsEmpty());
  EXPECT_THAT(Dig("TXT", "gone"), IsEmpty());
  EXPECT_THAT(Dig("A", "keep"), ElementsAre("192.0.2.40"));
  EXPECT_THAT(MustPlan(target).changes(), IsEmpty());
}

TEST(KnotTest, UndeclaredRecordsStayUnlessExclusive) {
  const std::string zone = Env("DNS_EXCLUSIVE_ZONE");
  Nsupdate(zone, {
                     StrCat("update add foreign.", zone, ". 300 A 192.0.2.50"),
                     StrCat("update add foreign.", zone, ". 300 TXT theirs"),
                     StrCat("update add sub.", zone,
                            ". 300 NS ns.elsewhere.example."),
                     StrCat("update add ptr.", zone, ". 300 PTR x.example."),
                 });
  std::vector<v1::DnsRecord> records = {R("www", "A", {"192.0.2.51"})};
  ZoneTarget shared = Target(zone, records);
  v1::ZonePlan plan = MustPlan(shared);
  ASSERT_EQ(plan.changes_size(), 1) << plan.DebugString();
  EXPECT_EQ(plan.changes(0).action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_TRUE(Apply(shared, plan, Fast()).ok());
  EXPECT_THAT(Dig("A", "foreign", zone), ElementsAre("192.0.2.50"));

  ZoneTarget exclusive = Target(zone, records, {}, /*exclusive=*/true);
  plan = MustPlan(exclusive);
  EXPECT_THAT(
      Ids(plan, v1::ResourceDiff::ACTION_DELETE),
      UnorderedElementsAre("foreign A", "foreign TXT", "sub NS", "ns1 A"));
  EXPECT_EQ(plan.changes_size(), 4);
  EXPECT_EQ(plan.unchanged(), 1);
  absl::Status st = Apply(exclusive, plan, Fast());
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_THAT(Dig("A", "foreign", zone), IsEmpty());
  EXPECT_THAT(Dig("TXT", "foreign", zone), IsEmpty());
  EXPECT_THAT(Dig("NS", "sub", zone), IsEmpty());
  EXPECT_THAT(Dig("PTR", "ptr", zone), ElementsAre("x.example."));
  EXPECT_THAT(Dig("NS", "@", zone), ElementsAre(StrCat("ns1.", zone, ".")));
  EXPECT_EQ(Dig("SOA", "@", zone).size(), 1u);
  EXPECT_THAT(Dig("A", "www", zone), ElementsAre("192.0.2.51"));
  EXPECT_THAT(MustPlan(exclusive).changes(), IsEmpty());
}

TEST(KnotTest, ApexNsIsReplacedValueByValue) {
  const std::string ns1 = StrCat("ns1.", Env("DNS_ZONE"), ".");
  Converge(Example({R("@", "NS", {ns1, "ns2.example.net."}, 3600)}));
  EXPECT_THAT(Dig("NS", "@"), ElementsAre(ns1, "ns2.example.net."));
  Converge(Example({R("@", "NS", {ns1}, 3600)}));
  EXPECT_THAT(Dig("NS", "@"), ElementsAre(ns1));
}

TEST(KnotTest, SecondRunChangesNothing) {
  ZoneTarget target =
      Example({R("idem", "A", {"192.0.2.80"}), R("idem", "MX", {"10 idem"})});
  Converge(target);
  std::vector<std::string> soa = Dig("SOA", "@");
  v1::ZonePlan plan = MustPlan(target);
  EXPECT_THAT(plan.changes(), IsEmpty());
  EXPECT_EQ(plan.unchanged(), 2);
  ASSERT_TRUE(Apply(target, plan, Fast()).ok());
  EXPECT_EQ(Dig("SOA", "@"), soa);  // Not even the serial moved.
}

TEST(KnotTest, WrongKeyIsPermissionDenied) {
  ZoneTarget good = Example({R("wrongkey", "A", {"192.0.2.90"})});
  v1::ZonePlan plan = MustPlan(good);
  ASSERT_EQ(plan.changes_size(), 1);
  const std::string bad_secret = "AAAABvxzuXpuOjxi9qmxzwuRAlQ8faWc8aLJvc29Q/w=";
  ASSERT_NE(bad_secret, Secret());

  ZoneTarget wrong_secret = good;
  wrong_secret.zone.set_tsig(StrCat("hmac-sha256:cairn-test:", bad_secret));
  absl::StatusOr<v1::ZonePlan> denied = Plan(wrong_secret, Fast());
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied)
      << denied.status();
  std::string message(denied.status().message());
  EXPECT_THAT(message, HasSubstr("cairn-test."));
  EXPECT_THAT(message, HasSubstr("BADSIG"));
  EXPECT_THAT(message, Not(HasSubstr(bad_secret)));

  absl::Status st = Apply(wrong_secret, plan, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("BADSIG"));
  EXPECT_THAT(std::string(st.message()), Not(HasSubstr(bad_secret)));

  ZoneTarget unknown = good;
  unknown.zone.set_tsig(StrCat("hmac-sha256:nobody:", Secret()));
  st = Apply(unknown, plan, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_THAT(std::string(st.message()), HasSubstr("nobody."));
  EXPECT_THAT(std::string(st.message()), HasSubstr("BADKEY"));
  EXPECT_THAT(std::string(st.message()), Not(HasSubstr(Secret())));

  EXPECT_THAT(Dig("A", "wrongkey"), IsEmpty());
  EXPECT_EQ(MustPlan(good).changes_size(), 1);
}

TEST(KnotTest, ChangeSincePlanFailsTheWholeUpdate) {
  const std::string zone = Env("DNS_ZONE");
  Converge(Example({R("race", "A", {"192.0.2.60"})}));
  ZoneTarget target = Example(
      {R("race", "A", {"192.0.2.61"}), R("race-new", "A", {"192.0.2.63"})});
  v1::ZonePlan plan = MustPlan(target);
  ASSERT_EQ(plan.changes_size(), 2);
  Nsupdate(zone, {StrCat("update delete race.", zone, ". A"),
                  StrCat("update add race.", zone, ". 300 A 192.0.2.62")});
  absl::Status st = Apply(target, plan, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("zone example.test changed since plan"));
  EXPECT_THAT(Dig("A", "race"), ElementsAre("192.0.2.62"));
  EXPECT_THAT(Dig("A", "race-new"), IsEmpty());  // Nothing half-applied.

  // A set created by someone else after a plan that creates it.
  ZoneTarget create = Example({R("race-create", "A", {"192.0.2.64"})});
  plan = MustPlan(create);
  ASSERT_EQ(plan.changes_size(), 1);
  Nsupdate(zone,
           {StrCat("update add race-create.", zone, ". 300 A 192.0.2.65")});
  st = Apply(create, plan, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(Dig("A", "race-create"), ElementsAre("192.0.2.65"));
}

TEST(KnotTest, ConfigurationChangedSincePlan) {
  ZoneTarget planned = Example({R("drift", "A", {"192.0.2.70"})});
  v1::ZonePlan plan = MustPlan(planned);
  ZoneTarget now = Example({R("drift", "A", {"192.0.2.71"})});
  absl::Status st = Apply(now, plan, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_THAT(Dig("A", "drift"), IsEmpty());
}

TEST(KnotTest, InvalidValueIsInvalidArgument) {
  absl::StatusOr<v1::ZonePlan> plan =
      Plan(Example({R("ok", "A", {"192.0.2.1"}), R("bad", "A", {"300.1.1.1"})}),
           Fast());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()),
              HasSubstr("record 'bad A' in zone example.test"));
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("300.1.1.1"));
}

TEST(KnotTest, CnameBesideServerDataIsInvalidArgument) {
  const std::string zone = Env("DNS_ZONE");
  Nsupdate(zone, {StrCat("update add theirs.", zone, ". 300 A 192.0.2.99")});
  absl::StatusOr<v1::ZonePlan> plan =
      Plan(Example({R("theirs", "CNAME", {"www"})}), Fast());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()),
              HasSubstr("record 'theirs CNAME'"));
}

TEST(KnotTest, UnreachableServerIsUnavailable) {
  ZoneTarget target = Example({});
  target.zone.set_server("127.0.0.1:1");
  EXPECT_EQ(Plan(target, Fast()).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(KnotTest, BigZoneTransfersInSeveralSignedMessages) {
  const std::string zone = Env("DNS_BIG_ZONE");
  absl::StatusOr<Endpoint> server = ParseEndpoint(Server());
  absl::StatusOr<TsigKey> key = ParseTsigKey(Key());
  ASSERT_TRUE(server.ok() && key.ok());
  RdfPtr origin(ldns_dname_new_frm_str(zone.c_str()));
  absl::StatusOr<Transfer> t =
      Axfr(*server, *key, origin.get(),
           std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_GT(t->messages, 1);
  EXPECT_EQ(ldns_rr_list_rr_count(t->records.get()), 3003u);

  EXPECT_THAT(MustPlan(Target(zone, {})).changes(), IsEmpty());
  v1::ZonePlan all = MustPlan(Target(zone, {}, {}, /*exclusive=*/true));
  EXPECT_EQ(all.changes_size(), 3001);  // host1..3000 and ns1.
  // Too much for one UPDATE message: refused before anything is sent.
  absl::Status st = Apply(Target(zone, {}, {}, true), all, Fast());
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_THAT(Dig("A", "host1", zone), ElementsAre("10.0.0.2"));
}

}  // namespace
}  // namespace cairn::dns
