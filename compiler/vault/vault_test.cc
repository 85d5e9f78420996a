#include "compiler/vault/vault.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::vault {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kSecret = "Th3 Pl@intext";

// A file of compiler/vault/testdata, from the test's runfiles.
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

std::string Salt() {
  std::string salt;
  for (int i = 0; i < 32; ++i) salt.push_back(static_cast<char>(i));
  return salt;
}

// Vault text is hex of an inner layer, itself hex digits and separators.
// Replaces inner byte `k` of `text` (a hex digit) with another hex digit.
std::string FlipInner(std::string text, size_t k) {
  size_t p = 2 * k;
  size_t q = text.find('\n') + 1 + p + p / 80;  // A newline every 80 digits.
  bool zero = text[q] == '3' && text[q + 1] == '0';
  text[q] = '3';
  text[q + 1] = zero ? '1' : '0';
  return text;
}

TEST(VaultTest, RoundTripsPlaintextsOfEveryShape) {
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i * 7));
  std::string mib(1 << 20, '\0');
  for (size_t i = 0; i < mib.size(); ++i) mib[i] = static_cast<char>(i * 31);
  for (const std::string& plaintext :
       {std::string(), std::string("x"), std::string("0123456789abcdef"),
        std::string(15, 'a'), std::string(17, 'b'), binary, mib,
        std::string("Grüße, 東京 ✓\n")}) {
    auto text = Encrypt(plaintext, kPassword);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_TRUE(IsVaultText(*text));
    auto back = Decrypt(*text, kPassword);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, plaintext) << "size " << plaintext.size();
  }
}

TEST(VaultTest, WritesAnsiblesLayout) {
  auto text = Encrypt(kSecret, kPassword);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, StartsWith("$ANSIBLE_VAULT;1.1;AES256\n"));
  EXPECT_EQ(text->back(), '\n');
  std::istringstream lines(*text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 80u);
    EXPECT_EQ(line.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  // Fresh salt every time.
  EXPECT_NE(*text, *Encrypt(kSecret, kPassword));
}

TEST(VaultTest, VaultIdSelectsVersion12) {
  VaultFile header;
  auto text = Encrypt(kSecret, kPassword, "prod");
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, StartsWith("$ANSIBLE_VAULT;1.2;AES256;prod\n"));
  ASSERT_TRUE(Decrypt(*text, kPassword, &header).ok());
  EXPECT_EQ(header.version, "1.2");
  EXPECT_EQ(header.vault_id, "prod");

  ASSERT_TRUE(Decrypt(*Encrypt(kSecret, kPassword), kPassword, &header).ok());
  EXPECT_EQ(header.version, "1.1");
  EXPECT_EQ(header.vault_id, "");

  // Like ansible, the id "default" means no id.
  EXPECT_THAT(*Encrypt(kSecret, kPassword, "default"),
              StartsWith("$ANSIBLE_VAULT;1.1;AES256\n"));
  for (std::string_view bad : {"a;b", "two words", "é", "tab\t"}) {
    EXPECT_FALSE(Encrypt(kSecret, kPassword, bad).ok()) << bad;
  }
}

TEST(VaultTest, RefusesWhatAnsibleRefuses) {
  EXPECT_FALSE(Encrypt(kSecret, "").ok());
  EXPECT_FALSE(Decrypt(*Encrypt(kSecret, kPassword), "").ok());
  auto twice = Encrypt(*Encrypt(kSecret, kPassword), kPassword);
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("already vault text"));
  EXPECT_FALSE(EncryptWithSalt(kSecret, kPassword, "", "").ok());
}

TEST(VaultTest, FixedSaltMatchesAnsibleByteForByte) {
  std::string plain = ReadTestdata("plain.txt");
  auto v11 = EncryptWithSalt(plain, kPassword, "", Salt());
  ASSERT_TRUE(v11.ok()) << v11.status();
  EXPECT_EQ(*v11, ReadTestdata("fixed_salt_1.1.vault"));
  auto v12 = EncryptWithSalt(plain, kPassword, "dev", Salt());
  ASSERT_TRUE(v12.ok()) << v12.status();
  EXPECT_EQ(*v12, ReadTestdata("fixed_salt_1.2_dev.vault"));
}

