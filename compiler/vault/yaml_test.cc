// DecryptYamlVars: vars files with `!vault |` values, and whole-file vaults
// of `key: value` lines. Expected values are what ansible's own loader reads
// from the same files.

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "compiler/vault/vault.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::vault {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Vars = std::map<std::string, std::string>;

constexpr std::string_view kPassword = "correct horse battery staple";

std::string ReadTestdata(std::string_view name) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string path = std::string(srcdir ? srcdir : ".") + "/" +
                     (workspace ? workspace : "cairn") +
                     "/compiler/vault/testdata/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// `text` with every line indented by `spaces`.
std::string Indented(std::string_view text, int spaces) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += std::string(spaces, ' ');
    out += text.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

// A YAML `!vault |` value for `plaintext`, indented as encrypt_string does.
std::string VaultValue(std::string_view plaintext, int indent = 10) {
  return "!vault |\n" + Indented(*Encrypt(plaintext, kPassword), indent);
}

// A whole-file vault of `yaml`.
std::string VaultFileOf(std::string_view yaml) {
  return *Encrypt(yaml, kPassword);
}

TEST(YamlTest, InlineValuesFromAnsibleVaultEncryptString) {
  auto vars = DecryptYamlVars(ReadTestdata("inline_vars.yml"), kPassword);
  ASSERT_TRUE(vars.ok()) << vars.status();
  EXPECT_EQ(*vars, (Vars{{"db_password", "p@ss: \"word\" #1"},
                         {"mysql.root_password", "Grüße, 東京"},
                         {"ssh_key", "line one\nline two\n"}}));
}

TEST(YamlTest, WholeFileVaultOfSimpleValues) {
  auto vars = DecryptYamlVars(ReadTestdata("group_vars_vault.yml"), kPassword);
  ASSERT_TRUE(vars.ok()) << vars.status();
  EXPECT_EQ(*vars, (Vars{
                       {"vault_db_password", "s3cr3t with spaces"},
                       {"vault_smtp_password", "it's single-quoted"},
                       {"vault_api_token", "abc123-plain"},
                       {"vault_escapes", "tab\there, \u00e9, \"quoted\""},
                       {"vault_empty", ""},
                       {"vault_unsafe", "{{ not a template }}"},
                       {"vault_tls_key",
                        "-----BEGIN PRIVATE KEY-----\n"
                        "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n"
                        "-----END PRIVATE KEY-----\n"},
                       {"vault_no_newline", "no trailing newline"},
                       {"restic.repository_password", "nested-secret"},
                       {"restic.s3.secret_key", "deeper"},
                   }));
}

TEST(YamlTest, InlineValuesAmongOtherYaml) {
  std::string yaml =
      "\xef\xbb\xbf# comment\n"
      "---\n"
      "url: http://example.org:8080/x\n"
      "template: \"{{ a }}: b\"\n"
      "flow: {a: 1,\n"
      "  b: 2}\n"
      "jinja: {{ x }}\n"
      "long: one\n"
      "  two three\n"
      "folded: >\n"
      "  not: !vault |\n"
      "    a key\n"
      "list:\n"
      "- a\n"
      "- b: c\n"
      "a:\n"
      "    b:\n"
      "        secret: " +
      VaultValue("deep", 12) +
      "    other: x\n"
      "top: " +
      VaultValue("top\n") + "\n\n";
  auto vars = DecryptYamlVars(yaml, kPassword);
  ASSERT_TRUE(vars.ok()) << vars.status();
  EXPECT_EQ(*vars, (Vars{{"a.b.secret", "deep"}, {"top", "top\n"}}));
}

TEST(YamlTest, CrlfAndChompingIndicators) {
  std::string yaml = "k1: " + VaultValue("one") + "k2: !vault |-\n" +
                     Indented(*Encrypt("two", kPassword), 2) +
                     "k3: !vault |+ # comment\n" +
                     Indented(*Encrypt("three", kPassword), 4);
  std::string crlf;
  for (char c : yaml) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto vars = DecryptYamlVars(crlf, kPassword);
  ASSERT_TRUE(vars.ok()) << vars.status();
  EXPECT_EQ(*vars, (Vars{{"k1", "one"}, {"k2", "two"}, {"k3", "three"}}));
}

TEST(YamlTest, QuotedVaultText) {
  std::string text = *Encrypt("quoted", kPassword);
  std::string escaped;
  for (char c : text)
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  auto vars = DecryptYamlVars("k: !vault \"" + escaped + "\"\n", kPassword);
  ASSERT_TRUE(vars.ok()) << vars.status();
  EXPECT_EQ(vars->at("k"), "quoted");
}

