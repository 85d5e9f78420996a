// Drift latency: the time from an edit of a managed file to the drift
// event arriving at a controller that watches the agent (WatchDrift).
//
//   latency --agent unix:/run/cairn/agent.sock --file /srv/w1/d01/file0000.conf
//           [--n 100] [--style write|rename|both] [--gap-ms 300]
//           [--timeout-ms 5000]
//
// Reads the file's content (the right one: the file must not be drifted),
// opens a WatchDrift stream after the agent's last event, then N times
// writes the file, alternately a wrong content (expects DRIFTED) and the
// right one back (expects RESOLVED), and times each edit from the moment
// the write is complete (close() or rename() returned) to the event's
// arrival at this process. `write` rewrites the file in place (open with
// O_TRUNC, write, close); `rename` writes a temporary file beside it and
// renames it over the file, as editors do. Prints min/median/p90/max per
// style, and one line per style for scripts:
//   LATENCY style n min median p90 max misses agent_median
// (milliseconds; agent_median: from the edit to the event's at_ms, the
// agent's own part, at millisecond resolution).
//
// Helpers for run.sh:
//   --status                 one line: watching= last_seq= last_full_check_ms=
//                            current= oldest_seq=
//   --wait STATE --after SEQ [--file PATH | --resource KIND:ID]
//        [--since-ns NS] [--timeout-ms T]
//                            waits for the resource's first event in STATE
//                            with a larger seq; prints it and the time since
//                            NS (CLOCK_REALTIME ns) when given; exit 1 on
//                            timeout
//   --watch-seconds S        keeps a WatchDrift stream open S seconds (the
//                            controller's idle connection); prints events=N
//   --hammer PATH --seconds S [--rate R]
//                            rewrites PATH in a tight loop for S seconds
//                            (at most R times a second when R > 0)
//                            (open, pwrite of an 11-byte stamp "#000000042\n"
//                            at offset 0, close: a new content each time, the
//                            size kept), then puts its first bytes back (or
//                            leaves the stamp in a file it created); prints
//                            writes= and per_second= (no agent needed)
//   --churn DIR --count N    creates N files in DIR (open, write, close), then
//                            deletes them; prints seconds= (no agent needed)

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/client/client.h"
#include "base/strings.h"
#include "proto/cairn/v1/agent.pb.h"

namespace {

using cairn::StrCat;
using cairn::agent::AgentClient;
using cairn::agent::ClientOptions;
using cairn::v1::DriftEvent;
using Clock = std::chrono::steady_clock;

struct Flags {
  std::string agent;
  std::string file;
  std::string kind;  // Of the resource to match; "file" by default.
  std::string id;    // Its id; the file's path by default.
  int n = 100;
  std::string style = "both";
  int gap_ms = 300;
  int timeout_ms = 5000;
  bool status = false;
  std::string wait_state;
  uint64_t after = 0;
  int64_t since_ns = 0;
  int watch_seconds = 0;
  std::string hammer;
  double seconds = 10;
  int rate = 0;
  std::string churn;
  int count = 10000;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "latency: %s\n", message.c_str());
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    size_t eq = arg.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) Die(StrCat(arg, " needs a value"));
      return argv[++i];
    };
    if (arg == "--agent") {
      f.agent = next();
    } else if (arg == "--file") {
      f.file = next();
    } else if (arg == "--resource") {
      std::string r = next();
      size_t colon = r.find(':');
      if (colon == std::string::npos) Die("--resource wants KIND:ID");
      f.kind = r.substr(0, colon);
      f.id = r.substr(colon + 1);
    } else if (arg == "--n") {
      f.n = std::atoi(next().c_str());
    } else if (arg == "--style") {
      f.style = next();
    } else if (arg == "--gap-ms") {
      f.gap_ms = std::atoi(next().c_str());
    } else if (arg == "--timeout-ms") {
      f.timeout_ms = std::atoi(next().c_str());
    } else if (arg == "--status") {
      f.status = true;
    } else if (arg == "--wait") {
      f.wait_state = next();
    } else if (arg == "--after") {
      f.after = std::strtoull(next().c_str(), nullptr, 10);
    } else if (arg == "--since-ns") {
      f.since_ns = std::strtoll(next().c_str(), nullptr, 10);
    } else if (arg == "--watch-seconds") {
      f.watch_seconds = std::atoi(next().c_str());
    } else if (arg == "--hammer") {
      f.hammer = next();
    } else if (arg == "--seconds") {
      f.seconds = std::atof(next().c_str());
    } else if (arg == "--rate") {
      f.rate = std::atoi(next().c_str());
    } else if (arg == "--churn") {
      f.churn = next();
    } else if (arg == "--count") {
      f.count = std::atoi(next().c_str());
    } else {
      Die(StrCat("unknown flag ", arg, " (see the comment atop latency.cc)"));
    }
  }
  if (f.agent.empty() && f.hammer.empty() && f.churn.empty()) {
    Die("--agent unix:PATH is required");
  }
  if (f.kind.empty()) {
    f.kind = "file";
    f.id = f.file;
  }
  if (f.style != "write" && f.style != "rename" && f.style != "both") {
    Die("--style is write, rename or both");
  }
  if (f.n < 1) Die("--n must be at least 1");
  return f;
}

