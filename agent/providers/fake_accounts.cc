#include "agent/providers/fake_accounts.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/host/accounts.h"
#include "base/strings.h"

namespace cairn::agent {
namespace {

// The three files, parsed, and written back with PutFile (set-up writes
// are not counted as mutations: they stand for what the tools do).
struct Files {
  std::vector<Account> users;
  std::vector<AccountGroup> groups;
  std::vector<std::pair<std::string, std::string>> shadow;

  static Files Load(FakeHost& host) {
    Files f;
    Accounts accounts = Accounts::Read(host).value();
    f.users = accounts.users();
    f.groups = accounts.groups();
    // In file order, which ParseShadow's map does not keep.
    std::string text = host.ReadFile("/etc/shadow").value();
    for (std::string_view line : StrSplit(text, '\n')) {
      std::vector<std::string_view> fields = StrSplit(line, ':');
      if (fields.size() == 9) f.shadow.emplace_back(fields[0], fields[1]);
    }
    return f;
  }

  void Save(FakeHost& host) const {
    std::string passwd, group, shadow_text;
    for (const Account& u : users) {
      StrAppend(&passwd, u.name, ":x:", u.uid, ":", u.gid, ":", u.gecos, ":",
                u.home, ":", u.shell, "\n");
    }
    for (const AccountGroup& g : groups) {
      StrAppend(&group, g.name, ":x:", g.gid, ":", StrJoin(g.members, ","),
                "\n");
    }
    for (const auto& [name, password] : shadow) {
      StrAppend(&shadow_text, name, ":", password, ":19000:0:99999:7:::\n");
    }
    host.PutFile("/etc/passwd", passwd, 0644);
    host.PutFile("/etc/group", group, 0644);
    host.PutFile("/etc/shadow", shadow_text, 0640, 0, 42);
  }

  Account* User(std::string_view name) {
    for (Account& u : users) {
      if (u.name == name) return &u;
    }
    return nullptr;
  }
  AccountGroup* Group(std::string_view name) {
    for (AccountGroup& g : groups) {
      if (g.name == name) return &g;
    }
    return nullptr;
  }
  bool UidUsed(uid_t uid) const {
    return std::any_of(users.begin(), users.end(),
                       [&](const Account& u) { return u.uid == uid; });
  }
  bool GidUsed(gid_t gid) const {
    return std::any_of(groups.begin(), groups.end(),
                       [&](const AccountGroup& g) { return g.gid == gid; });
  }
  // Like login.defs: regular ids from 1000 up, system ids from 999 down.
  uid_t FreeUid(bool system) const {
    uid_t id = system ? 999 : 1000;
    while (UidUsed(id)) id += system ? -1 : 1;
    return id;
  }
  gid_t FreeGid(bool system) const {
    gid_t id = system ? 999 : 1000;
    while (GidUsed(id)) id += system ? -1 : 1;
    return id;
  }
  std::string* Shadow(std::string_view name) {
    for (auto& [n, password] : shadow) {
      if (n == name) return &password;
    }
    return nullptr;
  }
  void SetMembership(std::string_view user, const std::set<std::string>& in) {
    for (AccountGroup& g : groups) {
      auto& m = g.members;
      m.erase(std::remove(m.begin(), m.end(), user), m.end());
      if (in.count(g.name)) m.emplace_back(user);
    }
  }
};

// Options of the tools: those in `with_value` take the next argument.
struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  std::string name;
};

Args Parse(const std::vector<std::string>& argv,
           const std::set<std::string>& with_value) {
  Args args;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (StartsWith(argv[i], "-") && argv[i].size() > 1) {
      if (with_value.count(argv[i]) && i + 1 < argv.size()) {
        args.values[argv[i]] = argv[i + 1];
        ++i;
      } else {
        args.flags.insert(argv[i]);
      }
    } else {
      args.name = argv[i];
    }
  }
  return args;
}

CommandResult Fail(int code, std::string message) {
  CommandResult result;
  result.exit_code = code;
  result.err = std::move(message);
  return result;
}

std::set<std::string> SplitList(const std::string& list) {
  std::set<std::string> out;
  if (list.empty()) return out;
  for (std::string_view part : StrSplit(list, ',')) out.emplace(part);
  return out;
}

