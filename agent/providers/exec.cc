// The "exec" kind (cairn.v1.Exec): a command line for what no other kind
// does. It runs when `creates` is missing, when `unless` exits non-zero,
// and whenever it is notified (`notify = exec.NAME.run`); with neither
// `creates` nor `unless`, only when notified.
//
// Both commands run as
//   [/usr/sbin/runuser -u USER --] env -C CWD /bin/sh -c COMMAND
// runuser only for a user other than root (it keeps the environment but
// for HOME, SHELL, USER and LOGNAME, which it sets for the user); env -C
// enters the working directory as that user, / by default. `environment`
// goes through Host::RunWithEnvironment, so its values are never in argv,
// where any user of the machine could read them. Values of secret fields
// (a secret environment makes every value of it secret) are taken out of
// every error this returns, and the diff shows secret fields only as
// fingerprints.
//
// Check runs `unless` (which must change nothing) but never the command.
// After Apply runs the command it checks that the resource is satisfied:
// `creates` exists, `unless` now exits 0; otherwise the command would run
// again on every apply, and that is an error.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "agent/providers/account_tools.h"
#include "agent/providers/command_output.h"
#include "agent/providers/file_support.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

// How long a command may run when timeout_seconds is 0.
constexpr uint32_t kDefaultTimeoutSeconds = 300;

// Whether the resource's environment holds a secret. The compiler marks the
// whole map ("environment") when any value is one; a field path naming one
// entry ("environment[KEY]", "environment.KEY") is taken the same way.
bool SecretEnvironment(const v1::Resource& resource) {
  for (const std::string& field : resource.secret_fields()) {
    if (field == "environment" || StartsWith(field, "environment[") ||
        StartsWith(field, "environment.")) {
      return true;
    }
  }
  return false;
}

bool ValidVariableName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An Exec resource, checked, with what its commands need.
struct Wanted {
  v1::Exec spec;
  std::string user;  // Empty for root.
  std::map<std::string, std::string> environment;
  absl::Duration timeout;
  // Every secret value, to take out of messages.
  std::vector<std::string> secrets;
};

absl::StatusOr<Wanted> Parse(const v1::Resource& resource) {
  Wanted wanted;
  if (absl::Status status = UnpackSpec(resource, wanted.spec); !status.ok()) {
    return status;
  }
  const v1::Exec& spec = wanted.spec;
  std::string prefix = StrCat("exec ", spec.name());
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(StrCat(prefix, ": ", why));
  };
  if (spec.name().empty()) {
    return absl::InvalidArgumentError(
        StrCat("exec ", resource.id(), ": the name is empty"));
  }
  if (spec.command().empty()) return invalid("the command is empty");
  for (const std::string* text : {&spec.command(), &spec.unless()}) {
    if (text->find('\0') != std::string::npos) {
      return invalid("a command holds a NUL byte");
    }
  }
  if (!spec.creates().empty()) {
    if (absl::Status s = CheckPath("exec creates", spec.creates()); !s.ok()) {
      return Annotate(prefix, s);
    }
  }
  if (!spec.cwd().empty()) {
    if (absl::Status s = CheckPath("exec cwd", spec.cwd()); !s.ok()) {
      return Annotate(prefix, s);
    }
  }
  if (!spec.user().empty() && spec.user() != "root") {
    if (absl::Status s = CheckAccountName("user", spec.user()); !s.ok()) {
      return Annotate(prefix, s);
    }
    wanted.user = spec.user();
  }
  bool secret_environment = SecretEnvironment(resource);
  for (const auto& [name, value] : spec.environment()) {
    // Names may be shown; values never are.
    if (!ValidVariableName(name)) {
      return invalid(StrCat("environment variable '", name,
                            "' is not a name like LANG or DB_URL"));
    }
    if (value.find('\0') != std::string::npos) {
      return invalid(StrCat("the value of ", name, " holds a NUL byte"));
    }
    wanted.environment[name] = value;
    if (secret_environment) wanted.secrets.push_back(value);
  }
  for (const auto& [field, value] :
       {std::pair<std::string_view, const std::string*>{"command",
                                                        &spec.command()},
        {"unless", &spec.unless()},
        {"creates", &spec.creates()},
        {"cwd", &spec.cwd()}}) {
    if (IsSecretField(resource, field)) wanted.secrets.push_back(*value);
  }
  wanted.timeout =
      absl::Seconds(spec.timeout_seconds() != 0 ? spec.timeout_seconds()
                                                : kDefaultTimeoutSeconds);
  return wanted;
}

// `command` as the exec runs it: as its user, in its directory, by sh.
std::vector<std::string> Argv(const Wanted& wanted,
                              const std::string& command) {
  std::vector<std::string> argv;
  if (!wanted.user.empty()) {
    argv = {"/usr/sbin/runuser", "-u", wanted.user, "--"};
  }
  for (const std::string& arg :
       {std::string("env"), std::string("-C"),
        wanted.spec.cwd().empty() ? std::string("/") : wanted.spec.cwd(),
        std::string("/bin/sh"), std::string("-c"), command}) {
    argv.push_back(arg);
  }
  return argv;
}

