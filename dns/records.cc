#include "dns/records.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "base/digest.h"
#include "base/strings.h"

namespace cairn::dns {
namespace {

constexpr const char* kManagedTypes[] = {"A",   "AAAA", "CNAME", "MX",
                                         "TXT", "SRV",  "CAA",   "NS"};
constexpr uint32_t kMaxTtl = 0x7fffffff;  // RFC 2181 8.
constexpr size_t kMaxTxtString = 255;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string RdfText(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s != nullptr ? s : "";
  free(s);
  return out;
}

std::string ZoneForHumans(const Origin& origin) {
  std::string z = origin.text();
  if (z.size() > 1) z.pop_back();
  return z;
}

std::string Label(const Origin& origin, const v1::DnsRecord& record) {
  return StrCat("record '", record.name(), " ", record.type(), "' in zone ",
                ZoneForHumans(origin));
}

absl::Status Invalid(const Origin& origin, const v1::DnsRecord& record,
                     std::string_view why) {
  return absl::InvalidArgumentError(StrCat(Label(origin, record), ": ", why));
}

// One character-string in presentation form: quoted, '"' and '\' escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Checks that quotes are closed and that nothing outside them would make
// the zone-file parser read a comment (;) or a group (parentheses).
absl::Status CheckPresentation(std::string_view value) {
  bool quoted = false;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == ';' || c == '(' || c == ')')) {
      return absl::InvalidArgumentError(StrCat(
          "'", value, "' has a '", std::string(1, c), "' outside quotes"));
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        StrCat("'", value, "' has an unclosed quote"));
  }
  return absl::OkStatus();
}

// A declared value as the zone-file parser should read it. A TXT value
// not starting with '"' is one text, split into strings of 255 bytes; a
// CAA value's third field is quoted when it is not.
absl::StatusOr<std::string> Prepare(std::string_view type,
                                    std::string_view value) {
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError(
          "a value has a control character (write it as \\DDD)");
    }
  }
  std::string out(value);
  if (type == "TXT" && !StartsWith(value, "\"")) {
    out.clear();
    size_t i = 0;
    do {
      if (!out.empty()) out += ' ';
      out += Quote(value.substr(i, kMaxTxtString));
      i += kMaxTxtString;
    } while (i < value.size());
    return out;
  }
  if (type == "CAA") {
    // FLAGS TAG VALUE
    size_t a = value.find_first_not_of(' ');
    size_t b = a == std::string_view::npos ? a : value.find(' ', a);
    size_t c =
        b == std::string_view::npos ? b : value.find_first_not_of(' ', b);
    size_t d = c == std::string_view::npos ? c : value.find(' ', c);
    size_t e =
        d == std::string_view::npos ? d : value.find_first_not_of(' ', d);
    if (e != std::string_view::npos && value[e] != '"') {
      out = StrCat(value.substr(0, e), Quote(value.substr(e)));
    }
  }
  absl::Status st = CheckPresentation(out);
  if (!st.ok()) return st;
  return out;
}

}  // namespace

bool IsManagedType(std::string_view type) {
  for (const char* t : kManagedTypes) {
    if (type == t) return true;
  }
  return false;
}

absl::StatusOr<Origin> Origin::Parse(std::string_view zone) {
  std::string name = Lower(zone);
  if (EndsWith(name, ".")) name.pop_back();
  bool ok = !name.empty() && name.size() < 254;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.')) {
      ok = false;
    }
  }
  ldns_rdf* dname = ok ? ldns_dname_new_frm_str(name.c_str()) : nullptr;
  if (dname == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("zone '", zone, "' is not a domain name"));
  }
  ldns_dname2canonical(dname);
  Origin o;
  o.dname_ = std::shared_ptr<ldns_rdf>(dname, ldns_rdf_deep_free);
  o.text_ = RdfText(dname);
  return o;
}