CommandResult UserAdd(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {"-u", "-g", "-G", "-s", "-d"});
  Files f = Files::Load(host);
  bool system = a.flags.count("-r");
  if (f.User(a.name)) {
    return Fail(9, StrCat("useradd: user '", a.name, "' already exists\n"));
  }
  Account u;
  u.name = a.name;
  u.uid = a.values.count("-u") ? std::stoul(a.values["-u"]) : f.FreeUid(system);
  if (a.values.count("-u") && f.UidUsed(u.uid)) {
    return Fail(4, StrCat("useradd: UID ", u.uid, " is not unique\n"));
  }
  if (a.values.count("-g")) {
    AccountGroup* g = f.Group(a.values["-g"]);
    if (g == nullptr) {
      return Fail(
          6, StrCat("useradd: group '", a.values["-g"], "' does not exist\n"));
    }
    u.gid = g->gid;
  } else {
    if (f.Group(a.name)) {
      return Fail(9, StrCat("useradd: group ", a.name,
                            " exists - if you want to add this user to that "
                            "group, use -g.\n"));
    }
    AccountGroup g;
    g.name = a.name;
    g.gid = f.GidUsed(u.uid) ? f.FreeGid(system) : u.uid;
    u.gid = g.gid;
    f.groups.push_back(g);
  }
  std::set<std::string> groups = SplitList(a.values["-G"]);
  for (const std::string& g : groups) {
    if (!f.Group(g)) {
      return Fail(6, StrCat("useradd: group '", g, "' does not exist\n"));
    }
  }
  u.home = a.values.count("-d") ? a.values["-d"] : StrCat("/home/", a.name);
  u.shell = a.values.count("-s") ? a.values["-s"] : "/bin/sh";
  f.users.push_back(u);
  f.shadow.emplace_back(a.name, "!");
  f.SetMembership(a.name, groups);
  f.Save(host);
  if (a.flags.count("-m") && !host.Stat(u.home)->exists()) {
    host.PutDirectory(u.home, 0700, u.uid, u.gid);
  }
  return {};
}

CommandResult UserMod(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {"-u", "-g", "-G", "-s", "-d"});
  Files f = Files::Load(host);
  Account* u = f.User(a.name);
  if (u == nullptr) {
    return Fail(6, StrCat("usermod: user '", a.name, "' does not exist\n"));
  }
  if (a.values.count("-u")) {
    uid_t uid = std::stoul(a.values["-u"]);
    if (uid != u->uid && f.UidUsed(uid)) {
      return Fail(4, StrCat("usermod: UID '", uid, "' already exists\n"));
    }
    u->uid = uid;
  }
  if (a.values.count("-g")) {
    AccountGroup* g = f.Group(a.values["-g"]);
    if (g == nullptr) {
      return Fail(
          6, StrCat("usermod: group '", a.values["-g"], "' does not exist\n"));
    }
    u->gid = g->gid;
  }
  if (a.values.count("-G")) {
    std::set<std::string> groups = SplitList(a.values["-G"]);
    for (const std::string& g : groups) {
      if (!f.Group(g)) {
        return Fail(6, StrCat("usermod: group '", g, "' does not exist\n"));
      }
    }
    f.SetMembership(a.name, groups);
  }
  if (a.values.count("-s")) u->shell = a.values["-s"];
  if (a.values.count("-d")) {
    std::string old_home = u->home;
    u->home = a.values["-d"];
    if (a.flags.count("-m") && host.Stat(old_home)->exists()) {
      if (host.Stat(u->home)->exists()) {
        return Fail(12, StrCat("usermod: directory ", u->home, " exists\n"));
      }
      host.Rename(old_home, u->home).IgnoreError();
    }
  }
  if (a.flags.count("-L")) {
    std::string* password = f.Shadow(a.name);
    if (password != nullptr) *password = StrCat("!", *password);
  }
  f.Save(host);
  return {};
}

CommandResult UserDel(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {});
  Files f = Files::Load(host);
  Account* u = f.User(a.name);
  if (u == nullptr) {
    return Fail(6, StrCat("userdel: user '", a.name, "' does not exist\n"));
  }
  gid_t gid = u->gid;
  f.users.erase(f.users.begin() + (u - f.users.data()));
  f.shadow.erase(
      std::remove_if(f.shadow.begin(), f.shadow.end(),
                     [&](const auto& entry) { return entry.first == a.name; }),
      f.shadow.end());
  f.SetMembership(a.name, {});
  // USERGROUPS_ENAB: the user's own group goes too when nobody else uses it.
  AccountGroup* own = f.Group(a.name);
  if (own != nullptr && own->gid == gid && own->members.empty() &&
      std::none_of(f.users.begin(), f.users.end(),
                   [&](const Account& other) { return other.gid == gid; })) {
    f.groups.erase(f.groups.begin() + (own - f.groups.data()));
  }
  f.Save(host);
  return {};
}

