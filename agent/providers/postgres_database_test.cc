#include <cstdlib>
#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/postgres_fake.h"
#include "agent/providers/postgres_provider_test.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Resource Resource(const v1::PostgresDatabase& spec) {
  v1::Resource r;
  r.set_kind("postgres_database");
  r.set_id(spec.name());
  r.mutable_spec()->PackFrom(spec);
  return r;
}

v1::PostgresDatabase AppDb() {
  v1::PostgresDatabase spec;
  spec.set_name("appdb");
  spec.set_owner("app");
  spec.add_extensions("pg_trgm");
  return spec;
}

class PostgresDatabaseTest : public PostgresProviderTest {
 protected:
  PostgresDatabaseTest() : PostgresProviderTest("postgres_database") {
    pg_.roles["app"] = {};
    pg_.roles["other"] = {};
    pg_.Start();
  }
};

TEST_F(PostgresDatabaseTest, CreatesTheDatabaseAndItsExtensions) {
  v1::Resource r = Resource(AppDb());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  std::vector<std::string> shown;
  for (const v1::FieldChange& c : diff.changes()) {
    shown.push_back(StrCat(c.field(), ": ", c.current(), " -> ", c.desired()));
  }
  EXPECT_EQ(shown, (std::vector<std::string>{
                       "ensure: absent -> present", "owner:  -> app",
                       "encoding:  -> UTF8", "locale:  -> C.UTF-8",
                       "extensions:  -> pg_trgm"}));
  Converge(r);
  EXPECT_EQ(
      pg_.changes,
      (std::vector<std::string>{
          "CREATE DATABASE [appdb] WITH OWNER [app] ENCODING [UTF8] "
          "LC_COLLATE [C.UTF-8] LC_CTYPE [C.UTF-8] TEMPLATE template0",
          "CREATE EXTENSION IF NOT EXISTS [pg_trgm] CASCADE (in appdb)"}));
  EXPECT_EQ(pg_.databases["appdb"].owner, "app");
  EXPECT_EQ(pg_.databases["appdb"].extensions,
            (std::set<std::string>{"pg_trgm", "plpgsql"}));

  size_t scripts = pg_.scripts.size();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_EQ(pg_.changes.size(), 2u);
  // Two reads each for Check and Apply: the database, its extensions.
  EXPECT_EQ(pg_.scripts.size(), scripts + 4);
}

TEST_F(PostgresDatabaseTest, DefaultsAreUtf8AndCUtf8OwnedByPostgres) {
  v1::PostgresDatabase spec;
  spec.set_name("plain");
  Converge(Resource(spec));
  EXPECT_EQ(pg_.changes,
            (std::vector<std::string>{
                "CREATE DATABASE [plain] WITH OWNER [postgres] ENCODING "
                "[UTF8] LC_COLLATE [C.UTF-8] LC_CTYPE [C.UTF-8] TEMPLATE "
                "template0"}));
  // Spelled otherwise, the same.
  spec.set_encoding("utf-8");
  spec.set_locale("C.utf8");
  spec.set_owner("postgres");
  EXPECT_EQ(Check(Resource(spec)).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PostgresDatabaseTest, OwnerAndMissingExtensionsAreChanged) {
  v1::Resource r = Resource(AppDb());
  Converge(r);
  pg_.databases["appdb"].owner = "other";
  pg_.databases["appdb"].extensions.erase("pg_trgm");
  v1::PostgresDatabase spec = AppDb();
  spec.add_extensions("hstore");
  spec.add_extensions("pg_trgm");  // Twice: once is enough.
  r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "owner");
  EXPECT_EQ(diff.changes(0).current(), "other");
  EXPECT_EQ(diff.changes(0).desired(), "app");
  EXPECT_EQ(diff.changes(1).field(), "extensions");
  EXPECT_EQ(diff.changes(1).current(), "(none)");
  EXPECT_EQ(diff.changes(1).desired(), "pg_trgm, hstore");
  Converge(r);
  EXPECT_EQ(pg_.changes.end()[-3], "ALTER DATABASE [appdb] OWNER TO [app]");
  EXPECT_EQ(pg_.changes.end()[-2],
            "CREATE EXTENSION IF NOT EXISTS [pg_trgm] CASCADE (in appdb)");
  EXPECT_EQ(pg_.changes.end()[-1],
            "CREATE EXTENSION IF NOT EXISTS [hstore] CASCADE (in appdb)");
  // Extensions not listed stay.
  pg_.databases["appdb"].extensions.insert("citext");
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PostgresDatabaseTest, EncodingAndLocaleAreReportedButNeverChanged) {
  pg_.databases["appdb"] = {"app", "LATIN1", "C", "C", {"plpgsql", "pg_trgm"}};
  v1::Resource r = Resource(AppDb());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "encoding");
  EXPECT_EQ(diff.changes(0).current(), "LATIN1");
  EXPECT_EQ(diff.changes(0).desired(),
            "UTF8 (set at creation: needs a dump and restore)");
  EXPECT_EQ(diff.changes(1).field(), "locale");
  EXPECT_EQ(diff.changes(1).current(), "C");
  absl::Status applied = provider().Apply(r, diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(applied.message(),
            "postgres_database appdb: database appdb exists with encoding "
            "LATIN1, not UTF8; changing it means dump and restore");

  // Nothing else is done first either.
  pg_.databases["appdb"].encoding = "UTF8";
  pg_.databases["appdb"].owner = "other";
  diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "owner");
  EXPECT_EQ(diff.changes(1).field(), "locale");
  applied = provider().Apply(r, diff, context_);
  EXPECT_EQ(applied.message(),
            "postgres_database appdb: database appdb exists with locale C, "
            "not C.UTF-8; changing it means dump and restore");
  EXPECT_TRUE(pg_.changes.empty());
  EXPECT_EQ(pg_.databases["appdb"].owner, "other");

  pg_.databases["appdb"].ctype = "C.UTF-8";
  EXPECT_EQ(Check(r).changes(1).current(), "LC_COLLATE C, LC_CTYPE C.UTF-8");
}

