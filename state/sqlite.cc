// The SQLite backend: one file, WAL mode, writers one at a time (BEGIN
// IMMEDIATE, waiting up to kBusyTimeoutMs for another process).

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/strings.h"
#include "state/internal.h"

namespace cairn::state::internal {
namespace {

// How long a statement waits for another process's write transaction.
constexpr int kBusyTimeoutMs = 15000;

absl::Status SqliteStatus(int code, std::string_view path,
                          std::string_view message) {
  std::string text = StrCat("state store ", path, ": ", message);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(
          StrCat(text, " (in use by another process)"));
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(text);
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::PermissionDeniedError(text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(text);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(text);
    default:
      return absl::InternalError(text);
  }
}

absl::Status ErrnoStatus(int error, std::string_view what,
                         std::string_view path) {
  return absl::ErrnoToStatus(
      error, StrCat("state store ", path, ": ", what, ": ", strerror(error)));
}

// Creates `dir` and its missing parents with mode 0700.
absl::Status MakeDirectories(const std::string& dir, std::string_view path) {
  if (dir.empty()) return absl::OkStatus();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return ErrnoStatus(ENOTDIR, StrCat("creating ", dir), path);
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    absl::Status parent = MakeDirectories(dir.substr(0, slash), path);
    if (!parent.ok()) return parent;
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return ErrnoStatus(errno, StrCat("creating ", dir), path);
  }
  chmod(dir.c_str(), 0700);  // Whatever the umask.
  return absl::OkStatus();
}

// Creates the file with mode 0600 before SQLite opens it; SQLite gives its
// -wal and -shm files the same mode.
absl::Status CreateFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return ErrnoStatus(errno, "creating the file", path);
  }
  fchmod(fd, 0600);
  close(fd);
  return absl::OkStatus();
}

// Switches to WAL mode. SQLite does not call the busy handler for this
// when several processes open a new file at once, so it retries here.
absl::Status UseWal(sqlite3* db, const std::string& path) {
  int rc = SQLITE_OK;
  for (int waited_ms = 0;; waited_ms += 10) {
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr,
                      nullptr);
    if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= kBusyTimeoutMs) break;
    sqlite3_sleep(10);
  }
  if (rc != SQLITE_OK) return SqliteStatus(rc, path, sqlite3_errmsg(db));
  return absl::OkStatus();
}

// "$1" → "?1": SQLite's numbered parameters.
std::string SqliteParameters(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)) {}

  ~SqliteConnection() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& display() const override { return path_; }

  absl::Status Begin(Access access) override {
    return Exec(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", {})
        .status();
  }
  absl::Status Commit() override { return Exec("COMMIT", {}).status(); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK", {});
  }
  absl::Status Guard(int64_t key) override { return absl::OkStatus(); }

  absl::StatusOr<std::vector<Row>> Exec(
      std::string_view sql, const std::vector<Param>& params) override {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* statement = *prepared;
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      const int index = static_cast<int>(i) + 1;
      // A null pointer would bind NULL: an empty value is still a value.
      const char* bytes = p.bytes.data() ? p.bytes.data() : "";
      int rc = SQLITE_OK;
      switch (p.kind) {
        case Param::Kind::kInt:
          rc = sqlite3_bind_int64(statement, index, p.number);
          break;
        case Param::Kind::kText:
          rc = sqlite3_bind_text64(statement, index, bytes, p.bytes.size(),
                                   SQLITE_TRANSIENT, SQLITE_UTF8);
          break;
        case Param::Kind::kBlob:
          rc = sqlite3_bind_blob64(statement, index, bytes, p.bytes.size(),
                                   SQLITE_TRANSIENT);
          break;
      }
      if (rc != SQLITE_OK) return Failure(rc);
    }
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      Row& row = rows.emplace_back();
      const int columns = sqlite3_column_count(statement);
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(statement, c)) {
          case SQLITE_NULL:
            row.emplace_back();
            break;
          case SQLITE_INTEGER:
            row.emplace_back(StrCat(sqlite3_column_int64(statement, c)));
            break;
          default: {
            const void* data = sqlite3_column_blob(statement, c);
            const int size = sqlite3_column_bytes(statement, c);
            row.emplace_back(
                data ? std::string(static_cast<const char*>(data), size)
                     : std::string());
          }
        }
      }
    }
    absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : Failure(rc);
    // A statement left un-reset would hold its read transaction open.
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (!status.ok()) return status;
    return rows;
  }

  absl::StatusOr<bool> HasTable(std::string_view name) override {
    auto rows =
        Exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
             {Text(name)});
    if (!rows.ok()) return rows.status();
    return !rows->empty();
  }

  absl::StatusOr<int64_t> Now() override { return int64_t{time(nullptr)}; }

 private:
  absl::StatusOr<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    auto it = statements_.find(key);
    if (it != statements_.end()) return it->second;
    std::string text = SqliteParameters(sql);
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, text.c_str(), int(text.size()) + 1,
                                SQLITE_PREPARE_PERSISTENT, &statement, &tail);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      return Failure(rc);
    }
    if (statement == nullptr || (tail != nullptr && *tail != '\0')) {
      sqlite3_finalize(statement);
      return absl::InternalError(
          StrCat("state store: not exactly one statement: ", sql));
    }
    statements_.emplace(std::move(key), statement);
    return statement;
  }

  absl::Status Failure(int rc) {
    return SqliteStatus(rc, path_, sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> ConnectSqlite(
    std::string_view location) {
  std::string path(location);
  if (path.empty()) {
    return absl::InvalidArgumentError("state store: an empty path");
  }
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    absl::Status made = MakeDirectories(path.substr(0, slash), path);
    if (!made.ok()) return made;
  }
  if (absl::Status s = CreateFile(path); !s.ok()) return s;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status =
        SqliteStatus(rc, path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (absl::Status s = UseWal(db, path); !s.ok()) {
    sqlite3_close_v2(db);
    return s;
  }
  auto connection = std::make_unique<SqliteConnection>(db, path);
  // WAL (above): readers never wait for the writer. FULL: a recorded apply
  // survives a power cut. Foreign keys: rows of an apply point at it.
  for (const char* pragma :
       {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    auto done = connection->Exec(pragma, {});
    if (!done.ok()) return done.status();
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace cairn::state::internal
