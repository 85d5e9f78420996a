#include "lang/diagnostics/render.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(RenderText, LikeClang) {
  SourceManager sources;
  const SourceFile& file =
      sources.AddBuffer("fleet.cairn", "host \"a\" {\n  adress = 1\n}\n");
  Diagnostic d = MakeDiagnostic(DiagnosticKind::kSyntaxError,
                                {file.id(), 13, 19}, "unknown attribute");
  d.help = "did you mean 'address'?";
  d.config_path = "host.a";
  EXPECT_EQ(RenderText(d, sources),
            "fleet.cairn:2:3: error[E0100]: unknown attribute (in host.a)\n"
            " 2 |   adress = 1\n"
            "   |   ^~~~~~\n"
            "  = help: did you mean 'address'?\n");
}

TEST(RenderText, ColorsOnlyWhenAsked) {
  SourceManager sources;
  const SourceFile& file = sources.AddBuffer("a", "x");
  Diagnostic d =
      MakeDiagnostic(DiagnosticKind::kSyntaxError, {file.id(), 0, 1}, "bad");
  EXPECT_EQ(RenderText(d, sources).find('\033'), std::string::npos);
  RenderOptions color;
  color.color = true;
  EXPECT_NE(RenderText(d, sources, color).find('\033'), std::string::npos);
}

TEST(RenderText, CutsLongLinesAroundTheCaret) {
  SourceManager sources;
  std::string line(10000, 'x');
  line[5000] = '@';
  const SourceFile& file = sources.AddBuffer("a", line);
  Diagnostic d = MakeDiagnostic(DiagnosticKind::kUnexpectedCharacter,
                                {file.id(), 5000, 5001}, "unexpected '@'");
  std::string text = RenderText(d, sources);
  EXPECT_LT(text.size(), 400u);
  size_t source_line = text.find("...");
  ASSERT_NE(source_line, std::string::npos);
  // The caret sits under the '@'.
  size_t at = text.find('@', text.find('\n') + 1);
  size_t caret = text.find('^');
  size_t line_start = text.rfind('\n', at) + 1;
  size_t caret_line_start = text.rfind('\n', caret) + 1;
  EXPECT_EQ(at - line_start, caret - caret_line_start);
}

TEST(RenderJson, EscapesAndLocates) {
  SourceManager sources;
  const SourceFile& file = sources.AddBuffer("a \"b\".cairn", "let x = @\n");
  Diagnostic d = MakeDiagnostic(DiagnosticKind::kUnexpectedCharacter,
                                {file.id(), 8, 9}, "unexpected '@'");
  std::string json = RenderJson({d}, sources);
  EXPECT_NE(json.find("\"code\": \"E0002\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"file\": \"a \\\"b\\\".cairn\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"start\": {\"line\": 1, \"column\": 9, \"offset\": 8}"),
            std::string::npos)
      << json;
}

TEST(RenderJson, EmptyList) {
  SourceManager sources;
  EXPECT_EQ(RenderJson({}, sources), "{\"diagnostics\": []}\n");
}

TEST(DiagnosticKinds, CodesAreUniqueAndWellFormed) {
  std::set<std::string_view> codes;
  for (DiagnosticKind kind : AllDiagnosticKinds()) {
    std::string_view code = DiagnosticCode(kind);
    EXPECT_TRUE(codes.insert(code).second) << "duplicate code " << code;
    ASSERT_EQ(code.size(), 5u);
    EXPECT_TRUE(code[0] == 'E' || code[0] == 'W') << code;
    EXPECT_EQ(code[0] == 'W', DiagnosticSeverity(kind) == Severity::kWarning)
        << code;
  }
}

TEST(DiagnosticSink, KeepsCountingPastItsCap) {
  DiagnosticSink sink(/*max_kept=*/2);
  for (int i = 0; i < 5; ++i) {
    sink.Add(MakeDiagnostic(DiagnosticKind::kSyntaxError, {}, "x"));
  }
  EXPECT_EQ(sink.diagnostics().size(), 2u);
  EXPECT_EQ(sink.error_count(), 5u);
}

}  // namespace
}  // namespace cairn
