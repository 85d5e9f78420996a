#include "dns/records.h"

#include <string>
#include <vector>

#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Origin Zone(const char* name = "example.org") {
  absl::StatusOr<Origin> origin = Origin::Parse(name);
  EXPECT_TRUE(origin.ok()) << origin.status();
  return *origin;
}

v1::DnsRecord Record(const std::string& name, const std::string& type,
                     std::vector<std::string> values, uint32_t ttl = 0) {
  v1::DnsRecord r;
  r.set_name(name);
  r.set_type(type);
  for (std::string& v : values) r.add_values(std::move(v));
  r.set_ttl(ttl);
  r.set_zone("example.org");
  return r;
}

RecordSet Canonical(const v1::DnsRecord& record) {
  absl::StatusOr<RecordSet> set = CanonicalSet(Zone(), record);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : RecordSet{};
}

std::string Error(const v1::DnsRecord& record) {
  absl::StatusOr<RecordSet> set = CanonicalSet(Zone(), record);
  EXPECT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(set.status().message());
}

TEST(OriginTest, NamesRelativeAndAbsolute) {
  Origin o = Zone("Example.ORG.");
  EXPECT_EQ(o.text(), "example.org.");
  EXPECT_EQ(*o.Relative("@"), "@");
  EXPECT_EQ(*o.Relative("WWW"), "www");
  EXPECT_EQ(*o.Relative("www.example.org."), "www");
  EXPECT_EQ(*o.Relative("example.org."), "@");
  EXPECT_EQ(*o.Relative("_sip._tcp"), "_sip._tcp");
  EXPECT_EQ(*o.Relative("*.dev"), "*.dev");
  EXPECT_EQ(o.Absolute("@"), "example.org.");
  EXPECT_EQ(o.Absolute("www"), "www.example.org.");
  EXPECT_FALSE(o.Relative("www.example.com.").ok());
  EXPECT_FALSE(o.Relative("").ok());
  EXPECT_FALSE(o.Relative("a b").ok());
  EXPECT_FALSE(o.Relative("a..b").ok());
  EXPECT_FALSE(Origin::Parse("").ok());
  EXPECT_FALSE(Origin::Parse("exa mple.org").ok());
}

TEST(CanonicalSetTest, RelativeNamesBecomeAbsolute) {
  RecordSet mx = Canonical(Record("@", "MX", {"20 Mail2", "10 mail"}, 300));
  EXPECT_EQ(mx.Id(), "@ MX");
  EXPECT_EQ(mx.ttl, 300u);
  EXPECT_THAT(mx.values,
              ElementsAre("10 mail.example.org.", "20 mail2.example.org."));
  EXPECT_EQ(Canonical(Record("@", "MX", {"10 mail.example.org."})).values,
            Canonical(Record("@", "MX", {"10 mail"})).values);
  EXPECT_THAT(Canonical(Record("www", "cname", {"web.Example.COM."})).values,
              ElementsAre("web.example.com."));
  EXPECT_THAT(Canonical(Record("_sip._tcp", "SRV", {"10 5 5060 sip"})).values,
              ElementsAre("10 5 5060 sip.example.org."));
  EXPECT_THAT(Canonical(Record("sub", "NS", {"ns1.sub"})).values,
              ElementsAre("ns1.sub.example.org."));
}

TEST(CanonicalSetTest, AddressesInCanonicalForm) {
  EXPECT_THAT(Canonical(Record("v6", "AAAA", {"2001:DB8:0:0::1"})).values,
              ElementsAre("2001:db8::1"));
  EXPECT_THAT(
      Canonical(Record("a", "A", {"192.0.2.2", "192.0.2.1", "192.0.2.2"}))
          .values,
      ElementsAre("192.0.2.1", "192.0.2.2"));
}

TEST(CanonicalSetTest, TtlDefaults) {
  EXPECT_EQ(Canonical(Record("a", "A", {"192.0.2.1"})).ttl, kDefaultTtl);
  EXPECT_EQ(Canonical(Record("a", "A", {"192.0.2.1"}, 60)).ttl, 60u);
}

