#include "lang/parse/char_stream.h"

#include "lang/source/utf8.h"

namespace cairn::parse_internal {

size_t Utf8CharStream::CharLength(size_t pos) const {
  if (static_cast<unsigned char>(text_[pos]) < 0x80) return 1;
  size_t n = Utf8SequenceLength(text_.substr(pos));
  return n == 0 ? 1 : n;
}

size_t Utf8CharStream::CodePointAt(size_t pos) const {
  unsigned char c = text_[pos];
  if (c < 0x80) return c;
  size_t n = Utf8SequenceLength(text_.substr(pos));
  if (n == 0) return 0xFFFD;
  return Utf8Decode(text_.substr(pos), n);
}

void Utf8CharStream::consume() {
  if (pos_ >= text_.size()) {
    throw antlr4::IllegalStateException("cannot consume EOF");
  }
  pos_ += CharLength(pos_);
}

size_t Utf8CharStream::LA(ssize_t i) {
  if (i == 0) return 0;
  size_t pos = pos_;
  if (i > 0) {
    for (ssize_t k = 1; k < i; ++k) {
      if (pos >= text_.size()) return antlr4::IntStream::EOF;
      pos += CharLength(pos);
    }
    if (pos >= text_.size()) return antlr4::IntStream::EOF;
    return CodePointAt(pos);
  }
  for (ssize_t k = 0; k < -i; ++k) {
    if (pos == 0) return antlr4::IntStream::EOF;
    --pos;
    // Step back over continuation bytes, at most three.
    for (int back = 0; back < 3 && pos > 0 &&
                       (static_cast<unsigned char>(text_[pos]) & 0xC0) == 0x80;
         ++back) {
      --pos;
    }
  }
  return CodePointAt(pos);
}

std::string Utf8CharStream::getText(const antlr4::misc::Interval& interval) {
  if (interval.a < 0 || interval.b < interval.a) return "";
  size_t begin = std::min<size_t>(interval.a, text_.size());
  size_t end = std::min<size_t>(interval.b + 1, text_.size());
  return std::string(text_.substr(begin, end - begin));
}

}  // namespace cairn::parse_internal
