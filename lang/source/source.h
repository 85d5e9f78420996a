#ifndef CAIRN_LANG_SOURCE_SOURCE_H_
#define CAIRN_LANG_SOURCE_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn {

// Identifies one SourceFile within a SourceManager. Id 0 is never a file.
using FileId = uint32_t;

// A half-open byte range [begin, end) in one source file. Positions are byte
// offsets; lines and columns are computed only for display.
struct SourceRange {
  FileId file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != 0; }
  friend bool operator==(const SourceRange& a, const SourceRange& b) {
    return a.file == b.file && a.begin == b.begin && a.end == b.end;
  }
};

// A 1-based line and column. The column counts code points, so that a caret
// lines up under non-ASCII text.
struct LineColumn {
  uint32_t line = 1;
  uint32_t column = 1;
};

// The text of one file (or of an unsaved editor buffer) and its name.
class SourceFile {
 public:
  SourceFile(FileId id, std::string path, std::string text);

  FileId id() const { return id_; }
  const std::string& path() const { return path_; }
  std::string_view text() const { return text_; }

  // The line and column of a byte offset (clamped to the end of the text).
  LineColumn Position(uint32_t offset) const;
  // The text of 1-based `line`, without its line terminator.
  std::string_view Line(uint32_t line) const;
  // Byte offset of the start of 1-based `line`.
  uint32_t LineStart(uint32_t line) const;
  // The number of lines; a final line without a newline counts.
  uint32_t LineCount() const;

 private:
  void IndexLines() const;

  FileId id_;
  std::string path_;
  std::string text_;
  mutable std::vector<uint32_t> line_starts_;  // Filled on first use.
};

// Owns every SourceFile of one compilation and hands out their ids.
class SourceManager {
 public:
  // Adds an in-memory buffer (an unsaved editor buffer, a test input).
  const SourceFile& AddBuffer(std::string path, std::string text);
  // Reads a file from disk. Fails on I/O errors and on files over 256 MiB.
  absl::StatusOr<const SourceFile*> AddFile(const std::string& path);
  // The file with `id`, or nullptr.
  const SourceFile* Get(FileId id) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

// Reads a whole file. Fails with a Status that names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to `path` atomically: a temporary file in the same
// directory, fsync, then rename, so readers see the old or the new file and
// never a partial one. Keeps the file's permission bits (0644 for a new
// file) unless `mode` is given: files holding secrets are written 0600.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, int mode = -1);

}  // namespace cairn

#endif  // CAIRN_LANG_SOURCE_SOURCE_H_
