#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/host/fake_host.h"
#include "agent/host/host.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using Action = v1::ResourceDiff::Action;

v1::Resource Resource(const std::string& name,
                      v1::Package::State state = v1::Package::STATE_UNSPECIFIED,
                      const std::string& version = "") {
  v1::Package spec;
  spec.set_name(name);
  spec.set_state(state);
  spec.set_version(version);
  v1::Resource r;
  r.set_kind("package");
  r.set_id(name);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

// dpkg and apt played on a table of packages.
class PackageTest : public ::testing::Test {
 protected:
  struct Pkg {
    std::string status;  // "install ok installed", "deinstall ok config-files"
    std::string version;
    std::string arch = "amd64";
  };

  PackageTest() {
    context_.host = &host_;
    host_.OnCommand("dpkg-query", [this](const std::vector<std::string>& argv,
                                         std::string_view) {
      CommandResult r;
      EXPECT_EQ(StrJoin(argv, " "),
                "dpkg-query -W --showformat=${Package}\\t${Architecture}\\t"
                "${Status}\\t${Version}\\n");
      for (const auto& [name, p] : dpkg_) {
        StrAppend(&r.out, name, "\t", p.arch, "\t", p.status, "\t", p.version,
                  "\n");
      }
      return r;
    });
    host_.OnCommand("dpkg-deb", [this](const std::vector<std::string>& argv,
                                       std::string_view) {
      CommandResult r;
      EXPECT_EQ(argv.size(), 5u);
      EXPECT_EQ(argv[1], "-f");
      auto it = debs_.find(argv[2]);
      if (it == debs_.end() || !host_.Stat(argv[2])->exists()) {
        r.exit_code = 2;
        r.err = StrCat("dpkg-deb: error: '", argv[2],
                       "' is not a Debian format archive\n");
        return r;
      }
      r.out = StrCat("Package: ", it->second.first,
                     "\nVersion: ", it->second.second, "\n");
      return r;
    });
    host_.OnCommand(
        "env", [this](const std::vector<std::string>& argv, std::string_view) {
          size_t i = 1;
          while (i < argv.size() && argv[i].find('=') != std::string::npos) ++i;
          std::vector<std::string> rest(argv.begin() + i, argv.end());
          if (!rest.empty() && rest[0] == "apt-cache") return AptCache(rest);
          if (!rest.empty() && rest[0] == "apt-get") return AptGet(rest);
          CommandResult r;
          r.exit_code = 127;
          return r;
        });
  }

  CommandResult AptCache(const std::vector<std::string>& argv) {
    CommandResult r;
    EXPECT_EQ(argv.size(), 3u);
    EXPECT_EQ(argv[1], "policy");
    const std::string& name = argv[2];
    auto it = candidates_.find(name);
    if (it == candidates_.end()) return r;  // apt knows nothing: no output.
    std::string installed =
        dpkg_.count(name) ? dpkg_[name].version : std::string("(none)");
    r.out = StrCat(name, ":\n  Installed: ", installed,
                   "\n  Candidate: ", it->second, "\n  Version table:\n");
    return r;
  }

  CommandResult AptGet(const std::vector<std::string>& argv) {
    CommandResult r;
    std::string command;
    std::vector<std::string> packages;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-o") {
        ++i;
      } else if (StartsWith(argv[i], "-")) {
        continue;
      } else if (command.empty()) {
        command = argv[i];
      } else {
        packages.push_back(argv[i]);
      }
    }
    if (command == "update") {
      lists_missing_ = false;
      return r;
    }
    if (fail_ || (lists_missing_ && command == "install")) {
      r.exit_code = 100;
      r.out = "Reading package lists...\n";
      r.err = "E: Unable to locate package nosuch\n";
      return r;
    }
    for (const std::string& target : packages) {
      if (StartsWith(target, "/") && command == "install") {
        const auto& [name, version] = debs_.at(target);
        dpkg_[name] = {"install ok installed", version};
        continue;
      }
      size_t eq = target.find('=');
      std::string name = target.substr(0, eq);
      if (command == "install") {
        std::string version =
            eq != std::string::npos ? target.substr(eq + 1) : candidates_[name];
        dpkg_[name] = {"install ok installed", version};
      } else if (command == "remove") {
        dpkg_[name].status = "deinstall ok config-files";
      } else if (command == "purge") {
        dpkg_.erase(name);
      }
    }
    return r;
  }

  // Check, asserting it changed nothing and ran only the read-only
  // dpkg-query and apt-cache.
  v1::ResourceDiff Check(const v1::Resource& r) {
    int mutations = host_.mutations();
    size_t before = host_.commands().size();
    absl::StatusOr<v1::ResourceDiff> diff = provider_->Check(r, context_);
    EXPECT_TRUE(diff.ok()) << diff.status();
    EXPECT_EQ(host_.mutations(), mutations);
    for (size_t i = before; i < host_.commands().size(); ++i) {
      const std::string& c = host_.commands()[i];
      EXPECT_TRUE(StartsWith(c, "dpkg-query -W ") ||
                  StartsWith(c, "env LC_ALL=C apt-cache policy ") ||
                  StartsWith(c, "dpkg-deb -f "))
          << c;
      EXPECT_EQ(c.find("apt-get"), std::string::npos) << c;
    }
    return diff.ok() ? *diff : v1::ResourceDiff();
  }

  // The commands run since `before` that are not Check's reads.
  std::vector<std::string> AptGetCommands(size_t before) {
    std::vector<std::string> out;
    for (size_t i = before; i < host_.commands().size(); ++i) {
      if (host_.commands()[i].find("apt-get") != std::string::npos) {
        out.push_back(host_.commands()[i]);
      }
    }
    return out;
  }

  FakeHost host_;
  ProviderContext context_;
  const Provider* provider_ = FindProvider("package");
  std::map<std::string, Pkg> dpkg_;
  std::map<std::string, std::string> candidates_;
  // .deb path -> (Package, Version); the file must also be on host_.
  std::map<std::string, std::pair<std::string, std::string>> debs_;
  // No package lists yet (a fresh cloud image): install fails until
  // apt-get update ran.
  bool lists_missing_ = false;
  bool fail_ = false;
};