TEST_F(PostgresDatabaseTest, AbsentDropsTheDatabase) {
  Converge(Resource(AppDb()));
  v1::PostgresDatabase spec;
  spec.set_name("appdb");
  spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r = Resource(spec);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(), "ensure");
  Converge(r);
  EXPECT_EQ(pg_.changes.back(), "DROP DATABASE [appdb]");
  EXPECT_FALSE(pg_.databases.count("appdb"));
  // A bad encoding does not matter for a removal.
  spec.set_encoding("klingon");
  EXPECT_EQ(Check(Resource(spec)).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PostgresDatabaseTest, AServerNotRunningYetIsACreationNotAnError) {
  pg_.Stop();
  v1::Resource r = Resource(AppDb());
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_GE(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(),
            "(unknown: PostgreSQL is not running: there is no socket "
            "/var/run/postgresql/.s.PGSQL.5432)");
  EXPECT_TRUE(host_.commands().empty());
  absl::Status applied = provider().Apply(r, diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(StartsWith(std::string(applied.message()),
                         "postgres_database appdb: PostgreSQL is not running"))
      << applied;
  pg_.Start();
  Converge(r);

  // Absent on a stopped server: nothing to do.
  pg_.Stop();
  v1::PostgresDatabase spec = AppDb();
  spec.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Check(Resource(spec)).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_TRUE(provider().Apply(Resource(spec), {}, context_).ok());
}

TEST_F(PostgresDatabaseTest, ErrorsOfTheServerAreShown) {
  v1::PostgresDatabase spec = AppDb();
  spec.set_owner("nobody");
  v1::Resource r = Resource(spec);
  absl::Status applied = provider().Apply(r, Check(r), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(
      std::string(applied.message()).find("role \"nobody\" does not exist"),
      std::string::npos)
      << applied;

  spec = AppDb();
  spec.set_encoding("klingon");
  absl::StatusOr<v1::ResourceDiff> diff =
      provider().Check(Resource(spec), context_);
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(diff.status().message(),
            "postgres_database appdb: 'klingon' is no encoding this server "
            "knows");

  spec = AppDb();
  spec.add_extensions("postgis");
  r = Resource(spec);
  applied = provider().Apply(r, Check(r), context_);
  EXPECT_NE(std::string(applied.message())
                .find("extension \"postgis\" is not available"),
            std::string::npos)
      << applied;
  // The database stays; the next check shows what is missing.
  v1::ResourceDiff after = Check(r);
  ASSERT_EQ(after.changes_size(), 1);
  EXPECT_EQ(after.changes(0).current(), "pg_trgm");
  EXPECT_EQ(after.changes(0).desired(), "pg_trgm, postgis");
}

TEST_F(PostgresDatabaseTest, OddNamesAreQuoted) {
  pg_.roles["o'wn\"er"] = {};
  v1::PostgresDatabase spec;
  spec.set_name("d\"b 'x\\y");
  spec.set_owner("o'wn\"er");
  spec.set_locale("C.UTF-8");
  Converge(Resource(spec));
  ASSERT_TRUE(pg_.databases.count(spec.name()));
  EXPECT_EQ(pg_.databases[spec.name()].owner, "o'wn\"er");
}

}  // namespace
}  // namespace cairn::agent
