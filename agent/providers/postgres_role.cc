// The "postgres_role" kind: a role on the host's local PostgreSQL server,
// read from pg_authid and changed with CREATE, ALTER and DROP ROLE through
// psql as the postgres user (postgres_sql.h).
//
// What each field of cairn.v1.PostgresRole means here:
//   login, createdb, superuser, replication
//             compared with rolcanlogin, rolcreatedb, rolsuper and
//             rolreplication, and set with [NO]LOGIN and friends.
//   password  the server is sent only a SCRAM-SHA-256 verifier made here
//             (postgres_scram.h), never the password. Check recomputes the
//             stored verifier from the password with the stored salt and
//             iteration count: another password, an MD5 hash or none is a
//             change. The change shows the desired password as a
//             fingerprint (or "(a new password)" when the field is not a
//             secret) and the current one only as what kind of value it is
//             ("(another password)", "(an MD5 hash)", "(none)"): neither
//             the stored verifier nor anything derived from it. Empty means
//             the password is not managed: whatever the role has stays
//             (none for a new role). Passwords must be ASCII (see
//             CheckScramPassword).
//   port      which server; its socket is in /var/run/postgresql (or
//             $CAIRN_PG_SOCKET_DIR).
//   ensure    absent: DROP ROLE, which PostgreSQL refuses while the role
//             owns objects or has privileges (its message is the error).
//
// A server that is not running (no socket: the postgresql package is
// installed by the same apply, earlier) is no error for Check: a present
// role is then a creation whose "ensure" change says why nothing could be
// read, and Apply needs the server up by then (the role comes after its
// service). An absent role on a server that is not running is nothing to
// do: no server answers as it.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "agent/providers/postgres_scram.h"
#include "agent/providers/postgres_sql.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

absl::StatusOr<v1::PostgresRole> Unpack(const v1::Resource& resource) {
  v1::PostgresRole spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("postgres_role ", resource.id(),
               ": spec is not a cairn.v1.PostgresRole"));
  }
  if (absl::Status s = CheckPgName("role", spec.name()); !s.ok()) return s;
  if (spec.ensure() != v1::ENSURE_ABSENT && !spec.password().empty()) {
    if (absl::Status s = CheckScramPassword(spec.password()); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("postgres_role ", spec.name(),
                                               ": ", std::string(s.message())));
    }
  }
  return spec;
}

bool WantsPresent(const v1::PostgresRole& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

// The role as pg_authid has it.
struct RoleState {
  bool exists = false;
  bool login = false;
  bool createdb = false;
  bool superuser = false;
  bool replication = false;
  // rolpassword; nullopt for NULL.
  std::optional<std::string> password;
};

absl::StatusOr<RoleState> ReadRole(Host& host, const PgServer& server,
                                   std::string_view name) {
  // Always one row, so that a missing role is not told from an empty answer.
  std::string sql = StrCat(
      "SELECT r.rolname IS NOT NULL, coalesce(r.rolcanlogin, false), "
      "coalesce(r.rolcreatedb, false), coalesce(r.rolsuper, false), "
      "coalesce(r.rolreplication, false), r.rolpassword IS NOT NULL, "
      "coalesce(r.rolpassword, '') FROM (SELECT 1) AS one "
      "LEFT JOIN pg_authid AS r ON r.rolname = ",
      QuoteLiteral(name), ";\n");
  absl::StatusOr<PgRows> rows =
      RunPsql(host, server, "postgres", sql, 7, absl::Minutes(1));
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1) {
    return absl::InternalError(
        StrCat("reading role ", name, " gave ", rows->size(), " rows"));
  }
  const std::vector<std::string>& row = (*rows)[0];
  RoleState state;
  state.exists = row[0] == "t";
  state.login = row[1] == "t";
  state.createdb = row[2] == "t";
  state.superuser = row[3] == "t";
  state.replication = row[4] == "t";
  if (row[5] == "t") state.password = row[6];
  return state;
}

bool PasswordMatches(const v1::PostgresRole& spec, const RoleState& state) {
  if (spec.password().empty()) return true;  // Not managed.
  return state.password.has_value() &&
         ScramVerifierMatches(*state.password, spec.password());
}

// What kind of password the role has, never the value.
std::string DescribePassword(const std::optional<std::string>& stored) {
  if (!stored.has_value()) return "(none)";
  if (StartsWith(*stored, "md5")) return "(an MD5 hash)";
  return "(another password)";
}

// The attributes that differ, as CREATE/ALTER ROLE options ("LOGIN").
struct Attribute {
  std::string_view field;
  bool desired;
  bool current;
  std::string_view keyword;  // LOGIN; NOLOGIN when false.
};