v1::Resource Deb(const std::string& name, const std::string& deb,
                 v1::Package::State state = v1::Package::STATE_UNSPECIFIED) {
  v1::Resource r = Resource(name, state);
  v1::Package spec;
  r.spec().UnpackTo(&spec);
  spec.set_deb(deb);
  r.mutable_spec()->PackFrom(spec);
  return r;
}

constexpr char kMinioDeb[] = "/var/cache/cairn/minio_20240510_amd64.deb";

constexpr char kAptGet[] =
    "env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o "
    "DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o "
    "Dpkg::Options::=--force-confold ";

TEST_F(PackageTest, OneAptGetPerKindOfChangeForTheWholeBatch) {
  ASSERT_NE(provider_, nullptr);
  EXPECT_TRUE(provider_->batches());
  dpkg_["bash"] = {"install ok installed", "5.2.15-2+b2"};
  dpkg_["curl"] = {"install ok installed", "7.88.1-10+deb12u4"};
  dpkg_["vim"] = {"install ok installed", "2:9.0.1378-2"};
  dpkg_["telnet"] = {"deinstall ok config-files", "0.17+2.4-2"};
  dpkg_["ed"] = {"deinstall ok config-files", "1.19-1"};
  candidates_["nginx"] = "1.22.1-9";
  candidates_["htop"] = "3.2.2-2";

  std::vector<v1::Resource> resources = {
      Resource("bash"),
      Resource("curl", v1::Package::STATE_INSTALLED, "7.88.1-10+deb12u5"),
      Resource("ed", v1::Package::STATE_REMOVED),
      Resource("htop", v1::Package::STATE_LATEST),
      Resource("nginx"),
      Resource("telnet", v1::Package::STATE_PURGED),
      Resource("vim", v1::Package::STATE_REMOVED),
  };
  std::vector<Action> expected = {
      v1::ResourceDiff::ACTION_NONE,   v1::ResourceDiff::ACTION_UPDATE,
      v1::ResourceDiff::ACTION_NONE,   v1::ResourceDiff::ACTION_CREATE,
      v1::ResourceDiff::ACTION_CREATE, v1::ResourceDiff::ACTION_DELETE,
      v1::ResourceDiff::ACTION_DELETE,
  };
  std::vector<const v1::Resource*> changing;
  std::vector<v1::ResourceDiff> diffs;
  for (size_t i = 0; i < resources.size(); ++i) {
    v1::ResourceDiff diff = Check(resources[i]);
    EXPECT_EQ(diff.action(), expected[i]) << resources[i].id();
    if (diff.action() != v1::ResourceDiff::ACTION_NONE) {
      changing.push_back(&resources[i]);
      diffs.push_back(diff);
    }
  }
  v1::ResourceDiff curl = Check(resources[1]);
  ASSERT_EQ(curl.changes_size(), 1);
  EXPECT_EQ(curl.changes(0).field(), "version");
  EXPECT_EQ(curl.changes(0).current(), "7.88.1-10+deb12u4");
  EXPECT_EQ(curl.changes(0).desired(), "7.88.1-10+deb12u5");

  size_t before = host_.commands().size();
  std::vector<absl::Status> applied =
      provider_->ApplyBatch(changing, diffs, context_);
  ASSERT_EQ(applied.size(), changing.size());
  for (const absl::Status& s : applied) ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(AptGetCommands(before),
            (std::vector<std::string>{
                StrCat(kAptGet,
                       "--allow-downgrades install curl=7.88.1-10+deb12u5 "
                       "htop nginx"),
                StrCat(kAptGet, "remove vim"),
                StrCat(kAptGet, "purge telnet"),
            }));
  // ApplyBatch read dpkg's database once, and Check never ran apt-get.
  int queries = 0;
  for (size_t i = before; i < host_.commands().size(); ++i) {
    queries += StartsWith(host_.commands()[i], "dpkg-query");
  }
  EXPECT_EQ(queries, 1);

  for (const v1::Resource& r : resources) {
    v1::ResourceDiff again = Check(r);
    EXPECT_EQ(again.action(), v1::ResourceDiff::ACTION_NONE) << r.id();
  }
  EXPECT_EQ(dpkg_["curl"].version, "7.88.1-10+deb12u5");
  EXPECT_EQ(dpkg_.count("telnet"), 0u);
}

