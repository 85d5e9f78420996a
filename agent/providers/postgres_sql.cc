#include "agent/providers/postgres_sql.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "agent/providers/postgres_scram.h"
#include "base/strings.h"

namespace cairn::agent {
namespace {

// NAMEDATALEN - 1 in a stock build.
constexpr size_t kMaxNameBytes = 63;

// A libpq connection-string value: in single quotes, with backslash
// escapes.
std::string ConninfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string_view TrimNewlines(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  return text;
}

// What psql says when nothing can answer on the socket: no server (a
// stale socket after a crash, or the socket removed meanwhile), or one
// starting up or shutting down. Authentication and other failures are not
// among them: those are errors to show.
bool ServerNotRunning(std::string_view err) {
  for (std::string_view sign :
       {"failed: No such file or directory", "failed: Connection refused",
        "the database system is starting up",
        "the database system is shutting down",
        "the database system is not yet accepting connections",
        "the database system is in recovery mode"}) {
    if (err.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string PgServer::SocketPath() const {
  return StrCat(socket_dir, "/.s.PGSQL.", port);
}

PgServer LocalPgServer(uint32_t port) {
  PgServer server;
  if (const char* dir = std::getenv("CAIRN_PG_SOCKET_DIR");
      dir != nullptr && dir[0] != '\0') {
    server.socket_dir = dir;
  }
  if (port != 0) server.port = port;
  return server;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  bool backslash = value.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : value) {
    if (c == '\'' || (backslash && c == '\\')) out += c;
    out += c;
  }
  out += '\'';
  return out;
}

absl::Status CheckPgName(std::string_view what, std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(StrCat("the ", what, " name is empty"));
  }
  if (name.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(
        StrCat(what, " name '", name, "' is longer than ", kMaxNameBytes,
               " bytes, which PostgreSQL would cut it to"));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          StrCat(what, " name '", name, "' has a control character"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> PsqlArgv(const PgServer& server,
                                  std::string_view database) {
  return {"runuser", "-u", "postgres", "--",
          // Nothing from the agent's environment (PGUSER, PGOPTIONS, a
          // locale that translates the messages RunPsql looks for).
          "env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8",
          "PGCLIENTENCODING=UTF8", "psql",
          "-X",  // No ~/.psqlrc.
          "-q", "-A", "-t", "-z",
          "-0",  // Fields and records end in NUL bytes.
          "-v", "ON_ERROR_STOP=1", "-h", server.socket_dir, "-p",
          StrCat(server.port), "-U", "postgres", "-d",
          StrCat("dbname=", ConninfoValue(database), " connect_timeout=10")};
}

absl::StatusOr<bool> PgSocketExists(Host& host, const PgServer& server) {
  absl::StatusOr<FileInfo> info = host.Stat(server.SocketPath());
  if (!info.ok()) return info.status();
  return info->exists();
}

absl::StatusOr<PgRows> RunPsql(Host& host, const PgServer& server,
                               std::string_view database, std::string_view sql,
                               int columns, absl::Duration timeout) {
  absl::StatusOr<bool> socket = PgSocketExists(host, server);
  if (!socket.ok()) return socket.status();
  if (!*socket) {
    return absl::UnavailableError(StrCat(
        "PostgreSQL is not running: there is no socket ", server.SocketPath()));
  }
  absl::StatusOr<CommandResult> result =
      host.Run(PsqlArgv(server, database), sql, timeout);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    std::string err = RedactScramVerifiers(TrimNewlines(result->err));
    if (result->exit_code == 2 && ServerNotRunning(err)) {
      return absl::UnavailableError(StrCat("PostgreSQL is not running on ",
                                           server.SocketPath(), ": ", err));
    }
    return absl::FailedPreconditionError(StrCat(
        "psql (database ", database, ", ", server.SocketPath(),
        ") exited with ", result->exit_code, err.empty() ? "" : ": ", err));
  }
  PgRows rows;
  std::vector<std::string_view> fields = StrSplit(result->out, '\0');
  // Every field ends in a NUL, so the last piece is empty.
  fields.pop_back();
  if (columns <= 0 ? !fields.empty() : fields.size() % columns != 0) {
    return absl::InternalError(StrCat("psql printed ", fields.size(),
                                      " fields; expected rows of ", columns));
  }
  for (size_t i = 0; i < fields.size(); i += columns) {
    rows.emplace_back(fields.begin() + i, fields.begin() + i + columns);
  }
  return rows;
}

}  // namespace cairn::agent
