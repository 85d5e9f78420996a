#ifndef CAIRN_AGENT_HOST_ACCOUNTS_H_
#define CAIRN_AGENT_HOST_ACCOUNTS_H_

// The users and groups of a host as /etc/passwd and /etc/group list them,
// read through Host::ReadFile (so FakeHost tests control them), for turning
// owner and group names into ids and back. Reading only: changes go through
// useradd, groupadd and friends. NSS sources other than these files (LDAP,
// systemd-homed) are not consulted: the agent manages local accounts.

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/host.h"

namespace cairn::agent {

// One line of /etc/passwd.
struct Account {
  std::string name;
  uid_t uid = 0;
  // The primary group.
  gid_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
};

// One line of /etc/group.
struct AccountGroup {
  std::string name;
  gid_t gid = 0;
  // Supplementary members, in file order.
  std::vector<std::string> members;
};

// A snapshot of /etc/passwd and /etc/group.
class Accounts {
 public:
  // Parses the two files' text. Blank lines, comments, NIS compat lines (+
  // or -) and lines with the wrong number of fields or a non-numeric id are
  // skipped. When a name or id appears twice, the first line wins, as with
  // getpwnam(3).
  static Accounts Parse(std::string_view passwd, std::string_view group);
  // Reads /etc/passwd and /etc/group of `host`; both must exist.
  static absl::StatusOr<Accounts> Read(Host& host);

  const std::vector<Account>& users() const { return users_; }
  const std::vector<AccountGroup>& groups() const { return groups_; }

  // Lookups; nullptr when there is no such entry.
  const Account* FindUser(std::string_view name) const;
  const Account* FindUserById(uid_t uid) const;
  const AccountGroup* FindGroup(std::string_view name) const;
  const AccountGroup* FindGroupById(gid_t gid) const;

  // The id of user `name`; a string of digits that names no user is taken
  // as the id itself. NotFound, naming the user, otherwise.
  absl::StatusOr<uid_t> UserId(std::string_view name) const;
  absl::StatusOr<gid_t> GroupId(std::string_view name) const;
  // The name of `uid` (or `gid`), or the number when it has none: for
  // showing ownership to people.
  std::string UserName(uid_t uid) const;
  std::string GroupName(gid_t gid) const;

 private:
  std::vector<Account> users_;
  std::vector<AccountGroup> groups_;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_HOST_ACCOUNTS_H_
