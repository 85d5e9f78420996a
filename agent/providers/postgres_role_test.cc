#include <cstdlib>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/postgres_fake.h"
#include "agent/providers/postgres_provider_test.h"
#include "agent/providers/postgres_scram.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

constexpr char kPassword[] = "hunter2-Secret";

v1::Resource Resource(const v1::PostgresRole& spec, bool secret = true) {
  v1::Resource r;
  r.set_kind("postgres_role");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  if (secret) r.add_secret_fields("password");
  return r;
}

v1::PostgresRole App() {
  v1::PostgresRole spec;
  spec.set_name("app");
  spec.set_password(kPassword);
  spec.set_login(true);
  return spec;
}

std::string Verifier(std::string_view password) {
  absl::StatusOr<std::string> v = NewScramVerifier(password);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : "";
}

class PostgresRoleTest : public PostgresProviderTest {
 protected:
  PostgresRoleTest() : PostgresProviderTest("postgres_role") { pg_.Start(); }

  // The password appears nowhere but in verifiers: not in any argv, any
  // SQL sent or any diff.
  void ExpectNoPassword(const v1::ResourceDiff& diff) {
    EXPECT_EQ(diff.DebugString().find(kPassword), std::string::npos)
        << diff.DebugString();
    for (const std::string& c : host_.commands()) {
      EXPECT_EQ(c.find(kPassword), std::string::npos) << c;
    }
    for (const std::string& s : pg_.scripts) {
      EXPECT_EQ(s.find(kPassword), std::string::npos) << s;
    }
  }
};

TEST_F(PostgresRoleTest, CreatesARoleSendingOnlyAVerifier) {
  v1::Resource r = Resource(App());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff.changes_size(), 3);
  EXPECT_EQ(diff.changes(0).field(), "ensure");
  EXPECT_EQ(diff.changes(0).current(), "absent");
  EXPECT_EQ(diff.changes(0).desired(), "present");
  EXPECT_EQ(diff.changes(1).field(), "login");
  EXPECT_EQ(diff.changes(1).desired(), "true");
  EXPECT_EQ(diff.changes(2).field(), "password");
  EXPECT_EQ(diff.changes(2).current(), "");
  EXPECT_TRUE(StartsWith(diff.changes(2).desired(), "(secret:"))
      << diff.changes(2).desired();
  Converge(r);

  ASSERT_EQ(pg_.changes.size(), 1u);
  EXPECT_TRUE(StartsWith(pg_.changes[0],
                         "CREATE ROLE [app] WITH LOGIN NOCREATEDB NOSUPERUSER "
                         "NOREPLICATION PASSWORD [SCRAM-SHA-256$4096:"))
      << pg_.changes[0];
  const FakePostgres::Role& role = pg_.roles.at("app");
  EXPECT_TRUE(role.login);
  EXPECT_FALSE(role.superuser);
  ASSERT_TRUE(role.password.has_value());
  EXPECT_TRUE(ScramVerifierMatches(*role.password, kPassword));
  ExpectNoPassword(diff);

  // Nothing to do the second time: only the check's SELECT.
  size_t scripts = pg_.scripts.size();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_EQ(pg_.changes.size(), 1u);
  EXPECT_EQ(pg_.scripts.size(), scripts + 2);
}

