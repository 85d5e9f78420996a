#ifndef CAIRN_AGENT_PROVIDERS_COMMAND_OUTPUT_H_
#define CAIRN_AGENT_PROVIDERS_COMMAND_OUTPUT_H_

// What of a command's output goes into an error message: its last lines,
// with the secrets it was given taken out.

#include <string>
#include <string_view>
#include <vector>

#include "agent/host/host.h"

namespace cairn::agent {

// `text` with every occurrence of each non-empty string of `secrets`
// replaced by "(secret)", the longest first (so that a secret containing
// another goes whole).
std::string Redact(std::string_view text,
                   const std::vector<std::string>& secrets);

// The last `max_lines` lines of the command's stderr, or of its stdout when
// stderr holds nothing but blanks, for an error: `secrets` redacted from the
// whole output first (so that none is cut in two and missed), each line cut
// to 400 bytes, invalid UTF-8 escaped (errors travel in protobuf strings).
// "(no output)" when there is none.
std::string OutputTail(const CommandResult& result,
                       const std::vector<std::string>& secrets,
                       size_t max_lines = 5);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_COMMAND_OUTPUT_H_
