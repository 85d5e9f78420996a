// A libFuzzer target for the parser. Any bytes go in; the parser must not
// crash, hang or leak, and these invariants must hold (else it aborts with
// a message on stderr, which libFuzzer reports as a crash):
//   - every diagnostic range (and label range) lies within the input and
//     names the parsed file;
//   - when the input parses without errors, its formatted text parses
//     without errors too, formatting that text again changes nothing, both
//     parses dump to the same tree, and both keep the same comments.
//
// Built two ways: by tools/fuzz.sh with clang and -fsanitize=fuzzer, and by
// Bazel with replay_main.cc as //lang/parse/fuzz:parse_fuzzer_regression_test,
// which replays the corpus.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "lang/ast/ast.h"
#include "lang/ast/dump.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/diagnostics/render.h"
#include "lang/format/format.h"
#include "lang/parse/parse.h"
#include "lang/source/source.h"

namespace cairn {
namespace {

// Inputs are cut to this many bytes: longer ones only slow the search down.
// Matches tools/fuzz.sh's -max_len.
constexpr size_t kMaxInputBytes = 64 * 1024;

// Reports a broken invariant and aborts.
[[noreturn]] void Fail(std::string_view what, std::string_view details) {
  std::string message =
      StrCat("parse_fuzzer: invariant violated: ", what, "\n", details, "\n");
  std::fwrite(message.data(), 1, message.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

// Every diagnostic must point into the parsed text.
void CheckRanges(const SourceFile& source, const DiagnosticSink& diagnostics) {
  size_t size = source.text().size();
  auto check = [&](const Diagnostic& d, const SourceRange& range,
                   std::string_view which) {
    bool in_bounds = range.begin <= range.end && range.end <= size;
    bool right_file = !range.valid() || range.file == source.id();
    if (in_bounds && right_file) return;
    Fail(StrCat("a diagnostic ", which, " is outside the input"),
         StrCat(d.code(), " \"", d.summary, "\": file ", range.file, " [",
                range.begin, ", ", range.end, ") but the input is file ",
                source.id(), " of ", size, " bytes"));
  };
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    check(d, d.range, "range");
    for (const DiagnosticLabel& label : d.labels) {
      check(d, label.range, "label range");
    }
  }
}

std::string RenderAll(const SourceManager& sources,
                      const DiagnosticSink& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics.diagnostics()) {
    out += RenderText(d, sources);
  }
  return out;
}

// The formatter's promises, for an input that parsed without errors.
void CheckFormat(const SourceFile& source, const ast::File& file) {
  std::string formatted = Format(source, file);
  SourceManager sources;
  const SourceFile& again = sources.AddBuffer("formatted.cairn", formatted);
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> reparsed = Parse(again, diagnostics);
  CheckRanges(again, diagnostics);
  if (diagnostics.has_errors()) {
    Fail("the formatted text does not parse",
         StrCat("formatted:\n", formatted, "\ndiagnostics:\n",
                RenderAll(sources, diagnostics)));
  }
  std::string twice = Format(again, *reparsed);
  if (twice != formatted) {
    Fail("formatting is not idempotent",
         StrCat("formatted once:\n", formatted, "\nformatted twice:\n", twice));
  }
  std::string before = ast::Dump(file);
  std::string after = ast::Dump(*reparsed);
  if (before != after) {
    Fail("formatting changed the tree",
         StrCat("formatted:\n", formatted, "\ntree before:\n", before,
                "\ntree after:\n", after));
  }
  if (file.comments.size() != reparsed->comments.size()) {
    Fail("formatting lost or added a comment",
         StrCat(file.comments.size(), " comments before, ",
                reparsed->comments.size(), " after; formatted:\n", formatted));
  }
}

void TestOneInput(std::string_view input) {
  if (input.size() > kMaxInputBytes) input = input.substr(0, kMaxInputBytes);
  SourceManager sources;
  const SourceFile& source =
      sources.AddBuffer("input.cairn", std::string(input));
  DiagnosticSink diagnostics;
  std::unique_ptr<ast::File> file = Parse(source, diagnostics);
  CheckRanges(source, diagnostics);
  if (!diagnostics.has_errors()) CheckFormat(source, *file);
}

}  // namespace
}  // namespace cairn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::TestOneInput(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
