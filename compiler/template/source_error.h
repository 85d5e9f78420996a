#ifndef CAIRN_COMPILER_TEMPLATE_SOURCE_ERROR_H_
#define CAIRN_COMPILER_TEMPLATE_SOURCE_ERROR_H_

// The error every stage of the engine reports: a message and a byte range in
// the template text. template.cc adds the line and column. Internal.

#include <cstddef>
#include <string>

namespace cairn::jinja_internal {

// A half-open byte range [begin, end) in the template text.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// A mistake at `span`.
struct SourceError {
  std::string message;
  Span span;
};

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_SOURCE_ERROR_H_
