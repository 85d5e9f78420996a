#ifndef CAIRN_AGENT_PROVIDERS_POSTGRES_FAKE_H_
#define CAIRN_AGENT_PROVIDERS_POSTGRES_FAKE_H_

// A PostgreSQL server played on a FakeHost, for the postgres_role and
// postgres_database tests: it answers the psql commands postgres_sql.h
// runs (runuser -u postgres -- psql ... with SQL on stdin), understands
// exactly the statements the providers send, and keeps roles and databases
// in maps the tests read and change. It insists on what the real server
// would make of bad quoting: names must come as quoted identifiers, values
// as string literals, and a password only as a SCRAM verifier. Not a SQL
// engine: anything else is an error (exit 3, "ERROR:  fake: ...").

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"

namespace cairn::agent {

class FakePostgres {
 public:
  struct Role {
    bool login = false;
    bool createdb = false;
    bool superuser = false;
    bool replication = false;
    // rolpassword; nullopt for NULL.
    std::optional<std::string> password;
  };
  struct Database {
    std::string owner = "postgres";
    std::string encoding = "UTF8";
    std::string collate = "C.UTF-8";
    std::string ctype = "C.UTF-8";
    std::set<std::string> extensions = {"plpgsql"};
  };

  // Serves `host`'s psql commands for the server on SOCKET_DIR, `port`.
  // Not running until Start. Starts with the role postgres (a superuser)
  // and the databases postgres, template0 and template1.
  explicit FakePostgres(FakeHost& host,
                        std::string socket_dir = "/var/run/postgresql",
                        uint32_t port = 5432);

  // Makes the socket appear (the server runs) or go.
  void Start();
  void Stop();

  std::map<std::string, Role> roles;
  std::map<std::string, Database> databases;
  // What CREATE EXTENSION finds installed.
  std::set<std::string> available_extensions = {"plpgsql", "pg_trgm", "hstore"};
  // Every psql's stdin, in order.
  std::vector<std::string> scripts;
  // Every statement that changed something, as its words joined by spaces
  // (identifiers and literals decoded, in brackets: CREATE ROLE [app] ...).
  std::vector<std::string> changes;

 private:
  FakeHost& host_;
  std::string socket_dir_;
  uint32_t port_;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_POSTGRES_FAKE_H_
