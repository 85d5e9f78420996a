#ifndef CAIRN_DNS_WIRE_H_
#define CAIRN_DNS_WIRE_H_

// Talking to a DNS server: TSIG keys, TCP exchanges and zone transfers,
// over libldns's packets. Internal to dns/; dns.h is the public face.

// Before libldns, whose common.h otherwise defines bool, true and false as
// macros in C++.
#include <stdbool.h>
// clang-format off
#include <ldns/ldns.h>
// clang-format on

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cairn::dns {

// Owners of libldns objects.
struct LdnsFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using PktPtr = std::unique_ptr<ldns_pkt, LdnsFree>;
using RrPtr = std::unique_ptr<ldns_rr, LdnsFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, LdnsFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsFree>;

// A TSIG key. The secret never appears in a Status or a log.
struct TsigKey {
  // "hmac-sha256." as libldns names it.
  std::string algorithm;
  // Absolute and lower case: "cairn-key.".
  std::string name;
  // Base64, as given.
  std::string secret;
};

// Parses "hmac-sha256:NAME:BASE64SECRET". InvalidArgument, without the
// secret, when it is not that; only HMAC-SHA256 is accepted.
absl::StatusOr<TsigKey> ParseTsigKey(std::string_view text);

// A server to talk to: "HOST:PORT", "[V6]:PORT", or HOST alone (port 53).
struct Endpoint {
  std::string host;
  uint16_t port = 53;
  // As given, for messages.
  std::string display;
};

// Parses a server address; InvalidArgument when it is not one.
absl::StatusOr<Endpoint> ParseEndpoint(std::string_view server);

// When an exchange must be over.
using Deadline = std::chrono::steady_clock::time_point;

// Signs `query` with `key` (it gets a fresh id first), sends it to
// `server` over TCP and returns the answer, whatever its RCODE, once its
// TSIG checks out. Unavailable when the server cannot be reached or does
// not answer by `deadline`; PermissionDenied when the server rejects the
// key (TSIG error BADKEY, BADSIG, BADTIME); Unauthenticated when a NOERROR
// answer is not signed with the key.
absl::StatusOr<PktPtr> Exchange(const Endpoint& server, const TsigKey& key,
                                ldns_pkt* query, Deadline deadline);

// What a zone transfer brought.
struct Transfer {
  // Every record, the closing SOA left out.
  RrListPtr records;
  // How many DNS messages carried them (each TSIG-checked).
  int messages = 0;
};

// Transfers `zone` (AXFR over TCP, TSIG-signed) and checks the TSIG of
// every message of the answer. Errors as for Exchange, and RcodeStatus's
// for an answer that refuses the transfer.
absl::StatusOr<Transfer> Axfr(const Endpoint& server, const TsigKey& key,
                              const ldns_rdf* zone, Deadline deadline);

// The mnemonic of a DNS RCODE ("NXRRSET") or TSIG error ("BADSIG").
std::string RcodeName(int rcode);

// The Status for an answer with a failing RCODE: PermissionDenied for
// REFUSED and NOTAUTH, Unavailable for SERVFAIL, Internal otherwise.
// `what` says what was asked ("update of zone example.org").
absl::Status RcodeStatus(int rcode, const Endpoint& server, const TsigKey& key,
                         std::string_view what);

}  // namespace cairn::dns

#endif  // CAIRN_DNS_WIRE_H_
