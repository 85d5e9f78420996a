// The file provider's `source` and `checksum` on FakeHost, with curl
// played by a handler that serves a table of URLs.

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agent/providers/file_test_util.h"
#include "agent/providers/provider.h"
#include "base/digest.h"
#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

using ::cairn::agent::file_testing::ChangedFields;
using ::cairn::agent::file_testing::ChangeOf;
using ::cairn::agent::file_testing::kBackupDir;
using ::cairn::agent::file_testing::MakeResource;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kUrl[] = "https://example.org/tool-1.2";
constexpr char kTool[] = "#!/bin/sh\necho tool 1.2\n";

std::string Checksum(std::string_view content) {
  return StrCat("sha256:", Sha256Hex(content));
}

class FileSourceTest : public file_testing::ProviderTest {
 protected:
  void SetUp() override {
    Init("file");
    served_[kUrl] = kTool;
    host_.OnCommand(
        "curl", [this](const std::vector<std::string>& argv,
                       std::string_view input) { return Curl(argv, input); });
  }

  // curl -o TEMP --config - with `url = "URL"` on stdin.
  CommandResult Curl(const std::vector<std::string>& argv,
                     std::string_view input) {
    CommandResult result;
    std::string output;
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--output") output = argv[i + 1];
    }
    EXPECT_EQ(argv[1], "-q");
    EXPECT_EQ(argv.back(), "-");
    EXPECT_TRUE(StartsWith(input, "url = \"")) << input;
    std::string url(input.substr(7, input.size() - 7 - 2));
    urls_.push_back(url);
    // Made by the provider beforehand, 0600 and root's.
    absl::StatusOr<FileInfo> temp = host_.Stat(output);
    EXPECT_TRUE(temp.ok() && temp->type == FileInfo::Type::kFile) << output;
    if (temp.ok()) {
      EXPECT_EQ(temp->mode, 0600u);
    }
    auto it = served_.find(url);
    if (it == served_.end()) {
      result.exit_code = 22;
      result.err = StrCat("curl: (22) The requested URL returned error: 404 (",
                          url, ")\n");
      return result;
    }
    host_.PutFile(output, it->second, 0600);
    return result;
  }

  static v1::Resource Source(const std::string& path, const std::string& url,
                             const std::string& checksum,
                             const std::string& mode = "0755",
                             std::vector<std::string> secret_fields = {}) {
    v1::File spec;
    spec.set_path(path);
    spec.set_source(url);
    spec.set_checksum(checksum);
    spec.set_mode(mode);
    return MakeResource("file", spec, std::move(secret_fields));
  }

  // Commands run that are curl.
  int Downloads() const {
    int n = 0;
    for (const std::string& c : host_.commands()) n += StartsWith(c, "curl ");
    return n;
  }

  std::map<std::string, std::string> served_;
  std::vector<std::string> urls_;  // As curl received them.
};

TEST_F(FileSourceTest, DownloadsOnceAndThenComparesByChecksum) {
  v1::Resource resource = Source("/srv/tool", kUrl, Checksum(kTool));
  v1::ResourceDiff diff = Converge(resource);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_CREATE);
  EXPECT_THAT(ChangedFields(diff),
              ElementsAre("content", "source", "owner", "group", "mode"));
  EXPECT_EQ(ChangeOf(diff, "content").current(), "");
  EXPECT_EQ(ChangeOf(diff, "content").desired(), Checksum(kTool));
  EXPECT_EQ(ChangeOf(diff, "source").desired(), kUrl);
  EXPECT_EQ(diff.text_diff(), "");
  EXPECT_EQ(*host_.ReadFile("/srv/tool"), kTool);
  FileInfo info = *host_.Stat("/srv/tool");
  EXPECT_EQ(info.mode, 0755u);
  EXPECT_EQ(info.uid, 0u);
  EXPECT_EQ(Downloads(), 1);
  EXPECT_THAT(urls_, ElementsAre(kUrl));
  // The URL went on stdin, never in argv; the timeout is a download's.
  EXPECT_THAT(host_.commands()[0], Not(HasSubstr("example.org")));
  EXPECT_THAT(host_.commands()[0],
              HasSubstr("--proto =https,http,file --proto-redir =https,http "
                        "--max-filesize 4294967296"));
  EXPECT_EQ(host_.timeout(), absl::Minutes(10));
  // Nothing left beside it: the temporary file was renamed.
  EXPECT_THAT(*host_.ListDirectory("/srv"), ElementsAre("tool"));
  EXPECT_FALSE(host_.Stat(kBackupDir)->exists());

  // Matching, it is not downloaded again, even to fix its mode.
  ASSERT_TRUE(host_.SetMode("/srv/tool", 0700).ok());
  v1::ResourceDiff mode = Converge(resource);
  EXPECT_THAT(ChangedFields(mode), ElementsAre("mode"));
  EXPECT_EQ(Downloads(), 1);
  EXPECT_EQ(host_.Stat("/srv/tool")->mode, 0755u);
}

