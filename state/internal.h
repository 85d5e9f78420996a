#ifndef CAIRN_STATE_INTERNAL_H_
#define CAIRN_STATE_INTERNAL_H_

// Inside the state store: the one interface both backends implement (a
// connection that runs parameterised SQL in transactions), the schema's
// migrations, and the knobs tests use. Not part of the public API: only
// state/*.cc and state/state_test.cc include it.
//
// The store's logic (state.cc) and the migration runner (migrations.cc) are
// written once against Connection, in the SQL both SQLite and PostgreSQL
// accept: `$1`-style placeholders, INSERT … ON CONFLICT, RETURNING. Only the
// table definitions differ per dialect.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "state/state.h"

namespace cairn::state::internal {

enum class Dialect { kSqlite, kPostgres };

// A value bound to a statement parameter.
struct Param {
  enum class Kind { kInt, kText, kBlob };
  Kind kind = Kind::kText;
  int64_t number = 0;
  std::string_view bytes;  // kText, kBlob; must outlive the statement.
};
inline Param Int(int64_t n) { return {Param::Kind::kInt, n, {}}; }
inline Param Text(std::string_view s) { return {Param::Kind::kText, 0, s}; }
inline Param Blob(std::string_view s) { return {Param::Kind::kBlob, 0, s}; }

// One result row: a column is its bytes (integers in decimal, blobs raw), or
// nullopt for NULL.
using Row = std::vector<std::optional<std::string>>;

// What a transaction may do.
enum class Access { kRead, kWrite };

// One connection to one store. Not thread-safe; the Store serialises calls.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  // The location for messages, a URL's password replaced by "***".
  virtual const std::string& display() const = 0;

  // BEGIN: kWrite transactions are serialised with every other writer
  // (SQLite: BEGIN IMMEDIATE; PostgreSQL: see Guard).
  virtual absl::Status Begin(Access access) = 0;
  virtual absl::Status Commit() = 0;
  // Best effort; the transaction is over afterwards either way.
  virtual void Rollback() = 0;
  // Inside a kWrite transaction: waits until no other transaction holds
  // `key`, and holds it until this one ends (PostgreSQL:
  // pg_advisory_xact_lock). A no-op for SQLite, whose writers are already
  // one at a time.
  virtual absl::Status Guard(int64_t key) = 0;

  // Runs one statement with `$1`… placeholders bound to `params`; returns
  // its rows (none for statements that return nothing).
  virtual absl::StatusOr<std::vector<Row>> Exec(
      std::string_view sql, const std::vector<Param>& params) = 0;
  // Whether a table of that name exists.
  virtual absl::StatusOr<bool> HasTable(std::string_view name) = 0;
  // The store's clock, seconds since the epoch: the server's for
  // PostgreSQL (one clock for every machine that shares the lock), this
  // machine's for SQLite.
  virtual absl::StatusOr<int64_t> Now() = 0;
};

// Runs `body` in one transaction on `connection`: commits when it returns
// OK, rolls back otherwise.
absl::Status InTransaction(Connection& connection, Access access,
                           const std::function<absl::Status()>& body);

// Opens the SQLite file at `path`, creating its directory (0700) and the
// file (0600) when missing; WAL mode and a busy timeout.
absl::StatusOr<std::unique_ptr<Connection>> ConnectSqlite(
    std::string_view path);
// Connects to the PostgreSQL server named by `url`. InvalidArgument for a
// malformed URL, Unavailable when the server cannot be reached.
absl::StatusOr<std::unique_ptr<Connection>> ConnectPostgres(
    std::string_view url);

// Whether `location` names a PostgreSQL server rather than a SQLite file.
bool IsPostgresUrl(std::string_view location);
// `url` with any password (user:PASSWORD@ or ?password=) replaced by "***".
std::string RedactUrl(std::string_view url);

// One step of the schema, applied in its own transaction.
struct Migration {
  int version = 0;  // 1, 2, … in order.
  std::string summary;
  std::vector<std::string> sqlite;    // Statements, in order.
  std::vector<std::string> postgres;  // The same for PostgreSQL.
};

// Every step this code knows, oldest first.
const std::vector<Migration>& Migrations();

// Brings the store behind `connection` to the last version in `migrations`:
// each missing step in its own transaction, safe when several processes
// open the same new store at once. FailedPrecondition when the store is
// newer than the last step.
absl::Status Migrate(Connection& connection,
                     const std::vector<Migration>& migrations);

// The store's schema version: 0 for an empty database.
absl::StatusOr<int> ReadVersion(Connection& connection);

// How to open a store; the defaults are what Store::Open does.
struct Options {
  // The schema to migrate to (tests: a prefix, or an extra future step).
  std::vector<Migration> migrations = Migrations();
  // Replaces the store's clock (tests).
  std::function<int64_t()> clock;
};

// Store::Open with options.
absl::StatusOr<std::unique_ptr<Store>> OpenWith(std::string_view location,
                                                Options options);

}  // namespace cairn::state::internal

#endif  // CAIRN_STATE_INTERNAL_H_
