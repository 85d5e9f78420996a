#ifndef CAIRN_AGENT_PROVIDERS_POSTGRES_SQL_H_
#define CAIRN_AGENT_PROVIDERS_POSTGRES_SQL_H_

// Talking to the host's local PostgreSQL server for the postgres_role and
// postgres_database providers: psql run as the postgres OS user over the
// server's unix socket (peer authentication, as Debian sets it up), SQL on
// stdin and never on argv, results read back with NUL separators.
//
//   runuser -u postgres -- env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8
//       PGCLIENTENCODING=UTF8 psql -X -q -A -t -z -0 -v ON_ERROR_STOP=1
//       -h SOCKET_DIR -p PORT -U postgres -d "dbname='DB' connect_timeout=10"
//
// The socket directory is /var/run/postgresql, or the value of the
// environment variable CAIRN_PG_SOCKET_DIR when it is set: tests point it at
// a throwaway server's directory.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/host/host.h"

namespace cairn::agent {

// Where the server listens.
struct PgServer {
  std::string socket_dir = "/var/run/postgresql";
  uint32_t port = 5432;

  // The socket, SOCKET_DIR/.s.PGSQL.PORT.
  std::string SocketPath() const;
};

// The local server on `port` (5432 when 0), in CAIRN_PG_SOCKET_DIR or
// /var/run/postgresql.
PgServer LocalPgServer(uint32_t port);

// A SQL identifier in double quotes, inner ones doubled: "a""b".
std::string QuoteIdentifier(std::string_view name);

// A SQL string literal: 'it''s'; with a backslash, E'a\\b', so that the
// result is the same whatever standard_conforming_strings says.
std::string QuoteLiteral(std::string_view value);

// Whether `name` can name a role, database or extension here: not empty, at
// most 63 bytes (longer names are cut by the server, so they would never
// match), without control characters. InvalidArgument names `what`.
absl::Status CheckPgName(std::string_view what, std::string_view name);

// The argv that runs psql as postgres, connected to `database`.
std::vector<std::string> PsqlArgv(const PgServer& server,
                                  std::string_view database);

// Rows of fields, as psql printed them.
using PgRows = std::vector<std::vector<std::string>>;

// Runs `sql` (statements ending in ';') in `database` and returns the rows
// of the queries in it, each of `columns` fields (booleans are "t" and "f",
// NULL an empty field). Unavailable when the server is not running: its
// socket is missing, or psql finds nothing listening there or a server
// starting or stopping. FailedPrecondition when psql fails otherwise (an SQL
// error: PostgreSQL's message, every SCRAM verifier in it redacted).
absl::StatusOr<PgRows> RunPsql(Host& host, const PgServer& server,
                               std::string_view database, std::string_view sql,
                               int columns,
                               absl::Duration timeout = absl::Minutes(5));

// Whether the server's socket exists (it is not running when not).
absl::StatusOr<bool> PgSocketExists(Host& host, const PgServer& server);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_POSTGRES_SQL_H_
