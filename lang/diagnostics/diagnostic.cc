#include "lang/diagnostics/diagnostic.h"

#include <algorithm>
#include <array>

namespace cairn {
namespace {

struct KindInfo {
  std::string_view name;
  std::string_view code;
  Severity severity;
  std::string_view meaning;
};

constexpr KindInfo kKinds[] = {
#define CAIRN_DIAGNOSTIC(name, code, severity, meaning) \
  {#name, code, Severity::severity, meaning},
#include "lang/diagnostics/kinds.def"
#undef CAIRN_DIAGNOSTIC
};

constexpr DiagnosticKind kAllKinds[] = {
#define CAIRN_DIAGNOSTIC(name, code, severity, meaning) DiagnosticKind::k##name,
#include "lang/diagnostics/kinds.def"
#undef CAIRN_DIAGNOSTIC
};

const KindInfo& Info(DiagnosticKind kind) {
  return kKinds[static_cast<size_t>(kind)];
}

}  // namespace

std::string_view DiagnosticCode(DiagnosticKind kind) { return Info(kind).code; }
Severity DiagnosticSeverity(DiagnosticKind kind) { return Info(kind).severity; }
std::string_view DiagnosticName(DiagnosticKind kind) { return Info(kind).name; }
std::string_view DiagnosticMeaning(DiagnosticKind kind) {
  return Info(kind).meaning;
}
absl::Span<const DiagnosticKind> AllDiagnosticKinds() { return kAllKinds; }

Diagnostic MakeDiagnostic(DiagnosticKind kind, SourceRange range,
                          std::string summary) {
  Diagnostic d;
  d.kind = kind;
  d.severity = DiagnosticSeverity(kind);
  d.range = range;
  d.summary = std::move(summary);
  return d;
}

void DiagnosticSink::Add(Diagnostic diagnostic) {
  switch (diagnostic.severity) {
    case Severity::kError:
      ++error_count_;
      break;
    case Severity::kWarning:
      ++warning_count_;
      break;
    case Severity::kNote:
      break;
  }
  if (diagnostics_.size() < max_kept_) {
    diagnostics_.push_back(std::move(diagnostic));
  }
}

bool DiagnosticSink::HasErrorAt(const SourceRange& range) const {
  for (const Diagnostic& d : diagnostics_) {
    if (d.severity == Severity::kError && d.range.file == range.file &&
        d.range.begin == range.begin) {
      return true;
    }
  }
  return false;
}

void DiagnosticSink::SortByPosition() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.range.file != b.range.file) {
                       return a.range.file < b.range.file;
                     }
                     return a.range.begin < b.range.begin;
                   });
}

}  // namespace cairn
