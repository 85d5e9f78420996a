#include "lang/source/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "base/strings.h"

namespace cairn {
namespace {

constexpr size_t kMaxFileSize = size_t{256} << 20;

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

absl::Status ErrnoStatus(std::string_view what, const std::string& path) {
  return absl::Status(absl::ErrnoToStatusCode(errno),
                      StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

SourceFile::SourceFile(FileId id, std::string path, std::string text)
    : id_(id), path_(std::move(path)), text_(std::move(text)) {}

void SourceFile::IndexLines() const {
  if (!line_starts_.empty()) return;
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

uint32_t SourceFile::LineCount() const {
  IndexLines();
  // A trailing newline does not start a new line.
  if (line_starts_.size() > 1 && line_starts_.back() == text_.size()) {
    return line_starts_.size() - 1;
  }
  return line_starts_.size();
}

uint32_t SourceFile::LineStart(uint32_t line) const {
  IndexLines();
  if (line == 0) return 0;
  if (line > line_starts_.size()) return text_.size();
  return line_starts_[line - 1];
}

LineColumn SourceFile::Position(uint32_t offset) const {
  IndexLines();
  offset = std::min<uint32_t>(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = it - line_starts_.begin();
  uint32_t column = 1;
  for (uint32_t i = line_starts_[line - 1]; i < offset; ++i) {
    if (!IsContinuationByte(text_[i])) ++column;
  }
  return {line, column};
}

std::string_view SourceFile::Line(uint32_t line) const {
  uint32_t begin = LineStart(line);
  uint32_t end = begin;
  while (end < text_.size() && text_[end] != '\n') ++end;
  if (end > begin && text_[end - 1] == '\r') --end;
  return std::string_view(text_).substr(begin, end - begin);
}

const SourceFile& SourceManager::AddBuffer(std::string path, std::string text) {
  FileId id = files_.size() + 1;
  files_.push_back(
      std::make_unique<SourceFile>(id, std::move(path), std::move(text)));
  return *files_.back();
}

absl::StatusOr<const SourceFile*> SourceManager::AddFile(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return &AddBuffer(path, *std::move(text));
}

const SourceFile* SourceManager::Get(FileId id) const {
  if (id == 0 || id > files_.size()) return nullptr;
  return files_[id - 1].get();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    absl::Status status = ErrnoStatus("cannot stat", path);
    close(fd);
    return status;
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(
        StrCat("cannot read ", path, ": it is a directory"));
  }
  if (static_cast<size_t>(st.st_size) > kMaxFileSize) {
    close(fd);
    return absl::ResourceExhaustedError(
        StrCat("cannot read ", path, ": larger than 256 MiB"));
  }
  std::string text;
  text.reserve(st.st_size);
  char buf[1 << 16];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoStatus("cannot read", path);
      close(fd);
      return status;
    }
    if (n == 0) break;
    text.append(buf, n);
    if (text.size() > kMaxFileSize) {
      close(fd);
      return absl::ResourceExhaustedError(
          StrCat("cannot read ", path, ": larger than 256 MiB"));
    }
  }
  close(fd);
  return text;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, int mode_given) {
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  std::string tmp = StrCat(path, ".cairn-tmp-XXXXXX");
  int fd = mkstemp(tmp.data());
  if (fd < 0) return ErrnoStatus("cannot create a temporary file for", path);
  auto fail = [&](std::string_view what) {
    absl::Status status = ErrnoStatus(what, path);
    close(fd);
    unlink(tmp.c_str());
    return status;
  };
  struct stat st;
  mode_t mode = 0644;
  if (mode_given >= 0) {
    mode = static_cast<mode_t>(mode_given);
  } else if (stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  }
  if (fchmod(fd, mode) != 0) return fail("cannot set the mode of");
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    written += n;
  }
  if (fsync(fd) != 0) return fail("cannot sync");
  if (close(fd) != 0) {
    absl::Status status = ErrnoStatus("cannot close", path);
    unlink(tmp.c_str());
    return status;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoStatus("cannot replace", path);
    unlink(tmp.c_str());
    return status;
  }
  // Make the rename itself durable.
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return absl::OkStatus();
}

}  // namespace cairn
