// DecryptYamlVars: just enough YAML to read Ansible vars files. README.md
// lists what is understood; everything else is an error with a line number,
// never a guess.

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/vault/crypto.h"
#include "compiler/vault/envelope.h"
#include "compiler/vault/vault.h"
#include "compiler/vault/yaml_scalar.h"

namespace cairn::vault {
namespace {

using internal::CutComment;
using internal::Indent;
using internal::IsBlank;
using internal::IsBlankOrComment;
using internal::ParseQuoted;
using internal::SourceLine;

// kInline reads a plain vars file for its `!vault` values; kDecrypted reads
// the plaintext of a whole-file vault, every value of which is a secret.
enum class Mode { kInline, kDecrypted };

// A status's message as a std::string_view (Debian's Abseil has its own
// string_view type).
std::string_view MessageOf(const absl::Status& status) {
  return std::string_view(status.message().data(), status.message().size());
}

class VarsReader {
 public:
  // Reads `text`, which must outlive the reader.
  VarsReader(std::string_view text, Mode mode, std::string_view password)
      : lines_(internal::SplitLines(text)),
        mode_(mode),
        password_(password),
        final_newline_(EndsWith(text, "\n") || EndsWith(text, "\r")) {}

  ~VarsReader() {
    for (auto& [path, value] : values_) internal::Wipe(&value);
  }

  absl::Status Read();

  std::map<std::string, std::string> Take() { return std::move(values_); }

 private:
  // A mapping key whose value is on the lines below it.
  struct Frame {
    int indent;
    std::string path;
    int child_indent = -1;
  };

  absl::Status ReadEntry(std::string_view rest, int indent);
  absl::Status ReadVault(std::string_view tail, int indent,
                         const std::string& path);
  absl::Status ReadValue(std::string_view value, int indent,
                         const std::string& path);
  std::vector<SourceLine> TakeBlock(int parent_indent);
  absl::Status SkipContinuation(int indent, std::string_view what);
  absl::Status Store(const std::string& path, std::string value, bool vault,
                     int key_line);

  // An error at line `line`. A key is named only outside decrypted text.
  absl::Status Error(int line, std::string_view what,
                     std::string_view path = {}) const {
    std::string where = mode_ == Mode::kDecrypted
                            ? StrCat("decrypted text, line ", line, ": ")
                            : StrCat("line ", line, ": ");
    if (!path.empty() && mode_ == Mode::kInline) {
      StrAppend(&where, "'", path, "': ");
    }
    return absl::InvalidArgumentError(StrCat(where, what));
  }

  int line() const { return lines_[next_].line; }

