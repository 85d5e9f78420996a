// The real machine. Placeholder until the implementation lands: every call
// fails with UNIMPLEMENTED, so the host library links and FakeHost-based
// tests run meanwhile.

#include "absl/status/status.h"
#include "agent/host/host.h"

namespace cairn::agent {
namespace {

absl::Status Unimplemented() {
  return absl::UnimplementedError("LocalHost is not implemented yet");
}

class LocalHost : public Host {
 public:
  absl::StatusOr<FileInfo> Stat(const std::string&) override {
    return Unimplemented();
  }
  absl::StatusOr<std::string> ReadFile(const std::string&) override {
    return Unimplemented();
  }
  absl::StatusOr<std::string> ReadLink(const std::string&) override {
    return Unimplemented();
  }
  absl::StatusOr<std::vector<std::string>> ListDirectory(
      const std::string&) override {
    return Unimplemented();
  }
  absl::Status WriteFile(const std::string&, std::string_view, uint32_t, uid_t,
                         gid_t) override {
    return Unimplemented();
  }
  absl::Status MakeDirectory(const std::string&, uint32_t, uid_t,
                             gid_t) override {
    return Unimplemented();
  }
  absl::Status SetOwner(const std::string&, uid_t, gid_t) override {
    return Unimplemented();
  }
  absl::Status SetMode(const std::string&, uint32_t) override {
    return Unimplemented();
  }
  absl::Status MakeSymlink(const std::string&, const std::string&) override {
    return Unimplemented();
  }
  absl::Status Remove(const std::string&) override { return Unimplemented(); }
  absl::Status RemoveTree(const std::string&) override {
    return Unimplemented();
  }
  absl::Status Rename(const std::string&, const std::string&) override {
    return Unimplemented();
  }
  absl::StatusOr<CommandResult> Run(const std::vector<std::string>&,
                                    std::string_view, absl::Duration) override {
    return Unimplemented();
  }
};

}  // namespace

std::unique_ptr<Host> MakeLocalHost() { return std::make_unique<LocalHost>(); }

}  // namespace cairn::agent