TEST_F(PackageTest, LatestComparesWithAptsCandidate) {
  dpkg_["openssl"] = {"install ok installed", "3.0.11-1~deb12u1"};
  candidates_["openssl"] = "3.0.13-1~deb12u1";
  v1::Resource r = Resource("openssl", v1::Package::STATE_LATEST);
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "3.0.11-1~deb12u1");
  EXPECT_EQ(diff.changes(0).desired(), "3.0.13-1~deb12u1");
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->Apply(r, diff, context_).ok());
  EXPECT_EQ(AptGetCommands(before),
            std::vector<std::string>{
                StrCat(kAptGet, "--allow-downgrades install openssl")});
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);

  // Installed but unknown to apt (a local .deb): nothing to upgrade to.
  dpkg_["local-tool"] = {"install ok installed", "1.0"};
  EXPECT_EQ(Check(Resource("local-tool", v1::Package::STATE_LATEST)).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PackageTest, HalfInstalledIsNotInstalled) {
  dpkg_["broken"] = {"install reinstreq half-configured", "1.0"};
  candidates_["broken"] = "1.0";
  v1::Resource r = Resource("broken");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "half-configured");
  ASSERT_TRUE(provider_->Apply(r, diff, context_).ok());
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PackageTest, ArchitectureQualifiedNames) {
  dpkg_["libc6"] = {"install ok installed", "2.36-9", "amd64"};
  EXPECT_EQ(Check(Resource("libc6")).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(Resource("libc6:amd64")).action(),
            v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(Resource("libc6:i386")).action(),
            v1::ResourceDiff::ACTION_CREATE);
}

TEST_F(PackageTest, RemovingTakesTheLastAppliedSpecVersionAndAll) {
  // What the controller sends for a package no longer declared: its spec
  // as last applied, pinned version included, with state = removed.
  dpkg_["nginx"] = {"install ok installed", "1.22.1-9"};
  v1::Resource r = Resource("nginx", v1::Package::STATE_REMOVED, "1.22.1-9");
  v1::ResourceDiff diff = Check(r);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_EQ(diff.changes_size(), 1);
  EXPECT_EQ(diff.changes(0).current(), "installed");
  EXPECT_EQ(diff.changes(0).desired(), "removed");
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->Apply(r, diff, context_).ok());
  EXPECT_EQ(AptGetCommands(before),
            std::vector<std::string>{StrCat(kAptGet, "remove nginx")});
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(dpkg_["nginx"].status, "deinstall ok config-files");

  // Purged likewise, from config-files.
  v1::Resource purged =
      Resource("nginx", v1::Package::STATE_PURGED, "1.22.1-9");
  EXPECT_EQ(Check(purged).action(), v1::ResourceDiff::ACTION_DELETE);
  ASSERT_TRUE(provider_->Apply(purged, Check(purged), context_).ok());
  EXPECT_EQ(Check(purged).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(dpkg_.count("nginx"), 0u);
}