TEST_F(PostgresRoleTest, APasswordChangedByHandIsAChange) {
  v1::Resource r = Resource(App());
  Converge(r);
  struct Case {
    std::optional<std::string> stored;
    std::string shown;
  };
  for (const Case& c : std::vector<Case>{
           {Verifier("changed by hand"), "(another password)"},
           {"md5a3556571e93b0d20722ba62be61e8c2d", "(an MD5 hash)"},
           {std::nullopt, "(none)"},
           {"SCRAM-SHA-256$garbage", "(another password)"}}) {
    pg_.roles["app"].password = c.stored;
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
    ASSERT_EQ(diff.changes_size(), 1);
    EXPECT_EQ(diff.changes(0).field(), "password");
    EXPECT_EQ(diff.changes(0).current(), c.shown);
    EXPECT_TRUE(StartsWith(diff.changes(0).desired(), "(secret:"));
    // Never the stored value, nor anything from it.
    if (c.stored) {
      EXPECT_EQ(diff.DebugString().find(c.stored->substr(0, 20)),
                std::string::npos);
    }
    Converge(r);
    EXPECT_TRUE(ScramVerifierMatches(*pg_.roles["app"].password, kPassword));
    EXPECT_TRUE(StartsWith(pg_.changes.back(),
                           "ALTER ROLE [app] WITH PASSWORD [SCRAM-SHA-256$"))
        << pg_.changes.back();
    ExpectNoPassword(diff);
  }
}

TEST_F(PostgresRoleTest, TheSameFingerprintForTheSamePassword) {
  v1::Resource r = Resource(App());
  pg_.roles["app"] = {true, false, false, false, Verifier("one")};
  std::string first = Check(r).changes(0).desired();
  pg_.roles["app"].password = Verifier("two");
  EXPECT_EQ(Check(r).changes(0).desired(), first);
  v1::PostgresRole other = App();
  other.set_password("another");
  EXPECT_NE(Check(Resource(other)).changes(0).desired(), first);
}

TEST_F(PostgresRoleTest, APasswordThatIsNoSecretIsNotShownEither) {
  v1::Resource r = Resource(App(), /*secret=*/false);
  pg_.roles["app"] = {true, false, false, false, Verifier("old")};
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "(another password)");
  EXPECT_EQ(diff.changes(0).desired(), "(a new password)");
  Converge(r);
  ExpectNoPassword(diff);
}

TEST_F(PostgresRoleTest, NoPasswordLeavesThePasswordAlone) {
  v1::PostgresRole spec = App();
  spec.clear_password();
  v1::Resource r = Resource(spec);
  Converge(r);
  EXPECT_EQ(pg_.changes.back(),
            "CREATE ROLE [app] WITH LOGIN NOCREATEDB NOSUPERUSER "
            "NOREPLICATION");
  EXPECT_FALSE(pg_.roles["app"].password.has_value());

  // A password set by hand (or by another tool) is not this resource's.
  pg_.roles["app"].password = Verifier("set by hand");
  size_t changes = pg_.changes.size();
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  Converge(r);
  EXPECT_EQ(pg_.changes.size(), changes);
  EXPECT_TRUE(pg_.roles["app"].password.has_value());
}

TEST_F(PostgresRoleTest, AttributesChangeOneByOne) {
  v1::Resource r = Resource(App());
  Converge(r);
  pg_.roles["app"].login = false;
  pg_.roles["app"].superuser = true;
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "login");
  EXPECT_EQ(diff.changes(0).current(), "false");
  EXPECT_EQ(diff.changes(0).desired(), "true");
  EXPECT_EQ(diff.changes(1).field(), "superuser");
  EXPECT_EQ(diff.changes(1).current(), "true");
  EXPECT_EQ(diff.changes(1).desired(), "false");
  Converge(r);
  EXPECT_EQ(pg_.changes.back(), "ALTER ROLE [app] WITH LOGIN NOSUPERUSER");

  v1::PostgresRole spec = App();
  spec.set_createdb(true);
  spec.set_replication(true);
  spec.set_login(false);
  Converge(Resource(spec));
  EXPECT_EQ(pg_.changes.back(),
            "ALTER ROLE [app] WITH NOLOGIN CREATEDB REPLICATION");
}