int64_t RealtimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(StrCat("cannot read ", path, ": ", std::strerror(errno)));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die(StrCat("write ", path, ": ", std::strerror(errno)));
    at += static_cast<size_t>(n);
  }
}

// Rewrites `path` in place: open with O_TRUNC, write, close.
void WriteInPlace(const std::string& path, const std::string& bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) Die(StrCat("open ", path, ": ", std::strerror(errno)));
  WriteAll(fd, bytes, path);
  if (close(fd) != 0) Die(StrCat("close ", path, ": ", std::strerror(errno)));
}

// Writes a temporary file beside `path` with the same mode and owner, and
// renames it over `path`.
void WriteAndRename(const std::string& path, const std::string& bytes,
                    const struct stat& like) {
  size_t slash = path.rfind('/');
  std::string tmp = StrCat(path.substr(0, slash + 1), ".",
                           path.substr(slash + 1), ".drift-bench.tmp");
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) Die(StrCat("open ", tmp, ": ", std::strerror(errno)));
  if (fchown(fd, like.st_uid, like.st_gid) != 0 ||
      fchmod(fd, like.st_mode & 07777) != 0) {
    Die(StrCat("chown/chmod ", tmp, ": ", std::strerror(errno)));
  }
  WriteAll(fd, bytes, tmp);
  if (close(fd) != 0) Die(StrCat("close ", tmp, ": ", std::strerror(errno)));
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Die(StrCat("rename ", tmp, ": ", std::strerror(errno)));
  }
}

// The events a WatchDrift stream delivered, with the time each arrived.
class Inbox {
 public:
  struct Item {
    DriftEvent event;
    Clock::time_point arrived;
  };

  void Push(const DriftEvent& event) {
    Clock::time_point now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.push_back({event, now});
      ++total_;
    }
    changed_.notify_all();
  }

  void Fail(const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      failed_ = why;
    }
    changed_.notify_all();
  }

  // Takes events until one of `kind`/`id` in `state` arrives, or the
  // deadline. Counts the resource's other events in `*others`.
  bool Take(const std::string& kind, const std::string& id,
            DriftEvent::State state, Clock::time_point deadline, Item* out,
            int* others) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      while (!items_.empty()) {
        Item item = std::move(items_.front());
        items_.pop_front();
        const auto& r = item.event.diff().resource();
        if (r.kind() != kind || r.id() != id) continue;
        if (item.event.state() == state) {
          *out = std::move(item);
          return true;
        }
        ++*others;
      }
      if (!failed_.empty()) Die(StrCat("the watch ended: ", failed_));
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout &&
          items_.empty()) {
        return false;
      }
    }
  }

  uint64_t total() {
    std::lock_guard<std::mutex> lock(mutex_);
    return total_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> items_;
  std::string failed_;
  uint64_t total_ = 0;
};

