#include "agent/providers/postgres_scram.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

// Made by PostgreSQL 15.20 (CREATE ROLE ... PASSWORD 'pencil', then
// SELECT rolpassword FROM pg_authid), a fact outside this code.
constexpr char kPencil[] =
    "SCRAM-SHA-256$4096:U0MDFJOPsYlxyUdfbPpiEA==$"
    "kSa6RSldN23E8dtevd52EIMPE7PgRtvzEAQQQZCcA7Y=:"
    "0hjvyDOC3xFQMT63Ok9U6SLnDjsKx4nt4im95DGFZyw=";
// PASSWORD 'p''a\ss w0rd!' (standard_conforming_strings on): p'a\ss w0rd!
constexpr char kQuoted[] =
    "SCRAM-SHA-256$4096:1J4SBAWPglmA31PvA/Af9Q==$"
    "hAL1xBJEPDoQA2bQDgf33NoDZ+PLo2Ldhawv65W2HiM=:"
    "KaOAaxRqUxvqDy+bGawPHKz1aa40/6rtty9EzK7cZME=";

TEST(ScramTest, RecomputesVerifiersPostgresMade) {
  for (auto [stored, password] :
       {std::pair{kPencil, "pencil"}, std::pair{kQuoted, "p'a\\ss w0rd!"}}) {
    std::optional<ScramSecret> parsed = ParseScramSecret(stored);
    ASSERT_TRUE(parsed.has_value()) << stored;
    EXPECT_EQ(parsed->iterations, 4096);
    EXPECT_EQ(parsed->salt.size(), 16u);
    absl::StatusOr<ScramSecret> computed =
        ComputeScramSecret(password, parsed->salt, parsed->iterations);
    ASSERT_TRUE(computed.ok()) << computed.status();
    EXPECT_EQ(FormatScramSecret(*computed), stored);
    EXPECT_TRUE(ScramVerifierMatches(stored, password));
  }
  EXPECT_FALSE(ScramVerifierMatches(kPencil, "pencil "));
  EXPECT_FALSE(ScramVerifierMatches(kPencil, "Pencil"));
  EXPECT_FALSE(ScramVerifierMatches(kQuoted, "pencil"));
}

TEST(ScramTest, NewVerifiersHaveAFreshSaltAndMatch) {
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> verifier = NewScramVerifier("correct horse");
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    EXPECT_EQ(verifier->find("correct"), std::string::npos);
    std::optional<ScramSecret> parsed = ParseScramSecret(*verifier);
    ASSERT_TRUE(parsed.has_value()) << *verifier;
    EXPECT_EQ(parsed->iterations, kScramIterations);
    EXPECT_EQ(parsed->salt.size(), 16u);
    EXPECT_EQ(FormatScramSecret(*parsed), *verifier);
    EXPECT_TRUE(ScramVerifierMatches(*verifier, "correct horse"));
    EXPECT_FALSE(ScramVerifierMatches(*verifier, "correct horse!"));
    seen.insert(*verifier);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST(ScramTest, OtherIterationCountsAreRecomputedWithTheirOwn) {
  absl::StatusOr<ScramSecret> secret =
      ComputeScramSecret("pencil", "0123456789abcdef", 10);
  ASSERT_TRUE(secret.ok());
  std::string stored = FormatScramSecret(*secret);
  EXPECT_EQ(stored.substr(0, 17), "SCRAM-SHA-256$10:");
  EXPECT_TRUE(ScramVerifierMatches(stored, "pencil"));
}

TEST(ScramTest, RejectsWhatIsNotAVerifier) {
  std::string good = kPencil;
  for (const std::string& bad : std::vector<std::string>{
           "",
           "md5e2ec3d58d8a4b0ae4f1fa8bd8d4f6ffb",
           "pencil",
           good.substr(0, good.size() - 1),  // Bad base64 length.
           "SCRAM-SHA-256$4096:U0MDFJOPsYlxyUdfbPpiEA==$abc=:def=",
           "SCRAM-SHA-256$0:U0MDFJOPsYlxyUdfbPpiEA==" + good.substr(43),
           "SCRAM-SHA-256$99999999:U0MDFJOPsYlxyUdfbPpiEA==" + good.substr(43),
           "SCRAM-SHA-256$4096x:U0MDFJOPsYlxyUdfbPpiEA==" + good.substr(43),
           "SCRAM-SHA-256$4096:U0MD=JOPsYlxyUdfbPpiEA==" + good.substr(43),
           "SCRAM-SHA-256$4096:U0MDFJOPsYlxyUdfbPpiEA==",
       }) {
    EXPECT_FALSE(ParseScramSecret(bad).has_value()) << bad;
    EXPECT_FALSE(ScramVerifierMatches(bad, "pencil")) << bad;
  }
  // The cut-off above: the tail from the '$' before the keys.
  EXPECT_TRUE(ParseScramSecret("SCRAM-SHA-256$4096:U0MDFJOPsYlxyUdfbPpiEA==" +
                               good.substr(43))
                  .has_value());
}

TEST(ScramTest, OnlyAsciiPasswords) {
  EXPECT_TRUE(CheckScramPassword("ascii only, even \x01 controls").ok());
  absl::Status empty = CheckScramPassword("");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  absl::Status accented = CheckScramPassword("s\xc3\xa9same");
  EXPECT_EQ(accented.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(accented.message()).find("s\xc3\xa9"),
            std::string::npos);
  EXPECT_FALSE(NewScramVerifier("s\xc3\xa9same").ok());
}

TEST(ScramTest, RedactsVerifiersInMessages) {
  std::string message =
      std::string(
          "ERROR:  syntax error\nLINE 1: ALTER ROLE \"a\" WITH "
          "PASSWORD '") +
      kPencil + "' BOGUS;\n";
  std::string redacted = RedactScramVerifiers(message);
  EXPECT_EQ(redacted,
            "ERROR:  syntax error\nLINE 1: ALTER ROLE \"a\" WITH PASSWORD "
            "'SCRAM-SHA-256$(redacted)' BOGUS;\n");
  EXPECT_EQ(RedactScramVerifiers("nothing here"), "nothing here");
}

}  // namespace
}  // namespace cairn::agent
