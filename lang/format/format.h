#ifndef CAIRN_LANG_FORMAT_FORMAT_H_
#define CAIRN_LANG_FORMAT_FORMAT_H_

#include <string>

#include "lang/ast/ast.h"
#include "lang/source/source.h"

namespace cairn {

// Prints the canonical form of a parsed file: two-space indentation, one
// statement a line, `=` aligned in runs of attributes, at most one blank
// line kept between statements, every comment kept. Lists, maps and bodies
// written on one line stay on one line; written over several, they get one
// item a line. Strings print as written. Formatting the output again gives
// the same text. `file` should have parsed without errors.
std::string Format(const SourceFile& source, const ast::File& file);

}  // namespace cairn

#endif  // CAIRN_LANG_FORMAT_FORMAT_H_
