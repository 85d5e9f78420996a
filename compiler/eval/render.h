#ifndef CAIRN_COMPILER_EVAL_RENDER_H_
#define CAIRN_COMPILER_EVAL_RENDER_H_

#include <string>

#include "compiler/eval/compile.h"

namespace cairn {

// A catalog as protobuf text for people: each resource's spec shown as its
// typed message, and every secret field replaced by "(secret)".
std::string CatalogText(const v1::Catalog& catalog);

// A zone and its records, likewise.
std::string ZoneText(const ZoneCatalog& zone);

}  // namespace cairn

#endif  // CAIRN_COMPILER_EVAL_RENDER_H_
