#ifndef CAIRN_LANG_AST_DUMP_H_
#define CAIRN_LANG_AST_DUMP_H_

#include <string>

#include "lang/ast/ast.h"

namespace cairn::ast {

// A readable S-expression of the tree, one statement a line, for golden
// tests and `cairn ast`. Strings are shown decoded and quoted.
std::string Dump(const File& file);
std::string DumpExpr(const Expr& expr);

}  // namespace cairn::ast

#endif  // CAIRN_LANG_AST_DUMP_H_
