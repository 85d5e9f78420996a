#include "dns/wire.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "base/strings.h"

namespace cairn::dns {
namespace {

constexpr uint16_t kFudgeSeconds = 300;
constexpr size_t kMaxMessage = 65535;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A socket, closed when it goes.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

int RemainingMs(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
}

absl::Status TimedOut(const Endpoint& server) {
  return absl::UnavailableError(
      StrCat("no answer from DNS server ", server.display, " in time"));
}

// Waits until `fd` is ready for `events`, or the deadline.
absl::Status Wait(int fd, short events, Deadline deadline,
                  const Endpoint& server) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, RemainingMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          StrCat("waiting for ", server.display, ": ", std::strerror(errno)));
    }
    if (n == 0) return TimedOut(server);
    return absl::OkStatus();
  }
}

absl::StatusOr<Socket> Connect(const Endpoint& server, Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = StrCat(server.port);
  int rc = getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::UnavailableError(StrCat(
        "cannot resolve DNS server ", server.display, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Socket s(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol));
    if (s.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (connect(s.fd(), a->ai_addr, a->ai_addrlen) == 0) return s;
    if (errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    absl::Status waited = Wait(s.fd(), POLLOUT, deadline, server);
    if (!waited.ok()) return waited;
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error == 0) return s;
    last_error = std::strerror(error);
  }
  return absl::UnavailableError(StrCat("cannot connect to DNS server ",
                                       server.display, ": ", last_error));
}

absl::Status SendAll(const Socket& s, const uint8_t* data, size_t size,
                     Deadline deadline, const Endpoint& server) {
  while (size > 0) {
    ssize_t n = send(s.fd(), data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status waited = Wait(s.fd(), POLLOUT, deadline, server);
      if (!waited.ok()) return waited;
      continue;
    }
    if (n < 0) {
      return absl::UnavailableError(
          StrCat("sending to ", server.display, ": ", std::strerror(errno)));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status RecvAll(const Socket& s, uint8_t* data, size_t size,
                     Deadline deadline, const Endpoint& server) {
  while (size > 0) {
    ssize_t n = recv(s.fd(), data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status waited = Wait(s.fd(), POLLIN, deadline, server);
      if (!waited.ok()) return waited;
      continue;
    }
    if (n < 0) {
      return absl::UnavailableError(
          StrCat("reading from ", server.display, ": ", std::strerror(errno)));
    }
    if (n == 0) {
      return absl::UnavailableError(StrCat("DNS server ", server.display,
                                           " closed the connection early"));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Sends one DNS message with its two-byte length (RFC 1035 4.2.2).
absl::Status SendMessage(const Socket& s, const ldns_pkt* pkt,
                         Deadline deadline, const Endpoint& server) {
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_status st = ldns_pkt2wire(&wire, pkt, &size);
  std::unique_ptr<uint8_t, void (*)(void*)> owner(wire, free);
  if (st != LDNS_STATUS_OK) {
    return absl::InternalError(
        StrCat("cannot encode a DNS message: ", ldns_get_errorstr_by_id(st)));
  }
  if (size > kMaxMessage) {
    return absl::ResourceExhaustedError(
        StrCat("the DNS message is ", size, " bytes, over the limit of ",
               kMaxMessage, "; make the change in smaller steps"));
  }
  std::vector<uint8_t> framed(size + 2);
  framed[0] = static_cast<uint8_t>(size >> 8);
  framed[1] = static_cast<uint8_t>(size & 0xff);
  std::memcpy(framed.data() + 2, wire, size);
  return SendAll(s, framed.data(), framed.size(), deadline, server);
}

absl::StatusOr<std::vector<uint8_t>> ReadMessage(const Socket& s,
                                                 Deadline deadline,
                                                 const Endpoint& server) {
  uint8_t len[2];
  absl::Status st = RecvAll(s, len, 2, deadline, server);
  if (!st.ok()) return st;
  std::vector<uint8_t> wire((size_t{len[0]} << 8) | len[1]);
  st = RecvAll(s, wire.data(), wire.size(), deadline, server);
  if (!st.ok()) return st;
  return wire;
}

absl::StatusOr<PktPtr> ParseMessage(const std::vector<uint8_t>& wire,
                                    const ldns_pkt* query,
                                    const Endpoint& server) {
  ldns_pkt* raw = nullptr;
  ldns_status st = ldns_wire2pkt(&raw, wire.data(), wire.size());
  PktPtr pkt(raw);
  if (st != LDNS_STATUS_OK) {
    return absl::InternalError(StrCat("cannot parse the answer of ",
                                      server.display, ": ",
                                      ldns_get_errorstr_by_id(st)));
  }
  if (ldns_pkt_id(pkt.get()) != ldns_pkt_id(query) || !ldns_pkt_qr(pkt.get())) {
    return absl::InternalError(
        StrCat(server.display, " answered with a message for another query"));
  }
  return pkt;
}

absl::Status Sign(ldns_pkt* query, const TsigKey& key, RdfPtr* mac) {
  // Measured first: libldns's signing aborts on a message over 64 KiB.
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_status encoded = ldns_pkt2wire(&wire, query, &size);
  free(wire);
  if (encoded != LDNS_STATUS_OK) {
    return absl::InternalError(StrCat("cannot encode a DNS message: ",
                                      ldns_get_errorstr_by_id(encoded)));
  }
  const size_t tsig_size = key.name.size() + key.algorithm.size() + 80;
  if (size + tsig_size > kMaxMessage) {
    return absl::ResourceExhaustedError(
        StrCat("the DNS message would be ", size + tsig_size,
               " bytes, over the limit of ", kMaxMessage,
               "; make the change in smaller steps"));
  }
  ldns_pkt_set_random_id(query);
  ldns_status st =
      ldns_pkt_tsig_sign(query, key.name.c_str(), key.secret.c_str(),
                         kFudgeSeconds, key.algorithm.c_str(), nullptr);
  if (st != LDNS_STATUS_OK || ldns_pkt_tsig(query) == nullptr) {
    return absl::InternalError(StrCat("cannot sign with TSIG key ", key.name,
                                      ": ", ldns_get_errorstr_by_id(st)));
  }
  mac->reset(ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(query), 3)));
  return absl::OkStatus();
}

// Checks the TSIG of an answer against `prior_mac` (the request's MAC, or
// for later messages of a transfer the previous message's, with
// `timers_only`), and sets `*mac` to the answer's MAC. An error answer
// that is not signed is let through: the caller reports its RCODE.
absl::Status CheckTsig(ldns_pkt* answer, const std::vector<uint8_t>& wire,
                       const TsigKey& key, const ldns_rdf* prior_mac,
                       bool timers_only, const Endpoint& server, RdfPtr* mac) {
  const ldns_rr* tsig = ldns_pkt_tsig(answer);
  const int rcode = ldns_pkt_get_rcode(answer);
  if (tsig != nullptr && ldns_rr_rd_count(tsig) >= 6) {
    int error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
    if (error != 0) {
      return absl::PermissionDeniedError(
          StrCat("DNS server ", server.display, " rejected TSIG key ", key.name,
                 ": ", RcodeName(rcode), "/", RcodeName(error)));
    }
  }
  const bool verified = tsig != nullptr && ldns_rr_rd_count(tsig) >= 7 &&
                        ldns_pkt_tsig_verify_next(
                            answer, wire.data(), wire.size(), key.name.c_str(),
                            key.secret.c_str(), prior_mac, timers_only ? 1 : 0);
  if (!verified) {
    if (rcode != LDNS_RCODE_NOERROR) return absl::OkStatus();
    return absl::UnauthenticatedError(
        StrCat("the answer of DNS server ", server.display,
               " is not signed with TSIG key ", key.name));
  }
  // The time signed (48 bits) within the fudge of our clock.
  const ldns_rdf* signed_at = ldns_rr_rdf(tsig, 1);
  if (ldns_rdf_size(signed_at) == 6) {
    const uint8_t* d = ldns_rdf_data(signed_at);
    int64_t t = 0;
    for (int i = 0; i < 6; ++i) t = (t << 8) | d[i];
    int64_t fudge = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2));
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (t < now - fudge || t > now + fudge) {
      return absl::UnauthenticatedError(
          StrCat("the answer of DNS server ", server.display,
                 " is signed at a time too far from this machine's clock"));
    }
  }
  mac->reset(ldns_rdf_clone(ldns_rr_rdf(tsig, 3)));
  return absl::OkStatus();
}

bool IsBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return false;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
          c == '/')) {
      return false;
    }
  }
  return pad <= 2 && pad < s.size();
}

}  // namespace