TEST(YamlTest, InlineErrorsNameTheKeyAndTheYamlLine) {
  std::string value = VaultValue("s3cret-value");
  auto wrong = DecryptYamlVars("a: 1\nsecret: " + value, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "'secret': HMAC mismatch: wrong password or corrupted file");

  // A bad digit on the YAML file's line 4, column 11 + 5.
  std::string yaml = "a: 1\nsecret: " + value;
  size_t line4 = 0;
  for (int i = 0; i < 3; ++i) line4 = yaml.find('\n', line4) + 1;
  yaml[line4 + 10 + 5] = 'x';
  auto bad = DecryptYamlVars(yaml, kPassword);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "'secret': line 4, column 16: 'x' in the vault body, where only "
            "hex digits may appear");

  EXPECT_THAT(
      DecryptYamlVars("k: !vault |\nnext: 1\n", kPassword).status().message(),
      HasSubstr("line 1: 'k': !vault | is not followed by"));
  EXPECT_THAT(DecryptYamlVars("k: !vault >\n  $ANSIBLE_VAULT\n", kPassword)
                  .status()
                  .message(),
              HasSubstr("expected '!vault |'"));
  EXPECT_THAT(DecryptYamlVars("l:\n  - " + VaultValue("x", 6), kPassword)
                  .status()
                  .message(),
              HasSubstr("!vault inside a list is not supported"));
  EXPECT_THAT(DecryptYamlVars("k: " + VaultValue("x") + "k: " + VaultValue("y"),
                              kPassword)
                  .status()
                  .message(),
              HasSubstr("'k': a duplicate key"));
  EXPECT_THAT(DecryptYamlVars("a: 1\n\tb: 2\n", kPassword).status().message(),
              HasSubstr("line 2: a tab in the indentation"));
  EXPECT_THAT(
      DecryptYamlVars("a:\n  b: 1\n c: 2\n", kPassword).status().message(),
      HasSubstr("line 3: the indentation does not match"));
  EXPECT_THAT(DecryptYamlVars("just text\n", kPassword).status().message(),
              HasSubstr("line 1: expected 'key: value'"));
}

TEST(YamlTest, LiteralBlocksInVaultFilesFollowYaml) {
  // Values as PyYAML reads the same text.
  struct Case {
    const char* yaml;
    const char* value;
  };
  for (const Case& c : {
           Case{"a: |\n  x\n  y\n\n\nb: 1\n", "x\ny\n"},
           Case{"a: |\n  x", "x"},
           Case{"a: |+\n  x\n\n\nb: 1\n", "x\n\n\n"},
           Case{"a: |-\n  x\n\n", "x"},
           Case{"a: |\n\n  x\n   \n  y\n", "\nx\n \ny\n"},
           Case{"a: |\n", ""},
           Case{"a: |+\n\n\n", "\n\n"},
       }) {
    auto vars = DecryptYamlVars(VaultFileOf(c.yaml), kPassword);
    ASSERT_TRUE(vars.ok()) << vars.status() << "\n" << c.yaml;
    EXPECT_EQ(vars->at("a"), c.value) << c.yaml;
  }
}

TEST(YamlTest, VaultFileErrorsNeverQuoteTheirContent) {
  for (const char* yaml : {
           "k: s3cretA\n- s3cretB\n",
           "k: [s3cretA, s3cretB]\n",
           "k: s3cretA\n  s3cretB\n",
           "k: >\n  s3cretA\n",
           "k: s3cretA\nk: s3cretB\n",
           "k: \"s3cretA\n  s3cretB\"\n",
           "k: 's3cretA' s3cretB\n",
           "s3cretA s3cretB\n",
           "k: s3cretA: s3cretB\n",
           "k: \"s3cret\\qA\"\n",
           "k: &s3cretA x\n",
           "--- s3cretA\n",
           "k: s3cretA\n---\nj: s3cretB\n",
           "k: !vault |\n  s3cretA\n",
       }) {
    auto vars = DecryptYamlVars(VaultFileOf(yaml), kPassword);
    ASSERT_FALSE(vars.ok()) << yaml;
    std::string message(vars.status().message());
    EXPECT_THAT(message, StartsWith("decrypted text, line ")) << yaml;
    EXPECT_THAT(message, Not(HasSubstr("s3cret"))) << message;
    EXPECT_THAT(message, Not(HasSubstr("'k'"))) << message;
  }
}

TEST(YamlTest, WholeFileWrongPassword) {
  auto vars = DecryptYamlVars(ReadTestdata("group_vars_vault.yml"), "nope");
  ASSERT_FALSE(vars.ok());
  EXPECT_EQ(vars.status().message(),
            "HMAC mismatch: wrong password or corrupted file");
}

TEST(YamlTest, EmptyFilesHaveNoSecrets) {
  EXPECT_TRUE(DecryptYamlVars("", kPassword)->empty());
  EXPECT_TRUE(DecryptYamlVars("---\n# nothing\n...\n", kPassword)->empty());
  EXPECT_TRUE(DecryptYamlVars(VaultFileOf("# none\n"), kPassword)->empty());
}

}  // namespace
}  // namespace cairn::vault
