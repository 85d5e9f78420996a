// Every ```cairn example in docs/language.md parses without a diagnostic,
// so the reference cannot drift from the parser.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"

namespace cairn {
namespace {

std::string ReadReference() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* name = std::getenv("TEST_WORKSPACE");
  std::string path = std::string(srcdir ? srcdir : ".") + "/" +
                     (name ? name : "cairn") + "/docs/language.md";
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(LanguageReference, EveryExampleParsesCleanly) {
  std::string doc = ReadReference();
  ASSERT_FALSE(doc.empty()) << "docs/language.md not found in runfiles";
  const std::string open = "```cairn\n";
  size_t examples = 0;
  for (size_t at = doc.find(open); at != std::string::npos;
       at = doc.find(open, at)) {
    size_t begin = at + open.size();
    size_t end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos) << "unclosed example";
    std::string example = doc.substr(begin, end - begin);
    size_t line = 1 + std::count(doc.begin(), doc.begin() + begin, '\n');
    SourceManager sources;
    const SourceFile& source =
        sources.AddBuffer("docs/language.md:" + std::to_string(line), example);
    DiagnosticSink diagnostics;
    Parse(source, diagnostics);
    std::string rendered;
    for (const Diagnostic& d : diagnostics.diagnostics()) {
      rendered += RenderText(d, sources);
    }
    EXPECT_EQ(diagnostics.diagnostics().size(), 0u)
        << "example at docs/language.md line " << line << ":\n"
        << rendered;
    ++examples;
    at = end + 3;
  }
  EXPECT_GE(examples, 15u) << "the reference lost its examples";
}

}  // namespace
}  // namespace cairn
