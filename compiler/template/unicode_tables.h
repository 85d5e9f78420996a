#ifndef CAIRN_COMPILER_TEMPLATE_UNICODE_TABLES_H_
#define CAIRN_COMPILER_TEMPLATE_UNICODE_TABLES_H_

// The generated character tables behind unicode.h (see
// gen_unicode_tables.py). Internal to the package.

#include <cstddef>
#include <cstdint>

namespace cairn::jinja_internal {

// Code points first, first + stride, ..., last map to themselves + delta.
struct CaseRun {
  char32_t first;
  char32_t last;
  int32_t stride;
  int32_t delta;
};

// A code point whose case mapping is several code points (zero-padded).
struct CaseSpecial {
  char32_t code_point;
  char32_t mapped[3];
};

// An inclusive range of code points.
struct CodeRange {
  char32_t first;
  char32_t last;
};

// A table and its length.
template <typename T>
struct Table {
  const T* data;
  size_t size;
};

// Every table, each sorted by code point.
struct UnicodeTables {
  Table<CaseRun> upper_runs;
  Table<CaseSpecial> upper_special;
  Table<CaseRun> lower_runs;
  Table<CaseSpecial> lower_special;
  // Title case where it differs from upper case (str.capitalize).
  Table<CaseSpecial> title_special;
  Table<CaseRun> simple_lower_runs;
  Table<CodeRange> printable;
  Table<CodeRange> space;
  Table<CodeRange> word;
  Table<CodeRange> decimal;
  Table<CodeRange> cased_not_ignorable;
  Table<CodeRange> case_ignorable;
};

// The tables, built at compile time.
const UnicodeTables& Tables();

}  // namespace cairn::jinja_internal

#endif  // CAIRN_COMPILER_TEMPLATE_UNICODE_TABLES_H_
