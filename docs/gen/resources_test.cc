// The resource reference stays true: docs/resources/*.md are what the
// generator makes of today's schema and examples, every field of every kind
// has a comment, and every example compiles without a diagnostic.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/eval/compile.h"
#include "docs/gen/resource_docs.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "lang/diagnostics/render.h"
#include "lang/format/format.h"
#include "lang/parse/parse.h"
#include "lang/testing/runfiles.h"
#include "proto/cairn/v1/options.pb.h"

namespace cairn::docs {
namespace {

namespace pb = google::protobuf;

constexpr char kFix[] = "bazel run //docs:gen_resources -- --write";

// The schema and the examples as the test's runfiles hold them (never the
// source tree, even under `bazel run`).
class Reference : public ::testing::Test {
 protected:
  static std::filesystem::path Runfile(const std::string& relative) {
    const char* srcdir = std::getenv("TEST_SRCDIR");
    const char* name = std::getenv("TEST_WORKSPACE");
    return std::filesystem::path(srcdir ? srcdir : ".") /
           (name ? name : "cairn") / relative;
  }

  void SetUp() override {
    std::string error;
    ASSERT_TRUE(LoadDescriptorSet(
        Runfile("proto/cairn/v1/catalog.descriptor_set.pb").string(), pool_,
        &error))
        << error;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(Runfile(kExamplesDir), ec)) {
      if (entry.path().extension() != ".cairn") continue;
      examples_[entry.path().stem().string()] =
          testing::ReadWholeFile(entry.path());
    }
    ASSERT_FALSE(examples_.empty()) << kExamplesDir << " is not in runfiles";
    docs_ = GenerateResourceDocs(pool_, examples_);
  }

  pb::DescriptorPool pool_;
  std::map<std::string, std::string> examples_;
  ResourceDocs docs_;
};

TEST_F(Reference, SchemaAndExamplesAreComplete) {
  for (const std::string& problem : docs_.problems) {
    ADD_FAILURE() << problem;
  }
}

TEST_F(Reference, CommittedPagesAreCurrent) {
  std::set<std::string> generated;
  for (const GeneratedFile& file : docs_.files) {
    generated.insert(file.path);
    std::string committed = testing::ReadWholeFile(Runfile(file.path));
    if (committed.empty()) {
      ADD_FAILURE() << file.path << " is missing; run: " << kFix;
    } else if (committed != file.content) {
      // The first differing line, so the failure says what changed.
      std::vector<std::string_view> want = StrSplit(file.content, '\n');
      std::vector<std::string_view> have = StrSplit(committed, '\n');
      size_t line = 0;
      while (line < want.size() && line < have.size() &&
             want[line] == have[line]) {
        ++line;
      }
      ADD_FAILURE() << file.path << " is stale; run: " << kFix
                    << "\nfirst difference at line " << line + 1
                    << "\n  committed: "
                    << (line < have.size() ? have[line] : "(end of file)")
                    << "\n  generated: "
                    << (line < want.size() ? want[line] : "(end of file)");
    }
  }
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(Runfile(kResourcesDir), ec)) {
    std::string path =
        StrCat(kResourcesDir, "/", entry.path().filename().string());
    if (entry.path().extension() == ".md" && !generated.count(path)) {
      ADD_FAILURE() << path
                    << " is no page the generator makes: delete it (a page "
                       "of a removed kind goes with: "
                    << kFix << ")";
    }
  }
  EXPECT_GE(docs_.files.size(), 15u) << "the reference lost its pages";
}

// Each example is a whole configuration that `cairn compile` accepts without
// an error or a warning, in `cairn fmt`'s form, and it declares a resource
// of its kind.
TEST_F(Reference, EveryExampleCompilesCleanly) {
  for (const auto& [kind, text] : examples_) {
    std::string path = StrCat(kExamplesDir, "/", kind, ".cairn");
    SourceManager sources;
    DiagnosticSink diagnostics;
    std::unique_ptr<ast::File> tree =
        Parse(sources.AddBuffer(path, text), diagnostics);
    CompileResult result;
    if (!diagnostics.has_errors()) {
      result = Compile(sources, {tree.get()}, CompileOptions(), diagnostics);
    }
    std::string rendered;
    for (const Diagnostic& d : diagnostics.diagnostics()) {
      rendered += RenderText(d, sources);
    }
    EXPECT_TRUE(diagnostics.diagnostics().empty()) << rendered;
    if (!diagnostics.has_errors()) {
      EXPECT_EQ(Format(*sources.Get(tree->file), *tree), text)
          << path << " is not formatted; run: cairn fmt -w " << path;
    }

    bool declared = false;
    if (kind == "host") declared = !result.catalogs.empty();
    if (kind == "fleet") {
      declared = result.fleet.ByteSizeLong() > 0;
    }
    for (const ZoneCatalog& zone : result.zones) {
      declared |= kind == "zone" || (kind == "record" && !zone.records.empty());
    }
    for (const v1::Catalog& catalog : result.catalogs) {
      for (const v1::Resource& resource : catalog.resources()) {
        declared |= resource.kind() == kind;
      }
    }
    EXPECT_TRUE(declared) << path << " declares no " << kind;
  }
}

// The generator's own checks, on a schema made here.
TEST(Generator, ReportsWhatIsMissing) {
  pb::FileDescriptorProto file;
  file.set_name("proto/cairn/v1/resources.proto");
  file.set_package("cairn.v1");
  file.set_syntax("proto3");
  pb::DescriptorProto* message = file.add_message_type();
  message->set_name("Thing");
  message->mutable_options()->SetExtension(v1::kind, "thing");
  message->mutable_options()->SetExtension(v1::id_field, "name");
  pb::FieldDescriptorProto* name = message->add_field();
  name->set_name("name");
  name->set_number(1);
  name->set_type(pb::FieldDescriptorProto::TYPE_STRING);
  name->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  pb::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);

  ResourceDocs docs = GenerateResourceDocs(pool, {{"thingy", "x"}});
  std::string problems = StrJoin(docs.problems, "\n");
  EXPECT_NE(problems.find("message cairn.v1.Thing has no comment"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("field cairn.v1.Thing.name has no comment"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("kind thing has no example: write "
                          "docs/resources/examples/thing.cairn"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("thingy.cairn is the example of no kind"),
            std::string::npos)
      << problems;
  ASSERT_EQ(docs.files.size(), 2u);
  EXPECT_EQ(docs.files[1].path, "docs/resources/thing.md");
  EXPECT_NE(docs.files[1].content.find("```text\nthing NAME { ... }\n```"),
            std::string::npos)
      << docs.files[1].content;
}

}  // namespace
}  // namespace cairn::docs