  std::vector<SourceLine> lines_;
  Mode mode_;
  std::string_view password_;
  bool final_newline_;
  size_t next_ = 0;
  std::vector<Frame> frames_;
  int root_indent_ = -1;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> seen_;  // Path -> whether it held a !vault.
};

absl::Status VarsReader::Read() {
  bool in_document = false;
  while (next_ < lines_.size()) {
    std::string_view text = lines_[next_].text;
    if (IsBlankOrComment(text)) {
      ++next_;
      continue;
    }
    int indent = Indent(text);
    std::string_view rest = text.substr(indent);
    if (rest[0] == '\t') return Error(line(), "a tab in the indentation");
    if (indent == 0 && (rest == "---" || StartsWith(rest, "--- ") ||
                        StartsWith(rest, "---\t"))) {
      if (in_document) {
        return Error(line(), "several YAML documents are not supported");
      }
      if (!IsBlankOrComment(rest.substr(3))) {
        return Error(line(), "content after '---' is not supported");
      }
      ++next_;
      continue;
    }
    if (indent == 0 && (rest == "..." || StartsWith(rest, "... "))) {
      // The end of the document: nothing may follow but comments.
      for (++next_; next_ < lines_.size(); ++next_) {
        if (!IsBlankOrComment(lines_[next_].text)) {
          return Error(line(), "content after '...' is not supported");
        }
      }
      break;
    }
    if (rest[0] == '%') {
      return Error(line(), "YAML directives are not supported");
    }
    in_document = true;

    while (!frames_.empty() && indent <= frames_.back().indent) {
      frames_.pop_back();
    }
    if (frames_.empty()) {
      if (root_indent_ < 0) root_indent_ = indent;
      if (indent != root_indent_) {
        return Error(line(), "the indentation does not match the lines above");
      }
    } else {
      Frame& parent = frames_.back();
      if (parent.child_indent < 0) parent.child_indent = indent;
      if (indent != parent.child_indent) {
        return Error(line(), "the indentation does not match the lines above");
      }
    }
    if (absl::Status s = ReadEntry(rest, indent); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status VarsReader::ReadEntry(std::string_view rest, int indent) {
  if (rest[0] == '-' &&
      (rest.size() == 1 || rest[1] == ' ' || rest[1] == '\t')) {
    if (mode_ == Mode::kDecrypted) {
      return Error(line(), "lists are not supported in vault files");
    }
    // A list in a plain vars file: skip it, but never a secret inside it.
    for (size_t first = next_; next_ < lines_.size(); ++next_) {
      std::string_view text = lines_[next_].text;
      if (next_ > first && !IsBlank(text) && Indent(text) <= indent) break;
      if (text.find("!vault") != std::string_view::npos) {
        return Error(line(), "!vault inside a list is not supported");
      }
    }
    return absl::OkStatus();
  }

  // The key: a quoted scalar or plain text up to ": ".
  std::string key;
  size_t colon = std::string_view::npos;
  if (rest[0] == '"' || rest[0] == '\'') {
    size_t end = 0;
    std::string error;
    if (!ParseQuoted(rest, &key, &end, &error)) {
      return Error(line(),
                   error.empty() ? "a key must fit on one line" : error);
    }
    size_t after = rest.find_first_not_of(" \t", end);
    if (after != std::string_view::npos && rest[after] == ':') colon = after;
  } else if (std::string_view("[]{},&*!|>%@`?").find(rest[0]) ==
             std::string_view::npos) {
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '#' && i > 0 &&
          (rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
        break;
      }
      if (rest[i] == ':' &&
          (i + 1 == rest.size() || rest[i + 1] == ' ' || rest[i + 1] == '\t')) {
        colon = i;
        break;
      }
    }
    if (colon != std::string_view::npos) {
      key = std::string(CutComment(rest.substr(0, colon)));
    }
  }
  if (colon == std::string_view::npos ||
      (colon + 1 < rest.size() && rest[colon + 1] != ' ' &&
       rest[colon + 1] != '\t')) {
    return Error(line(), "expected 'key: value' (only mappings are supported)");
  }
  if (key.empty()) return Error(line(), "an empty key is not supported");
  std::string path =
      frames_.empty() ? key : StrCat(frames_.back().path, ".", key);
  std::string_view value = rest.substr(colon + 1);
  value.remove_prefix(std::min(value.size(), value.find_first_not_of(" \t")));

  if (IsBlankOrComment(value)) {
    // A nested mapping follows, or a list, or nothing: null, read as "".
    size_t j = next_ + 1;
    while (j < lines_.size() && IsBlankOrComment(lines_[j].text)) ++j;
    if (mode_ == Mode::kDecrypted &&
        (j == lines_.size() || Indent(lines_[j].text) <= indent)) {
      if (absl::Status s = Store(path, "", false, line()); !s.ok()) return s;
    }
    frames_.push_back({indent, path});
    ++next_;
    return absl::OkStatus();
  }
  if (StartsWith(value, "!vault") &&
      (value.size() == 6 || value[6] == ' ' || value[6] == '\t')) {
    if (mode_ == Mode::kDecrypted) {
      return Error(line(), "a !vault value inside a vault-encrypted file");
    }
    return ReadVault(CutComment(value.substr(6)), indent, path);
  }
  return ReadValue(value, indent, path);
}

absl::Status VarsReader::ReadVault(std::string_view tail, int indent,
                                   const std::string& path) {
  int key_line = line();
  tail.remove_prefix(std::min(tail.size(), tail.find_first_not_of(" \t")));
  if (tail == "|" || tail == "|-" || tail == "|+") {
    std::vector<SourceLine> block = TakeBlock(indent);
    while (!block.empty() && block.back().text.empty()) block.pop_back();
    if (block.empty()) {
      return Error(key_line, "!vault | is not followed by indented vault text",
                   path);
    }
    auto plaintext = internal::DecryptLines(block, password_, nullptr);
    if (!plaintext.ok()) {
      return absl::Status(
          plaintext.status().code(),
          StrCat("'", path, "': ", MessageOf(plaintext.status())));
    }
    return Store(path, *std::move(plaintext), true, key_line);
  }
  if (!tail.empty() && (tail[0] == '"' || tail[0] == '\'')) {
    std::string text;
    size_t end = 0;
    std::string error;
    if (!ParseQuoted(tail, &text, &end, &error) || end != tail.size()) {
      return Error(
          key_line,
          error.empty() ? "quoted !vault text must be one line" : error, path);
    }
    ++next_;
    auto plaintext = Decrypt(text, password_);
    if (!plaintext.ok()) {
      return Error(key_line, MessageOf(plaintext.status()), path);
    }
    return Store(path, *std::move(plaintext), true, key_line);
  }
  return Error(key_line, "expected '!vault |' followed by indented vault text",
               path);
}

absl::Status VarsReader::ReadValue(std::string_view value, int indent,
                                   const std::string& path) {
  bool inline_mode = mode_ == Mode::kInline;
  int key_line = line();
  if (!inline_mode && StartsWith(value, "!unsafe ")) {
    value.remove_prefix(8);
    value.remove_prefix(std::min(value.size(), value.find_first_not_of(" \t")));
    if (IsBlankOrComment(value)) {
      if (absl::Status s = SkipContinuation(indent, "unexpected indentation");
          !s.ok()) {
        return s;
      }
      return Store(path, "", false, key_line);
    }
  }
  char c = value[0];
  if (c == '|' || c == '>') {
    std::string_view header = CutComment(value);
    std::vector<SourceLine> block = TakeBlock(indent);
    if (inline_mode) return absl::OkStatus();
    if (header != "|" && header != "|-" && header != "|+") {
      return Error(key_line,
                   "only literal block values (|, |-, |+) are supported");
    }
    size_t content = block.size();
    while (content > 0 && IsBlank(block[content - 1].text)) --content;
    std::string text;
    for (size_t i = 0; i < content; ++i) {
      if (i > 0) text.push_back('\n');
      text.append(block[i].text);
    }
    // Chomping: "|" keeps the last line break, "|-" none, "|+" all.
    bool last_break =
        content > 0 &&
        (block[content - 1].line < lines_.back().line || final_newline_);
    size_t trailing = block.size() - content;
    if (header == "|" && last_break) text.push_back('\n');
    if (header == "|+") text.append(trailing + (last_break ? 1 : 0), '\n');
    return Store(path, std::move(text), false, key_line);
  }
  if (c == '"' || c == '\'') {
    std::string text;
    size_t end = 0;
    std::string error;
    if (!ParseQuoted(value, &text, &end, &error)) {
      if (!error.empty()) return Error(line(), error);
      if (inline_mode) return SkipContinuation(indent, "");
      return Error(line(), "quoted values must fit on one line");
    }
    if (!IsBlankOrComment(value.substr(end))) {
      return Error(line(), "unexpected text after a quoted value");
    }
    if (absl::Status s =
            SkipContinuation(indent, "quoted values must fit on one line");
        !s.ok()) {
      return s;
    }
    return inline_mode ? absl::OkStatus()
                       : Store(path, std::move(text), false, key_line);
  }
  if (std::string_view("[{&*!").find(c) != std::string_view::npos) {
    if (inline_mode) return SkipContinuation(indent, "");
    return Error(line(),
                 "flow collections, anchors, aliases and tags other than "
                 "!unsafe are not supported in vault files");
  }
  if (c == '@' || c == '`') {
    return Error(line(), "a plain value cannot start with '@' or '`'");
  }
  std::string_view plain = CutComment(value);
  if (plain.find(": ") != std::string_view::npos || EndsWith(plain, ":")) {
    return Error(line(), "a plain value cannot contain ': '; quote it");
  }
  std::string text(plain);
  if (absl::Status s = SkipContinuation(
          indent,
          "multi-line plain values are not supported; quote the "
          "value or use |");
      !s.ok()) {
    return s;
  }
  return inline_mode ? absl::OkStatus()
                     : Store(path, std::move(text), false, key_line);
}

// Takes the lines of a block value below the current line: blank lines and
// lines indented deeper than `parent_indent`, without their indentation.
std::vector<SourceLine> VarsReader::TakeBlock(int parent_indent) {
  std::vector<SourceLine> block;
  int block_indent = -1;
  for (++next_; next_ < lines_.size(); ++next_) {
    SourceLine line = lines_[next_];
    if (IsBlank(line.text)) {
      size_t cut = std::min(line.text.size(),
                            static_cast<size_t>(std::max(block_indent, 0)));
      line.text = block_indent < 0 ? std::string_view() : line.text.substr(cut);
      block.push_back(line);
      continue;
    }
    int indent = Indent(line.text);
    if (indent <= parent_indent ||
        (block_indent >= 0 && indent < block_indent)) {
      break;
    }
    if (block_indent < 0) block_indent = indent;
    line.text.remove_prefix(block_indent);
    line.column += block_indent;
    block.push_back(line);
  }
  return block;
}

// Skips the lines after a one-line value that are indented deeper than its
// key. Outside kInline (or with `what` empty) any such text is an error.
absl::Status VarsReader::SkipContinuation(int indent, std::string_view what) {
  for (++next_; next_ < lines_.size(); ++next_) {
    std::string_view text = lines_[next_].text;
    if (IsBlankOrComment(text)) continue;
    if (Indent(text) <= indent) break;
    if (mode_ == Mode::kDecrypted && !what.empty()) return Error(line(), what);
  }
  return absl::OkStatus();
}

absl::Status VarsReader::Store(const std::string& path, std::string value,
                               bool vault, int key_line) {
  auto [it, inserted] = seen_.emplace(path, vault);
  if (!inserted && (mode_ == Mode::kDecrypted || vault || it->second)) {
    internal::Wipe(&value);
    return Error(key_line, "a duplicate key", path);
  }
  if (mode_ == Mode::kDecrypted || vault) values_[path] = std::move(value);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> DecryptYamlVars(
    std::string_view yaml_text, std::string_view password) {
  if (StartsWith(yaml_text, "$ANSIBLE_VAULT")) {
    auto plaintext = Decrypt(yaml_text, password);
    if (!plaintext.ok()) return plaintext.status();
    std::string_view text(*plaintext);
    if (StartsWith(text, "\xef\xbb\xbf")) text.remove_prefix(3);
    VarsReader reader(text, Mode::kDecrypted, password);
    absl::Status status = reader.Read();
    internal::Wipe(&*plaintext);
    if (!status.ok()) return status;
    return reader.Take();
  }
  if (StartsWith(yaml_text, "\xef\xbb\xbf")) yaml_text.remove_prefix(3);
  VarsReader reader(yaml_text, Mode::kInline, password);
  if (absl::Status s = reader.Read(); !s.ok()) return s;
  return reader.Take();
}

}  // namespace cairn::vault
