// The order and pace of an apply across hosts: `after` edges, batches of
// `serial` hosts, at most `parallelism` at once, a stop after `max_fail`
// failures or on Ctrl-C.

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/strings.h"
#include "controller/controller.h"

namespace cairn::controller {
namespace {

// Host indexes, each after the hosts of after[i], ties by index. Empty
// with `cycle` naming the hosts left when there is a cycle.
std::vector<int> Order(const std::vector<std::vector<int>>& after,
                       std::vector<int>& cycle) {
  size_t n = after.size();
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> next(n);
  for (size_t i = 0; i < n; ++i) {
    for (int a : after[i]) {
      ++waiting[i];
      next[a].push_back(static_cast<int>(i));
    }
  }
  std::vector<int> order;
  std::vector<bool> placed(n, false);
  while (order.size() < n) {
    int pick = -1;
    for (size_t i = 0; i < n; ++i) {
      if (!placed[i] && waiting[i] == 0) {
        pick = static_cast<int>(i);
        break;
      }
    }
    if (pick < 0) {
      for (size_t i = 0; i < n; ++i) {
        if (!placed[i]) cycle.push_back(static_cast<int>(i));
      }
      return {};
    }
    placed[pick] = true;
    order.push_back(pick);
    for (int j : next[pick]) --waiting[j];
  }
  return order;
}

}  // namespace

absl::StatusOr<int> SerialCount(std::string_view serial, int hosts) {
  if (serial.empty()) return 0;
  bool percent = serial.back() == '%';
  std::string digits(serial.substr(0, serial.size() - (percent ? 1 : 0)));
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > 6) {
    return absl::InvalidArgumentError(
        StrCat("serial \"", serial, "\" is neither a number nor a share"));
  }
  int value = std::atoi(digits.c_str());
  if (value == 0) {
    return absl::InvalidArgumentError("serial must be at least 1 (or 1%)");
  }
  if (!percent) return value;
  if (value > 100) {
    return absl::InvalidArgumentError("serial cannot exceed 100%");
  }
  return std::max(1, (hosts * value + 99) / 100);
}

absl::StatusOr<std::vector<HostRun>> Rollout(
    const std::vector<std::string>& names,
    const std::vector<std::vector<int>>& after, const RolloutOptions& options,
    const std::function<bool(int)>& run) {
  std::vector<int> cycle;
  std::vector<int> order = Order(after, cycle);
  if (!cycle.empty()) {
    std::vector<std::string> which;
    for (int i : cycle) which.push_back(names[i]);
    return absl::InvalidArgumentError(
        StrCat("the hosts ", StrJoin(which, ", "),
               " wait for each other (after = [...] makes a cycle)"));
  }
  size_t n = order.size();
  size_t batch_size = options.serial > 0 ? options.serial : n;
  int parallelism = std::max(1, options.parallelism);

  enum State { kPending, kRunning, kSucceeded, kFailed, kNotStarted };
  std::vector<State> state(n, kPending);
  std::vector<HostRun> runs(n);
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0, failures = 0;

  for (size_t begin = 0; begin < n; begin += batch_size) {
    std::vector<int> batch(order.begin() + begin,
                           order.begin() + std::min(n, begin + batch_size));
    std::vector<std::thread> threads;
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      bool open = false;
      for (int h : batch) {
        if (state[h] != kPending) {
          open |= state[h] == kRunning;
          continue;
        }
        std::string reason;
        bool ready = true;
        if (options.stop != nullptr && options.stop->load()) {
          reason = "the rollout was interrupted";
        } else if (options.max_fail.has_value() &&
                   failures > *options.max_fail) {
          reason =
              StrCat(failures,
                     " hosts failed, more than max_fail = ", *options.max_fail);
        }
        for (int a : after[h]) {
          if (!reason.empty()) break;
          if (state[a] == kFailed || state[a] == kNotStarted) {
            reason = StrCat("it comes after ", names[a], ", which ",
                            state[a] == kFailed ? "failed" : "did not run");
          } else if (state[a] != kSucceeded) {
            ready = false;
          }
        }
        if (!reason.empty()) {
          state[h] = kNotStarted;
          runs[h] = {Outcome::kNotStarted, reason};
          changed.notify_all();
          continue;
        }
        open = true;
        if (!ready || running >= parallelism) continue;
        state[h] = kRunning;
        ++running;
        threads.emplace_back([&, h] {
          bool ok = run(h);
          std::lock_guard<std::mutex> done(mutex);
          state[h] = ok ? kSucceeded : kFailed;
          runs[h].outcome = ok ? Outcome::kSucceeded : Outcome::kFailed;
          failures += ok ? 0 : 1;
          --running;
          changed.notify_all();
        });
      }
      if (!open) break;
      changed.wait(lock);
    }
    lock.unlock();
    for (std::thread& t : threads) t.join();
  }
  return runs;
}

}  // namespace cairn::controller
