#ifndef CAIRN_AGENT_DRIFT_DRIFT_H_
#define CAIRN_AGENT_DRIFT_DRIFT_H_

// Drift: noticing, within seconds, that the host stopped matching the
// catalog last applied, and telling (or healing). One thread watches:
//   - inotify on the directory of every managed path (files, lines,
//     symlinks, directories, sudo rules), and on /etc for users and groups
//     (passwd, shadow, group, gshadow): an event marks the resources of
//     that name, which are checked once the changes pause (debounce);
//   - systemd units of services and timers, polled with one `systemctl
//     show` every two seconds (no D-Bus library is in the stack, and one
//     poll of every unit costs a few milliseconds);
//   - a full check of everything every drift_check_seconds (jittered),
//     which catches what the others miss: a package removed, a firewall
//     rule added, a sysctl changed; and an inotify queue overflow.
// Each change of a resource's drift is an event (DRIFTED, RESOLVED,
// HEALED, HEAL_FAILED) appended to a bounded queue on disk and served by
// GetDrift/WatchDrift. Checks wait while an apply runs.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "agent/engine/engine.h"
#include "agent/host/host.h"
#include "proto/cairn/v1/agent.pb.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::agent {

struct DriftOptions {
  // The queue (drift.log) and the watched catalog (watched.pb) live here.
  std::string state_dir = "/var/lib/cairn";
  // How long changes to a path must pause before its resources are
  // checked: a file rewritten a thousand times a second is checked ten
  // times a second at most.
  std::chrono::milliseconds debounce{100};
  // How often systemd units are polled.
  std::chrono::milliseconds service_poll{2000};
  // Overrides the catalog's drift_check_seconds when set (tests).
  std::chrono::milliseconds period_override{0};
  // Events kept on disk; the oldest half goes when there are more.
  size_t max_events = 1000;
  // Heals of one resource allowed per window; more are reported, not
  // attempted, so two tools fighting over a file cannot make a storm.
  int heals_per_window = 3;
  std::chrono::seconds heal_window{600};
  // Events per resource per minute; a resource changing faster has its
  // state reported when the minute allows, so that one restless file does
  // not push every other event out of the queue.
  int events_per_minute = 10;
};

class DriftWatcher {
 public:
  DriftWatcher(Engine& engine, Host& host, DriftOptions options);
  // Stops the thread.
  ~DriftWatcher();

  // Reads the queue and the catalog watched before a restart, and starts
  // the thread. Call once.
  absl::Status Start();

  // A catalog was applied: watch it from now on, leaving out the resources
  // that failed or were skipped (the host never matched them). Kept on
  // disk, so a restarted agent watches it again. A full check follows at
  // once: drift the apply repaired is reported resolved.
  void Watch(const v1::Catalog& catalog, const std::string& fingerprint_key,
             const std::vector<v1::ResourceRef>& not_converged);

  // Bracket an Apply: Pause before it, then Watch (its catalog) or Resume
  // (it never started). What the apply itself changes is no drift, and
  // must not be checked against the catalog it replaces.
  void Pause();
  void Resume();

  v1::GetDriftResponse Get(uint64_t after_seq);

  // The events after `after_seq`; waits up to `wait` for one when there is
  // none yet.
  std::vector<v1::DriftEvent> Wait(uint64_t after_seq,
                                   std::chrono::milliseconds wait);

 private:
  struct Tracked {
    int index = 0;  // In catalog_.
    bool drifted = false;
    int64_t first_seen_ms = 0;
    std::string last_diff;  // Serialized, to tell a new difference.
    std::deque<std::chrono::steady_clock::time_point> heals;
    // When its last events were emitted, for the event rate limit.
    std::deque<std::chrono::steady_clock::time_point> emitted;
  };

  void Run();
  // (Re)creates the inotify watches and the service list for catalog_.
  void SetUpWatches();
  void ReadInotify();
  void PollServices();
  void CheckResources(const std::set<int>& indexes, v1::DriftEvent::Source how);
  void Emit(v1::DriftEvent event);
  void EmitLocked(v1::DriftEvent event);  // mutex_ held.
  absl::Status LoadQueue();
  std::chrono::milliseconds Period() const;

  Engine& engine_;
  Host& host_;
  DriftOptions options_;

  std::mutex mutex_;  // Guards everything down to the thread's own.
  std::condition_variable changed_;
  bool stopping_ = false;
  // A catalog Watch() gave, for the thread to take.
  std::optional<v1::CheckRequest> pending_;
  bool watching_ = false;
  // Drift the last apply repaired (already reported resolved by Watch), for
  // the thread to forget.
  std::set<std::pair<std::string, std::string>> resolved_by_apply_;
  int paused_ = 0;  // Applies in progress (Pause without Watch/Resume).
  std::string host_name_;
  std::string catalog_digest_;
  std::deque<v1::DriftEvent> events_;
  // The latest event of each resource that differs now.
  std::map<std::pair<std::string, std::string>, v1::DriftEvent> current_;
  uint64_t next_seq_ = 1;
  int64_t last_full_check_ms_ = 0;

  // Owned by the thread.
  v1::Catalog catalog_;
  std::string fingerprint_key_;
  std::map<std::pair<std::string, std::string>, Tracked> tracked_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::map<int, std::string> watch_dirs_;  // wd -> directory.
  // (directory, name) -> resource indexes.
  std::map<std::pair<std::string, std::string>, std::vector<int>> by_path_;
  std::vector<int> watched_by_path_;  // Every index reached by a watch.
  std::set<int> dirty_;
  std::chrono::steady_clock::time_point dirty_since_, last_event_;
  bool rewatch_after_check_ = false;  // A watched directory went.
  // Resources whose event the rate limit held back: checked again then.
  std::set<int> held_;
  std::chrono::steady_clock::time_point held_until_;
  std::vector<std::pair<std::string, int>> units_;  // unit -> index.
  std::string unit_states_;
  std::thread thread_;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_DRIFT_DRIFT_H_
