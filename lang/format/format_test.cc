#include "lang/format/format.h"

#include <string>

#include "gtest/gtest.h"
#include "lang/parse/parse.h"

namespace cairn {
namespace {

std::string Fmt(const std::string& text) {
  SourceManager sources;
  const SourceFile& source = sources.AddBuffer("t.cairn", text);
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file = Parse(source, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors()) << text;
  return Format(source, *file);
}

TEST(Format, AlignsRunsOfAttributesOnly) {
  EXPECT_EQ(Fmt("host \"a\" {\n  a = 1\n  long_name = 2\n\n  b = 3\n}\n"),
            "host \"a\" {\n"
            "  a         = 1\n"
            "  long_name = 2\n"
            "\n"
            "  b = 3\n"
            "}\n");
}

TEST(Format, CollapsesBlankLinesAndTrimsEnds) {
  EXPECT_EQ(Fmt("\n\nlet a = 1\n\n\n\nlet b = 2\n\n\n"),
            "let a = 1\n\nlet b = 2\n");
}

TEST(Format, KeepsOneLineBodiesThatFit) {
  EXPECT_EQ(
      Fmt("host \"h\" {service \"x\" {enabled=true,running=true}}"),
      "host \"h\" {\n  service \"x\" { enabled = true, running = true }\n}\n");
  std::string x(100, 'x');
  EXPECT_EQ(Fmt("host \"h\" { a = \"" + x + "\", b = 1 }\n"),
            "host \"h\" {\n  a = \"" + x + "\"\n  b = 1\n}\n");
}

TEST(Format, EmptyBodies) {
  EXPECT_EQ(Fmt("host \"h\" {   }"), "host \"h\" {}\n");
  EXPECT_EQ(Fmt("host \"h\" {\n  # later\n}"), "host \"h\" {\n  # later\n}\n");
}

TEST(Format, KeepsParenthesesAndSpacesOperators) {
  EXPECT_EQ(Fmt("let a=(1+2)*3\nlet b=!x&&-y\nlet c=a?b:c"),
            "let a = (1 + 2) * 3\nlet b = !x && -y\nlet c = a ? b : c\n");
}

TEST(Format, MultiLineListsGetTrailingCommas) {
  EXPECT_EQ(Fmt("let xs = [1,\n2]"), "let xs = [\n  1,\n  2,\n]\n");
  EXPECT_EQ(Fmt("let xs = [1, 2,]"), "let xs = [1, 2]\n");
}

TEST(Format, StringsPrintAsWritten) {
  std::string text =
      "let a = \"tab\\there ${x + 1}\"\nlet b = \"\"\"\n    keep   this\n  "
      "\"\"\"\n";
  EXPECT_EQ(Fmt(text), text);
}

TEST(Format, TrailingAndOwnLineComments) {
  EXPECT_EQ(Fmt("let a = 1   # one   \n# two\nlet b = 2"),
            "let a = 1 # one\n# two\nlet b = 2\n");
}

TEST(Format, CommentInsideAnExpressionIsKept) {
  std::string out = Fmt("let a = f(1, # note\n  2)\nlet b = 1\n");
  EXPECT_NE(out.find("# note"), std::string::npos) << out;
  EXPECT_EQ(Fmt(out), out);
}

TEST(Format, ElseIfChains) {
  EXPECT_EQ(Fmt("host \"a\" {\nif a {x=1} else if b {x=2} else {x=3}\n}"),
            "host \"a\" {\n"
            "  if a { x = 1 } else if b { x = 2 } else { x = 3 }\n"
            "}\n");
}

}  // namespace
}  // namespace cairn
