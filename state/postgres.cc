// The PostgreSQL backend: one libpq connection; writers that touch the lock
// or the schema serialise on a transaction-scoped advisory lock.

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "state/internal.h"

namespace cairn::state::internal {
namespace {

// Type OIDs (catalog/pg_type.h, which libpq does not install).
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

// Where the passwords are in a URL: [start, end) of each.
std::vector<std::pair<size_t, size_t>> PasswordSpans(std::string_view url) {
  std::vector<std::pair<size_t, size_t>> spans;
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return spans;
  const size_t start = scheme + 3;
  const size_t query = std::min(url.find('?', start), url.size());
  // user:password@ — the last '@' before the query, so that a '/' or an
  // '@' in a (badly encoded) password is still covered.
  size_t at = url.rfind('@', query == 0 ? 0 : query - 1);
  if (at != std::string_view::npos && at >= start) {
    size_t colon = url.find(':', start);
    if (colon != std::string_view::npos && colon < at) {
      spans.emplace_back(colon + 1, at);
    }
  }
  // ?password=…&…
  size_t pos = query;
  while (pos < url.size()) {
    const size_t begin = pos + 1;
    size_t end = url.find_first_of("&#", begin);
    if (end == std::string_view::npos) end = url.size();
    std::string_view param = url.substr(begin, end - begin);
    if (StartsWith(param, "password=")) {
      spans.emplace_back(begin + 9, end);
    }
    if (end >= url.size() || url[end] == '#') break;
    pos = end;
  }
  return spans;
}

// `text` with every occurrence of each secret replaced by "***".
std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

void IgnoreNotice(void*, const char*) {}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PGconn* conn, std::string display,
                     std::vector<std::string> secrets)
      : conn_(conn),
        display_(std::move(display)),
        secrets_(std::move(secrets)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& display() const override { return display_; }

  absl::Status Begin(Access access) override {
    // A connection lost since the last call (a restarted server, a long
    // apply) is made again once.
    if (PQstatus(conn_) != CONNECTION_OK) {
      PQreset(conn_);
      if (PQstatus(conn_) != CONNECTION_OK) {
        return absl::UnavailableError(
            StrCat("cannot reach the state store ", display_, ": ",
                   Scrub(PQerrorMessage(conn_), secrets_)));
      }
      PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    }
    // Writers read committed: each statement after the Guard sees what the
    // previous holder committed. Readers see one snapshot throughout.
    return Exec(access == Access::kWrite
                    ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                    : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                {})
        .status();
  }
  absl::Status Commit() override { return Exec("COMMIT", {}).status(); }
  void Rollback() override {
    if (PQstatus(conn_) == CONNECTION_OK &&
        PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      (void)Exec("ROLLBACK", {});
    }
  }
  absl::Status Guard(int64_t key) override {
    return Exec("SELECT pg_advisory_xact_lock($1)", {Int(key)}).status();
  }

  absl::StatusOr<std::vector<Row>> Exec(
      std::string_view sql, const std::vector<Param>& params) override {
    const int n = static_cast<int>(params.size());
    std::vector<std::string> numbers(params.size());
    std::vector<Oid> types(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size());
    std::vector<int> formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      switch (p.kind) {
        case Param::Kind::kInt:
          numbers[i] = StrCat(p.number);
          types[i] = kInt8Oid;
          values[i] = numbers[i].c_str();
          formats[i] = 0;
          break;
        case Param::Kind::kText:
        case Param::Kind::kBlob:
          // Binary format: the bytes as they are, no escaping, no NUL
          // truncation (text with a NUL is refused by the server).
          types[i] = p.kind == Param::Kind::kText ? kTextOid : kByteaOid;
          values[i] = p.bytes.data() ? p.bytes.data() : "";
          lengths[i] = static_cast<int>(p.bytes.size());
          formats[i] = 1;
          break;
      }
    }
    Result result(PQexecParams(conn_, std::string(sql).c_str(), n, types.data(),
                               values.data(), lengths.data(), formats.data(),
                               /*resultFormat=*/0));
    const ExecStatusType status =
        result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Failure(result.get());
    }
    std::vector<Row> rows;
    if (status != PGRES_TUPLES_OK) return rows;
    const int tuples = PQntuples(result.get());
    const int fields = PQnfields(result.get());
    rows.reserve(tuples);
    for (int r = 0; r < tuples; ++r) {
      Row& row = rows.emplace_back();
      for (int c = 0; c < fields; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.emplace_back();
          continue;
        }
        const char* text = PQgetvalue(result.get(), r, c);
        const int size = PQgetlength(result.get(), r, c);
        if (PQftype(result.get(), c) != kByteaOid) {
          row.emplace_back(std::string(text, size));
          continue;
        }
        size_t decoded_size = 0;
        unsigned char* decoded = PQunescapeBytea(
            reinterpret_cast<const unsigned char*>(text), &decoded_size);
        if (decoded == nullptr) {
          return absl::ResourceExhaustedError("decoding a bytea column");
        }
        row.emplace_back(
            std::string(reinterpret_cast<char*>(decoded), decoded_size));
        PQfreemem(decoded);
      }
    }
    return rows;
  }

  absl::StatusOr<bool> HasTable(std::string_view name) override {
    auto rows = Exec("SELECT to_regclass($1) IS NOT NULL", {Text(name)});
    if (!rows.ok()) return rows.status();
    return !rows->empty() && rows->front()[0] == "t";
  }

  absl::StatusOr<int64_t> Now() override {
    auto rows = Exec(
        "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp())) AS BIGINT)",
        {});
    if (!rows.ok()) return rows.status();
    if (rows->empty() || !rows->front()[0]) {
      return absl::InternalError("the server gave no time");
    }
    const std::string& text = *rows->front()[0];
    int64_t seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return seconds;
  }

 private:
  absl::Status Failure(const PGresult* result) {
    std::string message =
        Scrub(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_),
              secrets_);
    if (message.empty()) message = Scrub(PQerrorMessage(conn_), secrets_);
    const char* state =
        result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view code = state ? state : "";
    std::string text = StrCat("state store ", display_, ": ", message);
    if (PQstatus(conn_) != CONNECTION_OK || StartsWith(code, "08") ||
        StartsWith(code, "57P")) {
      return absl::UnavailableError(text);
    }
    if (code == "40001" || code == "40P01") return absl::AbortedError(text);
    if (code == "42501") return absl::PermissionDeniedError(text);
    return absl::InternalError(text);
  }

  PGconn* conn_;
  std::string display_;
  std::vector<std::string> secrets_;  // Never shown in a message.
};

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  auto spans = PasswordSpans(url);
  // Back to front, so that earlier positions stay valid.
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    out.replace(it->first, it->second - it->first, "***");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectPostgres(
    std::string_view location) {
  const std::string url(location);
  std::vector<std::string> secrets;
  for (auto [begin, end] : PasswordSpans(url)) {
    secrets.push_back(url.substr(begin, end - begin));
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        StrCat("state store ", RedactUrl(url), ": ", Scrub(message, secrets)));
  }
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    // The password as libpq decoded it (%40 → @), to scrub that form too.
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
      secrets.push_back(o->val);
    }
  }
  PQconninfoFree(options);
  std::string display = Scrub(RedactUrl(url), secrets);

  // Defaults first: what the URL says wins.
  const char* keywords[] = {"connect_timeout", "application_name",
                            "client_encoding", "dbname", nullptr};
  const char* values[] = {"10", "cairn", "UTF8", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError("libpq: out of memory");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Scrub(PQerrorMessage(conn), secrets);
    PQfinish(conn);
    return absl::UnavailableError(
        StrCat("cannot reach the state store ", display, ": ", message));
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<Connection>(
      new PostgresConnection(conn, std::move(display), std::move(secrets)));
}

}  // namespace cairn::state::internal
