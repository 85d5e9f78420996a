#ifndef CAIRN_AGENT_ENGINE_JOURNAL_H_
#define CAIRN_AGENT_ENGINE_JOURNAL_H_

// The agent's journal: intent written before each change, so
// that after a crash the next start knows what was interrupted and which
// notifications (a restart after a changed config) are still owed. One
// record a line:
//   begin KIND ID          a change of KIND ID is about to start
//   done KIND ID           it finished (changed or failed)
//   owe KIND ID ACTION     a notification is owed (written before the
//                          change that triggers it)
//   paid KIND ID ACTION    it ran
// IDs are escaped so that a record is always one line.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/host.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::agent {

class Journal {
 public:
  // The journal at `path` on `host` (read and written through Host, so a
  // FakeHost holds it in tests).
  Journal(Host& host, std::string path);

  // What an earlier run left: changes begun and not done, notifications
  // owed and not paid (in the order they were owed, without duplicates).
  struct Recovered {
    std::vector<v1::ResourceRef> interrupted;
    std::vector<v1::Notify> owed;
  };
  absl::StatusOr<Recovered> Read();

  absl::Status Begin(const v1::ResourceRef& ref);
  absl::Status Done(const v1::ResourceRef& ref);
  absl::Status Owe(const v1::Notify& notify);
  absl::Status Paid(const v1::Notify& notify);
  // Starts afresh, keeping only notifications still owed.
  absl::Status Reset(const std::vector<v1::Notify>& still_owed);

 private:
  absl::Status Append(const std::string& record, bool durable);

  Host& host_;
  std::string path_;
  std::string text_;  // The journal's contents, as written so far.
  bool loaded_ = false;
};

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_ENGINE_JOURNAL_H_
