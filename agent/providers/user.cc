// The "user" kind: a local account, read from /etc/passwd, /etc/group and
// /etc/shadow and changed with useradd, usermod, userdel and chpasswd;
// its ~/.ssh/authorized_keys written through the Host.
//
// What each field of cairn.v1.User means here:
//   uid       compared and changed (usermod -u) only when not 0.
//   group     the primary group by name; the user's own name when empty
//             (created with useradd -U, or groupadd when it went missing).
//   groups    exactly the supplementary groups (usermod -G), also when empty.
//   shell     compared and changed only when set.
//   home      /home/NAME when empty, except for a system user, whose home is
//             then left as useradd chose it and not created. A new home is
//             created with useradd -m; a changed one is moved (usermod -m)
//             when the old one exists and the new one does not.
//   system    only at creation (useradd -r); an existing account keeps its id.
//   ssh_keys  ~/.ssh/authorized_keys holds exactly these keys, one a line,
//             trailing newlines trimmed; with no keys, a file holding any is
//             removed. ~/.ssh is 0700 and the file 0600, both owned by the
//             user; a ~/.ssh that is a symlink is refused, not followed.
//   password_hash  the /etc/shadow password field, set with chpasswd -e
//             (on stdin, never in argv); when empty the account must be
//             locked ("!" or "*" first), done with usermod -L.
//   ensure    absent: userdel without -r or -f, so the home directory (and
//             in it ~/.ssh/authorized_keys) and the mail spool stay, and a
//             user with running processes is refused rather than removed
//             under them: Apply looks in /proc first and names them, and
//             userdel itself refuses too (exit 8). Only the name matters.

#include <algorithm>

#include "absl/status/status.h"
#include "agent/host/accounts.h"
#include "agent/providers/account_tools.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

// A spec with its defaults worked out.
struct Desired {
  v1::User spec;
  // Primary group name.
  std::string group;
  // Home directory; empty when not managed (a system user without one).
  std::string home;
  // Supplementary groups, sorted, without duplicates.
  std::vector<std::string> groups;
  // The authorized_keys content; empty for no keys.
  std::string keys;
};

