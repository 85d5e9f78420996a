#include "agent/engine/journal.h"

#include <algorithm>

#include "base/strings.h"

namespace cairn::agent {
namespace {

// Spaces, newlines and backslashes escaped, so a field is one word.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ' ':
        out += "\\s";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out.empty() ? "\\0" : out;
}

std::string Unescape(std::string_view s) {
  if (s == "\\0") return "";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    out += c == 's' ? ' ' : c == 'n' ? '\n' : c;
  }
  return out;
}

std::string RefFields(const v1::ResourceRef& ref) {
  return StrCat(Escape(ref.kind()), " ", Escape(ref.id()));
}

bool SameNotify(const v1::Notify& a, const v1::Notify& b) {
  return a.target().kind() == b.target().kind() &&
         a.target().id() == b.target().id() && a.action() == b.action();
}

}  // namespace

Journal::Journal(Host& host, std::string path)
    : host_(host), path_(std::move(path)) {}

absl::StatusOr<Journal::Recovered> Journal::Read() {
  Recovered out;
  absl::StatusOr<FileInfo> info = host_.Stat(path_);
  if (!info.ok()) return info.status();
  text_.clear();
  loaded_ = true;
  if (!info->exists()) return out;
  absl::StatusOr<std::string> text = host_.ReadFile(path_);
  if (!text.ok()) return text.status();
  text_ = *text;
  std::vector<v1::ResourceRef> begun;
  for (std::string_view line : StrSplit(*text, '\n')) {
    std::vector<std::string_view> f = StrSplit(line, ' ');
    // A torn last line (a crash inside a write) is ignored: its change had
    // not started.
    if (f.size() < 3) continue;
    v1::ResourceRef ref;
    ref.set_kind(Unescape(f[1]));
    ref.set_id(Unescape(f[2]));
    auto same = [&](const v1::ResourceRef& r) {
      return r.kind() == ref.kind() && r.id() == ref.id();
    };
    if (f[0] == "begin") {
      begun.push_back(ref);
    } else if (f[0] == "done") {
      begun.erase(std::remove_if(begun.begin(), begun.end(), same),
                  begun.end());
    } else if ((f[0] == "owe" || f[0] == "paid") && f.size() >= 4) {
      v1::Notify n;
      *n.mutable_target() = ref;
      n.set_action(Unescape(f[3]));
      auto it =
          std::find_if(out.owed.begin(), out.owed.end(),
                       [&](const v1::Notify& o) { return SameNotify(o, n); });
      if (f[0] == "owe" && it == out.owed.end()) out.owed.push_back(n);
      if (f[0] == "paid" && it != out.owed.end()) out.owed.erase(it);
    }
  }
  out.interrupted = std::move(begun);
  return out;
}

absl::Status Journal::Append(const std::string& record, bool durable) {
  if (!loaded_) {
    absl::StatusOr<Recovered> read = Read();
    if (!read.ok()) return read.status();
  }
  // Written before the change it announces starts. A crash in the middle
  // of an append leaves a torn last line, which Read ignores.
  std::string line = StrCat(record, "\n");
  absl::Status written = host_.AppendFile(path_, line, durable);
  if (written.ok()) text_ += line;
  return written;
}

absl::Status Journal::Begin(const v1::ResourceRef& ref) {
  // Not synced: it must survive the agent being killed, which the page
  // cache sees to; after a power loss the change itself is whole or not
  // there (atomic writes), and a fsync per resource would double the cost
  // of a first apply.
  return Append(StrCat("begin ", RefFields(ref)), /*durable=*/false);
}

absl::Status Journal::Done(const v1::ResourceRef& ref) {
  return Append(StrCat("done ", RefFields(ref)), /*durable=*/false);
}

absl::Status Journal::Owe(const v1::Notify& n) {
  // Synced: a restart owed must survive even a power loss.
  return Append(StrCat("owe ", RefFields(n.target()), " ", Escape(n.action())),
                /*durable=*/true);
}

absl::Status Journal::Paid(const v1::Notify& n) {
  return Append(StrCat("paid ", RefFields(n.target()), " ", Escape(n.action())),
                /*durable=*/true);
}

absl::Status Journal::Reset(const std::vector<v1::Notify>& still_owed) {
  std::string text;
  for (const v1::Notify& n : still_owed) {
    StrAppend(&text, "owe ", RefFields(n.target()), " ", Escape(n.action()),
              "\n");
  }
  // A no-op apply leaves the journal as it was: no write, no fsync.
  if (loaded_ && text == text_) return absl::OkStatus();
  absl::Status written = host_.WriteFile(path_, text, 0600, 0, 0);
  if (written.ok()) {
    text_ = std::move(text);
    loaded_ = true;
  }
  return written;
}

}  // namespace cairn::agent
