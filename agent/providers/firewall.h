#ifndef CAIRN_AGENT_PROVIDERS_FIREWALL_H_
#define CAIRN_AGENT_PROVIDERS_FIREWALL_H_

// The firewall: one nftables table that Cairn owns, `table inet cairn`,
// rendered from a cairn.v1.Firewall and replaced atomically. Other tables
// are left alone; note that a packet must pass every table's chains on a
// hook, so our drop policy holds whatever they accept, but their drops
// also hold whatever we accept.
//
// The provider (firewall.cc) keeps, in /var/lib/cairn:
//   firewall.nft           the last script it loaded (also loaded at boot
//                          by cairn-firewall.service);
//   firewall.live          `nft list table inet cairn` right after that
//                          load, so that Check notices a table changed by
//                          hand (or lost) without parsing nft's output;
//   firewall.rollback.nft  while a change awaits Confirm: the script that
//                          restores the table as it was before it.
// A firewall with ensure = absent removes the table and all of these, and
// is applied without commit-confirm: it cannot cut the controller off.
// The engine calls, for commit-confirm: SaveForRollback before Apply;
// DiscardRollback on Confirm, or when Apply failed (a failed Apply leaves
// the table as it was); Rollback when the deadline passes, and at start
// when RollbackPending says a change was never confirmed (a reboot
// meanwhile already loaded the previous table: see BootUnit).

#include <string>

#include "absl/status/statusor.h"
#include "agent/host/host.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent::firewall {

inline constexpr std::string_view kStateDir = "/var/lib/cairn";
inline constexpr std::string_view kScriptPath = "/var/lib/cairn/firewall.nft";
inline constexpr std::string_view kListingPath = "/var/lib/cairn/firewall.live";
inline constexpr std::string_view kRollbackPath =
    "/var/lib/cairn/firewall.rollback.nft";
inline constexpr std::string_view kBootUnitPath =
    "/etc/systemd/system/cairn-firewall.service";
inline constexpr std::string_view kBootWantsPath =
    "/etc/systemd/system/sysinit.target.wants/cairn-firewall.service";

// The nft script for `firewall`: it declares table inet cairn, deletes it
// and declares it anew, so that one `nft -f` replaces the whole table in a
// single transaction (never a moment without rules, nothing left of the
// old table). Each of the input and output chains accepts established and
// related traffic, loopback and IPv6 neighbour discovery (and MLD) before
// the rules; then come the rules in order, then the policy. Each set
// becomes NAME_v4 and NAME_v6; a rule is split by address family when it
// names addresses. InvalidArgument, naming the rule by its comment, for a
// protocol other than tcp, udp, icmp, icmpv6 or any, a bad port or
// address, ports on icmp, an unknown set, or a rule that can match nothing
// (icmp from an IPv6 address).
absl::StatusOr<std::string> Render(const v1::Firewall& firewall);

// Whether `firewall` lets SSH in, by the compiler's measure (W0002): the
// inbound policy accepts, or some allow rule for tcp (or any protocol)
// covers port 22 from anywhere or somewhere. allow_no_ssh counts as yes.
bool AllowsSsh(const v1::Firewall& firewall);

// The content of the boot unit cairn-firewall.service.
std::string BootUnit();

// Keeps the table as it is now (or its absence) in kRollbackPath, to be
// restored by Rollback. Call before applying a firewall.
absl::Status SaveForRollback(Host& host);

// Restores the table kept by SaveForRollback with one `nft -f`, and makes
// it the one loaded at boot. FailedPrecondition when none is kept.
absl::Status Rollback(Host& host);

// Forgets the kept table: the new one is confirmed.
absl::Status DiscardRollback(Host& host);

// Whether SaveForRollback kept a table that was neither restored nor
// discarded.
absl::StatusOr<bool> RollbackPending(Host& host);

}  // namespace cairn::agent::firewall

#endif  // CAIRN_AGENT_PROVIDERS_FIREWALL_H_
