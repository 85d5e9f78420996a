// The postgres_role and postgres_database providers against a real
// PostgreSQL server that postgres_server_test.sh starts: roles log in over
// the socket with the password (pg_hba.conf is switched to scram-sha-256
// for every role but postgres), changes made by hand with psql are drift,
// odd names survive quoting, and the server is never sent a password.

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/host/host.h"
#include "agent/providers/postgres_sql.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

class PostgresServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = MakeLocalHost().release();
    ASSERT_FALSE(Env("CAIRN_PG_SOCKET_DIR").empty() ||
                 Env("CAIRN_TEST_PG_DATA").empty())
        << "run through postgres_server_test.sh";
    // Passwords for every role but postgres (which the providers use),
    // and every statement in the server's log.
    std::string hba = StrCat(Env("CAIRN_TEST_PG_DATA"), "/pg_hba.conf");
    absl::StatusOr<FileInfo> info = host_->Stat(hba);
    ASSERT_TRUE(info.ok() && info->exists()) << hba;
    ASSERT_TRUE(host_
                    ->WriteFile(hba,
                                "local all postgres trust\n"
                                "local all all scram-sha-256\n",
                                0600, info->uid, info->gid)
                    .ok());
    Psql(
        "ALTER SYSTEM SET log_statement = 'all';\n"
        "SELECT pg_reload_conf();\n"
        "CREATE ROLE probe LOGIN PASSWORD 'probe';\n");
    // The reload is asynchronous: wait until a wrong password is refused.
    for (int i = 0; i < 100 && Login("probe", "wrong"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(Login("probe", "wrong")) << "pg_hba.conf was not reloaded";
    ASSERT_TRUE(Login("probe", "probe"));
  }

  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }

  PostgresServerTest() {
    context_.host = host_;
    context_.fingerprint_key = "key";
  }

  // Runs `sql` as postgres, as an administrator would by hand; its output.
  static std::string Psql(const std::string& sql,
                          const std::string& database = "postgres") {
    absl::StatusOr<CommandResult> r = host_->Run(
        {"runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-v",
         "ON_ERROR_STOP=1", "-h", Env("CAIRN_PG_SOCKET_DIR"), "-d", database},
        sql, absl::Seconds(60));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_code, 0) << sql << "\n" << r->err;
    return r->out;
  }

  // Whether `role` logs in with `password` over the socket.
  static bool Login(const std::string& role, const std::string& password) {
    absl::StatusOr<CommandResult> r =
        host_->Run({"env", StrCat("PGPASSWORD=", password), "psql", "-X", "-At",
                    "-w", "-h", Env("CAIRN_PG_SOCKET_DIR"), "-U", role, "-d",
                    "postgres", "-c", "SELECT current_user"},
                   "", absl::Seconds(60));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->exit_code == 0 && r->out == role + "\n";
  }

  static v1::Resource Role(const v1::PostgresRole& spec) {
    v1::Resource r;
    r.set_kind("postgres_role");
    r.set_id(spec.name());
    r.mutable_spec()->PackFrom(spec);
    r.add_secret_fields("password");
    return r;
  }
  static v1::Resource Database(const v1::PostgresDatabase& spec) {
    v1::Resource r;
    r.set_kind("postgres_database");
    r.set_id(spec.name());
    r.mutable_spec()->PackFrom(spec);
    return r;
  }

  v1::ResourceDiff Check(const v1::Resource& r) {
    absl::StatusOr<v1::ResourceDiff> diff =
        FindProvider(r.kind())->Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  absl::Status Apply(const v1::Resource& r) {
    return FindProvider(r.kind())->Apply(r, Check(r), context_);
  }

  void Converge(const v1::Resource& r) {
    EXPECT_NE(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
    absl::Status applied = Apply(r);
    ASSERT_TRUE(applied.ok()) << applied;
    v1::ResourceDiff after = Check(r);
    EXPECT_EQ(after.action(), v1::ResourceDiff::ACTION_NONE)
        << after.DebugString();
  }

  // Whether the server's log (every statement) holds `text`.
  static bool ServerLogHas(const std::string& text) {
    absl::StatusOr<std::string> log = host_->ReadFile(Env("CAIRN_TEST_PG_LOG"));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() && log->find(text) != std::string::npos;
  }

  static Host* host_;
  ProviderContext context_;
};

Host* PostgresServerTest::host_ = nullptr;

TEST_F(PostgresServerTest, ARoleLogsInWithItsPasswordAndHandChangesAreDrift) {
  const std::string password = "s3cret 'quoted' \\ \"pass\"";
  v1::PostgresRole spec;
  spec.set_name("app");
  spec.set_password(password);
  spec.set_login(true);
  v1::Resource r = Role(spec);

  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  Converge(r);
  EXPECT_TRUE(StartsWith(
      Psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'app';"),
      "SCRAM-SHA-256$4096:"));
  EXPECT_TRUE(Login("app", password));
  EXPECT_FALSE(Login("app", "wrong"));

  // Changed by hand: drift, shown without values; Apply puts it back.
  Psql("ALTER ROLE app PASSWORD 'changed-by-hand';");
  EXPECT_FALSE(Login("app", password));
  diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "password");
  EXPECT_EQ(diff.changes(0).current(), "(another password)");
  EXPECT_TRUE(StartsWith(diff.changes(0).desired(), "(secret:"));
  Converge(r);
  EXPECT_TRUE(Login("app", password));
  EXPECT_FALSE(Login("app", "changed-by-hand"));

  // An MD5 hash is a change.
  Psql(
      "SET password_encryption = 'md5';\n"
      "ALTER ROLE app PASSWORD 'md5-by-hand';\n");
  EXPECT_TRUE(StartsWith(
      Psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'app';"), "md5"));
  diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "(an MD5 hash)");
  Converge(r);
  EXPECT_TRUE(Login("app", password));

  // No password at all.
  Psql("ALTER ROLE app PASSWORD NULL;");
  EXPECT_EQ(Check(r).changes(0).current(), "(none)");
  Converge(r);
  EXPECT_TRUE(Login("app", password));

  // The server saw the hand-set passwords in clear, never the spec's.
  EXPECT_TRUE(ServerLogHas("changed-by-hand"));
  EXPECT_TRUE(ServerLogHas("PASSWORD 'SCRAM-SHA-256$4096:"));
  EXPECT_FALSE(ServerLogHas("s3cret"));

  spec.set_ensure(v1::ENSURE_ABSENT);
  Converge(Role(spec));
  EXPECT_EQ(Psql("SELECT count(*) FROM pg_roles WHERE rolname = 'app';"),
            "0\n");
}

TEST_F(PostgresServerTest, AttributesChangedByHandAreDrift) {
  v1::PostgresRole spec;
  spec.set_name("attrs");
  spec.set_createdb(true);
  v1::Resource r = Role(spec);
  Converge(r);
  EXPECT_EQ(Psql("SELECT rolcanlogin, rolcreatedb, rolsuper, rolreplication, "
                 "rolpassword IS NULL FROM pg_authid WHERE rolname = 'attrs';"),
            "f|t|f|f|t\n");
  Psql("ALTER ROLE attrs LOGIN NOCREATEDB SUPERUSER REPLICATION;");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  std::vector<std::string> fields;
  for (const v1::FieldChange& c : diff.changes()) fields.push_back(c.field());
  EXPECT_EQ(fields, (std::vector<std::string>{"login", "createdb", "superuser",
                                              "replication"}));
  Converge(r);
  EXPECT_EQ(Psql("SELECT rolcanlogin, rolcreatedb, rolsuper, rolreplication "
                 "FROM pg_authid WHERE rolname = 'attrs';"),
            "f|t|f|f\n");
  spec.set_ensure(v1::ENSURE_ABSENT);
  Converge(Role(spec));
}

TEST_F(PostgresServerTest, ADatabaseWithOwnerAndExtension) {
  v1::PostgresRole owner;
  owner.set_name("dbowner");
  Converge(Role(owner));

  v1::PostgresDatabase spec;
  spec.set_name("appdb");
  spec.set_owner("dbowner");
  spec.add_extensions("pg_trgm");
  v1::Resource r = Database(spec);
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_CREATE);
  Converge(r);
  EXPECT_EQ(Psql("SELECT pg_get_userbyid(datdba), "
                 "pg_encoding_to_char(encoding), datcollate, datctype FROM "
                 "pg_database WHERE datname = 'appdb';"),
            "dbowner|UTF8|C.UTF-8|C.UTF-8\n");
  EXPECT_EQ(Psql("SELECT extname FROM pg_extension ORDER BY 1;", "appdb"),
            "pg_trgm\nplpgsql\n");

  // Hand changes: the extension dropped, another owner.
  Psql("DROP EXTENSION pg_trgm;", "appdb");
  Psql("ALTER DATABASE appdb OWNER TO postgres;");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "owner");
  EXPECT_EQ(diff.changes(0).current(), "postgres");
  EXPECT_EQ(diff.changes(1).field(), "extensions");
  EXPECT_EQ(diff.changes(1).current(), "(none)");
  Converge(r);
  EXPECT_EQ(Psql("SELECT extname FROM pg_extension ORDER BY 1;", "appdb"),
            "pg_trgm\nplpgsql\n");

  // The owner cannot go first: PostgreSQL says why.
  owner.set_ensure(v1::ENSURE_ABSENT);
  absl::Status refused = Apply(Role(owner));
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(refused.message()).find("owner of database appdb"),
            std::string::npos)
      << refused;

  spec.set_ensure(v1::ENSURE_ABSENT);
  diff = Check(Database(spec));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  Converge(Database(spec));
  EXPECT_EQ(Psql("SELECT count(*) FROM pg_database WHERE datname = 'appdb';"),
            "0\n");
  Converge(Role(owner));
}

