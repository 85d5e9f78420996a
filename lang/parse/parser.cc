// The driver: lexer -> token filter -> ANTLR parser -> AST builder, one
// top-level statement at a time, then the structure checks.

#include <memory>

#include "antlr4-runtime.h"
#include "base/strings.h"
#include "lang/parse/CairnLexer.h"
#include "lang/parse/CairnParser.h"
#include "lang/parse/builder.h"
#include "lang/parse/char_stream.h"
#include "lang/parse/error_strategy.h"
#include "lang/parse/lexer.h"
#include "lang/parse/parse.h"
#include "lang/parse/structure.h"
#include "lang/parse/token_filter.h"
#include "lang/parse/token_stream.h"
#include "lang/source/utf8.h"

namespace cairn {
namespace {

using cairn_antlr::CairnParser;
using parse_internal::Builder;
using parse_internal::ErrorBudget;
using parse_internal::ErrorStrategy;
using parse_internal::TokenFilter;
using parse_internal::Utf8CharStream;

// Lexer errors are the filter's business; ANTLR must not print anything.
class SilentListener : public antlr4::BaseErrorListener {};

void ReportInvalidUtf8(const SourceFile& source, DiagnosticSink& diagnostics) {
  std::string_view text = source.text();
  size_t offset = FindInvalidUtf8(text);
  if (offset == std::string_view::npos) return;
  size_t count = 0;
  for (size_t i = offset; i < text.size();) {
    size_t n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      ++count;
      ++i;
    } else {
      i += n;
    }
  }
  Diagnostic d = MakeDiagnostic(
      DiagnosticKind::kInvalidUtf8,
      {source.id(), static_cast<uint32_t>(offset),
       static_cast<uint32_t>(offset + 1)},
      StrCat("invalid UTF-8 (", count, count == 1 ? " bad byte" : " bad bytes",
             " in the file)"));
  d.help = "Cairn files are UTF-8; re-encode the file, e.g. with iconv";
  diagnostics.Add(std::move(d));
}

}  // namespace

std::unique_ptr<ast::File> Parse(const SourceFile& source,
                                 DiagnosticSink& diagnostics) {
  auto file = std::make_unique<ast::File>();
  file->file = source.id();
  ReportInvalidUtf8(source, diagnostics);

  ErrorBudget budget;
  Utf8CharStream chars(source.text(), source.path());
  parse_internal::Lexer lexer(source.text(), &chars);
  SilentListener silent;
  TokenFilter filter(lexer, source.id(), file->comments, diagnostics, budget);
  parse_internal::WindowTokenStream tokens(&filter);
  CairnParser parser(&tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&silent);
  auto recovering = std::make_shared<ErrorStrategy>(source.id(), filter);
  auto bail = std::make_shared<antlr4::BailErrorStrategy>();
  Builder builder(source, *file, filter);

  std::vector<const ast::Stmt*> stmts;
  try {
    while (true) {
      // Every token of this statement stays alive until the AST is built
      // (the parse tree points at them); Compact() frees them after.
      size_t start = tokens.index();
      CairnParser::NextContext* next = nullptr;
      // Fast path: SLL prediction, which fails only on a syntax error or a
      // rare ambiguity; then full LL with error recovery from the same token.
      parser.setErrorHandler(bail);
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()
          ->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      try {
        next = parser.next();
      } catch (antlr4::ParseCancellationException&) {
        tokens.seek(start);
        parser.getTreeTracker().reset();
        parser.setErrorHandler(recovering);
        parser.getInterpreter<antlr4::atn::ParserATNSimulator>()
            ->setPredictionMode(antlr4::atn::PredictionMode::LL);
        next = parser.next();
      }
      bool at_end = next->EOF() != nullptr;
      if (const ast::Stmt* stmt = builder.Stmt(next->stmt())) {
        stmts.push_back(stmt);
      }
      if (!at_end && tokens.index() == start) tokens.consume();  // Progress.
      parser.getTreeTracker().reset();
      tokens.Compact();
      if (at_end || tokens.LA(1) == antlr4::Token::EOF) break;
    }
  } catch (std::exception& e) {
    // A bug in the grammar or the runtime must not take the tool down; ANTLR
    // throws its own exceptions and nothing of ours throws.
    uint32_t at = source.text().size();
    diagnostics.Add(MakeDiagnostic(
        DiagnosticKind::kSyntaxError, {source.id(), at, at},
        StrCat("the parser gave up before the end of the file: ", e.what())));
  }
  file->stmts = file->arena.Copy(absl::Span<const ast::Stmt* const>(stmts));
  parse_internal::CheckStructure(source, *file, diagnostics);
  return file;
}

}  // namespace cairn
