#ifndef CAIRN_COMPILER_VAULT_YAML_SCALAR_H_
#define CAIRN_COMPILER_VAULT_YAML_SCALAR_H_

// Private to compiler/vault: the pieces of a YAML line that DecryptYamlVars
// reads (indentation, comments, quoted scalars).

#include <cstddef>
#include <string>
#include <string_view>

namespace cairn::vault::internal {

// The number of spaces that begin `text`.
int Indent(std::string_view text);

// Whether `text` holds nothing but spaces and tabs.
bool IsBlank(std::string_view text);

// Whether `text` holds nothing but spaces, tabs and perhaps a comment.
bool IsBlankOrComment(std::string_view text);

// `text` up to a comment (a '#' first or after a space or tab), without
// trailing spaces and tabs.
std::string_view CutComment(std::string_view text);

// Reads the single- or double-quoted scalar that starts at text[0] into
// `*value` and sets `*end` just past its closing quote. Returns false with
// `*error` set when it is malformed, or with `*error` empty when it goes on
// past the end of the line (multi-line scalars are not supported).
bool ParseQuoted(std::string_view text, std::string* value, size_t* end,
                 std::string* error);

}  // namespace cairn::vault::internal

#endif  // CAIRN_COMPILER_VAULT_YAML_SCALAR_H_
