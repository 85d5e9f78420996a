#ifndef CAIRN_COMPILER_TEMPLATE_LEXER_LITERALS_H_
#define CAIRN_COMPILER_TEMPLATE_LEXER_LITERALS_H_

// Number and string literals inside tags, with Jinja2's syntax: numbers as
// its integer_re and float_re accept them, strings unescaped the way Python's
// "unicode-escape" codec does. Internal to the package.

#include <cstddef>
#include <string>
#include <string_view>

#include "compiler/template/lexer.h"

namespace cairn::jinja_internal {

// Lexes the number that starts at text[pos] (an ASCII digit) into `token`
// (kInteger or kFloat) and returns where it ends. `after_dot` is whether a
// '.' precedes it (then it cannot be a float, as in "xs.0.1"). Sets
// `message` if the number is not representable.
size_t LexNumber(std::string_view text, size_t pos, bool after_dot,
                 Token* token, std::string* message);

// Decodes the text between the quotes of a string literal (newlines in it
// are normalised to \n first). Returns false with `message` on a malformed
// escape.
bool DecodeStringLiteral(std::string_view body, std::string* out,
                         std::string* message);

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_LEXER_LITERALS_H_
