// The cairn command: one binary, one subcommand per verb.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr char kUsage[] = R"(usage: cairn COMMAND [ARGS]

Commands:
  check PATH...      parse and compile every .cairn file under PATHs ("-":
                     stdin) without contacting any host; report mistakes
                     (--format=text|json, --color=auto|always|never)
  fmt [PATH...]      print files in canonical form; -w rewrites them,
                     --check lists unformatted files and exits 1
  compile PATH...    evaluate the configuration and print one catalog per
                     host (--host NAME, --dump=catalog|review|json|none, --out DIR
                     writes binary catalogs)
  plan PATH...       what applying would change on every host and zone,
                     asked of their agents and DNS servers (--host NAME,
                     --tag TAG, --out FILE, --json, --detailed-exitcode)
  apply PLANFILE|PATH...
                     apply a saved plan exactly, or plan, confirm and apply
                     (--yes, --host NAME, --tag TAG, -v; --bootstrap
                     enrols hosts whose agent does not answer first)
  drift PATH...      how hosts drifted from what was applied, as their
                     agents noticed (--host NAME, --tag TAG, --json,
                     --exit-code, --watch, --notify-command CMD)
  lock status|break  the fleet's lock in the state store
  history            past applies (--host NAME, --limit N)
  graph PATH...      the apply order of each host's resources as Graphviz
                     DOT (--host NAME)
  bootstrap HOST PATH... | ADDRESS | --all PATH...
                     install and enrol the agent over SSH on a host with
                     only sshd and a key (--user USER, --key FILE, --port N,
                     --known-hosts FILE, --accept-new, --upgrade)
  ca init DIR        make the fleet's certificate authority (mutual TLS)
  ca issue DIR NAME  issue NAME.pem/NAME.key (--address IP, --client)
  agent VERB         one cairn-agent directly: facts, status, check, apply,
                     confirm (--agent HOST:PORT|unix:PATH, --tls-dir DIR,
                     --catalog FILE or --host NAME PATH...)
  ast FILE           print the syntax tree of a file
  vault SUBCOMMAND   encrypt, decrypt, view, edit, rekey ansible-vault files;
                     encrypt-string ("cairn vault help" for more)
  help               show this text

check, compile, graph, plan, apply, drift, bootstrap and agent take: -p NAME=VALUE, --params-file FILE,
--vault-password-file FILE (or CAIRN_VAULT_PASSWORD), --module-path DIR.

Exit status: 0 success, 1 mistakes found, 2 bad usage or unreadable input.
)";

}  // namespace

int main(int argc, char** argv) {
  // Under `bazel run`, resolve paths against the directory it was run from.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(dir) != 0)
      std::perror("cairn: cannot enter BUILD_WORKING_DIRECTORY");
  }
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return cairn::cli::kExitUsage;
  }
  std::string_view command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "check") return cairn::cli::Check(args);
  if (command == "fmt") return cairn::cli::Fmt(args);
  if (command == "ast") return cairn::cli::Ast(args);
  if (command == "compile") return cairn::cli::Compile(args);
  if (command == "graph") return cairn::cli::Graph(args);
  if (command == "ca") return cairn::cli::Ca(args);
  if (command == "agent") return cairn::cli::Agent(args);
  if (command == "bootstrap") return cairn::cli::Bootstrap(args);
  if (command == "plan") return cairn::cli::Plan(args);
  if (command == "apply") return cairn::cli::Apply(args);
  if (command == "drift") return cairn::cli::Drift(args);
  if (command == "lock") return cairn::cli::Lock(args);
  if (command == "history") return cairn::cli::History(args);
  if (command == "vault") return cairn::cli::Vault(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return cairn::cli::kExitOk;
  }
  std::fprintf(stderr, "cairn: unknown command '%s'\n\n%s",
               std::string(command).c_str(), kUsage);
  return cairn::cli::kExitUsage;
}
