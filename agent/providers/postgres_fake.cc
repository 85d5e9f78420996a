#include "agent/providers/postgres_fake.h"

#include <cctype>

#include "agent/providers/postgres_scram.h"
#include "base/strings.h"

namespace cairn::agent {

namespace {

struct Token {
  enum Kind { kWord, kIdentifier, kString, kPunctuation };
  Kind kind;
  std::string text;  // Identifiers and strings decoded.

  bool Is(std::string_view word) const {
    if (kind != kWord || text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) {
        return false;
      }
    }
    return true;
  }
};

struct Result {
  std::string out;    // NUL-terminated fields.
  std::string error;  // Empty when the statement succeeded.
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
         c == '$';
}

// The lexer of the statements the providers send, with the real
// server's quoting rules (standard_conforming_strings on).
std::optional<std::vector<Token>> Tokenize(std::string_view sql,
                                           std::string& error) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"') {
      std::string text;
      for (++i;; ++i) {
        if (i >= sql.size()) {
          error = "unterminated quoted identifier";
          return std::nullopt;
        }
        if (sql[i] == '"') {
          if (i + 1 < sql.size() && sql[i + 1] == '"') {
            text += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        text += sql[i];
      }
      tokens.push_back({Token::kIdentifier, text});
    } else if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < sql.size() &&
                             sql[i + 1] == '\'')) {
      bool escapes = c != '\'';
      i += escapes ? 2 : 1;
      std::string text;
      for (;; ++i) {
        if (i >= sql.size()) {
          error = "unterminated quoted string";
          return std::nullopt;
        }
        if (escapes && sql[i] == '\\' && i + 1 < sql.size()) {
          text += sql[++i];
          continue;
        }
        if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') {
            text += '\'';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        text += sql[i];
      }
      tokens.push_back({Token::kString, text});
    } else if (IsWordChar(c)) {
      size_t start = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      tokens.push_back(
          {Token::kWord, std::string(sql.substr(start, i - start))});
    } else {
      tokens.push_back({Token::kPunctuation, std::string(1, c)});
      ++i;
    }
  }
  return tokens;
}

std::string Describe(const std::vector<Token>& statement) {
  std::vector<std::string> words;
  for (const Token& t : statement) {
    words.push_back(t.kind == Token::kWord || t.kind == Token::kPunctuation
                        ? t.text
                        : StrCat("[", t.text, "]"));
  }
  return StrJoin(words, " ");
}

std::string Field(std::string_view value) { return StrCat(value, '\0'); }
std::string Field(bool value) {
  return value ? std::string("t\0", 2) : std::string("f\0", 2);
}

// The server's name of an encoding; empty when unknown.
std::string CanonicalEncoding(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  if (key == "UTF8" || key == "UNICODE") return "UTF8";
  if (key == "LATIN1" || key == "ISO88591") return "LATIN1";
  if (key == "SQLASCII") return "SQL_ASCII";
  return "";
}

// Reads statement[at...] as `expected` shapes; false at the first mismatch.
class Reader {
 public:
  explicit Reader(const std::vector<Token>& tokens) : tokens_(tokens) {}
  bool Word(std::string_view word) {
    if (at_ < tokens_.size() && tokens_[at_].Is(word)) {
      ++at_;
      return true;
    }
    return false;
  }
  // A name: a quoted identifier only, so bad quoting shows.
  bool Name(std::string& out) { return Take(Token::kIdentifier, out); }
  bool String(std::string& out) { return Take(Token::kString, out); }
  bool Done() const { return at_ == tokens_.size(); }

 private:
  bool Take(Token::Kind kind, std::string& out) {
    if (at_ < tokens_.size() && tokens_[at_].kind == kind) {
      out = tokens_[at_++].text;
      return true;
    }
    return false;
  }
  const std::vector<Token>& tokens_;
  size_t at_ = 0;
};

// Runs one statement on `pg`, connected to `database`.
Result Execute(FakePostgres& pg, const std::vector<Token>& statement,
               const std::string& database);

}  // namespace

