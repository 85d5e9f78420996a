#ifndef CAIRN_CLI_DRIFT_STORE_H_
#define CAIRN_CLI_DRIFT_STORE_H_

// What `cairn drift` keeps of what agents report — their events and each
// host's latest drift, in the state store — and the --notify-command it
// runs once for each new event. Internal to cli/.

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/cairn/v1/drift.pb.h"
#include "state/state.h"

namespace cairn::cli {

class DriftKeeper {
 public:
  // `notify_command` may be empty (nothing is run).
  DriftKeeper(state::Store& store, std::string notify_command)
      : store_(store), notify_command_(std::move(notify_command)) {}

  // Records a report of one host that answered: its events, and the host's
  // drift as its latest (forgetting what was recorded of it first when its
  // agent's queue started over). Then runs the notify command for each
  // event the store did not hold yet, in order. Returns those new events;
  // an error when the store failed, and then nothing was notified.
  // Thread-safe.
  absl::StatusOr<std::vector<v1::DriftEvent>> Record(
      const v1::HostDrift& drift);

  // Runs the notify command for `event` of `host`: `/bin/sh -c COMMAND`
  // with the event as one line of JSON on stdin and CAIRN_HOST,
  // CAIRN_RESOURCE ("file /etc/motd") and CAIRN_DRIFT_STATE ("drifted")
  // set, killed after 30 s. Its output and a failure go to stderr; nothing
  // else follows from a failure. One command at a time.
  void Notify(const std::string& host, const v1::DriftEvent& event);

 private:
  state::Store& store_;
  std::string notify_command_;
  std::mutex notify_mutex_;
};

// The note `cairn plan` shows under a host whose drift the store knows of,
// reported since the host's last apply; empty when there is none.
std::string KnownDrift(state::Store& store, const std::string& host);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_DRIFT_STORE_H_
