#ifndef CAIRN_LANG_PARSE_PARSE_H_
#define CAIRN_LANG_PARSE_PARSE_H_

#include <memory>

#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/source/source.h"

namespace cairn {

// Parses one file into its syntax tree. Never fails: every mistake becomes a
// diagnostic and the tree holds whatever could be understood (an ErrorExpr
// where an expression was unreadable), so later stages can go on. Checks the
// structure too (what may appear where, duplicate attributes). Input of any
// size or shape is safe: nesting, errors and memory are bounded. `source`
// must outlive the returned tree, which points into its text.
std::unique_ptr<ast::File> Parse(const SourceFile& source,
                                 DiagnosticSink& diagnostics);

}  // namespace cairn

#endif  // CAIRN_LANG_PARSE_PARSE_H_