TEST(VaultTest, DecryptsFilesWrittenByAnsibleVault) {
  std::string plain = ReadTestdata("plain.txt");
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  struct Case {
    const char* file;
    std::string plaintext;
    const char* version;
    const char* vault_id;
  };
  for (const Case& c : {
           Case{"plain_1.1.vault", plain, "1.1", ""},
           Case{"plain_1.2_prod.vault", plain, "1.2", "prod"},
           Case{"empty_1.1.vault", "", "1.1", ""},
           Case{"block16_1.2_dev.vault", "0123456789abcdef", "1.2", "dev"},
           Case{"binary_1.1.vault", binary, "1.1", ""},
           Case{"fixed_salt_1.1.vault", plain, "1.1", ""},
       }) {
    VaultFile header;
    auto got = Decrypt(ReadTestdata(c.file), kPassword, &header);
    ASSERT_TRUE(got.ok()) << c.file << ": " << got.status();
    EXPECT_EQ(*got, c.plaintext) << c.file;
    EXPECT_EQ(header.version, c.version) << c.file;
    EXPECT_EQ(header.vault_id, c.vault_id) << c.file;
  }
}

TEST(VaultTest, WrongPasswordAndTamperingGiveTheSameError) {
  std::string text = *EncryptWithSalt(kSecret, kPassword, "", Salt());
  std::vector<std::string> bad = {
      // Wrong password.
      text,
      // A flipped digit in the HMAC (inner bytes 65..128).
      FlipInner(text, 70),
      // A flipped digit in the ciphertext (after the second separator).
      FlipInner(text, 140),
      // A different salt.
      FlipInner(text, 3),
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto got = Decrypt(bad[i], i == 0 ? "wrong password" : kPassword);
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(got.status().message(),
              "HMAC mismatch: wrong password or corrupted file");
  }
}

// Decrypt(`text`)'s error message, which must name no secret.
std::string ErrorOf(std::string_view text) {
  auto got = Decrypt(text, kPassword);
  EXPECT_FALSE(got.ok());
  std::string message(got.status().message());
  EXPECT_THAT(message, Not(HasSubstr(kSecret)));
  EXPECT_THAT(message, Not(HasSubstr(kPassword)));
  return message;
}

TEST(VaultTest, MalformedTextGivesLocatedErrors) {
  std::string text = *EncryptWithSalt(kSecret, kPassword, "", Salt());
  size_t body = text.find('\n') + 1;
  std::string no_body = text.substr(0, body);

  EXPECT_EQ(ErrorOf(""), "empty text where vault text was expected");
  EXPECT_THAT(ErrorOf("hello\n"), StartsWith("line 1, column 1: expected a "
                                             "vault header"));
  EXPECT_THAT(ErrorOf("$ANSIBLE_VAULT;1.1\nabcd\n"),
              HasSubstr("header has 2 fields"));
  EXPECT_THAT(ErrorOf("$ANSIBLE_VAULT;2.0;AES256\nabcd\n"),
              HasSubstr("unsupported vault format version '2.0'"));
  EXPECT_THAT(ErrorOf("$ANSIBLE_VAULT;1.1;AES128\nabcd\n"),
              HasSubstr("unsupported vault cipher 'AES128'"));
  EXPECT_THAT(ErrorOf(no_body),
              StartsWith("line 2, column 1: the vault body is missing"));

  // A bad digit on line 3.
  std::string bad_hex = text;
  bad_hex[body + 81 + 5] = 'z';
  EXPECT_EQ(ErrorOf(bad_hex),
            "line 3, column 6: 'z' in the vault body, where only hex digits "
            "may appear");

  // Truncated: whole lines lost, or half a line.
  std::string short_text = text.substr(0, body + 81 * 2);
  EXPECT_THAT(ErrorOf(short_text),
              HasSubstr("the vault body ends before its salt, HMAC and "
                        "ciphertext are all there"));
  std::string cut = text.substr(0, text.size() - 2);
  EXPECT_THAT(ErrorOf(cut), HasSubstr("odd number of hex digits"));
  cut = text.substr(0, text.size() - 5);
  EXPECT_THAT(ErrorOf(cut), HasSubstr("not a positive multiple of 16"));

  // A missing line in the middle shifts the separators.
  std::string missing_line = text;
  missing_line.erase(body + 81, 81);
  EXPECT_THAT(ErrorOf(missing_line), StartsWith("line "));

  // Valid outer hex but an inner layer that is not hex.
  std::string inner_bad = "$ANSIBLE_VAULT;1.1;AES256\n";
  inner_bad +=
      "7a7a0a"
      "61610a"
      "6161";  // "zz\naa\naa"
  EXPECT_EQ(ErrorOf(inner_bad),
            "line 2, column 1: the salt contains 'z' where a hex digit "
            "belongs: the file is corrupted");
  inner_bad = "$ANSIBLE_VAULT;1.1;AES256\n";
  inner_bad +=
      "61610a"
      "61610a"
      "6161";  // "aa\naa\naa"
  EXPECT_THAT(ErrorOf(inner_bad),
              StartsWith("line 2, column 7: the HMAC is 1 bytes long"));
}