TEST_F(FileSourceTest, ANewVersionShowsBothChecksumsAndKeepsABackup) {
  host_.PutFile("/srv/tool", "old tool\n", 0755);
  v1::Resource resource = Source("/srv/tool", kUrl, Checksum(kTool));
  v1::ResourceDiff diff = Converge(resource);
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_UPDATE);
  EXPECT_THAT(ChangedFields(diff), ElementsAre("content", "source"));
  EXPECT_EQ(ChangeOf(diff, "content").current(), Checksum("old tool\n"));
  EXPECT_EQ(ChangeOf(diff, "content").desired(), Checksum(kTool));
  EXPECT_EQ(diff.text_diff(), "");
  EXPECT_EQ(*host_.ReadFile("/srv/tool"), kTool);
  std::vector<std::string> backups = Backups("/srv/tool");
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(*host_.ReadFile(backups[0]), "old tool\n");
}

TEST_F(FileSourceTest, AMismatchIsRefusedAndLeavesNothingBehind) {
  host_.PutFile("/srv/tool", "old tool\n", 0755);
  served_[kUrl] = "something else\n";
  v1::Resource resource = Source("/srv/tool", kUrl, Checksum(kTool));
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok()) << diff.status();
  int mutations = host_.mutations();
  absl::Status applied = provider_->Apply(resource, *diff, context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  std::string message(applied.message());
  EXPECT_THAT(message, HasSubstr("/srv/tool"));
  EXPECT_THAT(message, HasSubstr(kUrl));
  EXPECT_THAT(message, HasSubstr(Checksum("something else\n")));
  EXPECT_THAT(message, HasSubstr(Checksum(kTool)));
  // The old file as it was, no temporary file, no backup.
  EXPECT_EQ(*host_.ReadFile("/srv/tool"), "old tool\n");
  EXPECT_THAT(*host_.ListDirectory("/srv"), ElementsAre("tool"));
  EXPECT_FALSE(host_.Stat(kBackupDir)->exists());
  // The temporary file was made and removed, nothing else.
  EXPECT_EQ(host_.mutations(), mutations + 2);
}

TEST_F(FileSourceTest, ACurlFailureNamesTheUrlAndLeavesNothingBehind) {
  v1::Resource resource =
      Source("/srv/tool", "https://example.org/missing", Checksum(kTool));
  absl::Status applied = provider_->Apply(resource, *Check(resource), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(applied.message()),
              HasSubstr("https://example.org/missing"));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("curl exited with 22"));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("error: 404"));
  EXPECT_THAT(*host_.ListDirectory("/srv"), IsEmpty());
}

TEST_F(FileSourceTest, ASecretUrlIsNeverShown) {
  const std::string url = "https://deploy:t0ken-s3cr3t@example.org/tool";
  served_[url] = kTool;
  v1::Resource resource =
      Source("/srv/tool", url, Checksum(kTool), "0755", {"source"});
  absl::StatusOr<v1::ResourceDiff> diff = Check(resource);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(ChangeOf(*diff, "source").desired(),
            StrCat("(secret:", vault::Fingerprint(url, "test-key"), ")"));
  EXPECT_THAT(diff->DebugString(), Not(HasSubstr("s3cr3t")));
  ASSERT_TRUE(provider_->Apply(resource, *diff, context_).ok());
  for (const std::string& command : host_.commands()) {
    EXPECT_THAT(command, Not(HasSubstr("s3cr3t")));
  }
  // A failure: curl's message quotes the URL, the error does not.
  served_.clear();
  host_.PutFile("/srv/tool", "old");
  absl::Status applied = provider_->Apply(resource, *Check(resource), context_);
  EXPECT_FALSE(applied.ok());
  EXPECT_THAT(applied.ToString(), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(applied.ToString(), HasSubstr("(secret URL)"));
  EXPECT_THAT(applied.ToString(), HasSubstr("(secret)"));
  // And so does a mismatch.
  served_[url] = "other";
  applied = provider_->Apply(resource, *Check(resource), context_);
  EXPECT_EQ(applied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(applied.ToString(), Not(HasSubstr("s3cr3t")));
}

TEST_F(FileSourceTest, ContentWithAChecksumMustMatchIt) {
  v1::File spec;
  spec.set_path("/srv/motd");
  spec.set_content("hello\n");
  spec.set_checksum(Checksum("hello\n"));
  v1::ResourceDiff diff = Converge(MakeResource("file", spec));
  EXPECT_NE(diff.text_diff(), "");  // Content is compared as content.
  spec.set_checksum(Checksum("bye\n"));
  absl::StatusOr<v1::ResourceDiff> wrong = Check(MakeResource("file", spec));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong.status().message()),
              HasSubstr(Checksum("hello\n")));
  // Of a secret, the digest is not shown.
  wrong = Check(MakeResource("file", spec, {"content"}));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong.status().message()),
              Not(HasSubstr(Sha256Hex("hello\n"))));
}

