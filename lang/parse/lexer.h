#ifndef CAIRN_LANG_PARSE_LEXER_H_
#define CAIRN_LANG_PARSE_LEXER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace cairn::parse_internal {

// The tokens of lang/grammar/CairnLexer.g4, produced by hand: the same token
// types, channels, byte ranges and lines as the generated lexer (a test
// checks that token for token), at several times its speed. The generated
// lexer stays the specification.
class Lexer : public antlr4::TokenSource {
 public:
  // `chars` supplies getText() for tokens; its indices are byte offsets.
  Lexer(std::string_view text, antlr4::CharStream* chars);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return 0; }
  antlr4::CharStream* getInputStream() override { return chars_; }
  std::string getSourceName() override { return chars_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  enum Mode { kDefault, kString, kTriple };

  std::unique_ptr<antlr4::Token> Make(size_t type, size_t begin,
                                      size_t channel = 0);
  std::unique_ptr<antlr4::Token> Default();
  std::unique_ptr<antlr4::Token> InString();
  std::unique_ptr<antlr4::Token> InTriple();
  size_t Number(size_t begin, size_t* type) const;
  // Length of the code point (or invalid byte) at `pos`.
  size_t CharLength(size_t pos) const;
  void Push(Mode next) {
    modes_.push_back(mode_);
    mode_ = next;
  }
  void Pop() {
    if (modes_.empty()) return;
    mode_ = modes_.back();
    modes_.pop_back();
  }
  // Advances to `pos`, counting newlines.
  void AdvanceTo(size_t pos);
  char At(size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }

  std::string_view text_;
  antlr4::CharStream* chars_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t token_line_ = 1;
  Mode mode_ = kDefault;
  std::vector<Mode> modes_;
};

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_LEXER_H_
