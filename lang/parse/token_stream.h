#ifndef CAIRN_LANG_PARSE_TOKEN_STREAM_H_
#define CAIRN_LANG_PARSE_TOKEN_STREAM_H_

#include <deque>
#include <memory>
#include <string>

#include "antlr4-runtime.h"

namespace cairn::parse_internal {

// A token stream that keeps a window of tokens: everything from the last
// Compact() on, plus the token just before it, so that LT(-1) (which the
// ANTLR runtime and error recovery use) is always a live token. ANTLR's own
// UnbufferedTokenStream frees the last token when its buffer empties and
// then hands out a dangling LT(-1).
//
// The driver calls Compact() between top-level statements, so memory is
// bounded by the largest statement; seek() may go back to any token since.
class WindowTokenStream : public antlr4::TokenStream {
 public:
  explicit WindowTokenStream(antlr4::TokenSource* source) : source_(source) {}

  // Frees every token before the previous one.
  void Compact();

  antlr4::Token* LT(ssize_t k) override;
  size_t LA(ssize_t i) override;
  void consume() override;
  ssize_t mark() override { return 0; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override;
  size_t size() override { return base_ + tokens_.size(); }
  antlr4::Token* get(size_t index) const override;
  antlr4::TokenSource* getTokenSource() const override { return source_; }
  std::string getSourceName() const override {
    return source_->getSourceName();
  }
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string getText() override { return ""; }
  std::string getText(antlr4::RuleContext* ctx) override;
  std::string getText(antlr4::Token* start, antlr4::Token* stop) override;

 private:
  // Makes sure tokens up to absolute index `i` exist (or EOF was reached).
  void Fill(size_t i);

  antlr4::TokenSource* source_;
  std::deque<std::unique_ptr<antlr4::Token>> tokens_;
  size_t base_ = 0;  // Absolute index of tokens_.front().
  size_t p_ = 0;     // Absolute index of the current token.
  bool saw_eof_ = false;
};

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_TOKEN_STREAM_H_
