#include "agent/host/accounts.h"

#include <charconv>

#include "absl/status/status.h"
#include "base/strings.h"

namespace cairn::agent {
namespace {

// The fields of every line of `text` that is an entry of `count` fields.
std::vector<std::vector<std::string_view>> Entries(std::string_view text,
                                                   size_t count) {
  std::vector<std::vector<std::string_view>> entries;
  for (std::string_view line : StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') {
      continue;
    }
    std::vector<std::string_view> fields = StrSplit(line, ':');
    if (fields.size() != count || fields[0].empty()) continue;
    entries.push_back(std::move(fields));
  }
  return entries;
}

// A whole decimal number that fits `out`.
template <typename T>
bool ParseId(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Accounts Accounts::Parse(std::string_view passwd, std::string_view group) {
  Accounts accounts;
  for (const auto& fields : Entries(passwd, 7)) {
    Account user;
    if (!ParseId(fields[2], user.uid) || !ParseId(fields[3], user.gid)) {
      continue;
    }
    user.name = std::string(fields[0]);
    user.gecos = std::string(fields[4]);
    user.home = std::string(fields[5]);
    user.shell = std::string(fields[6]);
    accounts.users_.push_back(std::move(user));
  }
  for (const auto& fields : Entries(group, 4)) {
    AccountGroup entry;
    if (!ParseId(fields[2], entry.gid)) continue;
    entry.name = std::string(fields[0]);
    if (!fields[3].empty()) {
      for (std::string_view member : StrSplit(fields[3], ',')) {
        if (!member.empty()) entry.members.emplace_back(member);
      }
    }
    accounts.groups_.push_back(std::move(entry));
  }
  return accounts;
}

absl::StatusOr<Accounts> Accounts::Read(Host& host) {
  absl::StatusOr<std::string> passwd = host.ReadFile("/etc/passwd");
  if (!passwd.ok()) return passwd.status();
  absl::StatusOr<std::string> group = host.ReadFile("/etc/group");
  if (!group.ok()) return group.status();
  return Parse(*passwd, *group);
}

const Account* Accounts::FindUser(std::string_view name) const {
  for (const Account& user : users_) {
    if (user.name == name) return &user;
  }
  return nullptr;
}

const Account* Accounts::FindUserById(uid_t uid) const {
  for (const Account& user : users_) {
    if (user.uid == uid) return &user;
  }
  return nullptr;
}

const AccountGroup* Accounts::FindGroup(std::string_view name) const {
  for (const AccountGroup& group : groups_) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

const AccountGroup* Accounts::FindGroupById(gid_t gid) const {
  for (const AccountGroup& group : groups_) {
    if (group.gid == gid) return &group;
  }
  return nullptr;
}

absl::StatusOr<uid_t> Accounts::UserId(std::string_view name) const {
  if (const Account* user = FindUser(name)) return user->uid;
  uid_t uid = 0;
  if (ParseId(name, uid)) return uid;
  return absl::NotFoundError(StrCat("no user '", name, "' in /etc/passwd"));
}

absl::StatusOr<gid_t> Accounts::GroupId(std::string_view name) const {
  if (const AccountGroup* group = FindGroup(name)) return group->gid;
  gid_t gid = 0;
  if (ParseId(name, gid)) return gid;
  return absl::NotFoundError(StrCat("no group '", name, "' in /etc/group"));
}

std::string Accounts::UserName(uid_t uid) const {
  const Account* user = FindUserById(uid);
  return user != nullptr ? user->name : StrCat(uid);
}

std::string Accounts::GroupName(gid_t gid) const {
  const AccountGroup* group = FindGroupById(gid);
  return group != nullptr ? group->name : StrCat(gid);
}

}  // namespace cairn::agent
