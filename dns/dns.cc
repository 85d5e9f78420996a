#include "dns/dns.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/strings.h"
#include "dns/records.h"
#include "dns/wire.h"

namespace cairn::dns {
namespace {

// What Plan and Apply both need, checked before any network traffic.
struct Zone {
  Origin origin;
  RecordSets declared;
  TsigKey key;
  Endpoint server;
};

absl::StatusOr<Zone> Load(const ZoneTarget& target) {
  absl::StatusOr<Origin> origin = Origin::Parse(target.zone.name());
  if (!origin.ok()) return origin.status();
  absl::StatusOr<RecordSets> declared = CanonicalSets(*origin, target.records);
  if (!declared.ok()) return declared.status();
  absl::StatusOr<TsigKey> key = ParseTsigKey(target.zone.tsig());
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        StrCat("zone ", target.zone.name(), ": ",
               std::string(key.status().message())));
  }
  absl::StatusOr<Endpoint> server = ParseEndpoint(target.zone.server());
  if (!server.ok()) {
    return absl::InvalidArgumentError(
        StrCat("zone ", target.zone.name(), ": ",
               std::string(server.status().message())));
  }
  return Zone{*std::move(origin), *std::move(declared), *std::move(key),
              *std::move(server)};
}

// The apex NS is never deleted, only replaced by a declared set.
bool Deletable(const SetKey& key) {
  return !(key.first == "@" && key.second == "NS");
}

v1::ResourceDiff* AddDiff(v1::ZonePlan& plan, const RecordSet& set,
                          v1::ResourceDiff::Action action) {
  v1::ResourceDiff* diff = plan.add_changes();
  diff->mutable_resource()->set_kind("record");
  diff->mutable_resource()->set_id(set.Id());
  diff->set_action(action);
  return diff;
}

void AddField(v1::ResourceDiff* diff, const char* field, std::string current,
              std::string desired) {
  v1::FieldChange* change = diff->add_changes();
  change->set_field(field);
  change->set_current(std::move(current));
  change->set_desired(std::move(desired));
}

std::string Ttl(const RecordSet& set) { return StrCat(set.ttl); }

// A CNAME cannot share its name with other data (RFC 1034 3.6.2); a
// server would silently drop such an addition, and the plan would never
// settle. DNSSEC records may sit beside a CNAME.
absl::Status CheckCnames(const Zone& zone, const ServerZone& server,
                         const std::set<SetKey>& removed) {
  for (const auto& [key, set] : zone.declared) {
    auto types = server.types.find(key.first);
    if (types == server.types.end()) continue;
    std::vector<std::string> others;
    for (const std::string& type : types->second) {
      SetKey other{key.first, type};
      if (type == key.second || removed.count(other) > 0 ||
          zone.declared.count(other) > 0) {
        continue;
      }
      bool clash = key.second == "CNAME"
                       ? !(type == "RRSIG" || type == "NSEC" || type == "KEY")
                       : type == "CNAME";
      if (clash) others.push_back(type);
    }
    if (others.empty()) continue;
    std::string zone_name = zone.origin.text();
    zone_name.pop_back();
    return absl::InvalidArgumentError(StrCat(
        "record '", set.Id(), "' in zone ", zone_name, ": '", key.first,
        "' has ", StrJoin(others, ", "),
        " data on the server that the configuration does not remove, and a "
        "CNAME cannot be beside other data"));
  }
  return absl::OkStatus();
}

// The "RRset does not exist" prerequisite, and the "delete an RRset"
// update (RFC 2136 2.4.3, 2.5.2): no data, TTL 0.
absl::StatusOr<RrPtr> EmptyRecord(const Origin& origin, std::string_view name,
                                  std::string_view type,
                                  ldns_rr_class rr_class) {
  RrPtr rr(ldns_rr_new());
  ldns_rdf* owner = ldns_dname_new_frm_str(origin.Absolute(name).c_str());
  if (rr == nullptr || owner == nullptr) {
    ldns_rdf_deep_free(owner);
    return absl::InvalidArgumentError(
        StrCat("the plan names '", name, "', which is not a domain name"));
  }
  ldns_rr_set_owner(rr.get(), owner);
  ldns_rr_set_type(rr.get(),
                   ldns_get_rr_type_by_name(std::string(type).c_str()));
  ldns_rr_set_class(rr.get(), rr_class);
  ldns_rr_set_ttl(rr.get(), 0);
  return rr;
}

// Adds to `list` one record per value, with `rr_class` and `ttl`.
absl::Status AddRecords(ldns_rr_list* list, const Origin& origin,
                        std::string_view name, std::string_view type,
                        const std::vector<std::string>& values, uint32_t ttl,
                        ldns_rr_class rr_class) {
  for (const std::string& value : values) {
    absl::StatusOr<RrPtr> rr = MakeRecord(origin, name, type, ttl, value);
    if (!rr.ok()) {
      return absl::InvalidArgumentError(
          StrCat("the plan's record '", name, " ", type,
                 "': ", std::string(rr.status().message())));
    }
    ldns_rr_set_class(rr->get(), rr_class);
    ldns_rr_list_push_rr(list, rr->release());
  }
  return absl::OkStatus();
}