TEST_F(PackageTest, RemovingWhatIsNotInstalledIsNothingToDo) {
  for (v1::Package::State state :
       {v1::Package::STATE_REMOVED, v1::Package::STATE_PURGED}) {
    v1::Resource r = Resource("never-installed", state);
    v1::ResourceDiff diff = Check(r);
    EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_NONE);
    EXPECT_EQ(diff.changes_size(), 0);
    size_t before = host_.commands().size();
    ASSERT_TRUE(provider_->Apply(r, diff, context_).ok());
    EXPECT_TRUE(AptGetCommands(before).empty());
  }
  // Removed is satisfied by the configuration files left behind.
  dpkg_["ed"] = {"deinstall ok config-files", "1.19-1"};
  EXPECT_EQ(Check(Resource("ed", v1::Package::STATE_REMOVED)).action(),
            v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PackageTest, AptFailureIsAnErrorWithItsMessage) {
  fail_ = true;
  v1::Resource r = Resource("nosuch");
  absl::Status applied = provider_->Apply(r, Check(r), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(applied.message().find("E: Unable to locate package nosuch"),
            absl::string_view::npos)
      << applied;
}

TEST_F(PackageTest, MissingListsAreUpdatedOnceAndTheInstallRetried) {
  lists_missing_ = true;
  v1::Resource r = Resource("nginx");
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->ApplyBatch({&r}, {Check(r)}, context_).at(0).ok());
  std::vector<std::string> apt = AptGetCommands(before);
  ASSERT_EQ(apt.size(), 3u);
  EXPECT_NE(apt[0].find(" install nginx"), std::string::npos) << apt[0];
  EXPECT_NE(apt[1].find(" update"), std::string::npos) << apt[1];
  EXPECT_NE(apt[2].find(" install nginx"), std::string::npos) << apt[2];
  EXPECT_EQ(Check(r).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PackageTest, NothingToDoRunsNoAptGet) {
  dpkg_["bash"] = {"install ok installed", "5.2"};
  v1::Resource r = Resource("bash");
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->ApplyBatch({&r}, {Check(r)}, context_).at(0).ok());
  EXPECT_TRUE(AptGetCommands(before).empty());
}