absl::StatusOr<std::string> Origin::Relative(std::string_view name) const {
  if (name == "@") return std::string("@");
  bool ok = !name.empty();
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.' || c == '*')) {
      ok = false;
    }
  }
  std::string absolute =
      EndsWith(name, ".") ? std::string(name) : StrCat(name, ".", text_);
  RdfPtr rdf(ok ? ldns_dname_new_frm_str(absolute.c_str()) : nullptr);
  if (rdf == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("'", name, "' is not a domain name"));
  }
  ldns_dname2canonical(rdf.get());
  if (ldns_dname_compare(rdf.get(), dname()) != 0 &&
      !ldns_dname_is_subdomain(rdf.get(), dname())) {
    return absl::InvalidArgumentError(
        StrCat("'", name, "' is outside the zone"));
  }
  return Relative(rdf.get());
}

std::string Origin::Relative(const ldns_rdf* owner) const {
  RdfPtr copy(ldns_rdf_clone(owner));
  ldns_dname2canonical(copy.get());
  std::string text = RdfText(copy.get());
  if (text == text_) return "@";
  std::string suffix = StrCat(".", text_);
  if (EndsWith(text, suffix)) text.resize(text.size() - suffix.size());
  return text;
}

std::string Origin::Absolute(std::string_view relative) const {
  if (relative == "@") return text_;
  if (EndsWith(relative, ".")) return std::string(relative);
  return StrCat(relative, ".", text_);
}

std::string CanonicalValue(ldns_rr* rr) {
  ldns_rr2canonical(rr);
  std::string out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    if (i > 0) out += ' ';
    out += RdfText(ldns_rr_rdf(rr, i));
  }
  return out;
}

absl::StatusOr<RrPtr> MakeRecord(const Origin& origin, std::string_view name,
                                 std::string_view type, uint32_t ttl,
                                 std::string_view value) {
  std::string text =
      StrCat(origin.Absolute(name), " ", ttl, " IN ", type, " ", value);
  ldns_rr* raw = nullptr;
  ldns_status st =
      ldns_rr_new_frm_str(&raw, text.c_str(), 0, origin.dname(), nullptr);
  RrPtr rr(raw);
  if (st != LDNS_STATUS_OK || rr == nullptr) {
    return absl::InvalidArgumentError(StrCat("'", value, "' is not a valid ",
                                             type, " value (",
                                             ldns_get_errorstr_by_id(st), ")"));
  }
  char* parsed_type = ldns_rr_type2str(ldns_rr_get_type(rr.get()));
  bool same_type = parsed_type != nullptr && type == parsed_type;
  free(parsed_type);
  if (!same_type) {
    return absl::InvalidArgumentError(
        StrCat("'", value, "' is not a valid ", type, " value"));
  }
  return rr;
}

absl::StatusOr<RecordSet> CanonicalSet(const Origin& origin,
                                       const v1::DnsRecord& record) {
  RecordSet set;
  set.type = Upper(record.type());
  if (!IsManagedType(set.type)) {
    return Invalid(origin, record,
                   StrCat("type '", record.type(),
                          "' is not one Cairn manages (A, AAAA, CNAME, MX, "
                          "TXT, SRV, CAA, NS)"));
  }
  absl::StatusOr<std::string> name = origin.Relative(record.name());
  if (!name.ok())
    return Invalid(origin, record, std::string(name.status().message()));
  set.name = *name;
  if (record.values().empty()) return Invalid(origin, record, "no values");
  if (record.ttl() > kMaxTtl) {
    return Invalid(origin, record, "ttl is over 2147483647");
  }
  set.ttl = record.ttl() == 0 ? kDefaultTtl : record.ttl();
  for (const std::string& value : record.values()) {
    absl::StatusOr<std::string> prepared = Prepare(set.type, value);
    if (!prepared.ok()) {
      return Invalid(origin, record, std::string(prepared.status().message()));
    }
    absl::StatusOr<RrPtr> rr =
        MakeRecord(origin, set.name, set.type, set.ttl, *prepared);
    if (!rr.ok())
      return Invalid(origin, record, std::string(rr.status().message()));
    set.values.push_back(CanonicalValue(rr->get()));
  }
  std::sort(set.values.begin(), set.values.end());
  set.values.erase(std::unique(set.values.begin(), set.values.end()),
                   set.values.end());
  if (set.type == "CNAME" && set.values.size() > 1) {
    return Invalid(origin, record, "a CNAME has exactly one value");
  }
  if (set.type == "CNAME" && set.name == "@") {
    return Invalid(origin, record,
                   "a CNAME cannot be at the apex, beside the SOA and NS");
  }
  return set;
}

