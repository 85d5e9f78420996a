#ifndef CAIRN_AGENT_PROVIDERS_FAKE_ACCOUNTS_H_
#define CAIRN_AGENT_PROVIDERS_FAKE_ACCOUNTS_H_

// For tests of the user and group providers: the shadow-utils tools played
// on a FakeHost's /etc/passwd, /etc/group and /etc/shadow, so that a Check
// after Apply sees what the commands did. Not for production.

#include "agent/host/fake_host.h"

namespace cairn::agent {

// Puts a minimal base system: users root (0) and daemon (1); groups root
// (0), daemon (1), adm (4), sudo (27) and users (100); /home.
void PutBaseAccounts(FakeHost& host);

// Answers useradd, usermod, userdel, chpasswd, groupadd, groupmod and
// groupdel like Debian's shadow-utils do for the options the providers
// use: -r -u -g -U -G -s -d -m -M -L, chpasswd -e, with their exit codes
// (9 exists, 6 unknown name, 4 id in use, 8 primary group of a user).
void InstallAccountTools(FakeHost& host);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_FAKE_ACCOUNTS_H_