absl::StatusOr<TsigKey> ParseTsigKey(std::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "no TSIG key: set tsig to \"hmac-sha256:NAME:SECRET\"");
  }
  size_t first = text.find(':');
  size_t second =
      first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "the TSIG key is not of the form \"hmac-sha256:NAME:SECRET\"");
  }
  std::string algorithm = Lower(text.substr(0, first));
  if (EndsWith(algorithm, ".")) algorithm.pop_back();
  if (algorithm != "hmac-sha256") {
    // The first field is shown only when it looks like an algorithm: a
    // key pasted in the wrong order must not show its secret.
    return absl::InvalidArgumentError(StrCat(
        "the TSIG key's algorithm ",
        StartsWith(algorithm, "hmac-") ? StrCat("'", algorithm, "' ") : "",
        "is not supported; use hmac-sha256"));
  }
  std::string name(text.substr(first + 1, second - first - 1));
  std::string_view secret = text.substr(second + 1);
  bool name_ok = !name.empty() && name.size() < 250;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.')) {
      name_ok = false;
    }
  }
  RdfPtr dname(name_ok ? ldns_dname_new_frm_str(name.c_str()) : nullptr);
  if (dname == nullptr) {
    return absl::InvalidArgumentError(
        "the TSIG key's name is not a domain name (letters, digits, '-', "
        "'_' and '.')");
  }
  name = Lower(name);
  if (!EndsWith(name, ".")) name += '.';
  if (!IsBase64(secret)) {
    return absl::InvalidArgumentError(
        StrCat("the secret of TSIG key ", name, " is not base64"));
  }
  return TsigKey{"hmac-sha256.", name, std::string(secret)};
}

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view server) {
  Endpoint e;
  e.display = std::string(server);
  std::string_view port;
  bool has_port = false;
  if (StartsWith(server, "[")) {
    size_t close = server.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat("DNS server '", server, "' lacks a ']'"));
    }
    e.host = std::string(server.substr(1, close - 1));
    std::string_view rest = server.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        return absl::InvalidArgumentError(
            StrCat("DNS server '", server, "' is not [ADDRESS]:PORT"));
      }
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = server.find(':');
    if (colon != std::string_view::npos &&
        server.find(':', colon + 1) == std::string_view::npos) {
      e.host = std::string(server.substr(0, colon));
      port = server.substr(colon + 1);
      has_port = true;
    } else {
      e.host = std::string(server);  // A name, or a bare IPv6 address.
    }
  }
  if (e.host.empty()) {
    return absl::InvalidArgumentError(
        StrCat("DNS server '", server, "' has no host"));
  }
  if (has_port) {
    int value = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) ok = false;
      value = value * 10 + (c - '0');
    }
    if (!ok || value < 1 || value > 65535) {
      return absl::InvalidArgumentError(
          StrCat("DNS server '", server, "' has an invalid port"));
    }
    e.port = static_cast<uint16_t>(value);
  }
  if (e.display.find(':') == std::string::npos) {
    e.display = StrCat(e.host, ":", e.port);
  }
  return e;
}

