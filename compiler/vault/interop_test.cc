// Round trips between this library and the real ansible-vault, both ways,
// formats 1.1 and 1.2, several vault ids. tools/setup installs ansible, so a
// missing /usr/bin/ansible-vault fails every test here instead of skipping:
// CI must never pass without having checked compatibility.
//
// About ten ansible-vault runs of ~0.3 s each; files go to TEST_TMPDIR.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn::vault {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kAnsibleVault[] = "/usr/bin/ansible-vault";
constexpr char kPython[] = "/usr/bin/python3";

// What a child process did.
struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kAnsibleVault, X_OK), 0)
        << kAnsibleVault
        << " is missing. tools/setup installs it (Debian package ansible); "
           "this test fails rather than skips so that CI cannot pass "
           "without checking compatibility with the real ansible-vault.";
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string templ = StrCat(tmp ? tmp : "/tmp", "/vault-interop-XXXXXX");
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    ASSERT_EQ(mkdir(Path("ansible-tmp").c_str(), 0700), 0);
    Write("ansible.cfg", "");
    // Ansible strips password files; PasswordFromFile must do the same.
    Write("pw_default", "  correct horse battery staple \n");
    Write("pw_dev", "dev password\n");
    Write("pw_prod", "prod-Pässwörd\r\n");
  }

  std::string Path(std::string_view name) const {
    return StrCat(dir_, "/", name);
  }

  void Write(std::string_view name, std::string_view content) const {
    std::ofstream out(Path(name), std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << name;
    chmod(Path(name).c_str(), 0600);  // Not executable: not a script.
  }

  std::string Read(std::string_view name) const {
    std::ifstream in(Path(name), std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  // The password ansible reads from password file `name`.
  std::string Password(std::string_view name) const {
    return std::string(PasswordFromFile(Read(name)));
  }

  // Runs `program` with `args` in the temp dir, stdin from `input`.
  Result Run(const char* program, const std::vector<std::string>& args,
             std::string_view input = "") const {
    Write("stdin", input);
    std::vector<std::string> env = {
        StrCat("HOME=", dir_),
        StrCat("ANSIBLE_LOCAL_TEMP=", Path("ansible-tmp")),
        StrCat("ANSIBLE_CONFIG=", Path("ansible.cfg")),
        "ANSIBLE_NOCOLOR=1",
        "LC_ALL=C.UTF-8",
        "PATH=/usr/bin:/bin",
    };
    std::vector<char*> argv = {const_cast<char*>(program)};
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string in = Path("stdin"), out = Path("stdout"), err = Path("stderr");

    pid_t pid = fork();
    if (pid == 0) {
      int fd_in = open(in.c_str(), O_RDONLY);
      int fd_out = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int fd_err = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd_in < 0 || fd_out < 0 || fd_err < 0 || dup2(fd_in, 0) < 0 ||
          dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0 ||
          chdir(dir_.c_str()) != 0) {
        _exit(126);
      }
      execve(program, argv.data(), envp.data());
      _exit(127);
    }
    Result result;
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
      ADD_FAILURE() << "cannot run " << program;
      return result;
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = Read("stdout");
    result.err = Read("stderr");
    return result;
  }

  Result AnsibleVault(const std::vector<std::string>& args,
                      std::string_view input = "") const {
    return Run(kAnsibleVault, args, input);
  }

  std::string dir_;
};

// Plaintexts of the shapes that matter, by file name.
std::map<std::string, std::string> Plaintexts() {
  std::string binary;
  for (int i = 0; i < 100000; ++i) {
    binary.push_back(static_cast<char>((i * 2654435761u) >> 13));
  }
  return {
      {"empty", ""},
      {"one", "x"},
      {"block16", "0123456789abcdef"},
      {"utf8", "Grüße, 東京 ✓\nsecond line\n"},
      {"binary", binary},
  };
}

TEST_F(InteropTest, AnsibleEncrypts11WeDecrypt) {
  std::vector<std::string> args = {"encrypt", "--vault-password-file",
                                   Path("pw_default")};
  for (const auto& [name, text] : Plaintexts()) {
    Write(name, text);
    args.push_back(Path(name));
  }
  Result r = AnsibleVault(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, text] : Plaintexts()) {
    std::string vault_text = Read(name);
    EXPECT_THAT(vault_text, StartsWith("$ANSIBLE_VAULT;1.1;AES256\n"));
    VaultFile header;
    auto got = Decrypt(vault_text, Password("pw_default"), &header);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status();
    EXPECT_EQ(*got, text) << name;
    EXPECT_EQ(header.version, "1.1");
    // Unchanged content keeps ansible's bytes.
    EXPECT_EQ(*ReencryptIfChanged(vault_text, text, Password("pw_default")),
              vault_text);
  }
}

