#include <string>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

v1::Resource Resource(const std::string& key, const std::string& value,
                      bool absent = false) {
  v1::Sysctl spec;
  spec.set_key(key);
  spec.set_value(value);
  if (absent) spec.set_ensure(v1::ENSURE_ABSENT);
  v1::Resource r;
  r.set_kind("sysctl");
  r.set_id(key);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

// /proc/sys on a FakeHost, and `sysctl -w` writing to it the way the
// kernel formats values (tabs between numbers).
class SysctlTest : public ::testing::Test {
 protected:
  SysctlTest() {
    context_.host = &host_;
    host_.PutDirectory("/etc/sysctl.d");
    host_.PutFile("/proc/sys/net/ipv4/ip_forward", "0\n");
    host_.PutFile("/proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
    host_.PutFile("/proc/sys/net/ipv4/conf/eth0.100/rp_filter", "1\n");
    host_.OnCommand("sysctl", [this](const std::vector<std::string>& argv,
                                     std::string_view) {
      CommandResult r;
      EXPECT_EQ(argv.size(), 3u);
      EXPECT_EQ(argv[1], "-w");
      size_t eq = argv[2].find('=');
      std::string path = "/proc/sys/";
      for (char c : argv[2].substr(0, eq)) {
        path += c == '.' ? '/' : c == '/' ? '.' : c;
      }
      if (!host_.Stat(path)->exists()) {
        r.exit_code = 255;
        r.err = StrCat("sysctl: cannot stat ", path,
                       ": No such file or directory\n");
        return r;
      }
      std::string value = argv[2].substr(eq + 1);
      for (char& c : value) c = c == ' ' ? '\t' : c;
      // The kernel clamps vm.swappiness to 0-200.
      if (path == "/proc/sys/vm/swappiness" && std::stoi(value) > 200) {
        value = "200";
      }
      host_.PutFile(path, value + "\n");
      r.out =
          StrCat(argv[2].substr(0, eq), " = ", argv[2].substr(eq + 1), "\n");
      return r;
    });
  }

  const Provider& provider() {
    const Provider* p = FindProvider("sysctl");
    EXPECT_NE(p, nullptr);
    return *p;
  }

  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t commands = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff = provider().Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    EXPECT_EQ(host_.commands().size(), commands);
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  void Converge(const v1::Resource& r) {
    v1::ResourceDiff diff = Check(r);
    absl::Status applied = provider().Apply(r, diff, context_);
    ASSERT_TRUE(applied.ok()) << applied;
    EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  }

  FakeHost host_;
  ProviderContext context_;
};

TEST_F(SysctlTest, SetsTheValueNowAndAtBoot) {
  v1::Resource r = Resource("net.ipv4.ip_forward", "1");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "value");
  EXPECT_EQ(diff.changes(0).current(), "0");
  EXPECT_EQ(diff.changes(0).desired(), "1");
  EXPECT_EQ(diff.changes(1).field(),
            "value (/etc/sysctl.d/60-cairn-net.ipv4.ip_forward.conf)");
  Converge(r);
  EXPECT_EQ(host_.commands(),
            (std::vector<std::string>{"sysctl -w net.ipv4.ip_forward=1"}));
  EXPECT_EQ(*host_.ReadFile("/etc/sysctl.d/60-cairn-net.ipv4.ip_forward.conf"),
            "# Written by cairn; change the configuration, not this file.\n"
            "net.ipv4.ip_forward = 1\n");
  EXPECT_EQ(host_.Stat("/etc/sysctl.d/60-cairn-net.ipv4.ip_forward.conf")->mode,
            0644u);

  int mutations = host_.mutations();
  ASSERT_TRUE(provider().Apply(r, Check(r), context_).ok());
  EXPECT_EQ(host_.mutations(), mutations);
  EXPECT_EQ(host_.commands().size(), 1u);
}

TEST_F(SysctlTest, AbsentRemovesTheFileAndLeavesTheRunningValue) {
  Converge(Resource("net.ipv4.ip_forward", "1"));
  size_t commands = host_.commands().size();
  // The spec as last applied, with ensure = absent.
  v1::Resource r = Resource("net.ipv4.ip_forward", "1", /*absent=*/true);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).field(),
            "value (/etc/sysctl.d/60-cairn-net.ipv4.ip_forward.conf)");
  EXPECT_EQ(diff.changes(0).current(),
            "# Written by cairn; change the configuration, not this file.\n"
            "net.ipv4.ip_forward = 1\n");
  EXPECT_EQ(diff.changes(0).desired(), "(removed; the running value stays)");
  Converge(r);
  EXPECT_FALSE(
      host_.Stat("/etc/sysctl.d/60-cairn-net.ipv4.ip_forward.conf")->exists());
  EXPECT_EQ(*host_.ReadFile("/proc/sys/net/ipv4/ip_forward"), "1\n");
  EXPECT_EQ(host_.commands().size(), commands);  // No sysctl run.
  EXPECT_TRUE(host_.Stat("/etc/sysctl.d")->exists());
}