absl::Status AddEmpty(ldns_rr_list* list, const Origin& origin,
                      std::string_view name, std::string_view type,
                      ldns_rr_class rr_class) {
  absl::StatusOr<RrPtr> rr = EmptyRecord(origin, name, type, rr_class);
  if (!rr.ok()) return rr.status();
  ldns_rr_list_push_rr(list, rr->release());
  return absl::OkStatus();
}

const v1::FieldChange* Field(const v1::ResourceDiff& diff, const char* name) {
  for (const v1::FieldChange& change : diff.changes()) {
    if (change.field() == name) return &change;
  }
  return nullptr;
}

// Adds one change of the plan to the update: its prerequisite (the set as
// the plan saw it) and its updates.
absl::Status AddChange(const Zone& zone, const std::string& zone_name,
                       const v1::ResourceDiff& diff, ldns_rr_list* prereqs,
                       ldns_rr_list* updates) {
  const std::string& id = diff.resource().id();
  size_t space = id.rfind(' ');
  if (diff.resource().kind() != "record" || space == std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("the plan of zone ", zone_name, " has a change of ",
               diff.resource().kind(), " '", id, "', not of a record"));
  }
  const std::string name = id.substr(0, space);
  const std::string type = id.substr(space + 1);
  if (!IsManagedType(type)) {
    return absl::InvalidArgumentError(
        StrCat("the plan of zone ", zone_name, " changes record '", id,
               "', of a type Cairn does not manage"));
  }
  auto desired = zone.declared.find({name, type});
  const v1::FieldChange* values = Field(diff, "values");
  const bool needs_desired = diff.action() == v1::ResourceDiff::ACTION_CREATE ||
                             diff.action() == v1::ResourceDiff::ACTION_UPDATE;
  if (needs_desired && desired == zone.declared.end()) {
    return absl::FailedPreconditionError(
        StrCat("the plan of zone ", zone_name, " sets record '", id,
               "', which the configuration no longer declares; plan again"));
  }
  if (needs_desired && values != nullptr &&
      values->desired() != JoinValues(desired->second.values)) {
    return absl::FailedPreconditionError(
        StrCat("record '", id, "' in zone ", zone_name,
               " is declared differently since the plan; plan again"));
  }
  // The set as the plan saw it: the values that changed, or the desired
  // ones when only the TTL did.
  std::vector<std::string> current;
  if (values != nullptr) {
    current = SplitValues(values->current());
  } else if (desired != zone.declared.end()) {
    current = desired->second.values;
  }
  absl::Status st;
  switch (diff.action()) {
    case v1::ResourceDiff::ACTION_CREATE:
      st = AddEmpty(prereqs, zone.origin, name, type, LDNS_RR_CLASS_NONE);
      if (!st.ok()) return st;
      return AddRecords(updates, zone.origin, name, type,
                        desired->second.values, desired->second.ttl,
                        LDNS_RR_CLASS_IN);
    case v1::ResourceDiff::ACTION_UPDATE:
      if (current.empty()) break;
      st = AddRecords(prereqs, zone.origin, name, type, current, 0,
                      LDNS_RR_CLASS_IN);
      if (!st.ok()) return st;
      if (Deletable({name, type})) {
        st = AddEmpty(updates, zone.origin, name, type, LDNS_RR_CLASS_ANY);
      } else {
        // A server ignores deleting the apex NS set (RFC 2136 3.4.2.3):
        // drop the values that go, one by one.
        std::vector<std::string> going;
        for (const std::string& value : current) {
          const auto& keep = desired->second.values;
          if (std::find(keep.begin(), keep.end(), value) == keep.end()) {
            going.push_back(value);
          }
        }
        st = AddRecords(updates, zone.origin, name, type, going, 0,
                        LDNS_RR_CLASS_NONE);
      }
      if (!st.ok()) return st;
      return AddRecords(updates, zone.origin, name, type,
                        desired->second.values, desired->second.ttl,
                        LDNS_RR_CLASS_IN);
    case v1::ResourceDiff::ACTION_DELETE:
      if (current.empty() || !Deletable({name, type})) break;
      st = AddRecords(prereqs, zone.origin, name, type, current, 0,
                      LDNS_RR_CLASS_IN);
      if (!st.ok()) return st;
      return AddEmpty(updates, zone.origin, name, type, LDNS_RR_CLASS_ANY);
    default:  // A plan from elsewhere: nothing else is a record change.
      break;
  }
  return absl::InvalidArgumentError(
      StrCat("the plan of zone ", zone_name, " has a change of record '", id,
             "' that Cairn cannot make (",
             v1::ResourceDiff::Action_Name(diff.action()), ")"));
}

}  // namespace

