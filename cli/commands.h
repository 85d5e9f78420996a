#ifndef CAIRN_CLI_COMMANDS_H_
#define CAIRN_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace cairn::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // Errors in the input; fmt --check.
inline constexpr int kExitUsage = 2;     // Bad flags, unreadable files.

// cairn check [--format=text|json] [--color=auto|always|never] PATH...:
// parses and compiles, contacting no host.
int Check(const std::vector<std::string>& args);
// cairn fmt [--check | -w] [PATH...]; no path formats stdin to stdout.
int Fmt(const std::vector<std::string>& args);
// cairn compile PATH... [--host NAME] [--dump=catalog|json|none] [--out DIR]
// and the flags of CompileFlags.
int Compile(const std::vector<std::string>& args);
// cairn ca init DIR | issue DIR NAME: the fleet's CA for mutual TLS.
int Ca(const std::vector<std::string>& args);
// cairn bootstrap HOST PATH... | ADDRESS | --all PATH...: installs and
// enrols the agent over SSH on hosts that have only sshd and a key.
int Bootstrap(const std::vector<std::string>& args);
// cairn agent facts|status|check|apply|confirm --agent ADDR ...: one
// cairn-agent, directly.
int Agent(const std::vector<std::string>& args);
// cairn plan PATH...: what applying the configuration would change on
// every targeted host and zone (--out FILE saves it, --json prints it).
int Plan(const std::vector<std::string>& args);
// cairn apply PLANFILE | PATH...: rolls the changes out, exactly as planned.
int Apply(const std::vector<std::string>& args);
// cairn drift PATH...: how the targeted hosts drifted from what was
// applied, as their agents noticed; --watch follows it live.
int Drift(const std::vector<std::string>& args);
// cairn lock status|break: the fleet's lock in the state store.
int Lock(const std::vector<std::string>& args);
// cairn history [--host NAME]: past applies from the state store.
int History(const std::vector<std::string>& args);
// cairn graph PATH... [--host NAME]: the apply order as Graphviz DOT.
int Graph(const std::vector<std::string>& args);
// cairn ast FILE: prints the syntax tree (for debugging the parser).
int Ast(const std::vector<std::string>& args);
// cairn vault encrypt|decrypt|view|edit|create|rekey|encrypt-string: reads
// and writes ansible-vault files like ansible-vault (see docs/vault.md).
int Vault(const std::vector<std::string>& args);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_COMMANDS_H_
