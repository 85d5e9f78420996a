#include "lang/parse/token_stream.h"

namespace cairn::parse_internal {

void WindowTokenStream::Fill(size_t i) {
  while (base_ + tokens_.size() <= i && !saw_eof_) {
    std::unique_ptr<antlr4::Token> t = source_->nextToken();
    if (auto* writable = dynamic_cast<antlr4::WritableToken*>(t.get())) {
      writable->setTokenIndex(base_ + tokens_.size());
    }
    saw_eof_ = t->getType() == antlr4::Token::EOF;
    tokens_.push_back(std::move(t));
  }
}

void WindowTokenStream::Compact() {
  // Keep the token before the current one for LT(-1).
  size_t keep_from = p_ > 0 ? p_ - 1 : 0;
  while (base_ < keep_from && !tokens_.empty()) {
    tokens_.pop_front();
    ++base_;
  }
}

antlr4::Token* WindowTokenStream::LT(ssize_t k) {
  if (k == 0) return nullptr;
  if (k < 0) {
    if (static_cast<size_t>(-k) > p_ - base_ || p_ < static_cast<size_t>(-k)) {
      return nullptr;
    }
    return tokens_[p_ - base_ + k].get();
  }
  size_t i = p_ + k - 1;
  Fill(i);
  if (i >= base_ + tokens_.size()) return tokens_.back().get();  // EOF.
  return tokens_[i - base_].get();
}

size_t WindowTokenStream::LA(ssize_t i) {
  antlr4::Token* t = LT(i);
  return t == nullptr ? antlr4::Token::INVALID_TYPE : t->getType();
}

void WindowTokenStream::consume() {
  if (LA(1) == antlr4::Token::EOF) {
    throw antlr4::IllegalStateException("cannot consume EOF");
  }
  ++p_;
  Fill(p_);
}

void WindowTokenStream::seek(size_t index) {
  if (index < base_) {
    throw antlr4::IllegalArgumentException("seek before the kept window");
  }
  Fill(index);
  p_ = std::min(index, base_ + tokens_.size() - 1);
}

antlr4::Token* WindowTokenStream::get(size_t index) const {
  if (index < base_ || index >= base_ + tokens_.size()) {
    throw antlr4::IndexOutOfBoundsException("token outside the kept window");
  }
  return tokens_[index - base_].get();
}

std::string WindowTokenStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < interval.a) return "";
  size_t from = std::max<size_t>(interval.a, base_);
  size_t to = std::min<size_t>(interval.b, base_ + tokens_.size() - 1);
  std::string text;
  for (size_t i = from; i <= to && i < base_ + tokens_.size(); ++i) {
    antlr4::Token* t = tokens_[i - base_].get();
    if (t->getType() == antlr4::Token::EOF) break;
    text += t->getText();
  }
  return text;
}

std::string WindowTokenStream::getText(antlr4::RuleContext* ctx) {
  return getText(ctx->getSourceInterval());
}

std::string WindowTokenStream::getText(antlr4::Token* start,
                                       antlr4::Token* stop) {
  if (start == nullptr || stop == nullptr) return "";
  return getText(
      antlr4::misc::Interval(start->getTokenIndex(), stop->getTokenIndex()));
}

}  // namespace cairn::parse_internal