TEST(VaultTest, ToleratesWhatAnsibleTolerates) {
  // A fixed salt keeps the text, and so the edits below, the same each run.
  std::string text = *EncryptWithSalt(kSecret, kPassword, "prod", Salt());
  size_t first_line_end = text.find('\n', text.find('\n') + 1);
  auto insert = [&](std::string_view what) {
    return std::string(text).insert(first_line_end, what);
  };
  auto replace_all = [](std::string s, std::string_view from,
                        std::string_view to) {
    for (size_t p = s.find(from); p != std::string::npos;
         p = s.find(from, p + to.size())) {
      s.replace(p, from.size(), to);
    }
    return s;
  };
  std::string header_end = text.substr(0, text.find('\n'));
  for (const std::string& variant : {
           replace_all(text, "\n", "\r\n"),
           replace_all(text, "\n", "\r"),
           replace_all(text, header_end, header_end + " \t"),
           replace_all(text, ";1.2;", " ; 1.2 ; "),
           text.substr(0, text.size() - 1),
           text + "\n\n",
           insert("\n\n"),
           replace_all(text, "a", "A"),
       }) {
    VaultFile header;
    auto got = Decrypt(variant, kPassword, &header);
    ASSERT_TRUE(got.ok()) << got.status() << "\n" << variant;
    EXPECT_EQ(*got, kSecret);
    EXPECT_EQ(header.vault_id, "prod");
  }
  // Ansible (binascii.unhexlify) rejects spaces in or after body lines.
  std::string spaced = insert(" ");
  EXPECT_THAT(ErrorOf(spaced), HasSubstr("a space in the vault body"));
  EXPECT_THAT(ErrorOf(text + "  \n"), StartsWith("line "));
}

TEST(VaultTest, ErrorsNeverContainThePlaintext) {
  std::string text = *EncryptWithSalt(kSecret, kPassword, "", Salt());
  for (size_t k = 0; k < text.size(); k += 7) {
    std::string broken = text;
    broken[k] = broken[k] == 'f' ? '0' : 'f';
    for (std::string_view password : {kPassword, kSecret}) {
      auto got = Decrypt(broken, password);
      if (got.ok()) continue;  // The header's case or spacing, say.
      EXPECT_THAT(std::string(got.status().message()), Not(HasSubstr(kSecret)));
      EXPECT_THAT(std::string(got.status().message()),
                  Not(HasSubstr(kPassword)));
    }
  }
}

TEST(VaultTest, ReencryptIfChangedKeepsBytesWhenUnchanged) {
  std::string text = *Encrypt(kSecret, kPassword, "prod");
  auto same = ReencryptIfChanged(text, kSecret, kPassword);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, text);

  auto changed = ReencryptIfChanged(text, "new secret", kPassword);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(*changed, text);
  VaultFile header;
  EXPECT_EQ(*Decrypt(*changed, kPassword, &header), "new secret");
  EXPECT_EQ(header.vault_id, "prod");

  // A file written by ansible-vault stays as ansible wrote it.
  std::string ansible = ReadTestdata("plain_1.1.vault");
  EXPECT_EQ(*ReencryptIfChanged(ansible, ReadTestdata("plain.txt"), kPassword),
            ansible);

  auto wrong = ReencryptIfChanged(text, kSecret, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("HMAC mismatch"));
}

TEST(VaultTest, IsVaultTextFollowsAnsible) {
  EXPECT_TRUE(IsVaultText("$ANSIBLE_VAULT;1.1;AES256\n00\n"));
  EXPECT_FALSE(IsVaultText(" $ANSIBLE_VAULT;1.1;AES256\n"));
  EXPECT_FALSE(IsVaultText("$ANSIBLE_VAULT;1.1;AES256\n\xc3\xa9"));
  EXPECT_FALSE(IsVaultText("key: value"));
}

TEST(VaultTest, PasswordFromFileStripsLikeAnsible) {
  EXPECT_EQ(PasswordFromFile(ReadTestdata("password.txt")), kPassword);
  EXPECT_EQ(PasswordFromFile("  pw with inner space \r\n\n"),
            "pw with inner space");
  EXPECT_EQ(PasswordFromFile("\n"), "");
}

TEST(VaultTest, FingerprintIsStableAndKeyed) {
  std::string a = Fingerprint("secret", "plan-key");
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a, Fingerprint("secret", "plan-key"));
  EXPECT_NE(a, Fingerprint("secret", "other-key"));
  EXPECT_NE(a, Fingerprint("secreT", "plan-key"));
  // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") starts
  // f7bc83f4 (the RFC 4231-style example on Wikipedia).
  EXPECT_EQ(Fingerprint("The quick brown fox jumps over the lazy dog", "key"),
            "f7bc83f4");
}

}  // namespace
}  // namespace cairn::vault
