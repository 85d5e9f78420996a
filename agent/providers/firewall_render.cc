// Render: a cairn.v1.Firewall as an nft script. See firewall.h.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "agent/providers/firewall.h"
#include "base/strings.h"

namespace cairn::agent::firewall {
namespace {

enum Family { kV4, kV6 };

// The IPv6 housekeeping a link needs: neighbour discovery and MLD.
constexpr std::string_view kIcmpv6Housekeeping =
    "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
    "nd-router-solicit, nd-router-advert, mld-listener-query, "
    "mld-listener-report, mld-listener-done, mld2-listener-report } accept";

// An address or network, canonical.
struct Network {
  Family family;
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;  // 32 or 128 for an address.

  // Whether `other` lies inside this network.
  bool Contains(const Network& other) const {
    if (family != other.family || other.prefix < prefix) return false;
    for (int bit = 0; bit < prefix; ++bit) {
      int mask = 0x80 >> (bit % 8);
      if ((bytes[bit / 8] & mask) != (other.bytes[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  std::string ToString() const {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(family == kV4 ? AF_INET : AF_INET6, bytes.data(), text,
              sizeof text);
    int full = family == kV4 ? 32 : 128;
    return prefix == full ? std::string(text) : StrCat(text, "/", prefix);
  }

  bool operator<(const Network& o) const {
    return std::tie(family, bytes, prefix) <
           std::tie(o.family, o.bytes, o.prefix);
  }
};

// What goes wrong, with the rule it is in.
absl::Status Bad(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(where.empty() ? std::string(what)
                                                  : StrCat(where, ": ", what));
}

absl::StatusOr<Network> ParseNetwork(std::string_view text,
                                     std::string_view where) {
  Network network;
  std::string address(text);
  size_t slash = address.find('/');
  std::string prefix_text;
  if (slash != std::string::npos) {
    prefix_text = address.substr(slash + 1);
    address.resize(slash);
  }
  if (inet_pton(AF_INET, address.c_str(), network.bytes.data()) == 1) {
    network.family = kV4;
  } else if (inet_pton(AF_INET6, address.c_str(), network.bytes.data()) == 1) {
    network.family = kV6;
  } else {
    return Bad(where, StrCat("'", text,
                             "' is not an IPv4 or IPv6 address or network"));
  }
  int full = network.family == kV4 ? 32 : 128;
  network.prefix = full;
  if (slash != std::string::npos) {
    bool digits = !prefix_text.empty() && prefix_text.size() <= 3 &&
                  std::all_of(prefix_text.begin(), prefix_text.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    network.prefix = digits ? std::stoi(prefix_text) : -1;
    if (network.prefix < 0 || network.prefix > full) {
      return Bad(where, StrCat("'", text, "' has a bad prefix length"));
    }
  }
  Network masked = network;
  for (int bit = network.prefix; bit < full; ++bit) {
    masked.bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  }
  if (masked.bytes != network.bytes) {
    return Bad(where, StrCat("'", text, "' has host bits set: did you mean ",
                             masked.ToString(), "?"));
  }
  return network;
}

// Networks of one family, without duplicates or networks inside others,
// in order.
std::vector<std::string> Canonical(const std::vector<Network>& networks,
                                   Family family) {
  std::set<Network> sorted;
  for (const Network& n : networks) {
    if (n.family == family) sorted.insert(n);
  }
  std::vector<std::string> out;
  for (const Network& n : sorted) {
    bool inside =
        std::any_of(sorted.begin(), sorted.end(), [&](const Network& other) {
          return !(other.prefix == n.prefix && other.bytes == n.bytes) &&
                 other.Contains(n);
        });
    if (!inside) out.push_back(n.ToString());
  }
  return out;
}

// `{ a, b }`, or `a` alone.
std::string SetLiteral(const std::vector<std::string>& items) {
  if (items.size() == 1) return items[0];
  return StrCat("{ ", StrJoin(items, ", "), " }");
}

absl::StatusOr<int> ParsePort(std::string_view text, std::string_view where) {
  bool digits = !text.empty() && text.size() <= 5 &&
                std::all_of(text.begin(), text.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  int port = digits ? std::stoi(std::string(text)) : 0;
  if (port < 1 || port > 65535) {
    return Bad(where, StrCat("'", text, "' is not a port (1-65535)"));
  }
  return port;
}

// Ports and ranges, merged where they overlap or touch, as nft writes
// them: "22", "80-90".
absl::StatusOr<std::vector<std::string>> ParsePorts(
    const google::protobuf::RepeatedPtrField<std::string>& ports,
    std::string_view where) {
  std::vector<std::pair<int, int>> ranges;
  for (const std::string& text : ports) {
    size_t dash = text.find('-');
    absl::StatusOr<int> lo = ParsePort(text.substr(0, dash), where);
    if (!lo.ok()) return lo.status();
    absl::StatusOr<int> hi = dash == std::string::npos
                                 ? lo
                                 : ParsePort(text.substr(dash + 1), where);
    if (!hi.ok()) return hi.status();
    if (*hi < *lo) {
      return Bad(where, StrCat("the port range '", text, "' is backwards"));
    }
    ranges.push_back({*lo, *hi});
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int, int>> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, range.second);
    } else {
      merged.push_back(range);
    }
  }
  std::vector<std::string> out;
  for (const auto& [lo, hi] : merged) {
    out.push_back(lo == hi ? StrCat(lo) : StrCat(lo, "-", hi));
  }
  return out;
}

bool ValidSetName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string SetName(std::string_view name, Family family) {
  return StrCat(name, family == kV4 ? "_v4" : "_v6");
}

// The address matches of one side of a rule (from or to) for one family:
// one term per set and one for the addresses. No terms means the side
// names nothing of this family; {""} means it is unrestricted.
struct Side {
  bool any = true;
  std::vector<Network> networks;
  std::vector<std::string> sets;

  absl::Status Parse(const google::protobuf::RepeatedPtrField<std::string>& in,
                     const std::set<std::string>& known_sets,
                     std::string_view where) {
    for (const std::string& text : in) {
      any = false;
      if (StartsWith(text, "@")) {
        std::string name = text.substr(1);
        if (known_sets.count(name) == 0) {
          return Bad(where, StrCat("no set named '", name, "'"));
        }
        if (std::find(sets.begin(), sets.end(), name) == sets.end()) {
          sets.push_back(name);
        }
        continue;
      }
      absl::StatusOr<Network> network = ParseNetwork(text, where);
      if (!network.ok()) return network.status();
      networks.push_back(*network);
    }
    return absl::OkStatus();
  }

  std::vector<std::string> Terms(Family family,
                                 std::string_view direction) const {
    if (any) return {""};
    std::string_view match = family == kV4 ? "ip" : "ip6";
    std::vector<std::string> terms;
    std::vector<std::string> addresses = Canonical(networks, family);
    if (!addresses.empty()) {
      terms.push_back(
          StrCat(match, " ", direction, " ", SetLiteral(addresses), " "));
    }
    for (const std::string& set : sets) {
      terms.push_back(
          StrCat(match, " ", direction, " @", SetName(set, family), " "));
    }
    return terms;
  }
};

// A comment nft accepts: printable, no quote or backslash, 128 bytes.
std::string Comment(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 128)) {
    bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    out += printable ? c : '_';
  }
  return out;
}

// The rule lines for `rule`.
absl::Status RenderRule(const v1::Firewall::Rule& rule, int index,
                        const std::set<std::string>& sets, std::string& out) {
  std::string where =
      StrCat("rule ", index + 1,
             rule.comment().empty() ? "" : StrCat(" (", rule.comment(), ")"));
  std::string protocol = rule.protocol().empty() ? "any" : rule.protocol();
  if (protocol != "tcp" && protocol != "udp" && protocol != "icmp" &&
      protocol != "icmpv6" && protocol != "any") {
    return Bad(where, StrCat("unknown protocol '", protocol,
                             "' (tcp, udp, icmp, icmpv6 or any)"));
  }
  absl::StatusOr<std::vector<std::string>> ports =
      ParsePorts(rule.ports(), where);
  if (!ports.ok()) return ports.status();
  bool icmp = protocol == "icmp" || protocol == "icmpv6";
  if (icmp && !ports->empty()) {
    return Bad(where, StrCat(protocol, " has no ports"));
  }

  // What the packet is, after its addresses.
  std::string what;
  if (protocol == "tcp" || protocol == "udp") {
    if (ports->empty()) {
      what = StrCat("meta l4proto ", protocol, " ");
    } else {
      what = StrCat(protocol, " dport ", SetLiteral(*ports), " ");
    }
  } else if (protocol == "icmp") {
    what = "meta l4proto icmp ";
  } else if (protocol == "icmpv6") {
    what = "meta l4proto ipv6-icmp ";
  } else if (!ports->empty()) {
    what =
        StrCat("meta l4proto { tcp, udp } th dport ", SetLiteral(*ports), " ");
  }

  std::vector<std::string> verdicts;
  switch (rule.action()) {
    case v1::Firewall::ACTION_UNSPECIFIED:
    case v1::Firewall::ACTION_ALLOW:
      verdicts = {"accept"};
      break;
    case v1::Firewall::ACTION_DENY:
      verdicts = {"drop"};
      break;
    case v1::Firewall::ACTION_REJECT:
      if (protocol == "tcp") {
        verdicts = {"reject with tcp reset"};
      } else if (protocol == "any") {
        // A TCP reset for TCP, an ICMP error for the rest.
        verdicts = {"meta l4proto tcp reject with tcp reset", "reject"};
      } else {
        verdicts = {"reject"};
      }
      break;
    default:
      return Bad(where,
                 StrCat("unknown action ", static_cast<int>(rule.action())));
  }
  std::string comment =
      rule.comment().empty()
          ? ""
          : StrCat(" comment \"", Comment(rule.comment()), "\"");

  Side from, to;
  if (absl::Status s = from.Parse(rule.from(), sets, where); !s.ok()) return s;
  if (absl::Status s = to.Parse(rule.to(), sets, where); !s.ok()) return s;
  std::vector<std::string> matches;
  if (from.any && to.any) {
    matches.push_back("");
  } else {
    std::vector<Family> families;
    if (protocol != "icmpv6") families.push_back(kV4);
    if (protocol != "icmp") families.push_back(kV6);
    for (Family family : families) {
      for (const std::string& s : from.Terms(family, "saddr")) {
        for (const std::string& d : to.Terms(family, "daddr")) {
          matches.push_back(StrCat(s, d));
        }
      }
    }
  }
  if (matches.empty()) {
    return Bad(where, StrCat("matches no packet: its addresses are not of "
                             "the family ",
                             protocol,
                             " carries, or from and to differ in "
                             "family"));
  }
  for (const std::string& match : matches) {
    for (const std::string& verdict : verdicts) {
      StrAppend(&out, "\t\t", match, what, verdict, comment, "\n");
    }
  }
  return absl::OkStatus();
}

std::string_view PolicyName(v1::Firewall::Policy policy) {
  return policy == v1::Firewall::POLICY_DROP ? "drop" : "accept";
}

}  // namespace

absl::StatusOr<std::string> Render(const v1::Firewall& firewall) {
  for (v1::Firewall::Policy policy :
       {firewall.inbound(), firewall.outbound(), firewall.forward()}) {
    if (!v1::Firewall::Policy_IsValid(policy)) {
      return Bad("", StrCat("unknown policy ", static_cast<int>(policy)));
    }
  }
  std::string out =
      "# Written by cairn: the host's firewall. One `nft -f` of this file\n"
      "# replaces table inet cairn in a single transaction.\n"
      "table inet cairn\n"
      "delete table inet cairn\n"
      "table inet cairn {\n";

  std::set<std::string> set_names;
  for (const v1::Firewall::Set& set : firewall.sets()) {
    std::string where = StrCat("set '", set.name(), "'");
    if (!ValidSetName(set.name())) {
      return Bad(where, "a set name is a letter then letters, digits or _");
    }
    if (!set_names.insert(set.name()).second) {
      return Bad(where, "declared twice");
    }
    std::vector<Network> networks;
    for (const std::string& element : set.elements()) {
      absl::StatusOr<Network> network = ParseNetwork(element, where);
      if (!network.ok()) return network.status();
      networks.push_back(*network);
    }
    for (Family family : {kV4, kV6}) {
      StrAppend(&out, "\tset ", SetName(set.name(), family), " {\n",
                "\t\ttype ", family == kV4 ? "ipv4_addr" : "ipv6_addr", "\n",
                "\t\tflags interval\n", "\t\tauto-merge\n");
      std::vector<std::string> elements = Canonical(networks, family);
      if (!elements.empty()) {
        StrAppend(&out, "\t\telements = { ", StrJoin(elements, ", "), " }\n");
      }
      StrAppend(&out, "\t}\n\n");
    }
  }

  StrAppend(&out, "\tchain input {\n",
            "\t\ttype filter hook input priority filter; policy ",
            PolicyName(firewall.inbound()), ";\n",
            "\t\tct state established,related accept\n",
            "\t\tiif \"lo\" accept\n", "\t\t", kIcmpv6Housekeeping, "\n");
  for (int i = 0; i < firewall.rules_size(); ++i) {
    absl::Status rendered = RenderRule(firewall.rules(i), i, set_names, out);
    if (!rendered.ok()) return rendered;
  }
  StrAppend(
      &out, "\t}\n\n", "\tchain forward {\n",
      "\t\ttype filter hook forward priority filter; policy ",
      PolicyName(firewall.forward()), ";\n", "\t}\n\n", "\tchain output {\n",
      "\t\ttype filter hook output priority filter; policy ",
      PolicyName(firewall.outbound()), ";\n",
      "\t\tct state established,related accept\n", "\t\toif \"lo\" accept\n",
      "\t\t", kIcmpv6Housekeeping, "\n", "\t}\n", "}\n");
  return out;
}

bool AllowsSsh(const v1::Firewall& firewall) {
  if (firewall.inbound() != v1::Firewall::POLICY_DROP ||
      firewall.allow_no_ssh()) {
    return true;
  }
  for (const v1::Firewall::Rule& rule : firewall.rules()) {
    if (rule.action() != v1::Firewall::ACTION_ALLOW &&
        rule.action() != v1::Firewall::ACTION_UNSPECIFIED) {
      continue;
    }
    if (rule.protocol() != "tcp" && rule.protocol() != "any" &&
        !rule.protocol().empty()) {
      continue;
    }
    if (rule.ports().empty()) return true;
    for (const std::string& port : rule.ports()) {
      size_t dash = port.find('-');
      int lo = std::atoi(port.substr(0, dash).c_str());
      int hi = dash == std::string::npos
                   ? lo
                   : std::atoi(port.substr(dash + 1).c_str());
      if (lo <= 22 && 22 <= hi) return true;
    }
  }
  return false;
}

}  // namespace cairn::agent::firewall
