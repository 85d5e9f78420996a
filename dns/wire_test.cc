#include "dns/wire.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::dns {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "x0zMBvxzuXpuOjxi9qmxzwuRAlQ8faWc8aLJvc29Q/w=";

TsigKey Key() {
  absl::StatusOr<TsigKey> key =
      ParseTsigKey(StrCat("hmac-sha256:Cairn-Key:", kSecret));
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(ParseTsigKeyTest, Parses) {
  TsigKey key = Key();
  EXPECT_EQ(key.algorithm, "hmac-sha256.");
  EXPECT_EQ(key.name, "cairn-key.");
  EXPECT_EQ(key.secret, kSecret);
  EXPECT_TRUE(ParseTsigKey(StrCat("HMAC-SHA256:k.example.:", kSecret)).ok());
}

TEST(ParseTsigKeyTest, ErrorsNeverShowTheSecret) {
  for (const std::string& bad :
       {StrCat(kSecret), StrCat("upd-key:", kSecret),
        StrCat(kSecret, ":hmac-sha256:upd-key"),
        StrCat("hmac-md5:upd-key:", kSecret),
        StrCat("hmac-sha256:bad key:", kSecret),
        StrCat("hmac-sha256::", kSecret), StrCat("hmac-sha256:upd-key:"),
        StrCat("hmac-sha256:upd-key:", kSecret, "!"),
        StrCat("hmac-sha256:upd-key:", std::string(kSecret).substr(1))}) {
    absl::StatusOr<TsigKey> key = ParseTsigKey(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(key.status()), Not(HasSubstr("x0zMBvxz"))) << bad;
    EXPECT_THAT(Message(key.status()), Not(HasSubstr("9Q/w"))) << bad;
  }
  EXPECT_THAT(Message(ParseTsigKey(StrCat("hmac-md5:k:", kSecret)).status()),
              HasSubstr("'hmac-md5' is not supported"));
  EXPECT_THAT(Message(ParseTsigKey("hmac-sha256:k:abc").status()),
              HasSubstr("secret of TSIG key k. is not base64"));
  EXPECT_THAT(Message(ParseTsigKey("").status()), HasSubstr("no TSIG key"));
}

TEST(ParseEndpointTest, Forms) {
  auto e = ParseEndpoint("127.0.0.1:5353");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 5353);
  e = ParseEndpoint("ns1.example.org");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 53);
  EXPECT_EQ(e->display, "ns1.example.org:53");
  e = ParseEndpoint("[2001:db8::1]:5300");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "2001:db8::1");
  EXPECT_EQ(e->port, 5300);
  e = ParseEndpoint("2001:db8::1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "2001:db8::1");
  EXPECT_EQ(e->port, 53);
  for (const char* bad : {"", "host:", "host:0", "host:65536", "host:5x",
                          "[::1", "[::1]x", ":53"}) {
    EXPECT_FALSE(ParseEndpoint(bad).ok()) << bad;
  }
}

using Wire = std::vector<uint8_t>;

// A TCP server on 127.0.0.1 (port 0) that takes one connection and one
// query, answers with what `respond` makes of it, and waits for the client
// to hang up.
class FakeServer {
 public:
  using Respond = std::function<std::vector<Wire>(ldns_pkt* query)>;