TEST(CanonicalSetTest, TxtIsOneTextUnlessQuoted) {
  EXPECT_THAT(Canonical(Record("@", "TXT", {"v=spf1 mx -all"})).values,
              ElementsAre("\"v=spf1 mx -all\""));
  EXPECT_THAT(Canonical(Record("@", "TXT", {"\"v=spf1 mx -all\""})).values,
              ElementsAre("\"v=spf1 mx -all\""));
  EXPECT_THAT(Canonical(Record("@", "TXT", {"\"a\" \"b c\""})).values,
              ElementsAre("\"a\" \"b c\""));
  EXPECT_THAT(Canonical(Record("@", "TXT", {"say \"hi\"; \\o/"})).values,
              ElementsAre("\"say \\\"hi\\\"; \\\\o/\""));
  // UTF-8 in the escaped form the server's answer has.
  EXPECT_THAT(Canonical(Record("@", "TXT", {"h\xc3\xa9"})).values,
              ElementsAre("\"h\\195\\169\""));
  // Longer than one string: split at 255 bytes.
  std::string key(300, 'k');
  EXPECT_THAT(Canonical(Record("dkim", "TXT", {key})).values,
              ElementsAre(StrCat("\"", std::string(255, 'k'), "\" \"",
                                 std::string(45, 'k'), "\"")));
}

TEST(CanonicalSetTest, CaaValueQuoted) {
  EXPECT_THAT(Canonical(Record("@", "CAA", {"0 issue letsencrypt.org"})).values,
              ElementsAre("0 issue \"letsencrypt.org\""));
  EXPECT_THAT(
      Canonical(Record("@", "CAA", {"0 issue \"ca.example; account=1\""}))
          .values,
      ElementsAre("0 issue \"ca.example; account=1\""));
}

TEST(CanonicalSetTest, InvalidValuesNameTheRecord) {
  std::string e = Error(Record("bad", "A", {"300.1.1.1"}));
  EXPECT_THAT(e, HasSubstr("record 'bad A' in zone example.org"));
  EXPECT_THAT(e, HasSubstr("'300.1.1.1' is not a valid A value"));
  EXPECT_THAT(Error(Record("a", "A", {"1.2.3.4 5.6.7.8"})),
              HasSubstr("not a valid A value"));
  EXPECT_THAT(Error(Record("a", "A", {"1.2.3.4;x"})), HasSubstr("';'"));
  EXPECT_THAT(Error(Record("a", "AAAA", {"192.0.2.1"})),
              HasSubstr("not a valid AAAA value"));
  EXPECT_THAT(Error(Record("m", "MX", {"mail"})),
              HasSubstr("not a valid MX value"));
  EXPECT_THAT(Error(Record("s", "SRV", {"1 2 3"})),
              HasSubstr("not a valid SRV value"));
  EXPECT_THAT(Error(Record("t", "TXT", {"\"open"})),
              HasSubstr("unclosed quote"));
  EXPECT_THAT(Error(Record("t", "TXT", {"a\nb"})),
              HasSubstr("control character"));
  EXPECT_THAT(Error(Record("p", "PTR", {"x."})),
              HasSubstr("type 'PTR' is not one Cairn manages"));
  EXPECT_THAT(Error(Record("e", "A", {})), HasSubstr("no values"));
  EXPECT_THAT(Error(Record("c", "CNAME", {"a.", "b."})),
              HasSubstr("exactly one value"));
  EXPECT_THAT(Error(Record("@", "CNAME", {"a."})), HasSubstr("apex"));
  EXPECT_THAT(Error(Record("x.example.com.", "A", {"192.0.2.1"})),
              HasSubstr("outside the zone"));
}

TEST(CanonicalSetsTest, DuplicatesAndCnameBesideData) {
  Origin o = Zone();
  auto twice = CanonicalSets(o, {Record("www", "A", {"192.0.2.1"}),
                                 Record("WWW", "A", {"192.0.2.2"})});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("declared twice"));
  auto beside = CanonicalSets(
      o, {Record("www", "A", {"192.0.2.1"}), Record("www", "CNAME", {"web."})});
  ASSERT_FALSE(beside.ok());
  EXPECT_THAT(std::string(beside.status().message()),
              HasSubstr("record 'www CNAME'"));
  auto fine = CanonicalSets(o, {Record("www", "A", {"192.0.2.1"}),
                                Record("www", "AAAA", {"2001:db8::1"})});
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->size(), 2u);
}