TEST_F(InteropTest, AnsibleEncrypts12WithVaultIdsWeDecrypt) {
  std::vector<std::string> args = {"encrypt", "--vault-id",
                                   StrCat("dev@", Path("pw_dev"))};
  for (const auto& [name, text] : Plaintexts()) {
    Write(name, text);
    args.push_back(Path(name));
  }
  Result r = AnsibleVault(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, text] : Plaintexts()) {
    VaultFile header;
    auto got = Decrypt(Read(name), Password("pw_dev"), &header);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status();
    EXPECT_EQ(*got, text) << name;
    EXPECT_EQ(header.version, "1.2");
    EXPECT_EQ(header.vault_id, "dev");
  }

  // Two ids known to ansible; it encrypts with the one it is told to.
  Write("prod.txt", "prod secret\n");
  r = AnsibleVault({"encrypt", "--vault-id", StrCat("dev@", Path("pw_dev")),
                    "--vault-id", StrCat("prod@", Path("pw_prod")),
                    "--encrypt-vault-id", "prod", Path("prod.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string prod = Read("prod.txt");
  EXPECT_THAT(prod, StartsWith("$ANSIBLE_VAULT;1.2;AES256;prod\n"));
  EXPECT_EQ(*Decrypt(prod, Password("pw_prod")), "prod secret\n");

  // Ansible's file with the wrong password: our error, and nothing else.
  auto wrong = Decrypt(prod, Password("pw_dev"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "HMAC mismatch: wrong password or corrupted file");
}

TEST_F(InteropTest, WeEncrypt11AnsibleDecrypts) {
  std::vector<std::string> args = {"decrypt", "--vault-password-file",
                                   Path("pw_default")};
  for (const auto& [name, text] : Plaintexts()) {
    auto vault_text = Encrypt(text, Password("pw_default"));
    ASSERT_TRUE(vault_text.ok()) << vault_text.status();
    Write(name, *vault_text);
    args.push_back(Path(name));
  }
  Result r = AnsibleVault(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, text] : Plaintexts()) {
    EXPECT_EQ(Read(name), text) << name;
  }
}

TEST_F(InteropTest, WeEncrypt12AnsibleDecryptsByVaultId) {
  std::vector<std::string> args = {"decrypt", "--vault-id",
                                   StrCat("dev@", Path("pw_dev"))};
  for (const auto& [name, text] : Plaintexts()) {
    Write(name, *Encrypt(text, Password("pw_dev"), "dev"));
    args.push_back(Path(name));
  }
  Result r = AnsibleVault(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, text] : Plaintexts()) {
    EXPECT_EQ(Read(name), text) << name;
  }

  // Ansible picks the prod password for a file labelled prod.
  Write("prod.vault", *Encrypt("prod secret\n", Password("pw_prod"), "prod"));
  r = AnsibleVault({"decrypt", "--vault-id", StrCat("dev@", Path("pw_dev")),
                    "--vault-id", StrCat("prod@", Path("pw_prod")), "--output",
                    "-", Path("prod.vault")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "prod secret\n");
}

TEST_F(InteropTest, AnsibleRefusesOurFileWithTheWrongPassword) {
  Write("prod.vault", *Encrypt("prod secret\n", Password("pw_prod"), "prod"));
  Result r =
      AnsibleVault({"decrypt", "--vault-id", StrCat("prod@", Path("pw_dev")),
                    "--output", "-", Path("prod.vault")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("Decryption failed"));
  EXPECT_EQ(r.out, "");
}

TEST_F(InteropTest, EncryptStringValuesInAYamlFile) {
  Result one = AnsibleVault({"encrypt_string", "--vault-id",
                             StrCat("prod@", Path("pw_prod")), "--name",
                             "db_password", "p@ss: 'word' #1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  Result two = AnsibleVault({"encrypt_string", "--vault-password-file",
                             Path("pw_prod"), "--stdin-name", "tls_key"},
                            "-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  std::string yaml = StrCat("---\napp: madada\n", one.out, "\nnested:\n");
  for (std::string_view line : StrSplit(two.out, '\n')) {
    if (!line.empty()) StrAppend(&yaml, "  ", line, "\n");
  }
  auto vars = DecryptYamlVars(yaml, Password("pw_prod"));
  ASSERT_TRUE(vars.ok()) << vars.status() << "\n" << yaml;
  EXPECT_EQ(*vars, (std::map<std::string, std::string>{
                       {"db_password", "p@ss: 'word' #1"},
                       {"nested.tls_key",
                        "-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n"}}));
}

TEST_F(InteropTest, FixedSaltOutputIsAnsiblesByteForByte) {
  // Ansible's own VaultLib, given the salt the CLI cannot be given.
  Write("plain", "Grüße\nline two\n");
  Result r = Run(kPython, {"-c", R"(
import sys
from ansible.parsing.vault import VaultLib, VaultSecret
plain, pw = open('plain', 'rb').read(), open('pw_prod', 'rb').read().strip()
lib = VaultLib([('prod', VaultSecret(pw))])
for vault_id, out in ((None, 'fixed_1.1'), ('prod', 'fixed_1.2')):
    open(out, 'wb').write(lib.encrypt(plain, vault_id=vault_id, salt=b'S' * 32))
)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string salt(32, 'S');
  EXPECT_EQ(*EncryptWithSalt(Read("plain"), Password("pw_prod"), "", salt),
            Read("fixed_1.1"));
  EXPECT_EQ(*EncryptWithSalt(Read("plain"), Password("pw_prod"), "prod", salt),
            Read("fixed_1.2"));
}

}  // namespace
}  // namespace cairn::vault
