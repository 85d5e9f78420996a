#ifndef CAIRN_COMPILER_EVAL_RENDER_H_
#define CAIRN_COMPILER_EVAL_RENDER_H_

#include <string>

#include "compiler/eval/compile.h"

namespace cairn {

// A catalog as protobuf text for people: each resource's spec shown as its
// typed message, and every secret field replaced by "(secret:1a2b3c4d)", a
// fingerprint keyed with `fingerprint_key` (vault::FingerprintKey): a
// changed secret shows as a changed fingerprint, never as its value.
std::string CatalogText(const v1::Catalog& catalog,
                        std::string_view fingerprint_key);

// A copy of `catalog` with every secret field replaced by its fingerprint,
// for renderings other than text (JSON).
v1::Catalog RedactedCatalog(const v1::Catalog& catalog,
                            std::string_view fingerprint_key);

// A zone and its records, likewise.
std::string ZoneText(const ZoneCatalog& zone, std::string_view fingerprint_key);

// A catalog for people to read and review (`cairn compile --dump=review`,
// the examples' golden files): one paragraph per resource, headed by its
// kind, id and where it was declared, with the fields that are set, and
// multi-line strings (file contents) as indented text rather than escapes.
// Secrets are fingerprints, as in CatalogText.
std::string CatalogReview(const v1::Catalog& catalog,
                          std::string_view fingerprint_key);

// A zone and its records in the same form.
std::string ZoneReview(const ZoneCatalog& zone,
                       std::string_view fingerprint_key);

// How a secret is shown to people: "(secret:1a2b3c4d)".
std::string SecretText(std::string_view secret,
                       std::string_view fingerprint_key);

}  // namespace cairn

#endif  // CAIRN_COMPILER_EVAL_RENDER_H_