// Runs WatchDrift after `after` in a thread of its own, into an Inbox.
class Watcher {
 public:
  Watcher(AgentClient& client, uint64_t after) {
    thread_ = std::thread([this, &client, after] {
      absl::Status status = client.WatchDrift(
          after, [this](const DriftEvent& e) { inbox_.Push(e); }, &stop_);
      if (!status.ok()) inbox_.Fail(std::string(status.message()));
    });
  }
  ~Watcher() {
    stop_ = true;
    thread_.join();
  }
  Inbox& inbox() { return inbox_; }

 private:
  std::atomic<bool> stop_{false};
  Inbox inbox_;
  std::thread thread_;
};

std::unique_ptr<AgentClient> ConnectOrDie(const std::string& address) {
  ClientOptions options;
  options.address = address;
  options.deadline = std::chrono::seconds(30);
  auto client = AgentClient::Connect(options);
  if (!client.ok()) {
    Die(StrCat("connect ", address, ": ",
               std::string(client.status().message())));
  }
  return *std::move(client);
}

cairn::v1::GetDriftResponse GetDriftOrDie(AgentClient& client) {
  auto drift = client.GetDrift(0);
  if (!drift.ok())
    Die(StrCat("GetDrift: ", std::string(drift.status().message())));
  return *std::move(drift);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

std::string Changes(const DriftEvent& e) {
  std::string out;
  for (const auto& c : e.diff().changes()) {
    if (!out.empty()) out += "; ";
    out += StrCat(c.field(), ": ", c.current(), " -> ", c.desired());
  }
  return out;
}

int Status(AgentClient& client) {
  cairn::v1::GetDriftResponse d = GetDriftOrDie(client);
  std::printf(
      "watching=%d last_seq=%llu last_full_check_ms=%lld current=%d "
      "oldest_seq=%llu\n",
      d.watching() ? 1 : 0, static_cast<unsigned long long>(d.last_seq()),
      static_cast<long long>(d.last_full_check_ms()), d.current_size(),
      static_cast<unsigned long long>(d.oldest_seq()));
  return 0;
}

int Wait(AgentClient& client, const Flags& f) {
  DriftEvent::State state;
  if (!DriftEvent::State_Parse(StrCat("STATE_", f.wait_state), &state)) {
    Die(StrCat("--wait: no state ", f.wait_state));
  }
  Watcher watcher(client, f.after);
  Inbox::Item item;
  int others = 0;
  auto deadline = Clock::now() + std::chrono::milliseconds(f.timeout_ms);
  if (!watcher.inbox().Take(f.kind, f.id, state, deadline, &item, &others)) {
    std::printf("no %s event for %s %s within %d ms\n", f.wait_state.c_str(),
                f.kind.c_str(), f.id.c_str(), f.timeout_ms);
    return 1;
  }
  int64_t now_ns = RealtimeNs();
  std::string since;
  if (f.since_ns > 0) {
    since = StrCat(" after ", (now_ns - f.since_ns) / 1000000, " ms (agent ",
                   item.event.at_ms() - f.since_ns / 1000000, " ms)");
  }
  std::printf("%s seq %llu%s: %s\n", f.wait_state.c_str(),
              static_cast<unsigned long long>(item.event.seq()), since.c_str(),
              Changes(item.event).c_str());
  return 0;
}

int WatchFor(AgentClient& client, int seconds) {
  uint64_t last = GetDriftOrDie(client).last_seq();
  Watcher watcher(client, last);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  std::printf("events=%llu\n",
              static_cast<unsigned long long>(watcher.inbox().total()));
  return 0;
}

struct Sample {
  double ms = 0;        // Edit complete -> event at this process.
  double agent_ms = 0;  // Edit complete -> the event's at_ms.
};

void Report(const std::string& style, const std::string& subset,
            std::vector<Sample> samples, int misses) {
  std::vector<double> ms, agent;
  for (const Sample& s : samples) {
    ms.push_back(s.ms);
    agent.push_back(s.agent_ms);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(agent.begin(), agent.end());
  std::printf(
      "%-7s %-9s n=%-4zu min %6.1f  median %6.1f  p90 %6.1f  max %6.1f ms"
      "  (agent median %5.0f ms, missed %d)\n",
      style.c_str(), subset.c_str(), ms.size(), ms.empty() ? 0 : ms.front(),
      Percentile(ms, 0.5), Percentile(ms, 0.9), ms.empty() ? 0 : ms.back(),
      Percentile(agent, 0.5), misses);
  if (subset == "all") {
    std::printf("LATENCY %s %zu %.1f %.1f %.1f %.1f %d %.0f\n", style.c_str(),
                ms.size(), ms.empty() ? 0 : ms.front(), Percentile(ms, 0.5),
                Percentile(ms, 0.9), ms.empty() ? 0 : ms.back(), misses,
                Percentile(agent, 0.5));
  }
}

int Measure(AgentClient& client, const Flags& f) {
  if (f.file.empty()) Die("--file PATH is required");
  struct stat like;
  if (stat(f.file.c_str(), &like) != 0) {
    Die(StrCat("stat ", f.file, ": ", std::strerror(errno)));
  }
  const std::string right = ReadWhole(f.file);
  const std::string wrong =
      StrCat(right, "# edited by bench/drift/latency: not the catalog's\n");

  cairn::v1::GetDriftResponse drift = GetDriftOrDie(client);
  if (!drift.watching()) Die("the agent watches nothing: apply first");
  for (const DriftEvent& e : drift.current()) {
    if (e.diff().resource().kind() == f.kind &&
        e.diff().resource().id() == f.id) {
      Die(StrCat(f.kind, " ", f.id,
                 " is drifted now: its content is not the catalog's"));
    }
  }
  Watcher watcher(client, drift.last_seq());
  // The stream is connected once the agent answers on it; give it a moment
  // so that the first edit is not timed against the connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  std::vector<std::string> styles;
  if (f.style == "both") {
    styles = {"write", "rename"};
  } else {
    styles = {f.style};
  }
  int failures = 0;
  for (const std::string& style : styles) {
    std::vector<Sample> all, drifted, resolved;
    int misses = 0, others = 0;
    bool file_is_wrong = false;
    auto edit = [&](const std::string& bytes) {
      if (style == "write") {
        WriteInPlace(f.file, bytes);
      } else {
        WriteAndRename(f.file, bytes, like);
      }
    };
    for (int i = 0; i < f.n; ++i) {
      bool to_wrong = i % 2 == 0;
      DriftEvent::State want =
          to_wrong ? DriftEvent::STATE_DRIFTED : DriftEvent::STATE_RESOLVED;
      edit(to_wrong ? wrong : right);
      Clock::time_point done = Clock::now();
      int64_t done_ns = RealtimeNs();
      file_is_wrong = to_wrong;
      Inbox::Item item;
      if (!watcher.inbox().Take(f.kind, f.id, want,
                                done + std::chrono::milliseconds(f.timeout_ms),
                                &item, &others)) {
        ++misses;
        std::fprintf(stderr, "latency: %s edit %d: no %s event within %d ms\n",
                     style.c_str(), i, DriftEvent::State_Name(want).c_str(),
                     f.timeout_ms);
        continue;
      }
      Sample s;
      s.ms = Ms(item.arrived - done);
      s.agent_ms = static_cast<double>(item.event.at_ms()) -
                   static_cast<double>(done_ns) / 1e6;
      all.push_back(s);
      (to_wrong ? drifted : resolved).push_back(s);
      std::this_thread::sleep_for(std::chrono::milliseconds(f.gap_ms));
    }
    if (file_is_wrong) {
      // Leave the file as the catalog wants it, and its drift resolved.
      edit(right);
      Inbox::Item item;
      watcher.inbox().Take(
          f.kind, f.id, DriftEvent::STATE_RESOLVED,
          Clock::now() + std::chrono::milliseconds(f.timeout_ms), &item,
          &others);
    }
    Report(style, "drifted", drifted, 0);
    Report(style, "resolved", resolved, 0);
    Report(style, "all", all, misses);
    if (others > 0) {
      std::printf("%-7s %d other event(s) of the resource (not counted)\n",
                  style.c_str(), others);
    }
    failures += misses;
  }
  return failures == 0 ? 0 : 1;
}

// Rewrites `path` as fast as it can for `seconds`. Not with O_TRUNC: on
// ext4 a truncate of a file with data flushes it at close (auto_da_alloc),
// which caps the loop at the disk's pace (~800 a second here).
int Hammer(const std::string& path, double seconds, int rate) {
  constexpr size_t kStamp = 11;
  std::string original;
  {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      original.resize(kStamp);
      ssize_t n = pread(fd, original.data(), kStamp, 0);
      original.resize(n > 0 ? static_cast<size_t>(n) : 0);
      close(fd);
    }
  }
  auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(seconds));
  uint64_t writes = 0;
  auto start = Clock::now();
  char stamp[32];
  while (Clock::now() < end) {
    for (int k = 0; k < (rate > 0 ? 1 : 64); ++k) {
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) Die(StrCat("open ", path, ": ", std::strerror(errno)));
      std::snprintf(stamp, sizeof stamp, "#%09llu\n",
                    static_cast<unsigned long long>(writes % 1000000000));
      if (pwrite(fd, stamp, kStamp, 0) != static_cast<ssize_t>(kStamp)) {
        Die(StrCat("pwrite ", path, ": ", std::strerror(errno)));
      }
      close(fd);
      ++writes;
    }
    if (rate > 0) {
      std::this_thread::sleep_until(
          start + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(
                          static_cast<double>(writes) / rate)));
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (!original.empty()) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || pwrite(fd, original.data(), original.size(), 0) !=
                      static_cast<ssize_t>(original.size())) {
      Die(StrCat("cannot put back the start of ", path));
    }
    close(fd);
  }
  std::printf("writes=%llu per_second=%.0f\n",
              static_cast<unsigned long long>(writes), writes / elapsed);
  return 0;
}

// Creates `count` files in `dir`, then deletes them.
int Churn(const std::string& dir, int count) {
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    std::string path = StrCat(dir, "/churn-", i, ".tmp");
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) Die(StrCat("open ", path, ": ", std::strerror(errno)));
    WriteAll(fd, "churn\n", path);
    close(fd);
  }
  for (int i = 0; i < count; ++i) {
    std::string path = StrCat(dir, "/churn-", i, ".tmp");
    if (unlink(path.c_str()) != 0) {
      Die(StrCat("unlink ", path, ": ", std::strerror(errno)));
    }
  }
  std::printf("seconds=%.3f\n", Ms(Clock::now() - start) / 1000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = ParseFlags(argc, argv);
  if (!f.hammer.empty()) return Hammer(f.hammer, f.seconds, f.rate);
  if (!f.churn.empty()) return Churn(f.churn, f.count);
  std::unique_ptr<AgentClient> client = ConnectOrDie(f.agent);
  if (f.status) return Status(*client);
  if (!f.wait_state.empty()) return Wait(*client, f);
  if (f.watch_seconds > 0) return WatchFor(*client, f.watch_seconds);
  return Measure(*client, f);
}