  explicit FakeServer(Respond respond) : respond_(std::move(respond)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(listen(fd_, 4), 0);
    if (respond_) thread_ = std::thread([this] { Serve(); });
  }
  ~FakeServer() {
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

  Endpoint endpoint() const {
    return *ParseEndpoint(StrCat("127.0.0.1:", port_));
  }

 private:
  void Serve() {
    int c = accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    uint8_t len[2];
    if (recv(c, len, 2, MSG_WAITALL) == 2) {
      Wire query((len[0] << 8) | len[1]);
      if (recv(c, query.data(), query.size(), MSG_WAITALL) ==
          static_cast<ssize_t>(query.size())) {
        ldns_pkt* pkt = nullptr;
        ldns_wire2pkt(&pkt, query.data(), query.size());
        for (const Wire& w : respond_(pkt)) {
          uint8_t l[2] = {static_cast<uint8_t>(w.size() >> 8),
                          static_cast<uint8_t>(w.size() & 0xff)};
          send(c, l, 2, MSG_NOSIGNAL);
          send(c, w.data(), w.size(), MSG_NOSIGNAL);
        }
        ldns_pkt_free(pkt);
      }
    }
    char buf[512];
    while (recv(c, buf, sizeof buf, 0) > 0) {
    }
    close(c);
  }

  Respond respond_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// An answer to `query` with `rcode` and `answers`, signed with `key`
// against `prior_mac` (the query's when null).
Wire Reply(ldns_pkt* query, const TsigKey* key, int rcode,
           const std::vector<std::string>& answers = {},
           const ldns_rdf* prior_mac = nullptr, bool timers_only = false,
           RdfPtr* mac = nullptr) {
  PktPtr reply(ldns_pkt_new());
  ldns_pkt_set_id(reply.get(), ldns_pkt_id(query));
  ldns_pkt_set_qr(reply.get(), true);
  ldns_pkt_set_opcode(reply.get(), ldns_pkt_get_opcode(query));
  ldns_pkt_set_rcode(reply.get(), static_cast<uint8_t>(rcode));
  ldns_rr_list_deep_free(ldns_pkt_question(reply.get()));
  ldns_pkt_set_question(reply.get(),
                        ldns_rr_list_clone(ldns_pkt_question(query)));
  ldns_pkt_set_qdcount(reply.get(), ldns_pkt_qdcount(query));
  for (const std::string& text : answers) {
    ldns_rr* rr = nullptr;
    EXPECT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr),
              LDNS_STATUS_OK);
    ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
  }
  if (key != nullptr) {
    const ldns_rdf* mac_in =
        prior_mac ? prior_mac : ldns_rr_rdf(ldns_pkt_tsig(query), 3);
    EXPECT_EQ(ldns_pkt_tsig_sign_next(
                  reply.get(), key->name.c_str(), key->secret.c_str(), 300,
                  key->algorithm.c_str(), mac_in, timers_only ? 1 : 0),
              LDNS_STATUS_OK);
    if (mac != nullptr) {
      mac->reset(ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(reply.get()), 3)));
    }
  }
  uint8_t* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&data, reply.get(), &size), LDNS_STATUS_OK);
  Wire w(data, data + size);
  free(data);
  return w;
}

PktPtr Query() {
  RdfPtr zone(ldns_dname_new_frm_str("example.test."));
  return PktPtr(ldns_pkt_query_new(ldns_rdf_clone(zone.get()), LDNS_RR_TYPE_SOA,
                                   LDNS_RR_CLASS_IN, 0));
}

Deadline Soon() {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
}

TEST(ExchangeTest, SignedAnswer) {
  TsigKey key = Key();
  FakeServer server([&](ldns_pkt* q) {
    return std::vector<Wire>{Reply(q, &key, LDNS_RCODE_NXRRSET)};
  });
  PktPtr query = Query();
  absl::StatusOr<PktPtr> answer =
      Exchange(server.endpoint(), key, query.get(), Soon());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(ldns_pkt_get_rcode(answer->get()), LDNS_RCODE_NXRRSET);
}

TEST(ExchangeTest, UnsignedSuccessIsNotBelieved) {
  TsigKey key = Key();
  FakeServer server([&](ldns_pkt* q) {
    return std::vector<Wire>{Reply(q, nullptr, LDNS_RCODE_NOERROR)};
  });
  PktPtr query = Query();
  absl::StatusOr<PktPtr> answer =
      Exchange(server.endpoint(), key, query.get(), Soon());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(answer.status()), HasSubstr("cairn-key."));
}

TEST(ExchangeTest, SignedWithAnotherKeyIsNotBelieved) {
  TsigKey key = Key();
  TsigKey other = *ParseTsigKey(
      "hmac-sha256:cairn-key:AAAABvxzuXpuOjxi9qmxzwuRAlQ8faWc8aLJvc29Q/w=");
  FakeServer server([&](ldns_pkt* q) {
    return std::vector<Wire>{Reply(q, &other, LDNS_RCODE_NOERROR)};
  });
  PktPtr query = Query();
  EXPECT_EQ(
      Exchange(server.endpoint(), key, query.get(), Soon()).status().code(),
      absl::StatusCode::kUnauthenticated);
}

