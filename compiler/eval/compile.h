#ifndef CAIRN_COMPILER_EVAL_COMPILE_H_
#define CAIRN_COMPILER_EVAL_COMPILE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/source/source.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn {

struct CompileOptions {
  // Values for `param`s, as given with -p NAME=VALUE; converted to the
  // param's declared type.
  std::map<std::string, std::string> params;
  // The password for vault() files, from --vault-password-file or the
  // CAIRN_VAULT_PASSWORD environment variable; unset when none was given.
  std::optional<std::string> vault_password;
  // Without a password, vault() warns (W0003) and gives unknown values
  // instead of failing: `cairn check` in CI without the secrets checks the
  // rest.
  bool vault_password_optional = false;
  // When set, each host's catalog is handed here as soon as it is complete,
  // in host-name order, instead of being kept in CompileResult::catalogs:
  // memory then stays bounded by one host, whatever the fleet's size.
  std::function<void(v1::Catalog)> on_catalog;
  // Directories searched, in order, for `import "a/b"` (a path without ./
  // or ../) before the built-in standard library (`std/...`).
  std::vector<std::string> module_path;
};

// A zone and its records, applied from the controller rather than a host.
struct ZoneCatalog {
  v1::Zone zone;
  // Fields of `zone` whose value came from a secret (the TSIG key).
  std::vector<std::string> secret_fields;
  std::vector<v1::Resource> records;
};

struct CompileResult {
  // One catalog per host, sorted by host name; resources sorted by kind and
  // id.
  std::vector<v1::Catalog> catalogs;
  std::vector<ZoneCatalog> zones;
  // The `fleet` block: how plan and apply reach and roll out to the
  // hosts; every field unset without one.
  v1::Fleet fleet;
  // Fields of `fleet` whose value came from a secret (a state URL with a
  // password).
  std::vector<std::string> fleet_secret_fields;
};

// Evaluates the files of one configuration (parsed, in `files`, all in
// `sources`) into one catalog per host. Modules they import are read, parsed
// and added to `sources`, as are the templates they render; a file of
// `files` that another imports is a module rather than part of the
// configuration. Never fails: mistakes are
// diagnostics, and evaluation goes on past each with an unknown value so one
// mistake is reported once. A host whose evaluation had errors still gets a
// catalog, but callers must not apply anything when `diagnostics` has
// errors.
CompileResult Compile(SourceManager& sources,
                      const std::vector<const ast::File*>& files,
                      const CompileOptions& options,
                      DiagnosticSink& diagnostics);

}  // namespace cairn

#endif  // CAIRN_COMPILER_EVAL_COMPILE_H_
