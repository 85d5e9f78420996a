#ifndef CAIRN_LANG_PARSE_CHAR_STREAM_H_
#define CAIRN_LANG_PARSE_CHAR_STREAM_H_

#include <string>
#include <string_view>

#include "antlr4-runtime.h"

namespace cairn::parse_internal {

// An ANTLR character stream over UTF-8 text whose indices are byte offsets,
// so that tokens carry byte ranges and no UTF-32 copy of the input is made.
// An invalid byte reads as U+FFFD and is one character wide.
class Utf8CharStream : public antlr4::CharStream {
 public:
  Utf8CharStream(std::string_view text, std::string name)
      : text_(text), name_(std::move(name)) {}

  void consume() override;
  size_t LA(ssize_t i) override;
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return pos_; }
  void seek(size_t index) override { pos_ = std::min(index, text_.size()); }
  size_t size() override { return text_.size(); }
  std::string getSourceName() const override { return name_; }
  std::string getText(const antlr4::misc::Interval& interval) override;
  std::string toString() const override { return std::string(text_); }

 private:
  // Length in bytes of the character at `pos` (1 for an invalid byte).
  size_t CharLength(size_t pos) const;
  size_t CodePointAt(size_t pos) const;

  std::string_view text_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace cairn::parse_internal

#endif  // CAIRN_LANG_PARSE_CHAR_STREAM_H_