TEST_F(PostgresRoleTest, AbsentDropsTheRole) {
  Converge(Resource(App()));
  v1::PostgresRole spec;
  spec.set_name("app");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "ensure");
  Converge(r);
  EXPECT_EQ(pg_.changes.back(), "DROP ROLE [app]");
  EXPECT_FALSE(pg_.roles.count("app"));

  // Already gone: nothing to do, whatever else the spec says.
  spec.set_password("\xc3\xa9");
  EXPECT_EQ(Check(Resource(spec)).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PostgresRoleTest, AbsentIsRefusedWhileTheRoleOwnsADatabase) {
  Converge(Resource(App()));
  pg_.databases["appdb"].owner = "app";
  v1::PostgresRole spec = App();
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  absl::Status applied = provider().Apply(r, Check(r), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(applied.message()).find("owner of database appdb"),
            std::string::npos)
      << applied;
  EXPECT_TRUE(StartsWith(std::string(applied.message()), "postgres_role app: "))
      << applied;
  EXPECT_EQ(std::string(applied.message()).find(kPassword), std::string::npos);
  EXPECT_TRUE(pg_.roles.count("app"));
}

TEST_F(PostgresRoleTest, AServerNotRunningYetIsACreationNotAnError) {
  pg_.Stop();
  v1::Resource r = Resource(App());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff.changes_size(), 3);
  EXPECT_EQ(diff.changes(0).field(), "ensure");
  EXPECT_EQ(diff.changes(0).current(),
            "(unknown: PostgreSQL is not running: there is no socket "
            "/var/run/postgresql/.s.PGSQL.5432)");
  EXPECT_EQ(diff.changes(0).desired(), "present");
  EXPECT_EQ(diff.changes(1).field(), "login");
  EXPECT_EQ(diff.changes(2).field(), "password");
  EXPECT_TRUE(host_.commands().empty());
  ExpectNoPassword(diff);

  // Apply needs it running.
  absl::Status applied = provider().Apply(r, diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(applied.message(),
            "postgres_role app: PostgreSQL is not running: there is no "
            "socket /var/run/postgresql/.s.PGSQL.5432");

  // By then the package and service came first.
  pg_.Start();
  Converge(r);
}

TEST_F(PostgresRoleTest, AbsentOnAServerNotRunningIsNothingToDo) {
  pg_.Stop();
  v1::PostgresRole spec = App();
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_TRUE(provider().Apply(r, Check(r), context_).ok());
}

TEST_F(PostgresRoleTest, OddNamesAreQuoted) {
  v1::PostgresRole spec = App();
  spec.set_name("we\"ird 'ro\\le; DROP ROLE postgres");
  Converge(Resource(spec));
  EXPECT_TRUE(pg_.roles.count(spec.name()));
  EXPECT_TRUE(pg_.roles.count("postgres"));
  EXPECT_EQ(pg_.changes.size(), 1u);
}

TEST_F(PostgresRoleTest, PortAndSocketDirectory) {
  setenv("CAIRN_PG_SOCKET_DIR", "/tmp/pg", 1);
  FakeHost host;
  FakePostgres pg(host, "/tmp/pg", 5433);
  pg.Start();
  context_.host = &host;
  v1::PostgresRole spec = App();
  spec.set_port(5433);
  v1::Resource r = Resource(spec);
  ASSERT_TRUE(
      provider().Apply(r, *provider().Check(r, context_), context_).ok());
  EXPECT_TRUE(pg.roles.count("app"));
  EXPECT_EQ(provider().Check(r, context_)->action(),
            v1::ResourceDiff::ACTION_NONE);
  unsetenv("CAIRN_PG_SOCKET_DIR");
}

TEST_F(PostgresRoleTest, BadSpecsAreErrorsThatShowNoPassword) {
  v1::PostgresRole spec = App();
  spec.set_password("s\xc3\xa9same ouvre-toi");
  absl::StatusOr<v1::ResourceDiff> diff =
      provider().Check(Resource(spec), context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(diff.status().message()).find("ouvre"),
            std::string::npos)
      << diff.status();
  EXPECT_TRUE(
      StartsWith(std::string(diff.status().message()), "postgres_role app: "));

  spec = App();
  spec.set_name(std::string(64, 'r'));
  EXPECT_EQ(provider().Check(Resource(spec), context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(host_.commands().empty());
}

}  // namespace
}  // namespace cairn::agent
