#ifndef CAIRN_DNS_RECORDS_H_
#define CAIRN_DNS_RECORDS_H_

// Record sets in canonical form: declared records parsed by libldns as the
// server would, records from a zone transfer grouped the same way, so the
// two compare as strings. Needs no server. Internal to dns/.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dns/wire.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::dns {

// The TTL of a record whose ttl is 0 (not set).
inline constexpr uint32_t kDefaultTtl = 3600;

// Whether Cairn manages records of `type` ("A", "NS"): A, AAAA, CNAME, MX,
// TXT, SRV, CAA and NS. The apex NS may be declared, but is never deleted.
bool IsManagedType(std::string_view type);

// A record set: owner name and type, TTL, values.
struct RecordSet {
  // Relative to the zone, lower case: "www", "@" for the apex.
  std::string name;
  // Upper case: "MX".
  std::string type;
  uint32_t ttl = 0;
  // Canonical presentation ("10 mail.example.org.", "\"v=spf1 -all\""),
  // sorted, without duplicates.
  std::vector<std::string> values;

  // "www A", the id of the plan's resource.
  std::string Id() const { return name + " " + type; }
};

// Record sets by (name, type).
using SetKey = std::pair<std::string, std::string>;
using RecordSets = std::map<SetKey, RecordSet>;

// A zone's origin.
class Origin {
 public:
  // "example.org" or "example.org."; InvalidArgument when it is not a
  // domain name.
  static absl::StatusOr<Origin> Parse(std::string_view zone);

  // "example.org." (absolute, lower case).
  const std::string& text() const { return text_; }
  const ldns_rdf* dname() const { return dname_.get(); }

  // An owner name as a record declares it ("www", "@", "www.example.org.")
  // made relative ("www", "@"); InvalidArgument outside the zone.
  absl::StatusOr<std::string> Relative(std::string_view name) const;
  // The relative name of an owner read from the server.
  std::string Relative(const ldns_rdf* owner) const;
  // "www" -> "www.example.org.", "@" -> "example.org.".
  std::string Absolute(std::string_view relative) const;

 private:
  std::string text_;
  std::shared_ptr<ldns_rdf> dname_;
};

// The record set `record` declares, canonical. InvalidArgument naming the
// record ("record 'www A' in zone example.org") for an unmanaged type, no
// values, a value its type does not allow, or a CNAME with more than one
// value or at the apex.
absl::StatusOr<RecordSet> CanonicalSet(const Origin& origin,
                                       const v1::DnsRecord& record);

// Every declared set; also InvalidArgument for one set declared twice and
// for a CNAME beside other declared data.
absl::StatusOr<RecordSets> CanonicalSets(
    const Origin& origin, const std::vector<v1::DnsRecord>& records);

// The set `record` belongs to: its relative owner name and its type in
// upper case. InvalidArgument when the name is not one of the zone.
absl::StatusOr<SetKey> KeyOf(const Origin& origin, const v1::DnsRecord& record);

// A zone as a transfer found it.
struct ServerZone {
  // The sets of managed types, the apex NS included.
  RecordSets sets;
  // Every type present at each owner name, managed or not.
  std::map<std::string, std::set<std::string>> types;
};

// Groups a transfer's records by owner and type.
ServerZone GroupRecords(const Origin& origin, const ldns_rr_list* records);

// The canonical presentation of `rr`'s data.
std::string CanonicalValue(ldns_rr* rr);

// One record of set `name`/`type` with a value in canonical presentation
// (as CanonicalSet makes them), class IN; InvalidArgument when the value
// does not parse.
absl::StatusOr<RrPtr> MakeRecord(const Origin& origin, std::string_view name,
                                 std::string_view type, uint32_t ttl,
                                 std::string_view value);

// Values as a FieldChange shows them: sorted, joined by ", ".
std::string JoinValues(const std::vector<std::string>& values);
// The inverse: splits at ", " outside quoted strings.
std::vector<std::string> SplitValues(std::string_view joined);

// SHA-256 (hex) of the declared sets in canonical form.
std::string Digest(const Origin& origin, const RecordSets& sets);

}  // namespace cairn::dns

#endif  // CAIRN_DNS_RECORDS_H_