TEST_F(PostgresServerTest, AnotherEncodingIsReportedAndNeverChanged) {
  Psql(
      "CREATE DATABASE latin ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
      "TEMPLATE template0;");
  v1::PostgresDatabase spec;
  spec.set_name("latin");
  spec.set_encoding("utf-8");
  v1::Resource r = Database(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "encoding");
  EXPECT_EQ(diff.changes(0).current(), "LATIN1");
  EXPECT_EQ(diff.changes(1).field(), "locale");
  EXPECT_EQ(diff.changes(1).current(), "C");
  absl::Status applied = Apply(r);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(applied.message(),
            "postgres_database latin: database latin exists with encoding "
            "LATIN1, not UTF8; changing it means dump and restore");

  // As it is, nothing to do.
  spec.set_encoding("LATIN1");
  spec.set_locale("C");
  EXPECT_EQ(Check(Database(spec)).action(), v1::ResourceDiff::ACTION_NONE);
  spec.set_ensure(v1::ENSURE_ABSENT);
  Converge(Database(spec));
}

TEST_F(PostgresServerTest, OddNamesSurviveQuoting) {
  const std::string password = "p'a\\ss\"w";
  v1::PostgresRole role;
  role.set_name("we\"ird 'ro\\le");
  role.set_password(password);
  role.set_login(true);
  Converge(Role(role));
  EXPECT_TRUE(Login(role.name(), password));

  v1::PostgresDatabase db;
  db.set_name("d\"b 'x\\y");
  db.set_owner(role.name());
  db.add_extensions("pg_trgm");
  Converge(Database(db));
  EXPECT_EQ(Psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE "
                 "datname = E'd\"b \\'x\\\\y';"),
            role.name() + "\n");

  db.set_ensure(v1::ENSURE_ABSENT);
  Converge(Database(db));
  role.set_ensure(v1::ENSURE_ABSENT);
  Converge(Role(role));
}

TEST_F(PostgresServerTest, AServerNotRunningIsACreationThatApplyRefuses) {
  v1::PostgresRole spec;
  spec.set_name("app");
  spec.set_port(5499);  // Nothing listens there.
  v1::Resource r = Role(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_GE(diff.changes_size(), 1);
  EXPECT_TRUE(StartsWith(diff.changes(0).current(),
                         "(unknown: PostgreSQL is not running"));
  EXPECT_EQ(Apply(r).code(), absl::StatusCode::kUnavailable);

  v1::PostgresDatabase db;
  db.set_name("appdb");
  db.set_port(5499);
  EXPECT_EQ(Check(Database(db)).action(), v1::ResourceDiff::ACTION_CREATE);
}

}  // namespace
}  // namespace cairn::agent