absl::StatusOr<PktPtr> Exchange(const Endpoint& server, const TsigKey& key,
                                ldns_pkt* query, Deadline deadline) {
  RdfPtr request_mac;
  absl::Status st = Sign(query, key, &request_mac);
  if (!st.ok()) return st;
  absl::StatusOr<Socket> s = Connect(server, deadline);
  if (!s.ok()) return s.status();
  st = SendMessage(*s, query, deadline, server);
  if (!st.ok()) return st;
  absl::StatusOr<std::vector<uint8_t>> wire = ReadMessage(*s, deadline, server);
  if (!wire.ok()) return wire.status();
  absl::StatusOr<PktPtr> answer = ParseMessage(*wire, query, server);
  if (!answer.ok()) return answer.status();
  RdfPtr mac;
  st = CheckTsig(answer->get(), *wire, key, request_mac.get(),
                 /*timers_only=*/false, server, &mac);
  if (!st.ok()) return st;
  return answer;
}

absl::StatusOr<Transfer> Axfr(const Endpoint& server, const TsigKey& key,
                              const ldns_rdf* zone, Deadline deadline) {
  PktPtr query(ldns_pkt_query_new(ldns_rdf_clone(zone), LDNS_RR_TYPE_AXFR,
                                  LDNS_RR_CLASS_IN, 0));
  RdfPtr prior_mac;
  absl::Status st = Sign(query.get(), key, &prior_mac);
  if (!st.ok()) return st;
  absl::StatusOr<Socket> s = Connect(server, deadline);
  if (!s.ok()) return s.status();
  st = SendMessage(*s, query.get(), deadline, server);
  if (!st.ok()) return st;

  char* zone_text = ldns_rdf2str(zone);
  const std::string what =
      StrCat("transfer of zone ", zone_text != nullptr ? zone_text : "?");
  free(zone_text);
  Transfer t;
  t.records.reset(ldns_rr_list_new());
  int soas = 0;
  while (soas < 2) {
    absl::StatusOr<std::vector<uint8_t>> wire =
        ReadMessage(*s, deadline, server);
    if (!wire.ok()) return wire.status();
    absl::StatusOr<PktPtr> answer = ParseMessage(*wire, query.get(), server);
    if (!answer.ok()) return answer.status();
    ++t.messages;
    // Every message must be signed: RFC 8945 lets a server leave up to 99
    // in a row unsigned, which libldns cannot check, and servers (Knot,
    // BIND) sign each one.
    RdfPtr mac;
    st = CheckTsig(answer->get(), *wire, key, prior_mac.get(),
                   /*timers_only=*/t.messages > 1, server, &mac);
    if (!st.ok()) return st;
    int rcode = ldns_pkt_get_rcode(answer->get());
    if (rcode != LDNS_RCODE_NOERROR) {
      return RcodeStatus(rcode, server, key, what);
    }
    prior_mac = std::move(mac);
    const ldns_rr_list* rrs = ldns_pkt_answer(answer->get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs) && soas < 2; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
      bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
      if (soas == 0 && !soa) {
        return absl::InternalError(StrCat("the ", what, " from ",
                                          server.display,
                                          " does not start with its SOA"));
      }
      if (soa && ++soas == 2) break;
      ldns_rr_list_push_rr(t.records.get(), ldns_rr_clone(rr));
    }
    if (ldns_rr_list_rr_count(rrs) == 0) {
      return absl::InternalError(
          StrCat("the ", what, " from ", server.display, " is empty"));
    }
  }
  return t;
}

