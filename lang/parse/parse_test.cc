#include "lang/parse/parse.h"

#include <string>

#include "base/strings.h"
#include "gtest/gtest.h"
#include "lang/ast/dump.h"

namespace cairn {
namespace {

struct Parsed {
  SourceManager sources;
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file;
  const SourceFile* source = nullptr;

  explicit Parsed(std::string text) {
    source = &sources.AddBuffer("t.cairn", std::move(text));
    file = Parse(*source, diagnostics);
  }
  std::string_view Slice(uint32_t begin, uint32_t end) const {
    return source->text().substr(begin, end - begin);
  }
};

TEST(Parse, EmptyFile) {
  Parsed p("");
  EXPECT_TRUE(p.file->stmts.empty());
  EXPECT_TRUE(p.diagnostics.diagnostics().empty());
}

TEST(Parse, RangesAreExactByteRanges) {
  Parsed p("host \"a\" {\n  port = 80 + 1 # c\n}\n");
  ASSERT_EQ(p.file->stmts.size(), 1u);
  auto* host = static_cast<const ast::BlockStmt*>(p.file->stmts[0]);
  EXPECT_EQ(p.Slice(host->begin, host->end),
            "host \"a\" {\n  port = 80 + 1 # c\n}");
  ASSERT_EQ(host->body.stmts.size(), 1u);
  auto* attr = static_cast<const ast::AttrStmt*>(host->body.stmts[0]);
  EXPECT_EQ(p.Slice(attr->begin, attr->end), "port = 80 + 1");
  EXPECT_EQ(p.Slice(attr->name.begin, attr->name.end), "port");
  EXPECT_EQ(p.Slice(attr->value->begin, attr->value->end), "80 + 1");
  ASSERT_EQ(p.file->comments.size(), 1u);
  EXPECT_EQ(p.Slice(p.file->comments[0].begin, p.file->comments[0].end), "# c");
}

TEST(Parse, NonAsciiOffsetsStayBytes) {
  Parsed p("let cafe = \"thé\" # é\nlet x = 1\n");
  ASSERT_EQ(p.file->stmts.size(), 2u);
  auto* x = static_cast<const ast::LetStmt*>(p.file->stmts[1]);
  EXPECT_EQ(p.Slice(x->name.begin, x->name.end), "x");
  EXPECT_FALSE(p.diagnostics.has_errors());
  // An identifier is ASCII: é in a name is reported where it stands.
  Parsed bad("let café = 1\n");
  ASSERT_FALSE(bad.diagnostics.diagnostics().empty());
  const Diagnostic& d = bad.diagnostics.diagnostics()[0];
  EXPECT_EQ(bad.Slice(d.range.begin, d.range.end), "é");
}

TEST(Parse, ManyStatementsStreamInOrder) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += StrCat("host \"h", i, "\" { address = \"10.0.", i / 250, ".",
                   i % 250, "\" }\n");
  }
  Parsed p(text);
  ASSERT_EQ(p.file->stmts.size(), 5000u);
  EXPECT_FALSE(p.diagnostics.has_errors());
  auto* last = static_cast<const ast::BlockStmt*>(p.file->stmts.back());
  EXPECT_EQ(ast::DumpExpr(*last->labels[0]), "(string \"h4999\")");
}

TEST(Parse, StopsAfterTooManyErrors) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "let = = =\n";
  Parsed p(text);
  size_t too_many = 0;
  for (const Diagnostic& d : p.diagnostics.diagnostics()) {
    too_many += d.kind == DiagnosticKind::kTooManyErrors;
  }
  EXPECT_EQ(too_many, 1u);
  EXPECT_LE(p.diagnostics.diagnostics().size(), 60u);
}

TEST(Parse, EveryDiagnosticRangeIsInTheFile) {
  const char* inputs[] = {"host {",           "}}}",    "\"abc",
                          "let x = [1, (2 }", "${",     "\xFF\xFE",
                          "let a = 1 +",      "\"\"\"x"};
  for (const char* input : inputs) {
    Parsed p(input);
    for (const Diagnostic& d : p.diagnostics.diagnostics()) {
      EXPECT_LE(d.range.begin, d.range.end) << input;
      EXPECT_LE(d.range.end, p.source->text().size()) << input;
      EXPECT_EQ(d.range.file, p.source->id()) << input;
    }
    EXPECT_TRUE(p.diagnostics.has_errors()) << input;
  }
}

TEST(Parse, ErrorRecoveryKeepsLaterStatements) {
  Parsed p("let a = = 1\nlet b = 2\nhost \"x\" { y = }\nlet c = 3\n");
  std::string dump = ast::Dump(*p.file);
  EXPECT_NE(dump.find("(let b = 2)"), std::string::npos) << dump;
  EXPECT_NE(dump.find("(let c = 3)"), std::string::npos) << dump;
  EXPECT_EQ(p.diagnostics.error_count(), 2u);
}

TEST(Parse, EmbeddedNulIsReportedNotFatal) {
  Parsed p(std::string("let a = 1\0\nlet b = 2\n", 21));
  EXPECT_TRUE(p.diagnostics.has_errors());
  EXPECT_NE(ast::Dump(*p.file).find("(let b = 2)"), std::string::npos);
}

}  // namespace
}  // namespace cairn
