#ifndef CAIRN_LANG_PARSE_STRUCTURE_H_
#define CAIRN_LANG_PARSE_STRUCTURE_H_

#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/source/source.h"

namespace cairn::parse_internal {

// Checks what the grammar leaves open: which statements may appear where
// (import only at the top, allow/deny only in a firewall, host only at the
// top...), blocks that need a name, duplicate attributes, parameters and
// named arguments.
void CheckStructure(const SourceFile& source, const ast::File& file,
                    DiagnosticSink& diagnostics);

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_STRUCTURE_H_
