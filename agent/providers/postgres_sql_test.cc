#include "agent/providers/postgres_sql.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

using namespace std::string_literals;

TEST(QuoteTest, Identifiers) {
  EXPECT_EQ(QuoteIdentifier("app"), "\"app\"");
  EXPECT_EQ(QuoteIdentifier("App"), "\"App\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("\"\""), "\"\"\"\"\"\"");
  EXPECT_EQ(QuoteIdentifier("it's; DROP ROLE x"), "\"it's; DROP ROLE x\"");
  EXPECT_EQ(QuoteIdentifier("a\\b"), "\"a\\b\"");
}

TEST(QuoteTest, Literals) {
  EXPECT_EQ(QuoteLiteral("C.UTF-8"), "'C.UTF-8'");
  EXPECT_EQ(QuoteLiteral(""), "''");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral("''"), "''''''");
  // A backslash: the E'' form, right whatever standard_conforming_strings.
  EXPECT_EQ(QuoteLiteral("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(QuoteLiteral("\\'"), "E'\\\\'''");
  EXPECT_EQ(QuoteLiteral("\"x\""), "'\"x\"'");
}

TEST(QuoteTest, Names) {
  EXPECT_TRUE(CheckPgName("role", "app").ok());
  EXPECT_TRUE(CheckPgName("role", "we\"ird 'ro\\le").ok());
  EXPECT_TRUE(CheckPgName("role", std::string(63, 'a')).ok());
  EXPECT_FALSE(CheckPgName("role", std::string(64, 'a')).ok());
  EXPECT_FALSE(CheckPgName("role", "").ok());
  EXPECT_FALSE(CheckPgName("role", "a\nb").ok());
  EXPECT_FALSE(CheckPgName("role", std::string("a\0b", 3)).ok());
  EXPECT_EQ(CheckPgName("database", "").message(),
            "the database name is empty");
}

TEST(PsqlTest, ArgvConnectsAsPostgresOverTheSocket) {
  PgServer server{"/run/pg", 5433};
  EXPECT_EQ(server.SocketPath(), "/run/pg/.s.PGSQL.5433");
  std::vector<std::string> argv = PsqlArgv(server, "it's\\x");
  EXPECT_EQ(argv, (std::vector<std::string>{
                      "runuser",
                      "-u",
                      "postgres",
                      "--",
                      "env",
                      "-i",
                      "PATH=/usr/bin:/bin",
                      "LC_ALL=C.UTF-8",
                      "PGCLIENTENCODING=UTF8",
                      "psql",
                      "-X",
                      "-q",
                      "-A",
                      "-t",
                      "-z",
                      "-0",
                      "-v",
                      "ON_ERROR_STOP=1",
                      "-h",
                      "/run/pg",
                      "-p",
                      "5433",
                      "-U",
                      "postgres",
                      "-d",
                      "dbname='it\\'s\\\\x' connect_timeout=10"}));
}

TEST(PsqlTest, LocalServerReadsTheSocketDirectoryFromTheEnvironment) {
  unsetenv("CAIRN_PG_SOCKET_DIR");
  EXPECT_EQ(LocalPgServer(0).SocketPath(), "/var/run/postgresql/.s.PGSQL.5432");
  setenv("CAIRN_PG_SOCKET_DIR", "/tmp/pg", 1);
  EXPECT_EQ(LocalPgServer(6543).SocketPath(), "/tmp/pg/.s.PGSQL.6543");
  unsetenv("CAIRN_PG_SOCKET_DIR");
}

class RunPsqlTest : public ::testing::Test {
 protected:
  RunPsqlTest() { host_.PutFile("/var/run/postgresql/.s.PGSQL.5432", ""); }

  void Answer(int exit_code, std::string out, std::string err) {
    host_.OnCommand("runuser", [=](const std::vector<std::string>&,
                                   std::string_view input) {
      inputs_.emplace_back(input);
      return CommandResult{exit_code, out, err};
    });
  }

  FakeHost host_;
  PgServer server_;
  std::vector<std::string> inputs_;
};

TEST_F(RunPsqlTest, SplitsRowsAtNulBytes) {
  Answer(0, "t\0a|b\0\0f\0c\nd\0x\0"s, "");
  absl::StatusOr<PgRows> rows =
      RunPsql(host_, server_, "postgres", "SELECT 1;\n", 2);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, (PgRows{{"t", "a|b"}, {"", "f"}, {"c\nd", "x"}}));
  EXPECT_EQ(inputs_, std::vector<std::string>{"SELECT 1;\n"});

  Answer(0, "", "");
  rows = RunPsql(host_, server_, "postgres", "CREATE ROLE \"a\";\n", 0);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());

  Answer(0, "t\0"s, "");
  EXPECT_EQ(RunPsql(host_, server_, "postgres", "SELECT 1;", 2).status().code(),
            absl::StatusCode::kInternal);
}

TEST_F(RunPsqlTest, NoSocketMeansNotRunningAndNoPsqlIsRun) {
  Answer(0, "", "");
  PgServer elsewhere{"/nowhere", 5432};
  absl::StatusOr<PgRows> rows =
      RunPsql(host_, elsewhere, "postgres", "SELECT 1;", 1);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(rows.status().message(),
            "PostgreSQL is not running: there is no socket "
            "/nowhere/.s.PGSQL.5432");
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(RunPsqlTest, AStaleSocketMeansNotRunning) {
  Answer(2, "",
         "psql: error: connection to server on socket "
         "\"/var/run/postgresql/.s.PGSQL.5432\" failed: Connection refused\n");
  EXPECT_EQ(RunPsql(host_, server_, "postgres", "SELECT 1;", 1).status().code(),
            absl::StatusCode::kUnavailable);
  Answer(2, "",
         "psql: error: connection to server on socket "
         "\"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  the "
         "database system is starting up\n");
  EXPECT_EQ(RunPsql(host_, server_, "postgres", "SELECT 1;", 1).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(RunPsqlTest, OtherFailuresAreErrorsWithPostgresMessage) {
  Answer(2, "",
         "psql: error: connection to server on socket "
         "\"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  Peer "
         "authentication failed for user \"postgres\"\n");
  absl::Status s = RunPsql(host_, server_, "postgres", "SELECT 1;", 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(s.message()).find("Peer authentication failed"),
            std::string::npos)
      << s;

  Answer(3, "",
         "ERROR:  unrecognized role option \"bogus\"\nLINE 1: CREATE ROLE "
         "\"x\" WITH PASSWORD 'SCRAM-SHA-256$4096:abc=$def=:ghi=' BOGUS;\n");
  s = RunPsql(host_, server_, "postgres", "...", 0).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "psql (database postgres, /var/run/postgresql/.s.PGSQL.5432) "
            "exited with 3: ERROR:  unrecognized role option \"bogus\"\n"
            "LINE 1: CREATE ROLE \"x\" WITH PASSWORD "
            "'SCRAM-SHA-256$(redacted)' BOGUS;");

  // runuser without psql, or without a postgres user.
  FakeHost bare;
  bare.PutFile("/var/run/postgresql/.s.PGSQL.5432", "");
  s = RunPsql(bare, server_, "postgres", "SELECT 1;", 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(s.message()).find("exited with 127"), std::string::npos)
      << s;
}

}  // namespace
}  // namespace cairn::agent
