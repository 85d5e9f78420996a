#ifndef CAIRN_AGENT_PROVIDERS_POSTGRES_PROVIDER_TEST_H_
#define CAIRN_AGENT_PROVIDERS_POSTGRES_PROVIDER_TEST_H_

// The fixture the postgres_role and postgres_database tests share: a
// FakePostgres on a FakeHost, a Check that asserts it only reads, and a
// Converge that applies and asserts nothing is left to do.

#include <cstdlib>
#include <string>

#include "agent/host/fake_host.h"
#include "agent/providers/postgres_fake.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"

namespace cairn::agent {

class PostgresProviderTest : public ::testing::Test {
 protected:
  explicit PostgresProviderTest(std::string kind) : kind_(std::move(kind)) {
    unsetenv("CAIRN_PG_SOCKET_DIR");
    context_.host = &host_;
    context_.fingerprint_key = "key";
  }

  const Provider& provider() {
    const Provider* p = FindProvider(kind_);
    EXPECT_NE(p, nullptr);
    return *p;
  }

  // Check, making sure it only reads.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t changes = pg_.changes.size();
    size_t scripts = pg_.scripts.size();
    absl::StatusOr<v1::ResourceDiff> diff = provider().Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    EXPECT_EQ(pg_.changes.size(), changes);
    for (size_t i = scripts; i < pg_.scripts.size(); ++i) {
      EXPECT_TRUE(StartsWith(pg_.scripts[i], "SELECT ")) << pg_.scripts[i];
    }
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  void Converge(const v1::Resource& r) {
    v1::ResourceDiff diff = Check(r);
    absl::Status applied = provider().Apply(r, diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
    EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  }

  std::string kind_;
  FakeHost host_;
  FakePostgres pg_{host_};
  ProviderContext context_;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_POSTGRES_PROVIDER_TEST_H_