FakePostgres::FakePostgres(FakeHost& host, std::string socket_dir,
                           uint32_t port)
    : host_(host), socket_dir_(std::move(socket_dir)), port_(port) {
  roles["postgres"] = {true, true, true, true, std::nullopt};
  databases["postgres"] = {};
  databases["template0"] = {};
  databases["template1"] = {};
  host_.OnCommand("runuser", [this](const std::vector<std::string>& argv,
                                    std::string_view input) {
    CommandResult r;
    std::vector<std::string> prefix = {"runuser",
                                       "-u",
                                       "postgres",
                                       "--",
                                       "env",
                                       "-i",
                                       "PATH=/usr/bin:/bin",
                                       "LC_ALL=C.UTF-8",
                                       "PGCLIENTENCODING=UTF8",
                                       "psql"};
    if (argv.size() < prefix.size() ||
        !std::equal(prefix.begin(), prefix.end(), argv.begin())) {
      r.exit_code = 1;
      r.err = "fake runuser: only runs psql as postgres\n";
      return r;
    }
    scripts.emplace_back(input);
    std::string dir, port, conninfo;
    for (size_t i = prefix.size(); i + 1 < argv.size(); ++i) {
      if (argv[i] == "-h") dir = argv[i + 1];
      if (argv[i] == "-p") port = argv[i + 1];
      if (argv[i] == "-d") conninfo = argv[i + 1];
    }
    std::string socket = StrCat(dir, "/.s.PGSQL.", port);
    if (dir != socket_dir_ || port != StrCat(port_) ||
        !host_.Stat(socket)->exists()) {
      r.exit_code = 2;
      r.err = StrCat("psql: error: connection to server on socket \"", socket,
                     "\" failed: No such file or directory\n\tIs the server "
                     "running locally and accepting connections on that "
                     "socket?\n");
      return r;
    }
    // dbname='NAME' connect_timeout=10, with \' and \\ in NAME.
    std::string database;
    if (StartsWith(conninfo, "dbname='")) {
      for (size_t i = 8; i < conninfo.size() && conninfo[i] != '\''; ++i) {
        if (conninfo[i] == '\\') ++i;
        if (i < conninfo.size()) database += conninfo[i];
      }
    }
    if (!databases.count(database)) {
      r.exit_code = 2;
      r.err = StrCat("psql: error: connection to server on socket \"", socket,
                     "\" failed: FATAL:  database \"", database,
                     "\" does not exist\n");
      return r;
    }
    std::string error;
    std::optional<std::vector<Token>> tokens = Tokenize(input, error);
    if (!tokens) {
      r.exit_code = 3;
      r.err = StrCat("ERROR:  fake: ", error, "\n");
      return r;
    }
    std::vector<Token> statement;
    for (const Token& t : *tokens) {
      if (t.kind != Token::kPunctuation || t.text != ";") {
        statement.push_back(t);
        continue;
      }
      Result result = Execute(*this, statement, database);
      r.out += result.out;
      if (!result.error.empty()) {
        r.exit_code = 3;
        r.err = result.error;
        return r;
      }
      statement.clear();
    }
    if (!statement.empty()) {
      r.exit_code = 3;
      r.err = "ERROR:  fake: a statement without ';'\n";
    }
    return r;
  });
}

void FakePostgres::Start() {
  host_.PutFile(StrCat(socket_dir_, "/.s.PGSQL.", port_), "", 0777);
}

void FakePostgres::Stop() {
  (void)host_.Remove(StrCat(socket_dir_, "/.s.PGSQL.", port_));
}

