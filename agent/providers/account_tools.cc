#include "agent/providers/account_tools.h"

#include <algorithm>

#include "absl/status/status.h"
#include "base/strings.h"

namespace cairn::agent {

ShadowPasswords ParseShadow(std::string_view text) {
  ShadowPasswords out;
  for (std::string_view line : StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') {
      continue;
    }
    std::vector<std::string_view> fields = StrSplit(line, ':');
    if (fields.size() != 9 || fields[0].empty()) continue;
    out.emplace(std::string(fields[0]), std::string(fields[1]));
  }
  return out;
}

absl::StatusOr<ShadowPasswords> ReadShadow(Host& host) {
  absl::StatusOr<std::string> text = host.ReadFile("/etc/shadow");
  if (absl::IsNotFound(text.status())) return ShadowPasswords();
  if (!text.ok()) return text.status();
  return ParseShadow(*text);
}

std::vector<std::string> SupplementaryGroups(const Accounts& accounts,
                                             std::string_view user) {
  std::vector<std::string> out;
  for (const AccountGroup& group : accounts.groups()) {
    if (std::find(group.members.begin(), group.members.end(), user) !=
        group.members.end()) {
      out.push_back(group.name);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::Status CheckAccountName(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 32 && name[0] != '-';
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == ':' || c == ',' || c == '/') ok = false;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("'", name, "' is not a valid ", what,
             " name (1 to 32 bytes, no ':', ',', '/', blank or control "
             "character, not starting with '-')"));
}

absl::Status RunAccountTool(Host& host, const std::vector<std::string>& argv,
                            std::string_view input) {
  absl::StatusOr<CommandResult> result =
      host.Run(argv, input, absl::Minutes(2));
  if (!result.ok()) return result.status();
  if (result->exit_code == 0) return absl::OkStatus();
  std::string_view err = result->err;
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) {
    err.remove_suffix(1);
  }
  return absl::FailedPreconditionError(StrCat(
      StrJoin(argv, " "), " exited with ", result->exit_code, ": ", err));
}

}  // namespace cairn::agent
