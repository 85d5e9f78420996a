#ifndef CAIRN_AGENT_HOST_RUN_COMMAND_H_
#define CAIRN_AGENT_HOST_RUN_COMMAND_H_

// Running a program on the real machine: LocalHost::Run.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/host/host.h"

namespace cairn::agent {

// Runs `argv` in a process group of its own, feeding `input` to its stdin
// and collecting stdout and stderr, all three through pipes served by one
// poll loop (so neither side can block the other, whatever the sizes).
// argv[0] without a slash is looked up in $PATH (a default that includes
// the sbin directories when $PATH is unset). A program that cannot be found
// ends with exit code 127 and "command not found" on stderr, one that
// cannot be executed with 126, like a shell. After `timeout` the whole
// process group is killed with SIGKILL and DeadlineExceeded is returned.
// The exit code is 128 + N for a process killed by signal N.
// `environment` is set on top of the agent's own (Host::RunWithEnvironment);
// its values appear in no status returned.
absl::StatusOr<CommandResult> RunCommand(
    const std::vector<std::string>& argv, std::string_view input,
    absl::Duration timeout,
    const std::map<std::string, std::string>& environment = {});

// Where `program` is found: itself when it holds a slash, otherwise the
// first executable regular file named `program` in the directories of
// `path_list` (colon-separated). Empty when there is none.
std::string FindProgram(const std::string& program, std::string_view path_list);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_HOST_RUN_COMMAND_H_
