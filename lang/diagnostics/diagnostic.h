#ifndef CAIRN_LANG_DIAGNOSTICS_DIAGNOSTIC_H_
#define CAIRN_LANG_DIAGNOSTICS_DIAGNOSTIC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "lang/source/source.h"

namespace cairn {

enum class Severity { kError, kWarning, kNote };

// Every kind of diagnostic; the list lives in kinds.def.
enum class DiagnosticKind : uint16_t {
#define CAIRN_DIAGNOSTIC(name, code, severity, meaning) k##name,
#include "lang/diagnostics/kinds.def"
#undef CAIRN_DIAGNOSTIC
};

// The stable code of a kind, e.g. "E0100".
std::string_view DiagnosticCode(DiagnosticKind kind);
// The default severity of a kind.
Severity DiagnosticSeverity(DiagnosticKind kind);
// The kind's name as written in kinds.def, e.g. "SyntaxError".
std::string_view DiagnosticName(DiagnosticKind kind);
// One sentence on what the kind means (for docs and --explain).
std::string_view DiagnosticMeaning(DiagnosticKind kind);
// Every kind, in the order of kinds.def.
absl::Span<const DiagnosticKind> AllDiagnosticKinds();

// A secondary range that helps explain a diagnostic ("first set here").
struct DiagnosticLabel {
  SourceRange range;
  std::string message;
};

// A user mistake found by some stage, with where it is and how to fix it.
struct Diagnostic {
  DiagnosticKind kind;
  Severity severity = Severity::kError;
  // One line, lower case, no final period: "expected '}', found 'host'".
  std::string summary;
  // Optional longer explanation, may span lines.
  std::string detail;
  // Exactly the bad construct.
  SourceRange range;
  std::vector<DiagnosticLabel> labels;
  // Where in the configuration, e.g. "host.faremis.firewall"; may be empty.
  std::string config_path;
  // A fix, e.g. "did you mean 'host'?"; may be empty.
  std::string help;

  std::string_view code() const { return DiagnosticCode(kind); }
};

// Makes a diagnostic of `kind` with the kind's severity.
Diagnostic MakeDiagnostic(DiagnosticKind kind, SourceRange range,
                          std::string summary);

// Collects the diagnostics of one run. Stages add to it and go on; a run
// fails when it holds an error. Stops keeping diagnostics past a cap so that
// hostile input cannot exhaust memory, but keeps counting.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(size_t max_kept = 1000) : max_kept_(max_kept) {}

  void Add(Diagnostic diagnostic);
  // Whether an error was already reported starting where `range` starts;
  // later stages use it to avoid a second message for one mistake.
  bool HasErrorAt(const SourceRange& range) const;

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  size_t error_count() const { return error_count_; }
  size_t warning_count() const { return warning_count_; }
  bool has_errors() const { return error_count_ > 0; }
  // Sorts by file and position, keeping the order of equal positions.
  void SortByPosition();

 private:
  size_t max_kept_;
  std::vector<Diagnostic> diagnostics_;
  size_t error_count_ = 0;
  size_t warning_count_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_LANG_DIAGNOSTICS_DIAGNOSTIC_H_