absl::StatusOr<v1::ZonePlan> Plan(const ZoneTarget& target,
                                  const Options& options) {
  absl::StatusOr<Zone> zone = Load(target);
  if (!zone.ok()) return zone.status();
  std::set<SetKey> previous;
  for (const v1::DnsRecord& record : target.previous) {
    // A name that no longer parses cannot be on the server either.
    absl::StatusOr<SetKey> key = KeyOf(zone->origin, record);
    if (key.ok()) previous.insert(*std::move(key));
  }

  absl::StatusOr<Transfer> transfer =
      Axfr(zone->server, zone->key, zone->origin.dname(),
           std::chrono::steady_clock::now() + options.timeout);
  if (!transfer.ok()) return transfer.status();
  const ServerZone server = GroupRecords(zone->origin, transfer->records.get());

  v1::ZonePlan plan;
  plan.set_zone(target.zone.name());
  plan.set_server(zone->server.display);
  plan.set_status(v1::PLAN_STATUS_OK);
  plan.set_records_digest(Digest(zone->origin, zone->declared));
  for (const auto& [key, set] : zone->declared) {
    auto found = server.sets.find(key);
    const RecordSet* current =
        found == server.sets.end() ? nullptr : &found->second;
    if (current == nullptr) {
      v1::ResourceDiff* diff =
          AddDiff(plan, set, v1::ResourceDiff::ACTION_CREATE);
      AddField(diff, "values", "", JoinValues(set.values));
      AddField(diff, "ttl", "", Ttl(set));
    } else if (current->values == set.values && current->ttl == set.ttl) {
      plan.set_unchanged(plan.unchanged() + 1);
    } else {
      v1::ResourceDiff* diff =
          AddDiff(plan, set, v1::ResourceDiff::ACTION_UPDATE);
      if (current->values != set.values) {
        AddField(diff, "values", JoinValues(current->values),
                 JoinValues(set.values));
      }
      if (current->ttl != set.ttl) {
        AddField(diff, "ttl", Ttl(*current), Ttl(set));
      }
    }
  }
  std::set<SetKey> removed;
  for (const auto& [key, set] : server.sets) {
    if (zone->declared.count(key) > 0 || !Deletable(key)) continue;
    if (!target.zone.exclusive() && previous.count(key) == 0) continue;
    v1::ResourceDiff* diff =
        AddDiff(plan, set, v1::ResourceDiff::ACTION_DELETE);
    AddField(diff, "values", JoinValues(set.values), "");
    AddField(diff, "ttl", Ttl(set), "");
    removed.insert(key);
  }
  absl::Status st = CheckCnames(*zone, server, removed);
  if (!st.ok()) return st;
  return plan;
}

absl::Status Apply(const ZoneTarget& target, const v1::ZonePlan& plan,
                   const Options& options) {
  if (plan.changes().empty()) return absl::OkStatus();
  absl::StatusOr<Zone> zone = Load(target);
  if (!zone.ok()) return zone.status();
  const std::string& zone_name = target.zone.name();
  if (plan.zone() != zone_name) {
    return absl::InvalidArgumentError(StrCat(
        "the plan is of zone ", plan.zone(), ", not of zone ", zone_name));
  }
  if (!plan.records_digest().empty() &&
      plan.records_digest() != Digest(zone->origin, zone->declared)) {
    return absl::FailedPreconditionError(
        StrCat("the records of zone ", zone_name,
               " are declared differently since the plan; plan again"));
  }
  RrListPtr prereqs(ldns_rr_list_new());
  RrListPtr updates(ldns_rr_list_new());
  for (const v1::ResourceDiff& diff : plan.changes()) {
    absl::Status st =
        AddChange(*zone, zone_name, diff, prereqs.get(), updates.get());
    if (!st.ok()) return st;
  }
  PktPtr update(ldns_update_pkt_new(ldns_rdf_clone(zone->origin.dname()),
                                    LDNS_RR_CLASS_IN, prereqs.get(),
                                    updates.get(), nullptr));
  if (update == nullptr) {
    return absl::InternalError("libldns could not make the update message");
  }
  ldns_pkt_set_rd(update.get(), false);
  absl::StatusOr<PktPtr> answer =
      Exchange(zone->server, zone->key, update.get(),
               std::chrono::steady_clock::now() + options.timeout);
  if (answer.status().code() == absl::StatusCode::kUnauthenticated) {
    // The server may well have made the change.
    return absl::UnauthenticatedError(
        StrCat(std::string(answer.status().message()), "; the update of zone ",
               zone_name, " may have been applied: plan again to see"));
  }
  if (!answer.ok()) return answer.status();
  const int rcode = ldns_pkt_get_rcode(answer->get());
  switch (rcode) {
    case LDNS_RCODE_NOERROR:
      return absl::OkStatus();
    case LDNS_RCODE_YXDOMAIN:
    case LDNS_RCODE_YXRRSET:
    case LDNS_RCODE_NXDOMAIN:
    case LDNS_RCODE_NXRRSET:
      return absl::FailedPreconditionError(StrCat(
          "zone ", zone_name, " changed since plan: ", zone->server.display,
          " answered ", RcodeName(rcode),
          " to the update's prerequisites; nothing was applied, plan again"));
    default:
      return RcodeStatus(rcode, zone->server, zone->key,
                         StrCat("update of zone ", zone_name));
  }
}

}  // namespace cairn::dns