CommandResult ChPasswd(FakeHost& host, const std::vector<std::string>& argv,
                       std::string_view input) {
  if (std::find(argv.begin(), argv.end(), "-e") == argv.end()) {
    return Fail(1, "fake chpasswd: only -e (encrypted) is played\n");
  }
  Files f = Files::Load(host);
  int line_number = 0;
  for (std::string_view line : StrSplit(input, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Fail(1, StrCat("chpasswd: line ", line_number,
                            ": missing new password\n"));
    }
    std::string name(line.substr(0, colon));
    std::string* password = f.Shadow(name);
    if (password == nullptr) {
      return Fail(1, StrCat("chpasswd: line ", line_number, ": user '", name,
                            "' does not exist\n"));
    }
    *password = std::string(line.substr(colon + 1));
  }
  f.Save(host);
  return {};
}

CommandResult GroupAdd(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {"-g"});
  Files f = Files::Load(host);
  if (f.Group(a.name)) {
    return Fail(9, StrCat("groupadd: group '", a.name, "' already exists\n"));
  }
  AccountGroup g;
  g.name = a.name;
  if (a.values.count("-g")) {
    g.gid = std::stoul(a.values["-g"]);
    if (f.GidUsed(g.gid)) {
      return Fail(4, StrCat("groupadd: GID '", g.gid, "' already exists\n"));
    }
  } else {
    g.gid = f.FreeGid(a.flags.count("-r") > 0);
  }
  f.groups.push_back(g);
  f.Save(host);
  return {};
}

CommandResult GroupMod(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {"-g"});
  Files f = Files::Load(host);
  AccountGroup* g = f.Group(a.name);
  if (g == nullptr) {
    return Fail(6, StrCat("groupmod: group '", a.name, "' does not exist\n"));
  }
  if (a.values.count("-g")) {
    gid_t gid = std::stoul(a.values["-g"]);
    if (gid != g->gid && f.GidUsed(gid)) {
      return Fail(4, StrCat("groupmod: GID '", gid, "' already exists\n"));
    }
    for (Account& u : f.users) {
      if (u.gid == g->gid) u.gid = gid;
    }
    g->gid = gid;
  }
  f.Save(host);
  return {};
}

CommandResult GroupDel(FakeHost& host, const std::vector<std::string>& argv) {
  Args a = Parse(argv, {});
  Files f = Files::Load(host);
  AccountGroup* g = f.Group(a.name);
  if (g == nullptr) {
    return Fail(6, StrCat("groupdel: group '", a.name, "' does not exist\n"));
  }
  for (const Account& u : f.users) {
    if (u.gid == g->gid) {
      return Fail(8,
                  StrCat("groupdel: cannot remove the primary group of user '",
                         u.name, "'\n"));
    }
  }
  f.groups.erase(f.groups.begin() + (g - f.groups.data()));
  f.Save(host);
  return {};
}

}  // namespace

void PutBaseAccounts(FakeHost& host) {
  host.PutFile("/etc/passwd",
               "root:x:0:0:root:/root:/bin/bash\n"
               "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
  host.PutFile("/etc/group",
               "root:x:0:\n"
               "daemon:x:1:\n"
               "adm:x:4:\n"
               "sudo:x:27:\n"
               "users:x:100:\n");
  host.PutFile("/etc/shadow",
               "root:*:19000:0:99999:7:::\n"
               "daemon:*:19000:0:99999:7:::\n",
               0640, 0, 42);
  host.PutDirectory("/home");
  host.PutDirectory("/root", 0700);
}

void InstallAccountTools(FakeHost& host) {
  FakeHost* h = &host;
  auto bind =
      [h](CommandResult (*tool)(FakeHost&, const std::vector<std::string>&)) {
        return [h, tool](const std::vector<std::string>& argv,
                         std::string_view) { return tool(*h, argv); };
      };
  host.OnCommand("useradd", bind(UserAdd));
  host.OnCommand("usermod", bind(UserMod));
  host.OnCommand("userdel", bind(UserDel));
  host.OnCommand("groupadd", bind(GroupAdd));
  host.OnCommand("groupmod", bind(GroupMod));
  host.OnCommand("groupdel", bind(GroupDel));
  host.OnCommand("chpasswd", [h](const std::vector<std::string>& argv,
                                 std::string_view input) {
    return ChPasswd(*h, argv, input);
  });
}

}  // namespace cairn::agent