namespace {

Result Execute(FakePostgres& pg, const std::vector<Token>& statement,
               const std::string& database) {
  auto& roles = pg.roles;
  auto& databases = pg.databases;
  auto& changes = pg.changes;
  using Role = FakePostgres::Role;
  using Database = FakePostgres::Database;
  Result result;
  auto fail = [&](std::string message) {
    result.error = StrCat("ERROR:  ", message, "\n");
    return result;
  };
  if (statement.empty()) return fail("fake: an empty statement");
  std::vector<std::string> strings;
  bool from_authid = false, from_database = false, from_extension = false;
  for (const Token& t : statement) {
    if (t.kind == Token::kString) strings.push_back(t.text);
    from_authid |= t.Is("PG_AUTHID");
    from_database |= t.Is("PG_DATABASE");
    from_extension |= t.Is("PG_EXTENSION");
  }

  if (statement[0].Is("SELECT")) {
    if (from_authid && strings.size() == 2) {  // '' and the name.
      auto it = roles.find(strings[1]);
      bool found = it != roles.end();
      Role role = found ? it->second : Role();
      result.out = StrCat(Field(found), Field(role.login), Field(role.createdb),
                          Field(role.superuser), Field(role.replication),
                          Field(role.password.has_value()),
                          Field(role.password.value_or("")));
      return result;
    }
    if (from_database && strings.size() == 6) {  // Encoding, '' x4, name.
      auto it = databases.find(strings[5]);
      bool found = it != databases.end();
      Database db = found ? it->second : Database();
      result.out = StrCat(
          Field(CanonicalEncoding(strings[0])), Field(found),
          Field(found ? db.encoding : ""), Field(found ? db.collate : ""),
          Field(found ? db.ctype : ""), Field(found ? db.owner : ""));
      return result;
    }
    if (from_extension && strings.empty()) {
      for (const std::string& e : databases[database].extensions) {
        result.out += Field(e);
      }
      return result;
    }
    return fail(StrCat("fake: unexpected query: ", Describe(statement)));
  }

  std::string described = Describe(statement);
  Reader in(statement);
  std::string name;
  if (in.Word("CREATE") || in.Word("ALTER")) {
    bool create = statement[0].Is("CREATE");
    if (in.Word("ROLE")) {
      if (!in.Name(name) || !in.Word("WITH")) {
        return fail(StrCat("fake: bad role statement: ", described));
      }
      if (create && roles.count(name)) {
        return fail(StrCat("role \"", name, "\" already exists"));
      }
      if (!create && !roles.count(name)) {
        return fail(StrCat("role \"", name, "\" does not exist"));
      }
      Role role = roles[name];
      while (!in.Done()) {
        bool found = false;
        static constexpr std::pair<std::string_view, bool Role::*>
            kAttributes[] = {{"LOGIN", &Role::login},
                             {"CREATEDB", &Role::createdb},
                             {"SUPERUSER", &Role::superuser},
                             {"REPLICATION", &Role::replication}};
        for (auto [word, field] : kAttributes) {
          if (in.Word(word)) role.*field = found = true;
          if (in.Word(StrCat("NO", word))) {
            role.*field = false;
            found = true;
          }
        }
        if (found) continue;
        if (in.Word("PASSWORD")) {
          std::string password;
          if (in.Word("NULL")) {
            role.password.reset();
            continue;
          }
          if (!in.String(password)) return fail("fake: PASSWORD without value");
          if (!ParseScramSecret(password)) {
            return fail("fake: PASSWORD is not a SCRAM-SHA-256 verifier");
          }
          role.password = password;
          continue;
        }
        return fail(StrCat("fake: unknown role option in ", described));
      }
      roles[name] = role;
      changes.push_back(described);
      return result;
    }
    if (in.Word("DATABASE")) {
      if (!in.Name(name)) return fail("fake: DATABASE without a name");
      if (!create) {
        std::string owner;
        if (!in.Word("OWNER") || !in.Word("TO") || !in.Name(owner) ||
            !in.Done()) {
          return fail(StrCat("fake: bad statement: ", described));
        }
        if (!databases.count(name)) {
          return fail(StrCat("database \"", name, "\" does not exist"));
        }
        if (!roles.count(owner)) {
          return fail(StrCat("role \"", owner, "\" does not exist"));
        }
        databases[name].owner = owner;
        changes.push_back(described);
        return result;
      }
      Database db;
      std::string encoding;
      if (!in.Word("WITH") || !in.Word("OWNER") || !in.Name(db.owner) ||
          !in.Word("ENCODING") || !in.String(encoding) ||
          !in.Word("LC_COLLATE") || !in.String(db.collate) ||
          !in.Word("LC_CTYPE") || !in.String(db.ctype) ||
          !in.Word("TEMPLATE") || !in.Word("TEMPLATE0") || !in.Done()) {
        return fail(StrCat("fake: bad statement: ", described));
      }
      if (databases.count(name)) {
        return fail(StrCat("database \"", name, "\" already exists"));
      }
      if (!roles.count(db.owner)) {
        return fail(StrCat("role \"", db.owner, "\" does not exist"));
      }
      db.encoding = CanonicalEncoding(encoding);
      if (db.encoding.empty()) {
        return fail(StrCat(encoding, " is not a valid encoding name"));
      }
      databases[name] = db;
      changes.push_back(described);
      return result;
    }
    if (create && in.Word("EXTENSION")) {
      if (!in.Word("IF") || !in.Word("NOT") || !in.Word("EXISTS") ||
          !in.Name(name) || !in.Word("CASCADE") || !in.Done()) {
        return fail(StrCat("fake: bad statement: ", described));
      }
      if (!pg.available_extensions.count(name)) {
        return fail(StrCat("extension \"", name, "\" is not available"));
      }
      if (databases[database].extensions.insert(name).second) {
        changes.push_back(StrCat(described, " (in ", database, ")"));
      }
      return result;
    }
  } else if (in.Word("DROP")) {
    if (in.Word("ROLE")) {
      if (!in.Name(name) || !in.Done()) {
        return fail(StrCat("fake: bad statement: ", described));
      }
      if (!roles.count(name)) {
        return fail(StrCat("role \"", name, "\" does not exist"));
      }
      for (const auto& [db_name, db] : databases) {
        if (db.owner == name) {
          return fail(StrCat("role \"", name,
                             "\" cannot be dropped because some objects "
                             "depend on it\nDETAIL:  owner of database ",
                             db_name));
        }
      }
      roles.erase(name);
      changes.push_back(described);
      return result;
    }
    if (in.Word("DATABASE")) {
      if (!in.Name(name) || !in.Done()) {
        return fail(StrCat("fake: bad statement: ", described));
      }
      if (!databases.erase(name)) {
        return fail(StrCat("database \"", name, "\" does not exist"));
      }
      changes.push_back(described);
      return result;
    }
  }
  return fail(StrCat("fake: unexpected statement: ", described));
}

}  // namespace
}  // namespace cairn::agent