bool WantsPresent(const v1::User& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

std::string_view TrimTrailing(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' ||
                           text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

absl::StatusOr<Desired> MakeDesired(const v1::Resource& resource) {
  Desired d;
  if (!resource.spec().UnpackTo(&d.spec)) {
    return absl::InvalidArgumentError(
        StrCat("user ", resource.id(), ": spec is not a cairn.v1.User"));
  }
  const v1::User& spec = d.spec;
  if (absl::Status s = CheckAccountName("user", spec.name()); !s.ok()) {
    return s;
  }
  if (!WantsPresent(spec)) return d;  // A removal needs only the name.
  d.group = spec.group().empty() ? spec.name() : spec.group();
  if (absl::Status s = CheckAccountName("group", d.group); !s.ok()) return s;
  for (const std::string& group : spec.groups()) {
    if (absl::Status s = CheckAccountName("group", group); !s.ok()) return s;
    d.groups.push_back(group);
  }
  std::sort(d.groups.begin(), d.groups.end());
  d.groups.erase(std::unique(d.groups.begin(), d.groups.end()), d.groups.end());
  if (!spec.home().empty()) {
    d.home = spec.home();
  } else if (!spec.system()) {
    d.home = StrCat("/home/", spec.name());
  }
  if (!d.home.empty() &&
      (d.home[0] != '/' || d.home.find(':') != std::string::npos ||
       d.home.find('\n') != std::string::npos)) {
    return absl::InvalidArgumentError(
        StrCat("user ", spec.name(), ": home '", d.home,
               "' is not an absolute path without ':' or newline"));
  }
  if (spec.shell().find(':') != std::string::npos ||
      spec.shell().find('\n') != std::string::npos) {
    return absl::InvalidArgumentError(StrCat("user ", spec.name(), ": shell '",
                                             spec.shell(),
                                             "' contains ':' or a newline"));
  }
  // chpasswd reads "name:hash" lines: a ':' or newline in the hash would
  // change another account. The value itself is never echoed.
  if (spec.password_hash().find_first_of(":\n\r") != std::string::npos) {
    return absl::InvalidArgumentError(StrCat(
        "user ", spec.name(), ": password_hash contains ':' or a line break"));
  }
  std::vector<std::string_view> keys;
  for (const std::string& key : spec.ssh_keys()) {
    std::string_view trimmed = TrimTrailing(key);
    if (!trimmed.empty()) keys.push_back(trimmed);
  }
  if (!keys.empty()) d.keys = StrCat(StrJoin(keys, "\n"), "\n");
  return d;
}

bool IsLocked(std::string_view password) {
  return !password.empty() && (password[0] == '!' || password[0] == '*');
}

// The password field as shown when it is not a secret: never the hash read
// from the host, only what kind of value it is.
std::string DescribePassword(std::string_view password) {
  if (password.empty()) return "(none)";
  if (IsLocked(password)) return "(locked)";
  return "(a hash)";
}

// The accounts and their passwords, read together.
struct Snapshot {
  Accounts accounts;
  ShadowPasswords shadow;

  static absl::StatusOr<Snapshot> Read(Host& host) {
    absl::StatusOr<Accounts> accounts = Accounts::Read(host);
    if (!accounts.ok()) return accounts.status();
    absl::StatusOr<ShadowPasswords> shadow = ReadShadow(host);
    if (!shadow.ok()) return shadow.status();
    return Snapshot{*std::move(accounts), *std::move(shadow)};
  }

  const Account* FindUser(std::string_view name) const {
    return accounts.FindUser(name);
  }
  const AccountGroup* FindGroup(std::string_view name) const {
    return accounts.FindGroup(name);
  }
  // The /etc/shadow password field of `user`. Without a line there (Debian
  // always has one) the account is taken as locked: "*".
  std::string Password(std::string_view user) const {
    auto it = shadow.find(user);
    return it != shadow.end() ? it->second : "*";
  }
};

bool PasswordMatches(const Desired& d, std::string_view current) {
  if (d.spec.password_hash().empty()) return IsLocked(current);
  return current == d.spec.password_hash();
}

std::string PrimaryGroupName(const Snapshot& db, const Account& user) {
  return db.accounts.GroupName(user.gid);
}

// Where the keys of a user go.
struct KeyFiles {
  std::string home;
  std::string dir;   // HOME/.ssh
  std::string file;  // HOME/.ssh/authorized_keys
  uid_t uid = 0;
  gid_t gid = 0;
};

KeyFiles KeyFilesOf(const Desired& d, const Snapshot& db, const Account& user) {
  KeyFiles k;
  k.home = d.home.empty() ? user.home : d.home;
  k.dir = StrCat(k.home, "/.ssh");
  k.file = StrCat(k.dir, "/authorized_keys");
  k.uid = d.spec.uid() != 0 ? d.spec.uid() : user.uid;
  const AccountGroup* group = db.FindGroup(d.group);
  k.gid = group != nullptr ? group->gid : user.gid;
  return k;
}

// Permission bits as four octal digits: "0600".
std::string Octal(uint32_t mode) {
  std::string out;
  for (int shift = 9; shift >= 0; shift -= 3) {
    out.push_back(static_cast<char>('0' + ((mode >> shift) & 7)));
  }
  return out;
}

// How the authorized_keys of `k` differ from `d.keys`: an empty string when
// they match, else the current state for the diff. FailedPrecondition when
// ~/.ssh is not a directory (a symlink is refused, never followed).
absl::StatusOr<std::string> KeysDifference(Host& host, const Desired& d,
                                           const KeyFiles& k) {
  absl::StatusOr<FileInfo> dir = host.Stat(k.dir);
  if (!dir.ok()) return dir.status();
  if (dir->exists() && dir->type != FileInfo::Type::kDirectory) {
    return absl::FailedPreconditionError(
        StrCat(k.dir,
               " exists and is not a directory (a symlink is not "
               "followed); authorized_keys not managed"));
  }
  absl::StatusOr<FileInfo> file =
      dir->exists() ? host.Stat(k.file) : absl::StatusOr<FileInfo>(FileInfo{});
  if (!file.ok()) return file.status();
  std::string content;
  if (file->type == FileInfo::Type::kFile) {
    absl::StatusOr<std::string> read = host.ReadFile(k.file);
    if (!read.ok()) return read.status();
    content = *std::move(read);
  }
  if (d.keys.empty()) {
    // No keys: nothing may grant access. An empty file is as good as none.
    if (!file->exists() ||
        (file->type == FileInfo::Type::kFile && content.empty())) {
      return std::string();
    }
    return content.empty() ? std::string("(not a regular file)") : content;
  }
  if (file->type != FileInfo::Type::kFile) {
    return std::string(file->exists() ? "(not a regular file)" : "(none)");
  }
  if (content != d.keys) return content;
  if (dir->mode != 0700 || dir->uid != k.uid || dir->gid != k.gid) {
    return StrCat("(", k.dir, " mode ", Octal(dir->mode), " owner ", dir->uid,
                  ":", dir->gid, ")");
  }
  if (file->mode != 0600 || file->uid != k.uid || file->gid != k.gid) {
    return StrCat("(", k.file, " mode ", Octal(file->mode), " owner ",
                  file->uid, ":", file->gid, ")");
  }
  return std::string();
}

std::string KeysForDisplay(std::string_view keys) {
  return keys.empty() ? "(none)" : std::string(TrimTrailing(keys));
}

absl::Status WriteKeys(Host& host, const Desired& d, const KeyFiles& k) {
  absl::StatusOr<FileInfo> home = host.Stat(k.home);
  if (!home.ok()) return home.status();
  absl::StatusOr<FileInfo> dir = host.Stat(k.dir);
  if (!dir.ok()) return dir.status();
  if (d.keys.empty()) {
    if (!dir->exists()) return absl::OkStatus();
    absl::StatusOr<FileInfo> file = host.Stat(k.file);
    if (!file.ok()) return file.status();
    return file->exists() ? host.Remove(k.file) : absl::OkStatus();
  }
  if (!home->exists()) {
    absl::Status made = host.MakeDirectory(k.home, 0700, k.uid, k.gid);
    if (!made.ok()) return made;
  }
  if (!dir->exists()) {
    absl::Status made = host.MakeDirectory(k.dir, 0700, k.uid, k.gid);
    if (!made.ok()) return made;
  } else if (dir->type != FileInfo::Type::kDirectory) {
    return absl::FailedPreconditionError(
        StrCat(k.dir, " exists and is not a directory; not following it"));
  } else {
    if (dir->uid != k.uid || dir->gid != k.gid) {
      absl::Status s = host.SetOwner(k.dir, k.uid, k.gid);
      if (!s.ok()) return s;
    }
    if (dir->mode != 0700) {
      absl::Status s = host.SetMode(k.dir, 0700);
      if (!s.ok()) return s;
    }
  }
  return host.WriteFile(k.file, d.keys, 0600, k.uid, k.gid);
}

// The processes (their ids) whose real, effective, saved or
// filesystem uid is `uid`: those userdel refuses to remove a user under.
// None when there is no /proc (a FakeHost); a process that ends while it
// is read is skipped.
absl::StatusOr<std::vector<std::string>> ProcessesOf(Host& host, uid_t uid) {
  std::vector<std::string> pids;
  absl::StatusOr<std::vector<std::string>> entries =
      host.ListDirectory("/proc");
  if (absl::IsNotFound(entries.status())) return pids;
  if (!entries.ok()) return entries.status();
  std::string wanted = StrCat(uid);
  for (const std::string& entry : *entries) {
    if (entry.empty() ||
        entry.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    absl::StatusOr<std::string> status =
        host.ReadFile(StrCat("/proc/", entry, "/status"));
    if (!status.ok()) continue;  // Ended meanwhile.
    for (std::string_view line : StrSplit(*status, '\n')) {
      if (!StartsWith(line, "Uid:")) continue;
      line.remove_prefix(4);
      for (std::string_view id : StrSplit(line, '\t')) {
        while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
        if (id == wanted) {
          pids.push_back(entry);
          break;
        }
      }
      break;
    }
  }
  return pids;
}

// Apply for ensure = absent.
absl::Status RemoveUser(Host& host, const Account& user) {
  absl::StatusOr<std::vector<std::string>> pids = ProcessesOf(host, user.uid);
  if (!pids.ok()) return pids.status();
  if (!pids->empty()) {
    constexpr size_t kShown = 10;
    std::vector<std::string> shown(
        pids->begin(), pids->begin() + std::min(pids->size(), kShown));
    return absl::FailedPreconditionError(
        StrCat("user ", user.name, " is not removed: it has ", pids->size(),
               pids->size() == 1 ? " running process" : " running processes",
               " (pid ", StrJoin(shown, ", "),
               pids->size() > kShown ? ", ..." : "", "); stop them first"));
  }
  // Without -r: the home directory stays (see the top of this file).
  return RunAccountTool(host, {"userdel", user.name});
}

class UserProvider : public Provider {
 public:
  std::string_view kind() const override { return "user"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<Desired> d = MakeDesired(resource);
    if (!d.ok()) return d.status();
    const v1::User& spec = d->spec;
    Host& host = *context.host;
    absl::StatusOr<Snapshot> db = Snapshot::Read(host);
    if (!db.ok()) return db.status();
    const Account* user = db->FindUser(spec.name());

    v1::ResourceDiff diff = NewDiff(resource);
    auto change = [&](std::string_view field, std::string current,
                      std::string desired) {
      AddChange(resource, field, std::move(current), std::move(desired),
                context, diff);
    };
    auto password_change = [&](std::string_view current) {
      if (IsSecretField(resource, "password_hash")) {
        change("password_hash", std::string(current), spec.password_hash());
      } else {
        change(
            "password_hash", DescribePassword(current),
            spec.password_hash().empty() ? "(locked)" : spec.password_hash());
      }
    };

    if (!WantsPresent(spec)) {
      if (user != nullptr) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        change("ensure", "present", "absent");
      }
      return diff;
    }
    if (user == nullptr) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      change("ensure", "absent", "present");
      if (spec.uid() != 0) change("uid", "", StrCat(spec.uid()));
      change("group", "", d->group);
      if (!d->groups.empty()) change("groups", "", StrJoin(d->groups, ","));
      if (!spec.shell().empty()) change("shell", "", spec.shell());
      if (!d->home.empty()) change("home", "", d->home);
      if (!d->keys.empty()) change("ssh_keys", "", KeysForDisplay(d->keys));
      if (!spec.password_hash().empty()) password_change("");
      return diff;
    }

    if (spec.uid() != 0 && spec.uid() != user->uid) {
      change("uid", StrCat(user->uid), StrCat(spec.uid()));
    }
    std::string group = PrimaryGroupName(*db, *user);
    if (group != d->group) change("group", group, d->group);
    std::vector<std::string> groups =
        SupplementaryGroups(db->accounts, spec.name());
    if (groups != d->groups) {
      change("groups", StrJoin(groups, ","), StrJoin(d->groups, ","));
    }
    if (!spec.shell().empty() && spec.shell() != user->shell) {
      change("shell", user->shell, spec.shell());
    }
    if (!d->home.empty() && d->home != user->home) {
      change("home", user->home, d->home);
    }
    std::string password = db->Password(user->name);
    if (!PasswordMatches(*d, password)) password_change(password);
    absl::StatusOr<std::string> keys =
        KeysDifference(host, *d, KeyFilesOf(*d, *db, *user));
    if (!keys.ok()) return keys.status();
    if (!keys->empty()) {
      change("ssh_keys", KeysForDisplay(*keys), KeysForDisplay(d->keys));
    }
    if (diff.changes_size() > 0) {
      diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<Desired> d = MakeDesired(resource);
    if (!d.ok()) return d.status();
    const v1::User& spec = d->spec;
    Host& host = *context.host;
    absl::StatusOr<Snapshot> db = Snapshot::Read(host);
    if (!db.ok()) return db.status();
    const Account* user = db->FindUser(spec.name());

    if (!WantsPresent(spec)) {
      if (user == nullptr) return absl::OkStatus();
      return RemoveUser(host, *user);
    }

    if (user == nullptr) {
      absl::Status created = Create(host, *d, *db);
      if (!created.ok()) return created;
    } else {
      absl::Status modified = Modify(host, *d, *db, *user);
      if (!modified.ok()) return modified;
    }
    // Read again: the account now has its final ids and home.
    db = Snapshot::Read(host);
    if (!db.ok()) return db.status();
    user = db->FindUser(spec.name());
    if (user == nullptr) {
      return absl::InternalError(
          StrCat("user ", spec.name(), " is still missing after useradd"));
    }

    std::string password = db->Password(user->name);
    if (!PasswordMatches(*d, password)) {
      absl::Status s =
          spec.password_hash().empty()
              ? RunAccountTool(host, {"usermod", "-L", spec.name()})
              : RunAccountTool(
                    host, {"chpasswd", "-e"},
                    StrCat(spec.name(), ":", spec.password_hash(), "\n"));
      if (!s.ok()) return s;
    }

    KeyFiles k = KeyFilesOf(*d, *db, *user);
    absl::StatusOr<std::string> keys = KeysDifference(host, *d, k);
    if (!keys.ok()) return keys.status();
    if (!keys->empty()) return WriteKeys(host, *d, k);
    return absl::OkStatus();
  }

 private:
  static absl::Status Create(Host& host, const Desired& d, const Snapshot& db) {
    const v1::User& spec = d.spec;
    std::vector<std::string> argv = {"useradd"};
    if (spec.system()) argv.push_back("-r");
    if (spec.uid() != 0) {
      argv.insert(argv.end(), {"-u", StrCat(spec.uid())});
    }
    if (!spec.group().empty() || db.FindGroup(d.group) != nullptr) {
      argv.insert(argv.end(), {"-g", d.group});
    } else {
      argv.push_back("-U");  // A new group named like the user.
    }
    if (!d.groups.empty()) {
      argv.insert(argv.end(), {"-G", StrJoin(d.groups, ",")});
    }
    if (!spec.shell().empty()) argv.insert(argv.end(), {"-s", spec.shell()});
    if (!d.home.empty()) {
      argv.insert(argv.end(), {"-d", d.home, "-m"});
    } else {
      argv.push_back("-M");
    }
    argv.push_back(spec.name());
    return RunAccountTool(host, argv);
  }

  static absl::Status Modify(Host& host, const Desired& d, const Snapshot& db,
                             const Account& user) {
    const v1::User& spec = d.spec;
    std::vector<std::string> argv = {"usermod"};
    if (spec.uid() != 0 && spec.uid() != user.uid) {
      argv.insert(argv.end(), {"-u", StrCat(spec.uid())});
    }
    if (PrimaryGroupName(db, user) != d.group) {
      if (spec.group().empty() && db.FindGroup(d.group) == nullptr) {
        // The user's own group went missing: make it again.
        std::vector<std::string> add = {"groupadd"};
        if (spec.system()) add.push_back("-r");
        add.push_back(d.group);
        absl::Status s = RunAccountTool(host, add);
        if (!s.ok()) return s;
      }
      argv.insert(argv.end(), {"-g", d.group});
    }
    if (SupplementaryGroups(db.accounts, spec.name()) != d.groups) {
      argv.insert(argv.end(), {"-G", StrJoin(d.groups, ",")});
    }
    if (!spec.shell().empty() && spec.shell() != user.shell) {
      argv.insert(argv.end(), {"-s", spec.shell()});
    }
    if (!d.home.empty() && d.home != user.home) {
      argv.insert(argv.end(), {"-d", d.home});
      absl::StatusOr<FileInfo> old_home = host.Stat(user.home);
      if (!old_home.ok()) return old_home.status();
      absl::StatusOr<FileInfo> new_home = host.Stat(d.home);
      if (!new_home.ok()) return new_home.status();
      if (old_home->type == FileInfo::Type::kDirectory && !new_home->exists()) {
        argv.push_back("-m");  // Move the content along.
      }
    }
    if (argv.size() == 1) return absl::OkStatus();
    argv.push_back(spec.name());
    return RunAccountTool(host, argv);
  }
};

CAIRN_REGISTER_PROVIDER(UserProvider);

}  // namespace
}  // namespace cairn::agent