TEST_F(SysctlTest, AbsentWhenAlreadyGoneIsNothingToDo) {
  // Nor does the value matter, or the parameter exist in this kernel.
  for (const char* key : {"net.ipv4.ip_forward", "net.bridge.nf_call"}) {
    v1::Resource r = Resource(key, "", /*absent=*/true);
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE) << key;
    EXPECT_EQ(diff.changes_size(), 0);
    ASSERT_TRUE(provider().Apply(r, diff, context_).ok());
  }
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(SysctlTest, AbsentWithASecretValueShowsOnlyFingerprints) {
  context_.fingerprint_key = "key";
  host_.PutFile("/proc/sys/kernel/secret_thing", "old\n");
  Converge(Resource("kernel.secret_thing", "hunter2"));
  v1::Resource r = Resource("kernel.secret_thing", "hunter2", true);
  r.add_secret_fields("value");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  EXPECT_EQ(diff.DebugString().find("hunter2"), std::string::npos);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_TRUE(StartsWith(diff.changes(0).current(), "(secret:"));
  Converge(r);
}

TEST_F(SysctlTest, ComparesValuesWithWhitespaceNormalized) {
  v1::Resource same = Resource("net.ipv4.tcp_rmem", "4096  131072 6291456");
  host_.PutFile("/etc/sysctl.d/60-cairn-net.ipv4.tcp_rmem.conf",
                "# Written by cairn; change the configuration, not this "
                "file.\nnet.ipv4.tcp_rmem = 4096  131072 6291456\n");
  EXPECT_EQ(Check(same).action(), v1::ResourceDiff::ACTION_NONE);

  v1::Resource other = Resource("net.ipv4.tcp_rmem", "4096 87380 6291456");
  v1::ResourceDiff diff = Check(other);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_EQ(diff.changes(0).current(), "4096 131072 6291456");
  EXPECT_EQ(diff.changes(0).desired(), "4096 87380 6291456");
  Converge(other);
  EXPECT_EQ(*host_.ReadFile("/proc/sys/net/ipv4/tcp_rmem"),
            "4096\t87380\t6291456\n");
}

TEST_F(SysctlTest, OnlyTheFileMissingIsAChange) {
  host_.PutFile("/proc/sys/net/ipv4/ip_forward", "1\n");
  v1::Resource r = Resource("net.ipv4.ip_forward", "1");
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "(missing)");
  Converge(r);
  EXPECT_TRUE(host_.commands().empty());  // The kernel had it already.
}

TEST_F(SysctlTest, ASlashStandsForADotInAName) {
  v1::Resource r = Resource("net.ipv4.conf.eth0/100.rp_filter", "2");
  Converge(r);
  EXPECT_EQ(*host_.ReadFile("/proc/sys/net/ipv4/conf/eth0.100/rp_filter"),
            "2\n");
  EXPECT_TRUE(
      host_
          .Stat("/etc/sysctl.d/60-cairn-net.ipv4.conf.eth0.100.rp_filter.conf")
          ->exists());
}

TEST_F(SysctlTest, ASlashFirstKeyIsAPath) {
  v1::Resource r = Resource("net/ipv4/conf/eth0.100/rp_filter", "1");
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 1);  // Only the file: the kernel has 1.
  EXPECT_EQ(diff.changes(0).field(),
            "value (/etc/sysctl.d/60-cairn-net.ipv4.conf.eth0.100.rp_filter"
            ".conf)");
}

TEST_F(SysctlTest, AValueTheKernelDoesNotKeepIsAnError) {
  host_.PutFile("/proc/sys/vm/swappiness", "60\n");
  v1::Resource r = Resource("vm.swappiness", "500");
  absl::Status status = provider().Apply(r, Check(r), context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "the kernel did not take sysctl vm.swappiness: it reads '200'");
}

TEST_F(SysctlTest, AnUnknownParameterShowsAndFails) {
  v1::Resource r = Resource("net.bridge.bridge-nf-call-iptables", "1");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.changes(0).current(), "(no such parameter)");
  absl::Status status = provider().Apply(r, diff, context_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("cannot stat"), std::string::npos) << status;
}

TEST_F(SysctlTest, RefusesKeysThatAreNotParameters) {
  for (const char* key : {"", "net..ipv4", "../../etc/passwd", ".net",
                          "net.ipv4 ip_forward", "a=b"}) {
    v1::Resource r = Resource(key, "1");
    EXPECT_EQ(provider().Check(r, context_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << key;
    EXPECT_EQ(provider().Apply(r, {}, context_).code(),
              absl::StatusCode::kInvalidArgument)
        << key;
  }
  EXPECT_EQ(
      provider()
          .Apply(Resource("vm.swappiness", "1\nvm.overcommit=2"), {}, context_)
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(host_.mutations(), 0);
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(SysctlTest, ASecretValueShowsOnlyFingerprints) {
  context_.fingerprint_key = "key";
  host_.PutFile("/proc/sys/kernel/secret_thing", "old\n");
  v1::Resource r = Resource("kernel.secret_thing", "hunter2");
  r.add_secret_fields("value");
  v1::ResourceDiff diff = Check(r);
  ASSERT_EQ(diff.changes_size(), 2);
  for (const v1::FieldChange& c : diff.changes()) {
    EXPECT_TRUE(StartsWith(c.desired(), "(secret:")) << c.desired();
    EXPECT_EQ(c.desired().find("hunter2"), std::string::npos);
  }
  Converge(r);
}

}  // namespace
}  // namespace cairn::agent