// Runs `command` (the exec's command or its `unless`; `what` says which,
// for messages). Fails only when it cannot run or runs out of time; its
// exit code is the caller's to judge.
absl::StatusOr<CommandResult> RunShell(Host& host, const Wanted& wanted,
                                       const std::string& command,
                                       std::string_view what) {
  absl::StatusOr<CommandResult> result = host.RunWithEnvironment(
      Argv(wanted, command), wanted.environment, "", wanted.timeout);
  if (result.ok()) return result;
  // Not the status's own message: it quotes argv, the command with it.
  if (absl::IsDeadlineExceeded(result.status())) {
    return absl::DeadlineExceededError(
        StrCat("exec ", wanted.spec.name(), ": ", what, " was killed after ",
               absl::FormatDuration(wanted.timeout), " (timeout_seconds)"));
  }
  return absl::Status(
      result.status().code(),
      StrCat("exec ", wanted.spec.name(), ": ", what, " could not run: ",
             Redact(std::string(result.status().message()), wanted.secrets)));
}

// Runs the command; a non-zero exit is an error with the end of its output.
absl::Status RunCommandLine(Host& host, const Wanted& wanted) {
  absl::StatusOr<CommandResult> result =
      RunShell(host, wanted, wanted.spec.command(), "the command");
  if (!result.ok()) return result.status();
  if (result->exit_code == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("exec ", wanted.spec.name(), ": the command exited with ",
             result->exit_code, ": ", OutputTail(*result, wanted.secrets)));
}

// The exit code of `unless`.
absl::StatusOr<int> RunUnless(Host& host, const Wanted& wanted) {
  absl::StatusOr<CommandResult> result =
      RunShell(host, wanted, wanted.spec.unless(), "unless");
  if (!result.ok()) return result.status();
  return result->exit_code;
}

// Fails when the exec's user does not exist (yet).
absl::Status CheckUser(const Wanted& wanted, ProviderContext& context) {
  if (wanted.user.empty()) return absl::OkStatus();
  absl::StatusOr<const Accounts*> accounts = context.accounts();
  if (!accounts.ok()) return accounts.status();
  absl::StatusOr<uid_t> uid = (*accounts)->UserId(wanted.user);
  if (!uid.ok()) {
    return Annotate(StrCat("exec ", wanted.spec.name()), uid.status());
  }
  return absl::OkStatus();
}

class ExecProvider : public Provider {
 public:
  std::string_view kind() const override { return "exec"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    const v1::Exec& spec = wanted->spec;
    Host& host = *context.host;
    v1::ResourceDiff diff = NewDiff(resource);
    if (spec.creates().empty() && spec.unless().empty()) return diff;
    // Why it would run, as changes after the command's.
    v1::ResourceDiff why;
    if (!spec.creates().empty()) {
      absl::StatusOr<FileInfo> info = host.Stat(spec.creates());
      if (!info.ok()) return info.status();
      if (info->exists()) return diff;
      AddChange(resource, "creates", "", spec.creates(), context, why);
    }
    if (!spec.unless().empty()) {
      absl::Status user = CheckUser(*wanted, context);
      if (absl::IsNotFound(user)) {
        // Made by a user resource earlier in the same apply: `unless` cannot
        // run as that user yet, so the command is expected to.
        AddChange(resource, "user", "",
                  StrCat(wanted->user, " (not a user yet)"), context, why);
      } else if (!user.ok()) {
        return user;
      } else {
        absl::StatusOr<int> exit_code = RunUnless(host, *wanted);
        if (!exit_code.ok()) return exit_code.status();
        if (*exit_code == 0) return diff;
        AddChange(resource, "unless", StrCat("exits ", *exit_code), "exits 0",
                  context, why);
      }
    }
    diff.set_action(v1::ResourceDiff::ACTION_CREATE);
    AddChange(resource, "command", "", spec.command(), context, diff);
    for (const v1::FieldChange& change : why.changes()) {
      *diff.add_changes() = change;
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    if (absl::Status user = CheckUser(*wanted, context); !user.ok()) {
      return user;
    }
    Host& host = *context.host;
    if (absl::Status ran = RunCommandLine(host, *wanted); !ran.ok()) return ran;
    const v1::Exec& spec = wanted->spec;
    std::string prefix = StrCat("exec ", spec.name());
    // Otherwise it would run again on every apply.
    if (!spec.creates().empty()) {
      absl::StatusOr<FileInfo> info = host.Stat(spec.creates());
      if (!info.ok()) return info.status();
      if (!info->exists()) {
        return absl::FailedPreconditionError(StrCat(
            prefix, ": the command ran (exit 0) but did not create ",
            IsSecretField(resource, "creates") ? "(secret)" : spec.creates()));
      }
    }
    if (!spec.unless().empty()) {
      absl::StatusOr<int> exit_code = RunUnless(host, *wanted);
      if (!exit_code.ok()) return exit_code.status();
      if (*exit_code != 0) {
        return absl::FailedPreconditionError(
            StrCat(prefix, ": the command ran (exit 0) but unless still exits ",
                   *exit_code, ", so it would run on every apply"));
      }
    }
    return absl::OkStatus();
  }

  // "run": the command, whatever `creates` and `unless` say.
  absl::Status Notify(const v1::Resource& resource, std::string_view action,
                      ProviderContext& context) const override {
    if (action != "run") return Provider::Notify(resource, action, context);
    absl::StatusOr<Wanted> wanted = Parse(resource);
    if (!wanted.ok()) return wanted.status();
    if (absl::Status user = CheckUser(*wanted, context); !user.ok()) {
      return user;
    }
    return RunCommandLine(*context.host, *wanted);
  }
};

CAIRN_REGISTER_PROVIDER(ExecProvider);

}  // namespace
}  // namespace cairn::agent