absl::StatusOr<RecordSets> CanonicalSets(
    const Origin& origin, const std::vector<v1::DnsRecord>& records) {
  RecordSets sets;
  std::map<std::string, std::vector<const v1::DnsRecord*>> by_name;
  for (const v1::DnsRecord& record : records) {
    absl::StatusOr<RecordSet> set = CanonicalSet(origin, record);
    if (!set.ok()) return set.status();
    SetKey key{set->name, set->type};
    if (sets.count(key) > 0) {
      return Invalid(origin, record,
                     "declared twice; give one record all the values");
    }
    by_name[set->name].push_back(&record);
    sets.emplace(std::move(key), *std::move(set));
  }
  for (const auto& [name, declared] : by_name) {
    if (declared.size() < 2) continue;
    for (const v1::DnsRecord* record : declared) {
      if (Upper(record->type()) == "CNAME") {
        return Invalid(origin, *record,
                       StrCat("'", name,
                              "' has other records too; a CNAME cannot be "
                              "beside other data"));
      }
    }
  }
  return sets;
}

absl::StatusOr<SetKey> KeyOf(const Origin& origin,
                             const v1::DnsRecord& record) {
  absl::StatusOr<std::string> name = origin.Relative(record.name());
  if (!name.ok()) return name.status();
  return SetKey{*std::move(name), Upper(record.type())};
}

ServerZone GroupRecords(const Origin& origin, const ldns_rr_list* records) {
  ServerZone zone;
  for (size_t i = 0; i < ldns_rr_list_rr_count(records); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(records, i);
    std::string name = origin.Relative(ldns_rr_owner(rr));
    char* type_text = ldns_rr_type2str(ldns_rr_get_type(rr));
    std::string type = type_text != nullptr ? type_text : "?";
    free(type_text);
    zone.types[name].insert(type);
    if (!IsManagedType(type)) continue;
    RecordSet& set = zone.sets[{name, type}];
    if (set.values.empty() || ldns_rr_ttl(rr) < set.ttl) {
      set.ttl = ldns_rr_ttl(rr);
    }
    set.name = name;
    set.type = type;
    RrPtr copy(ldns_rr_clone(rr));
    set.values.push_back(CanonicalValue(copy.get()));
  }
  for (auto& [key, set] : zone.sets) {
    std::sort(set.values.begin(), set.values.end());
    set.values.erase(std::unique(set.values.begin(), set.values.end()),
                     set.values.end());
  }
  return zone;
}

std::string JoinValues(const std::vector<std::string>& values) {
  return StrJoin(values, ", ");
}

std::vector<std::string> SplitValues(std::string_view joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < joined.size(); ++i) {
    char c = joined[i];
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',' && i + 1 < joined.size() &&
               joined[i + 1] == ' ') {
      out.emplace_back(joined.substr(start, i - start));
      start = i + 2;
      ++i;
    }
  }
  out.emplace_back(joined.substr(start));
  return out;
}

std::string Digest(const Origin& origin, const RecordSets& sets) {
  std::string text = StrCat("zone ", origin.text(), "\n");
  for (const auto& [key, set] : sets) {
    StrAppend(&text, set.name, " ", set.type, " ", set.ttl, "\t",
              StrJoin(set.values, "\t"), "\n");
  }
  return Sha256Hex(text);
}

}  // namespace cairn::dns
