#ifndef CAIRN_DNS_DNS_H_
#define CAIRN_DNS_DNS_H_

// DNS zones, reconciled by the controller rather than an agent: read what
// the zone's primary server holds (AXFR, TSIG-signed), compare it with the
// record sets the configuration declares, and send the difference as one
// RFC 2136 UPDATE (TSIG, HMAC-SHA256) per zone.
//
// Cairn manages record sets (owner name + type) of the types A, AAAA,
// CNAME, MX, TXT, SRV, CAA, and NS below the apex. A declared record set
// replaces the server's set of the same name and type entirely. Sets that
// nothing declares are left alone, unless they were declared at the last
// apply (`previous`: the configuration dropped them, so they go) or the
// zone is `exclusive` (then every set of a managed type goes, except SOA
// and the apex NS).

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/cairn/v1/plan.pb.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::dns {

struct ZoneTarget {
  // name, server (HOST:PORT, port 53 when absent), exclusive, and tsig:
  // "hmac-sha256:KEYNAME:BASE64SECRET" — a secret, never printed.
  v1::Zone zone;
  // The record sets declared now (DnsRecord.zone is zone.name).
  std::vector<v1::DnsRecord> records;
  // The record sets declared at the last apply (from the state store).
  std::vector<v1::DnsRecord> previous;
};

struct Options {
  // For each query and for the update.
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
};

// What applying `target` would change, read from the server: one
// ResourceDiff per record set that differs (kind "record", id "NAME TYPE"
// with NAME relative to the zone, "@" for the apex; fields "values" and
// "ttl", only those that differ for an UPDATE; CREATE, UPDATE or DELETE).
// Values are compared in canonical form (names absolute, lower case; TXT
// quoted), so "10 mail" and "10 mail.example.org." are the same MX, and
// shown sorted, joined by ", ". A TXT value not starting with '"' is one
// text; a ttl of 0 means 3600. Changes nothing.
// InvalidArgument for a declared record the server would reject (a bad
// address, a CNAME beside other data), naming the record, or a malformed
// key or server, before any traffic; Unavailable when the server does not
// answer in time; PermissionDenied when it rejects the TSIG key or refuses
// the transfer (the error names the key, never its secret);
// Unauthenticated when its answer is not signed with the key.
absl::StatusOr<v1::ZonePlan> Plan(const ZoneTarget& target,
                                  const Options& options);

// Makes `plan`'s changes in one UPDATE. Each changed or deleted record set
// is a prerequisite of the update, as the plan saw it (a set to create:
// that it does not exist): when someone changed the zone since, the server
// refuses the whole update and this returns FailedPrecondition ("zone
// example.org changed since plan: ..."); nothing is half-applied. Also
// FailedPrecondition, before any traffic, when `target` declares other
// records than the plan was made for (records_digest). ResourceExhausted
// when the update would not fit in one DNS message (64 KiB). Otherwise the
// errors of Plan. OK at once when the plan has no changes.
absl::Status Apply(const ZoneTarget& target, const v1::ZonePlan& plan,
                   const Options& options);

}  // namespace cairn::dns

#endif  // CAIRN_DNS_DNS_H_
