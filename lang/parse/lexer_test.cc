// The hand-written lexer must produce exactly the tokens of the generated
// one (lang/grammar/CairnLexer.g4 is the specification): same types,
// channels, byte ranges and lines, on every test input and on many
// generated ones.

#include "lang/parse/lexer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lang/parse/CairnLexer.h"
#include "lang/parse/char_stream.h"

namespace cairn::parse_internal {
namespace {

namespace fs = std::filesystem;

struct Tok {
  size_t type, channel, start, stop, line;
  bool operator==(const Tok& o) const {
    return type == o.type && channel == o.channel && start == o.start &&
           stop == o.stop && line == o.line;
  }
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{type " << t.type << ", channel " << t.channel << ", ["
            << t.start << ", " << t.stop << "], line " << t.line << "}";
}

std::vector<Tok> Drain(antlr4::TokenSource& source) {
  std::vector<Tok> tokens;
  while (true) {
    std::unique_ptr<antlr4::Token> t = source.nextToken();
    tokens.push_back({t->getType(), t->getChannel(), t->getStartIndex(),
                      t->getStopIndex(), t->getLine()});
    if (t->getType() == antlr4::Token::EOF || tokens.size() > 1000000) break;
  }
  return tokens;
}

void ExpectSameTokens(const std::string& text, const std::string& what) {
  Utf8CharStream reference_chars(text, "x");
  cairn_antlr::CairnLexer reference(&reference_chars);
  reference.removeErrorListeners();
  Utf8CharStream chars(text, "x");
  Lexer lexer(text, &chars);
  std::vector<Tok> want = Drain(reference);
  std::vector<Tok> got = Drain(lexer);
  size_t n = std::min(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    if (!(want[i] == got[i])) {
      ADD_FAILURE() << what << ": token " << i << " differs: want " << want[i]
                    << ", got " << got[i] << "; text near it: "
                    << text.substr(want[i].start < text.size() ? want[i].start
                                                               : text.size(),
                                   20);
      return;
    }
  }
  EXPECT_EQ(want.size(), got.size()) << what;
}

std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* name = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (name ? name : "cairn") +
         "/" + path;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(Lexer, MatchesTheGrammarOnTestInputs) {
  int files = 0;
  for (const char* dir : {"lang/testdata", "examples/quickstart"}) {
    for (const auto& entry : fs::directory_iterator(Runfile(dir))) {
      ExpectSameTokens(ReadAll(entry.path()), entry.path().string());
      ++files;
    }
  }
  EXPECT_GT(files, 20);
}

TEST(Lexer, MatchesTheGrammarOnEdgeCases) {
  const char* cases[] = {
      "",
      "   \n\t ",
      "0x 0x1F 0o 0o78 0o777 1_000_ 1.5 1. .5 1e5 1e 1e+ 1.5e-3x 0b101 12ab",
      "a&b a&&b a|b a||b == = != ! <= < >= >",
      "'single' 'open\n'x' '",
      "\"text $ ${a} \\n \\\" \\",
      "\"unterminated\nnext",
      "\"\"\" a \"\" b \" \\\n ${x} $ \"\"\"\"",
      "\"\"\"never closed",
      "}}} {{{ ${",
      "\"${ { } }\" \"${\"${\"${a}\"}\"}\"",
      "# comment\r\nx # trailing\r\n#",
      "caf\xC3\xA9 \xFF\xFE \xE2\x98\x83 \"\xFF\" ` @ ~ ^ ;",
      std::string("nul \0 byte", 10).c_str(),
      "\r\r\n\n\f",
  };
  for (const char* text : cases) ExpectSameTokens(text, text);
  ExpectSameTokens(std::string("a\0b\"\0\"", 7), "embedded NULs");
}

TEST(Lexer, MatchesTheGrammarOnRandomInputs) {
  // Fragments that exercise every rule and mode switch.
  const std::vector<std::string> pieces = {
      " ",    "\n",       "\r\n", "\t",  "a",   "_x9",    "import", "allow",
      "from", "0",        "7",    "0x",  "0o",  "f",      "e",      "E",
      "+",    "-",        ".",    "_",   "\"",  "\"\"\"", "'",      "$",
      "${",   "{",        "}",    "[",   "]",   "(",      ")",      "\\",
      "\\n",  "#",        "=",    "==",  "!",   "&",      "|",      "<",
      ">",    ",",        ":",    "?",   "%",   "*",      "/",      "\xC3\xA9",
      "\xFF", "\xE2\x98", "@",    "1.5", "1e3",
  };
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(1, 40);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int n = length(rng);
    for (int k = 0; k < n; ++k) text += pieces[pick(rng)];
    ExpectSameTokens(text, "random input " + std::to_string(i));
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace cairn::parse_internal
