#include "lang/testing/txtar.h"

namespace cairn::testing {
namespace {

// "-- name --" -> name, or "" when the line is no section marker.
std::string_view Marker(std::string_view line) {
  if (line.size() < 7 || line.substr(0, 3) != "-- " ||
      line.substr(line.size() - 3) != " --") {
    return {};
  }
  return line.substr(3, line.size() - 6);
}

}  // namespace

Txtar Txtar::Parse(std::string_view text) {
  Txtar archive;
  std::string* body = &archive.comment;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    std::string_view bare = line;
    if (!bare.empty() && bare.back() == '\n') bare.remove_suffix(1);
    std::string_view name = Marker(bare);
    if (!name.empty()) {
      archive.sections.push_back({std::string(name), ""});
      body = &archive.sections.back().body;
    } else {
      body->append(line);
    }
    pos = next;
  }
  return archive;
}

std::string Txtar::Serialize() const {
  std::string out = comment;
  for (const Section& s : sections) {
    out += "-- " + s.name + " --\n";
    out += s.body;
    if (!s.body.empty() && s.body.back() != '\n') out += '\n';
  }
  return out;
}

const std::string* Txtar::Find(std::string_view name) const {
  for (const Section& s : sections) {
    if (s.name == name) return &s.body;
  }
  return nullptr;
}

void Txtar::Set(std::string_view name, std::string body) {
  for (Section& s : sections) {
    if (s.name == name) {
      s.body = std::move(body);
      return;
    }
  }
  sections.push_back({std::string(name), std::move(body)});
}

void Txtar::Remove(std::string_view name) {
  for (auto it = sections.begin(); it != sections.end(); ++it) {
    if (it->name == name) {
      sections.erase(it);
      return;
    }
  }
}

}  // namespace cairn::testing
