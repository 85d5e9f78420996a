#ifndef CAIRN_AGENT_PROVIDERS_ACCOUNT_TOOLS_H_
#define CAIRN_AGENT_PROVIDERS_ACCOUNT_TOOLS_H_

// What the user and group providers need beyond agent/host/accounts.h
// (/etc/passwd and /etc/group): the password fields of /etc/shadow, group
// membership by user, names the tools accept, and running the tools
// (useradd, usermod, groupadd...), which make every change.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/accounts.h"
#include "agent/host/host.h"

namespace cairn::agent {

// User name -> the password field of /etc/shadow.
using ShadowPasswords = std::map<std::string, std::string, std::less<>>;

// Parses /etc/shadow's text, skipping what is not a 9-field entry (as
// Accounts::Parse does); the first line of a name wins.
ShadowPasswords ParseShadow(std::string_view text);
// Reads /etc/shadow; a missing file is taken as empty.
absl::StatusOr<ShadowPasswords> ReadShadow(Host& host);

// Names of the groups that list `user` as a member, sorted, once each.
std::vector<std::string> SupplementaryGroups(const Accounts& accounts,
                                             std::string_view user);

// Whether `name` can be a user or group name the tools accept and the files
// hold: 1 to 32 bytes, no ':', ',', '/', blank or control character, and
// not starting with '-' (an option to the tools). InvalidArgument naming
// `what` ("user", "group") otherwise.
absl::Status CheckAccountName(std::string_view what, std::string_view name);

// Runs one of the account tools and turns a failure into a status carrying
// the command line and the tool's stderr. `input` goes to stdin and never
// into the status.
absl::Status RunAccountTool(Host& host, const std::vector<std::string>& argv,
                            std::string_view input = "");

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_ACCOUNT_TOOLS_H_
