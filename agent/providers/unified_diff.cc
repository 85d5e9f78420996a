#include "agent/providers/unified_diff.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "base/strings.h"
#include "lang/source/utf8.h"

namespace cairn::agent {
namespace {

// Lines with their '\n', so that a last line without one differs from the
// same text with one, as in diff(1).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// One step of an edit script: a line kept, deleted from `a` or inserted
// from `b`.
struct Edit {
  char op;  // ' ', '-' or '+'.
  std::string_view line;
};

// The shortest edit script from a to b (Myers 1986, "An O(ND) Difference
// Algorithm"), or nullopt when it needs more than `max_edits` edits. Keeps
// the frontier of every round for the walk back: memory is O(D^2).
std::optional<std::vector<Edit>> Myers(const std::vector<std::string_view>& a,
                                       const std::vector<std::string_view>& b,
                                       int max_edits) {
  const int n = a.size(), m = b.size();
  // rounds[d][k + d]: the furthest x on diagonal k = x - y after d edits.
  std::vector<std::vector<int>> rounds;
  int last = -1;
  for (int d = 0; d <= n + m; ++d) {
    if (d > max_edits) return std::nullopt;
    std::vector<int> frontier(2 * d + 1);
    const std::vector<int>* previous = d > 0 ? &rounds[d - 1] : nullptr;
    auto prev = [&](int k) { return (*previous)[k + d - 1]; };
    for (int k = -d; k <= d; k += 2) {
      int x;
      if (d == 0) {
        x = 0;
      } else if (k == -d || (k != d && prev(k - 1) < prev(k + 1))) {
        x = prev(k + 1);  // Down: insert b[y - 1].
      } else {
        x = prev(k - 1) + 1;  // Right: delete a[x - 1].
      }
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      frontier[k + d] = x;
      if (x >= n && y >= m) last = d;
    }
    rounds.push_back(std::move(frontier));
    if (last >= 0) break;
  }

  // Walk back from (n, m), one edit per round.
  std::vector<Edit> reversed;
  int x = n, y = m;
  for (int d = last; d > 0; --d) {
    const std::vector<int>& previous = rounds[d - 1];
    auto prev = [&](int k) { return previous[k + d - 1]; };
    int k = x - y;
    bool down = k == -d || (k != d && prev(k - 1) < prev(k + 1));
    int prev_k = down ? k + 1 : k - 1;
    int prev_x = prev(prev_k);
    int prev_y = prev_x - prev_k;
    // The snake after the edit.
    int edit_x = down ? prev_x : prev_x + 1;
    while (x > edit_x) {
      --x;
      --y;
      reversed.push_back({' ', a[x]});
    }
    if (down) {
      reversed.push_back({'+', b[prev_y]});
    } else {
      reversed.push_back({'-', a[prev_x]});
    }
    x = prev_x;
    y = prev_y;
  }
  while (x > 0) {
    --x;
    reversed.push_back({' ', a[x]});
  }
  std::reverse(reversed.begin(), reversed.end());
  return reversed;
}

// "-3,2": where a hunk starts on one side and how long it is, as diff(1)
// writes it (",1" left out; an empty range names the line before it).
std::string Range(int start, int count) {
  if (count == 0) return StrCat(start, ",0");
  if (count == 1) return StrCat(start + 1);
  return StrCat(start + 1, ",", count);
}

void AppendLine(std::string& out, char op, std::string_view line) {
  out.push_back(op);
  out.append(line);
  if (line.empty() || line.back() != '\n') {
    out.append("\n\\ No newline at end of file\n");
  }
}

}  // namespace

std::string ContentDiff(std::string_view current, std::string_view desired,
                        std::string_view path, bool current_exists,
                        const DiffOptions& options) {
  if (current == desired) return "";
  std::string too_large = StrCat("binary or too large: ", current.size(),
                                 " bytes -> ", desired.size(), " bytes\n");
  if (current.size() > options.max_bytes ||
      desired.size() > options.max_bytes ||
      current.find('\0') != std::string_view::npos ||
      desired.find('\0') != std::string_view::npos) {
    return too_large;
  }
  std::vector<std::string_view> a = Lines(current);
  std::vector<std::string_view> b = Lines(desired);

  // Common head and tail lines are kept as they are, outside the search.
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  std::vector<std::string_view> a_mid(a.begin() + head, a.end() - tail);
  std::vector<std::string_view> b_mid(b.begin() + head, b.end() - tail);
  std::optional<std::vector<Edit>> middle =
      Myers(a_mid, b_mid, options.max_edits);
  if (!middle) return too_large;
  std::vector<Edit> edits;
  edits.reserve(head + middle->size() + tail);
  for (size_t i = 0; i < head; ++i) edits.push_back({' ', a[i]});
  edits.insert(edits.end(), middle->begin(), middle->end());
  for (size_t i = a.size() - tail; i < a.size(); ++i) {
    edits.push_back({' ', a[i]});
  }

  std::string out =
      StrCat(current_exists ? StrCat("--- a", path) : "--- /dev/null",
             "\n+++ b", path, "\n");
  // a_line[i], b_line[i]: lines of each side before edits[i].
  std::vector<int> a_line(edits.size() + 1), b_line(edits.size() + 1);
  for (size_t i = 0; i < edits.size(); ++i) {
    a_line[i + 1] = a_line[i] + (edits[i].op != '+');
    b_line[i + 1] = b_line[i] + (edits[i].op != '-');
  }
  const int context = std::max(options.context, 0);
  const int size = edits.size();
  int i = 0;
  while (i < size) {
    if (edits[i].op == ' ') {
      ++i;
      continue;
    }
    // A hunk: this change, and the next ones while at most 2 * context
    // kept lines separate them.
    int first = std::max(i - context, 0);
    int end = i;  // One past the last change of the hunk.
    while (true) {
      while (end < size && edits[end].op != ' ') ++end;
      int next = end;
      while (next < size && edits[next].op == ' ') ++next;
      if (next < size && next - end <= 2 * context) {
        end = next;
        continue;
      }
      break;
    }
    int stop = std::min(end + context, size);
    StrAppend(&out, "@@ -", Range(a_line[first], a_line[stop] - a_line[first]),
              " +", Range(b_line[first], b_line[stop] - b_line[first]),
              " @@\n");
    for (int j = first; j < stop; ++j) {
      AppendLine(out, edits[j].op, edits[j].line);
    }
    i = stop;
  }
  return EscapeInvalidUtf8(out);
}

}  // namespace cairn::agent
