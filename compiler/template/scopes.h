#ifndef CAIRN_COMPILER_TEMPLATE_SCOPES_H_
#define CAIRN_COMPILER_TEMPLATE_SCOPES_H_

// Jinja2 decides at compile time which variable each name refers to
// (jinja2/idtracking.py), and the result is not plain dynamic scoping: a
// name set anywhere at the top level is a top-level variable for the whole
// template, so a loop that reads it before the {% set %} runs sees it
// undefined even when the input has it; a name set in only some branches
// of an {% if %} starts out with the input's value; a loop body starts each
// iteration with copies of the outer variables it sets. This pass ports
// that analysis: it annotates every name with the frame level whose
// variable it uses and every frame with how its variables start out.
// Internal to the package.

#include <string>
#include <vector>

#include "compiler/template/ast.h"

namespace cairn::jinja_internal {

// Annotates `body` (the template) and every frame inside it. Returns the
// template's own frame, and in `inputs` the names read from the variables
// given to Render, in order of first use.
Frame ResolveScopes(Body& body, std::vector<std::string>* inputs);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_SCOPES_H_
