#ifndef CAIRN_CLI_COMPILE_FLAGS_H_
#define CAIRN_CLI_COMPILE_FLAGS_H_

// What every command that compiles a configuration shares (check, compile,
// graph): its flags and the way from paths to catalogs.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/eval/compile.h"
#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/source/source.h"

namespace cairn::cli {

// The flags:
//   -p, --param NAME=VALUE     a param's value (wins over a params file)
//   --params-file FILE         NAME=VALUE lines, # comments
//   --vault-password-file FILE the password for vault() (else the
//                              environment variable CAIRN_VAULT_PASSWORD)
//   --module-path DIR          searched for imports (repeatable; also the
//                              colon-separated CAIRN_MODULE_PATH)
//   --color=auto|always|never
// Anything else not starting with '-' is a path.
struct CompileFlags {
  CompileOptions options;
  std::vector<std::string> paths;
  std::string color = "auto";

  enum class Take { kNotMine, kTaken, kBad };
  // Consumes args[i] (and its value, advancing i) when it is one of the
  // flags above or a path. kBad comes with `error` set.
  Take TakeArg(const std::vector<std::string>& args, size_t& i,
               std::string& error);
  // After every argument: reads params files and the environment. False
  // with `error` set on an unreadable or malformed file.
  bool Finish(std::string& error);

  // The usage text of these flags, for each command's usage line.
  static constexpr char kUsage[] =
      "[-p NAME=VALUE] [--params-file FILE] [--vault-password-file FILE] "
      "[--module-path DIR]";

 private:
  std::vector<std::string> params_files_;
  std::map<std::string, std::string> given_params_;
};

// Reads `args` for `cairn COMMAND`: the flags above, then `own` for the
// command's own flags (it returns true when it took args[i], advancing i
// past a value). False, having said why on stderr, on a bad or unknown flag
// or an unreadable params file; Finish() has run when true.
bool ParseCommandLine(
    const char* command, const std::vector<std::string>& args,
    CompileFlags& flags,
    const std::function<bool(const std::vector<std::string>&, size_t&)>& own);

// A configuration read from disk, parsed and compiled.
struct Compiled {
  SourceManager sources;
  DiagnosticSink diagnostics;
  std::vector<std::unique_ptr<ast::File>> trees;
  CompileResult result;
  size_t file_count = 0;
};

// Parses every .cairn file under `flags.paths` ("-" is standard input) and,
// when they parse cleanly, compiles them. Fails (a message for stderr) only
// on unreadable paths; mistakes in the configuration are diagnostics.
absl::StatusOr<std::unique_ptr<Compiled>> ParseAndCompile(
    const CompileFlags& flags);

// Prints every diagnostic of `compiled` on stderr, but those whose code is
// `skip_code` ("W0003"; none when empty).
void PrintDiagnostics(const Compiled& compiled, const std::string& color,
                      std::string_view skip_code = "");

}  // namespace cairn::cli

#endif  // CAIRN_CLI_COMPILE_FLAGS_H_
