// The "postgres_database" kind: a database on the host's local PostgreSQL
// server, read from pg_database (and pg_extension in it) and changed with
// CREATE, ALTER and DROP DATABASE and CREATE EXTENSION through psql as the
// postgres user (postgres_sql.h).
//
// What each field of cairn.v1.PostgresDatabase means here:
//   owner     the owning role (pg_get_userbyid(datdba)); postgres when
//             empty. Changed with ALTER DATABASE ... OWNER TO.
//   encoding  UTF8 when empty, compared after the server's own spelling
//             (pg_encoding_to_char(pg_char_to_encoding(...)): "utf-8" is
//             UTF8). Set at creation only.
//   locale    C.UTF-8 when empty; LC_COLLATE and LC_CTYPE both, compared
//             with the codeset spelled loosely ("C.utf8" is "C.UTF-8").
//             Set at creation only.
//             An existing database whose encoding or locale differs is a
//             change that Apply refuses, before doing anything: the server
//             cannot change them in place; that is a dump and a restore.
//   extensions  each present in the database (pg_extension); missing ones
//             are created with CREATE EXTENSION IF NOT EXISTS ... CASCADE
//             (CASCADE: with the extensions they need). Others are left.
//   port      which server; its socket is in /var/run/postgresql (or
//             $CAIRN_PG_SOCKET_DIR).
//   ensure    absent: DROP DATABASE, which PostgreSQL refuses while anyone
//             is connected (its message is the error). Leaving the
//             configuration releases a database instead (the kind is
//             keep_when_undeclared).
//
// A new database is made from template0 (another encoding or locale than
// template1's needs it). When an extension fails after CREATE DATABASE,
// the database stays, empty, and the next Check shows the extension
// missing.
//
// A server that is not running (no socket) is no error for Check: see
// postgres_role.cc.

#include <algorithm>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "agent/providers/postgres_sql.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

// A spec with its defaults worked out.
struct Desired {
  v1::PostgresDatabase spec;
  std::string owner;
  std::string encoding;
  std::string locale;
  // In the order given, without duplicates.
  std::vector<std::string> extensions;
};