TEST_F(FileSourceTest, BadSpecs) {
  std::string good = Checksum(kTool);
  auto code = [&](const v1::Resource& r) { return Check(r).status().code(); };
  EXPECT_EQ(code(Source("/srv/t", kUrl, "")),
            absl::StatusCode::kInvalidArgument);  // No checksum.
  EXPECT_EQ(code(Source("/srv/t", "ftp://example.org/t", good)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Source("/srv/t", "https://example.org/a b", good)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      code(Source("/srv/t", "https://x/\"\nurl = \"file:///etc/shadow", good)),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Source("/srv/t", kUrl, "md5:abc")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      code(Source("/srv/t", kUrl, StrCat("sha256:", std::string(63, 'a')))),
      absl::StatusCode::kInvalidArgument);
  std::string upper = good;
  for (char& c : upper) c = std::toupper(static_cast<unsigned char>(c));
  EXPECT_EQ(code(Source("/srv/t", kUrl, StrCat("sha256:", upper.substr(7)))),
            absl::StatusCode::kInvalidArgument);
  v1::File both;
  both.set_path("/srv/t");
  both.set_source(kUrl);
  both.set_checksum(good);
  both.set_content("x");
  EXPECT_EQ(code(MakeResource("file", both)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Downloads(), 0);

  // A removal takes the last spec as it was: nothing is checked.
  host_.PutFile("/srv/t", "x");
  v1::File gone;
  gone.set_path("/srv/t");
  gone.set_source("ftp://whatever");
  gone.set_ensure(v1::ENSURE_ABSENT);
  EXPECT_EQ(Converge(MakeResource("file", gone)).action(),
            v1::ResourceDiff::ACTION_DELETE);
}

TEST_F(FileSourceTest, ABatchDownloadsSourcesAndWritesContentTogether) {
  v1::Resource tool = Source("/srv/tool", kUrl, Checksum(kTool));
  v1::File motd_spec;
  motd_spec.set_path("/srv/motd");
  motd_spec.set_content("hi\n");
  v1::Resource motd = MakeResource("file", motd_spec);
  v1::Resource broken =
      Source("/srv/broken", "https://example.org/404", Checksum(kTool));
  std::vector<const v1::Resource*> resources = {&motd, &tool, &broken};
  std::vector<v1::ResourceDiff> diffs;
  for (const v1::Resource* r : resources) diffs.push_back(*Check(*r));
  std::vector<absl::Status> applied =
      provider_->ApplyBatch(resources, diffs, context_);
  ASSERT_EQ(applied.size(), 3u);
  EXPECT_TRUE(applied[0].ok()) << applied[0];
  EXPECT_TRUE(applied[1].ok()) << applied[1];
  EXPECT_EQ(applied[2].code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*host_.ReadFile("/srv/motd"), "hi\n");
  EXPECT_EQ(*host_.ReadFile("/srv/tool"), kTool);
  EXPECT_THAT(*host_.ListDirectory("/srv"), ElementsAre("motd", "tool"));
  EXPECT_EQ(Check(tool)->action(), v1::ResourceDiff::ACTION_NONE);
  EXPECT_EQ(Check(motd)->action(), v1::ResourceDiff::ACTION_NONE);
}

TEST_F(FileSourceTest, ReplacesASymlinkWithTheDownload) {
  host_.PutFile("/srv/real", "target\n");
  host_.PutSymlink("/srv/real", "/srv/tool");
  v1::ResourceDiff diff = Converge(Source("/srv/tool", kUrl, Checksum(kTool)));
  EXPECT_EQ(diff.action(), v1::ResourceDiff::ACTION_REPLACE);
  EXPECT_EQ(host_.Stat("/srv/tool")->type, FileInfo::Type::kFile);
  EXPECT_EQ(*host_.ReadFile("/srv/real"), "target\n");
}

}  // namespace
}  // namespace cairn::agent