std::vector<Attribute> Attributes(const v1::PostgresRole& spec,
                                  const RoleState& state) {
  return {
      {"login", spec.login(), state.login, "LOGIN"},
      {"createdb", spec.createdb(), state.createdb, "CREATEDB"},
      {"superuser", spec.superuser(), state.superuser, "SUPERUSER"},
      {"replication", spec.replication(), state.replication, "REPLICATION"}};
}

std::string Option(const Attribute& a) {
  return StrCat(a.desired ? "" : "NO", a.keyword);
}

class PostgresRoleProvider : public Provider {
 public:
  std::string_view kind() const override { return "postgres_role"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::PostgresRole> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    PgServer server = LocalPgServer(spec->port());

    v1::ResourceDiff diff = NewDiff(resource);
    auto change = [&](std::string_view field, std::string current,
                      std::string desired) {
      AddChange(resource, field, std::move(current), std::move(desired),
                context, diff);
    };
    // The desired password as a fingerprint (or a placeholder), the current
    // one as what kind it is: a fingerprint of the stored verifier would
    // change with every salt, and the verifier itself is not for display.
    auto password_change = [&](std::string current) {
      bool fingerprint =
          !spec->password().empty() && IsSecretField(resource, "password");
      std::string shown =
          spec->password().empty() ? "(none)" : "(a new password)";
      change("password", current, fingerprint ? spec->password() : shown);
      v1::FieldChange& added = *diff.mutable_changes(diff.changes_size() - 1);
      added.set_current(current);
      if (!fingerprint) added.set_desired(shown);
    };

    absl::StatusOr<RoleState> state =
        ReadRole(*context.host, server, spec->name());
    if (absl::IsUnavailable(state.status())) {
      if (!WantsPresent(*spec)) return diff;
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      change("ensure",
             StrCat("(unknown: ", std::string(state.status().message()), ")"),
             "present");
      state = RoleState();
    } else if (!state.ok()) {
      return state.status();
    } else if (!WantsPresent(*spec)) {
      if (state->exists) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        change("ensure", "present", "absent");
      }
      return diff;
    } else if (!state->exists) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      change("ensure", "absent", "present");
    }

    for (const Attribute& a : Attributes(*spec, *state)) {
      if (!state->exists ? a.desired : a.desired != a.current) {
        change(a.field, state->exists ? StrCat(a.current) : "",
               StrCat(a.desired));
      }
    }
    if (!PasswordMatches(*spec, *state)) {
      password_change(state->exists ? DescribePassword(state->password) : "");
    }
    if (state->exists && diff.changes_size() > 0) {
      diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::PostgresRole> spec = Unpack(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    PgServer server = LocalPgServer(spec->port());
    absl::StatusOr<RoleState> state = ReadRole(host, server, spec->name());
    if (absl::IsUnavailable(state.status()) && !WantsPresent(*spec)) {
      return absl::OkStatus();  // As Check said: nothing to do.
    }
    if (!state.ok()) {
      return absl::Status(state.status().code(),
                          StrCat("postgres_role ", spec->name(), ": ",
                                 std::string(state.status().message())));
    }
    std::string name = QuoteIdentifier(spec->name());

    std::string sql;
    if (!WantsPresent(*spec)) {
      if (!state->exists) return absl::OkStatus();
      sql = StrCat("DROP ROLE ", name, ";\n");
    } else {
      std::vector<std::string> options;
      for (const Attribute& a : Attributes(*spec, *state)) {
        if (!state->exists || a.desired != a.current) {
          options.push_back(Option(a));
        }
      }
      if (!PasswordMatches(*spec, *state)) {
        absl::StatusOr<std::string> verifier =
            NewScramVerifier(spec->password());
        if (!verifier.ok()) return verifier.status();
        options.push_back(StrCat("PASSWORD ", QuoteLiteral(*verifier)));
      }
      if (options.empty()) return absl::OkStatus();
      sql = StrCat(state->exists ? "ALTER" : "CREATE", " ROLE ", name, " WITH ",
                   StrJoin(options, " "), ";\n");
    }
    absl::StatusOr<PgRows> done = RunPsql(host, server, "postgres", sql, 0);
    if (!done.ok()) {
      return absl::Status(done.status().code(),
                          StrCat("postgres_role ", spec->name(), ": ",
                                 std::string(done.status().message())));
    }
    return absl::OkStatus();
  }
};

CAIRN_REGISTER_PROVIDER(PostgresRoleProvider);

}  // namespace
}  // namespace cairn::agent