std::string RcodeName(int rcode) {
  static constexpr const char* kNames[] = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "RCODE11",
      "RCODE12",  "RCODE13", "RCODE14",  "RCODE15",  "BADSIG",  "BADKEY",
      "BADTIME",  "BADMODE", "BADNAME",  "BADALG",   "BADTRUNC"};
  if (rcode >= 0 && rcode < static_cast<int>(std::size(kNames))) {
    return kNames[rcode];
  }
  return StrCat("RCODE", rcode);
}

absl::Status RcodeStatus(int rcode, const Endpoint& server, const TsigKey& key,
                         std::string_view what) {
  switch (rcode) {
    case LDNS_RCODE_REFUSED:
      return absl::PermissionDeniedError(
          StrCat("DNS server ", server.display, " refused the ", what,
                 " (REFUSED); does its ACL allow key ", key.name, "?"));
    case LDNS_RCODE_NOTAUTH:
      return absl::PermissionDeniedError(StrCat(
          "DNS server ", server.display, " answered NOTAUTH to the ", what,
          ": it is not authoritative for the zone, or does not accept key ",
          key.name));
    case LDNS_RCODE_SERVFAIL:
      return absl::UnavailableError(StrCat(
          "DNS server ", server.display, " failed the ", what, " (SERVFAIL)"));
    default:
      return absl::InternalError(StrCat("DNS server ", server.display,
                                        " answered ", RcodeName(rcode),
                                        " to the ", what));
  }
}

}  // namespace cairn::dns