TEST(ExchangeTest, RejectedKeyIsPermissionDenied) {
  TsigKey key = Key();
  FakeServer server([&](ldns_pkt* q) {
    // As a server answers an unknown key: NOTAUTH, TSIG error BADKEY.
    Wire w = Reply(q, &key, LDNS_RCODE_NOTAUTH);
    ldns_pkt* p = nullptr;
    ldns_wire2pkt(&p, w.data(), w.size());
    ldns_rr* tsig = ldns_pkt_tsig(p);
    ldns_rdf_deep_free(ldns_rr_set_rdf(
        tsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 17), 5));
    uint8_t* data = nullptr;
    size_t size = 0;
    ldns_pkt2wire(&data, p, &size);
    Wire out(data, data + size);
    free(data);
    ldns_pkt_free(p);
    return std::vector<Wire>{out};
  });
  PktPtr query = Query();
  absl::Status st =
      Exchange(server.endpoint(), key, query.get(), Soon()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(st), HasSubstr("cairn-key."));
  EXPECT_THAT(Message(st), HasSubstr("NOTAUTH/BADKEY"));
  EXPECT_THAT(Message(st), Not(HasSubstr("x0zMBvxz")));
}

TEST(ExchangeTest, SilentServerTimesOut) {
  FakeServer server(nullptr);  // Listens, never accepts.
  PktPtr query = Query();
  auto start = std::chrono::steady_clock::now();
  absl::Status st = Exchange(server.endpoint(), Key(), query.get(),
                             start + std::chrono::milliseconds(200))
                        .status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Message(st), HasSubstr("in time"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ExchangeTest, NobodyListeningIsUnavailable) {
  Endpoint closed;
  {
    FakeServer server(nullptr);
    closed = server.endpoint();
  }
  PktPtr query = Query();
  absl::Status st = Exchange(closed, Key(), query.get(), Soon()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Message(st), HasSubstr("cannot connect"));
}

TEST(AxfrTest, ChecksEveryMessage) {
  TsigKey key = Key();
  const std::string soa =
      "example.test. 3600 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5";
  FakeServer server([&](ldns_pkt* q) {
    RdfPtr mac;
    Wire first =
        Reply(q, &key, LDNS_RCODE_NOERROR,
              {soa, "a.example.test. 60 IN A 192.0.2.1"}, nullptr, false, &mac);
    Wire second =
        Reply(q, &key, LDNS_RCODE_NOERROR,
              {"b.example.test. 60 IN A 192.0.2.2", soa}, mac.get(), true);
    return std::vector<Wire>{first, second};
  });
  RdfPtr zone(ldns_dname_new_frm_str("example.test."));
  absl::StatusOr<Transfer> t = Axfr(server.endpoint(), key, zone.get(), Soon());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->messages, 2);
  EXPECT_EQ(ldns_rr_list_rr_count(t->records.get()), 3u);  // SOA, a, b.
}

TEST(AxfrTest, UnsignedLaterMessageIsRefused) {
  TsigKey key = Key();
  const std::string soa =
      "example.test. 3600 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5";
  FakeServer server([&](ldns_pkt* q) {
    Wire first = Reply(q, &key, LDNS_RCODE_NOERROR, {soa});
    Wire second = Reply(q, nullptr, LDNS_RCODE_NOERROR,
                        {"evil.example.test. 60 IN A 192.0.2.66", soa});
    return std::vector<Wire>{first, second};
  });
  RdfPtr zone(ldns_dname_new_frm_str("example.test."));
  EXPECT_EQ(Axfr(server.endpoint(), key, zone.get(), Soon()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AxfrTest, RefusedTransfer) {
  TsigKey key = Key();
  FakeServer server([&](ldns_pkt* q) {
    return std::vector<Wire>{Reply(q, &key, LDNS_RCODE_REFUSED)};
  });
  RdfPtr zone(ldns_dname_new_frm_str("example.test."));
  absl::Status st = Axfr(server.endpoint(), key, zone.get(), Soon()).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(st), HasSubstr("transfer of zone example.test."));
}

}  // namespace
}  // namespace cairn::dns