TEST_F(PackageTest, RejectsWhatAptWouldTakeForAnOption) {
  for (const char* name : {"-o", "Nginx", "a b", "x", "nginx:", ""}) {
    EXPECT_EQ(provider_->Check(Resource(name), context_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_EQ(
      provider_
          ->Check(Resource("nginx", v1::Package::STATE_INSTALLED, "1.0 -o x"),
                  context_)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      provider_
          ->Check(Resource("nginx", v1::Package::STATE_LATEST, "1.0"), context_)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(host_.commands().empty());
}

TEST_F(PackageTest, InstallsFromADebInTheSameAptTransaction) {
  host_.PutFile(kMinioDeb, "!<arch>...");
  debs_[kMinioDeb] = {"minio", "20240510"};
  candidates_["nginx"] = "1.22.1-9";
  v1::Resource minio = Deb("minio", kMinioDeb);
  v1::Resource nginx = Resource("nginx");
  v1::ResourceDiff diff = Check(minio);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff.changes_size(), 3);
  EXPECT_EQ(diff.changes(0).field(), "state");
  EXPECT_EQ(diff.changes(1).field(), "version");
  EXPECT_EQ(diff.changes(1).desired(), "20240510");
  EXPECT_EQ(diff.changes(2).field(), "deb");
  EXPECT_EQ(diff.changes(2).desired(), kMinioDeb);
  size_t before = host_.commands().size();
  std::vector<absl::Status> applied =
      provider_->ApplyBatch({&nginx, &minio}, {Check(nginx), diff}, context_);
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_TRUE(applied[0].ok()) << applied[0];
  EXPECT_TRUE(applied[1].ok()) << applied[1];
  EXPECT_EQ(AptGetCommands(before),
            std::vector<std::string>{StrCat(
                kAptGet, "--allow-downgrades install nginx ", kMinioDeb)});
  EXPECT_EQ(Check(minio).action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(Deb("minio", kMinioDeb, v1::Package::STATE_LATEST)).action(),
            v1::ResourceDiff::ACTION_NONE);

  // A newer .deb in its place: an update to its version.
  debs_[kMinioDeb] = {"minio", "20240601"};
  v1::ResourceDiff update = Check(minio);
  EXPECT_EQ(update.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(update.changes_size(), 2);
  EXPECT_EQ(update.changes(0).field(), "version");
  EXPECT_EQ(update.changes(0).current(), "20240510");
  EXPECT_EQ(update.changes(0).desired(), "20240601");
  ASSERT_TRUE(provider_->Apply(minio, update, context_).ok());
  EXPECT_EQ(dpkg_["minio"].version, "20240601");
  EXPECT_EQ(Check(minio).action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(PackageTest, ADebNotThereYetIsAChangeInCheckAndAnErrorInApply) {
  candidates_["nginx"] = "1.22.1-9";
  v1::Resource minio = Deb("minio", kMinioDeb);
  v1::ResourceDiff diff = Check(minio);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff.changes_size(), 2);
  EXPECT_EQ(diff.changes(0).field(), "state");
  EXPECT_EQ(diff.changes(1).field(), "deb");
  EXPECT_EQ(diff.changes(1).desired(), StrCat(kMinioDeb, " (not there yet)"));
  // dpkg-deb is not even run for a file that is not there.
  for (const std::string& c : host_.commands()) {
    EXPECT_FALSE(StartsWith(c, "dpkg-deb")) << c;
  }
  // In a batch, the package without its .deb fails alone.
  v1::Resource nginx = Resource("nginx");
  size_t before = host_.commands().size();
  std::vector<absl::Status> applied =
      provider_->ApplyBatch({&minio, &nginx}, {diff, Check(nginx)}, context_);
  EXPECT_EQ(applied[0].code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(applied[0].message()),
              ::testing::HasSubstr(kMinioDeb));
  EXPECT_THAT(std::string(applied[0].message()),
              ::testing::HasSubstr("does not exist"));
  EXPECT_TRUE(applied[1].ok()) << applied[1];
  EXPECT_EQ(AptGetCommands(before),
            std::vector<std::string>{
                StrCat(kAptGet, "--allow-downgrades install nginx")});

  // Installed already, the .deb gone: still a change (its version is
  // unknown), never a silent success.
  dpkg_["minio"] = {"install ok installed", "20240510"};
  v1::ResourceDiff installed = Check(minio);
  EXPECT_EQ(installed.action(), v1::ResourceDiff::ACTION_UPDATE);
  ASSERT_EQ(installed.changes_size(), 1);
  EXPECT_EQ(installed.changes(0).field(), "deb");
}

TEST_F(PackageTest, ADebOfAnotherPackageOrNoDebAtAllIsAnError) {
  host_.PutFile(kMinioDeb, "x");
  debs_[kMinioDeb] = {"mc", "20240510"};
  absl::StatusOr<v1::ResourceDiff> other =
      provider_->Check(Deb("minio", kMinioDeb), context_);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::HasSubstr("is the package 'mc', not minio"));
  EXPECT_EQ(provider_->Apply(Deb("minio", kMinioDeb), {}, context_).code(),
            absl::StatusCode::kFailedPrecondition);
  debs_.clear();  // dpkg-deb cannot read it.
  absl::StatusOr<v1::ResourceDiff> junk =
      provider_->Check(Deb("minio", kMinioDeb), context_);
  EXPECT_EQ(junk.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(junk.status().message()),
              ::testing::HasSubstr("not a Debian format archive"));
  EXPECT_TRUE(AptGetCommands(0).empty());
}

TEST_F(PackageTest, DebSpecs) {
  // A relative path, or a version besides the .deb's.
  EXPECT_EQ(
      provider_->Check(Deb("minio", "minio.deb"), context_).status().code(),
      absl::StatusCode::kInvalidArgument);
  v1::Resource pinned = Deb("minio", kMinioDeb);
  v1::Package spec;
  pinned.spec().UnpackTo(&spec);
  spec.set_version("1.0");
  pinned.mutable_spec()->PackFrom(spec);
  EXPECT_EQ(provider_->Check(pinned, context_).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A removal ignores the .deb: the controller sends the last spec.
  dpkg_["minio"] = {"install ok installed", "20240510"};
  v1::Resource removed = Deb("minio", kMinioDeb, v1::Package::STATE_REMOVED);
  v1::ResourceDiff diff = Check(removed);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_DELETE);
  size_t before = host_.commands().size();
  ASSERT_TRUE(provider_->Apply(removed, diff, context_).ok());
  EXPECT_EQ(AptGetCommands(before),
            std::vector<std::string>{StrCat(kAptGet, "remove minio")});
  for (const std::string& c : host_.commands()) {
    EXPECT_FALSE(StartsWith(c, "dpkg-deb")) << c;
  }
}

// Check is read-only (dpkg-query), so it is safe on this very machine.
TEST(PackageRealHostTest, CheckReadsTheRealDpkgDatabase) {
  std::unique_ptr<Host> host = MakeLocalHost();
  ProviderContext context;
  context.host = host.get();
  const Provider* provider = FindProvider("package");
  ASSERT_NE(provider, nullptr);
  absl::StatusOr<v1::ResourceDiff> dpkg =
      provider->Check(Resource("dpkg"), context);
  ASSERT_TRUE(dpkg.ok()) << dpkg.status();
  EXPECT_EQ(dpkg->action(), v1::ResourceDiff::ACTION_NONE);
  absl::StatusOr<v1::ResourceDiff> missing =
      provider->Check(Resource("cairn-no-such-package"), context);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->action(), v1::ResourceDiff::ACTION_CREATE);
  absl::StatusOr<v1::ResourceDiff> purged = provider->Check(
      Resource("cairn-no-such-package", v1::Package::STATE_PURGED), context);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(purged->action(), v1::ResourceDiff::ACTION_NONE);
}

// A real .deb, built here with dpkg-deb --build, read by the real
// dpkg-deb; nothing is installed.
TEST(PackageRealHostTest, CheckReadsARealDeb) {
  const char* base = getenv("TEST_TMPDIR");
  std::string dir = StrCat(base != nullptr ? base : "/tmp", "/deb_XXXXXX");
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::unique_ptr<Host> host = MakeLocalHost();
  ASSERT_TRUE(MakeDirectories(*host, StrCat(dir, "/pkg/DEBIAN"), 0755).ok());
  ASSERT_TRUE(host->WriteFile(StrCat(dir, "/pkg/DEBIAN/control"),
                              "Package: cairn-no-such-package\n"
                              "Version: 1.2-3\n"
                              "Architecture: all\n"
                              "Maintainer: Cairn <cairn@example.org>\n"
                              "Description: a test package\n",
                              0644, 0, 0)
                  .ok());
  std::string deb = StrCat(dir, "/cairn-no-such-package_1.2-3_all.deb");
  absl::StatusOr<CommandResult> built = host->Run(
      {"dpkg-deb", "--build", StrCat(dir, "/pkg"), deb}, "", absl::Minutes(1));
  ASSERT_TRUE(built.ok()) << built.status();
  ASSERT_EQ(built->exit_code, 0) << built->err;

  ProviderContext context;
  context.host = host.get();
  const Provider* provider = FindProvider("package");
  absl::StatusOr<v1::ResourceDiff> diff =
      provider->Check(Deb("cairn-no-such-package", deb), context);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->action(), v1::ResourceDiff::ACTION_CREATE);
  ASSERT_EQ(diff->changes_size(), 3);
  EXPECT_EQ(diff->changes(1).field(), "version");
  EXPECT_EQ(diff->changes(1).desired(), "1.2-3");
  EXPECT_EQ(diff->changes(2).desired(), deb);

  absl::StatusOr<v1::ResourceDiff> other =
      provider->Check(Deb("dpkg", deb), context);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::HasSubstr("cairn-no-such-package"));

  absl::StatusOr<v1::ResourceDiff> missing = provider->Check(
      Deb("cairn-no-such-package", StrCat(dir, "/gone.deb")), context);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_TRUE(host->RemoveTree(dir).ok());
}

}  // namespace
}  // namespace cairn::agent