bool WantsPresent(const v1::PostgresDatabase& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

absl::Status CheckSetting(std::string_view what, std::string_view value) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          StrCat(what, " '", value, "' has a control character"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Desired> MakeDesired(const v1::Resource& resource) {
  Desired d;
  if (!resource.spec().UnpackTo(&d.spec)) {
    return absl::InvalidArgumentError(
        StrCat("postgres_database ", resource.id(),
               ": spec is not a cairn.v1.PostgresDatabase"));
  }
  const v1::PostgresDatabase& spec = d.spec;
  if (absl::Status s = CheckPgName("database", spec.name()); !s.ok()) return s;
  d.owner = spec.owner().empty() ? "postgres" : spec.owner();
  d.encoding = spec.encoding().empty() ? "UTF8" : spec.encoding();
  d.locale = spec.locale().empty() ? "C.UTF-8" : spec.locale();
  for (absl::Status s :
       {CheckPgName("role", d.owner), CheckSetting("encoding", d.encoding),
        CheckSetting("locale", d.locale)}) {
    if (!s.ok()) return s;
  }
  for (const std::string& extension : spec.extensions()) {
    if (absl::Status s = CheckPgName("extension", extension); !s.ok()) {
      return s;
    }
    if (std::find(d.extensions.begin(), d.extensions.end(), extension) ==
        d.extensions.end()) {
      d.extensions.push_back(extension);
    }
  }
  return d;
}

// "C.UTF-8" and "C.utf8" are one locale to glibc: the codeset (between '.'
// and '@') is compared in lower case without punctuation.
std::string NormalizeLocale(std::string_view locale) {
  size_t dot = locale.find('.');
  if (dot == std::string_view::npos) return std::string(locale);
  size_t at = locale.find('@', dot);
  if (at == std::string_view::npos) at = locale.size();
  std::string out(locale.substr(0, dot + 1));
  for (char c : locale.substr(dot + 1, at - dot - 1)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  out += locale.substr(at);
  return out;
}

// The database as the server has it.
struct DatabaseState {
  bool exists = false;
  // The server's name for the desired encoding ("utf-8" is UTF8).
  std::string wanted_encoding;
  std::string encoding;
  std::string collate;
  std::string ctype;
  std::string owner;
  // Those of the desired extensions it has.
  std::set<std::string> extensions;

  bool LocaleMatches(const Desired& d) const {
    return NormalizeLocale(collate) == NormalizeLocale(d.locale) &&
           NormalizeLocale(ctype) == NormalizeLocale(d.locale);
  }
  std::string Locale() const {
    return collate == ctype
               ? collate
               : StrCat("LC_COLLATE ", collate, ", LC_CTYPE ", ctype);
  }
  std::vector<std::string> Missing(const Desired& d) const {
    std::vector<std::string> out;
    for (const std::string& e : d.extensions) {
      if (!extensions.count(e)) out.push_back(e);
    }
    return out;
  }
};

absl::StatusOr<DatabaseState> ReadDatabase(Host& host, const PgServer& server,
                                           const Desired& d) {
  // Always one row, so that a missing database is not told from an empty
  // answer.
  std::string sql =
      StrCat("SELECT pg_encoding_to_char(pg_char_to_encoding(",
             QuoteLiteral(d.encoding),
             ")), d.datname IS NOT NULL, "
             "coalesce(pg_encoding_to_char(d.encoding), ''), "
             "coalesce(d.datcollate, ''), coalesce(d.datctype, ''), "
             "coalesce(pg_get_userbyid(d.datdba), '') FROM (SELECT 1) AS one "
             "LEFT JOIN pg_database AS d ON d.datname = ",
             QuoteLiteral(d.spec.name()), ";\n");
  absl::StatusOr<PgRows> rows =
      RunPsql(host, server, "postgres", sql, 6, absl::Minutes(1));
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1) {
    return absl::InternalError(StrCat("reading database ", d.spec.name(),
                                      " gave ", rows->size(), " rows"));
  }
  const std::vector<std::string>& row = (*rows)[0];
  DatabaseState state;
  state.wanted_encoding = row[0];
  if (state.wanted_encoding.empty() && WantsPresent(d.spec)) {
    return absl::InvalidArgumentError(
        StrCat("postgres_database ", d.spec.name(), ": '", d.encoding,
               "' is no encoding this server knows"));
  }
  state.exists = row[1] == "t";
  state.encoding = row[2];
  state.collate = row[3];
  state.ctype = row[4];
  state.owner = row[5];
  if (state.exists && !d.extensions.empty()) {
    absl::StatusOr<PgRows> extensions =
        RunPsql(host, server, d.spec.name(),
                "SELECT extname FROM pg_extension;\n", 1, absl::Minutes(1));
    if (!extensions.ok()) return extensions.status();
    for (const std::vector<std::string>& e : *extensions) {
      state.extensions.insert(e[0]);
    }
  }
  return state;
}

std::string ListOrNone(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : StrJoin(items, ", ");
}

absl::Status CreateExtensions(Host& host, const PgServer& server,
                              const Desired& d,
                              const std::vector<std::string>& missing) {
  if (missing.empty()) return absl::OkStatus();
  std::string sql;
  for (const std::string& e : missing) {
    StrAppend(&sql, "CREATE EXTENSION IF NOT EXISTS ", QuoteIdentifier(e),
              " CASCADE;\n");
  }
  return RunPsql(host, server, d.spec.name(), sql, 0).status();
}

class PostgresDatabaseProvider : public Provider {
 public:
  std::string_view kind() const override { return "postgres_database"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<Desired> d = MakeDesired(resource);
    if (!d.ok()) return d.status();
    PgServer server = LocalPgServer(d->spec.port());

    v1::ResourceDiff diff = NewDiff(resource);
    auto change = [&](std::string_view field, std::string current,
                      std::string desired) {
      AddChange(resource, field, std::move(current), std::move(desired),
                context, diff);
    };
    auto creation = [&](std::string ensure) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      change("ensure", std::move(ensure), "present");
      change("owner", "", d->owner);
      change("encoding", "", d->encoding);
      change("locale", "", d->locale);
      if (!d->extensions.empty()) {
        change("extensions", "", ListOrNone(d->extensions));
      }
    };

    absl::StatusOr<DatabaseState> state =
        ReadDatabase(*context.host, server, *d);
    if (absl::IsUnavailable(state.status())) {
      if (WantsPresent(d->spec)) {
        creation(
            StrCat("(unknown: ", std::string(state.status().message()), ")"));
      }
      return diff;
    }
    if (!state.ok()) return state.status();
    if (!WantsPresent(d->spec)) {
      if (state->exists) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        change("ensure", "present", "absent");
      }
      return diff;
    }
    if (!state->exists) {
      creation("absent");
      return diff;
    }
    if (state->owner != d->owner) change("owner", state->owner, d->owner);
    if (state->encoding != state->wanted_encoding) {
      change("encoding", state->encoding,
             StrCat(state->wanted_encoding,
                    " (set at creation: needs a dump and restore)"));
    }
    if (!state->LocaleMatches(*d)) {
      change("locale", state->Locale(),
             StrCat(d->locale, " (set at creation: needs a dump and restore)"));
    }
    std::vector<std::string> missing = state->Missing(*d);
    if (!missing.empty()) {
      std::vector<std::string> have;
      for (const std::string& e : d->extensions) {
        if (state->extensions.count(e)) have.push_back(e);
      }
      change("extensions", ListOrNone(have), ListOrNone(d->extensions));
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
    absl::Status applied = ApplyDesired(*d, *context.host);
    if (applied.ok()) return applied;
    return absl::Status(applied.code(),
                        StrCat("postgres_database ", d->spec.name(), ": ",
                               std::string(applied.message())));
  }

 private:
  static absl::Status ApplyDesired(const Desired& d, Host& host) {
    PgServer server = LocalPgServer(d.spec.port());
    absl::StatusOr<DatabaseState> state = ReadDatabase(host, server, d);
    if (absl::IsUnavailable(state.status()) && !WantsPresent(d.spec)) {
      return absl::OkStatus();  // As Check said: nothing to do.
    }
    if (!state.ok()) return state.status();
    std::string name = QuoteIdentifier(d.spec.name());

    if (!WantsPresent(d.spec)) {
      if (!state->exists) return absl::OkStatus();
      return RunPsql(host, server, "postgres",
                     StrCat("DROP DATABASE ", name, ";\n"), 0)
          .status();
    }
    if (!state->exists) {
      std::string sql = StrCat(
          "CREATE DATABASE ", name, " WITH OWNER ", QuoteIdentifier(d.owner),
          " ENCODING ", QuoteLiteral(d.encoding), " LC_COLLATE ",
          QuoteLiteral(d.locale), " LC_CTYPE ", QuoteLiteral(d.locale),
          " TEMPLATE template0;\n");
      absl::Status created =
          RunPsql(host, server, "postgres", sql, 0, absl::Minutes(30)).status();
      if (!created.ok()) return created;
      return CreateExtensions(host, server, d, d.extensions);
    }

    if (state->encoding != state->wanted_encoding) {
      return absl::FailedPreconditionError(
          StrCat("database ", d.spec.name(), " exists with encoding ",
                 state->encoding, ", not ", state->wanted_encoding,
                 "; changing it means dump and restore"));
    }
    if (!state->LocaleMatches(d)) {
      return absl::FailedPreconditionError(StrCat(
          "database ", d.spec.name(), " exists with locale ", state->Locale(),
          ", not ", d.locale, "; changing it means dump and restore"));
    }
    if (state->owner != d.owner) {
      absl::Status owned = RunPsql(host, server, "postgres",
                                   StrCat("ALTER DATABASE ", name, " OWNER TO ",
                                          QuoteIdentifier(d.owner), ";\n"),
                                   0)
                               .status();
      if (!owned.ok()) return owned;
    }
    return CreateExtensions(host, server, d, state->Missing(d));
  }
};

CAIRN_REGISTER_PROVIDER(PostgresDatabaseProvider);

}  // namespace
}  // namespace cairn::agent