TEST(GroupRecordsTest, GroupsByOwnerAndTypeLikeDeclared) {
  Origin o = Zone();
  RrListPtr list(ldns_rr_list_new());
  for (const char* text :
       {"example.org. 3600 IN SOA ns1 host 1 2 3 4 5",
        "example.org. 3600 IN NS ns1", "WWW 300 IN A 192.0.2.2",
        "www 300 IN A 192.0.2.1", "@ 300 IN MX 10 MAIL",
        "@ 60 IN TXT \"v=spf1 mx -all\"", "x 60 IN PTR y"}) {
    ldns_rr* rr = nullptr;
    ASSERT_EQ(ldns_rr_new_frm_str(&rr, text, 0, o.dname(), nullptr),
              LDNS_STATUS_OK)
        << text;
    ldns_rr_list_push_rr(list.get(), rr);
  }
  ServerZone zone = GroupRecords(o, list.get());
  ASSERT_EQ(zone.sets.count({"www", "A"}), 1u);
  const RecordSet& www = zone.sets.at({"www", "A"});
  EXPECT_EQ(www.ttl, 300u);
  EXPECT_EQ(www.values,
            Canonical(Record("www", "A", {"192.0.2.1", "192.0.2.2"})).values);
  EXPECT_EQ(zone.sets.at({"@", "MX"}).values,
            Canonical(Record("@", "MX", {"10 mail"})).values);
  EXPECT_EQ(zone.sets.at({"@", "TXT"}).values,
            Canonical(Record("@", "TXT", {"v=spf1 mx -all"})).values);
  EXPECT_EQ(zone.sets.count({"@", "NS"}), 1u);   // Declarable.
  EXPECT_EQ(zone.sets.count({"@", "SOA"}), 0u);  // Not managed.
  EXPECT_EQ(zone.sets.count({"x", "PTR"}), 0u);
  EXPECT_THAT(zone.types.at("x"), ElementsAre("PTR"));
}

TEST(ValuesTest, JoinAndSplitRoundTrip) {
  std::vector<std::string> values = {"\"a, b\"", "\"c\\\", d\"",
                                     "0 issue \"x\""};
  std::string joined = JoinValues(values);
  EXPECT_EQ(joined, "\"a, b\", \"c\\\", d\", 0 issue \"x\"");
  EXPECT_EQ(SplitValues(joined), values);
  EXPECT_TRUE(SplitValues("").empty());
  EXPECT_THAT(SplitValues("192.0.2.1, 192.0.2.2"),
              ElementsAre("192.0.2.1", "192.0.2.2"));
}

TEST(MakeRecordTest, ParsesCanonicalValuesBack) {
  Origin o = Zone();
  for (const auto& record :
       {Record("@", "TXT", {"say \"hi\", ok"}),
        Record("@", "CAA", {"0 issue x"}), Record("m", "MX", {"10 mail"}),
        Record("t", "TXT", {"h\xc3\xa9"})}) {
    RecordSet set = Canonical(record);
    absl::StatusOr<RrPtr> rr =
        MakeRecord(o, set.name, set.type, 0, set.values.front());
    ASSERT_TRUE(rr.ok()) << rr.status();
    EXPECT_EQ(CanonicalValue(rr->get()), set.values.front());
  }
}

TEST(DigestTest, ChangesWithAnyField) {
  Origin o = Zone();
  auto sets = [&](uint32_t ttl, const char* value) {
    return *CanonicalSets(o, {Record("www", "A", {value}, ttl)});
  };
  std::string d = Digest(o, sets(300, "192.0.2.1"));
  EXPECT_EQ(d.size(), 64u);
  EXPECT_EQ(d, Digest(o, sets(300, "192.0.2.1")));
  EXPECT_NE(d, Digest(o, sets(301, "192.0.2.1")));
  EXPECT_NE(d, Digest(o, sets(300, "192.0.2.2")));
  EXPECT_NE(d, Digest(Zone("example.com"), sets(300, "192.0.2.1")));
}

}  // namespace
}  // namespace cairn::dns
