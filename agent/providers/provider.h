#ifndef CAIRN_AGENT_PROVIDERS_PROVIDER_H_
#define CAIRN_AGENT_PROVIDERS_PROVIDER_H_

// A provider converges one resource kind. Check reads the host and says how
// it differs from the resource's spec, with no side effect at all; Apply
// makes it so. After a successful Apply, Check returns ACTION_NONE: every
// provider's tests assert it.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/accounts.h"
#include "agent/host/host.h"
#include "proto/cairn/v1/agent.pb.h"
#include "proto/cairn/v1/catalog.pb.h"

namespace cairn::agent {

// What a provider needs besides the host.
struct ProviderContext {
  Host* host = nullptr;
  // Key for fingerprints of secret values in diffs (vault::Fingerprint).
  std::string fingerprint_key;
  // Where files replaced or removed are kept, e.g. /var/lib/cairn/backup.
  std::string backup_dir = "/var/lib/cairn/backup";

  // The host's users and groups, read once and kept until ForgetAccounts:
  // a thousand files owned by root need not read /etc/passwd a thousand
  // times. The engine forgets them after every change (a package may add a
  // system user); providers that change accounts forget them too.
  absl::StatusOr<const Accounts*> accounts();
  void ForgetAccounts() { accounts_.reset(); }

 private:
  std::optional<Accounts> accounts_;
};

class Provider {
 public:
  virtual ~Provider() = default;

  // The resource kind, as in Resource.kind: "file".
  virtual std::string_view kind() const = 0;

  // How the host differs from `resource`. Must not change anything.
  // Secret fields (resource.secret_fields) appear only as fingerprints.
  virtual absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const = 0;

  // Brings the host to `resource`'s state; `diff` is what Check returned
  // just before. Never leaves a half-written file or database behind.
  virtual absl::Status Apply(const v1::Resource& resource,
                             const v1::ResourceDiff& diff,
                             ProviderContext& context) const = 0;

  // Runs a notification (notify = service.nginx.reload): "reload",
  // "restart". Kinds without actions return InvalidArgument.
  virtual absl::Status Notify(const v1::Resource& resource,
                              std::string_view action,
                              ProviderContext& context) const;

  // Kinds that converge many resources at once (packages: one apt
  // transaction for all; files: one sync for all) return true and implement
  // ApplyBatch; the engine then calls ApplyBatch once with every resource
  // of the kind that needs a change and is ready, in apply order, instead
  // of Apply for each. It returns one status per resource, in order.
  virtual bool batches() const { return false; }
  virtual std::vector<absl::Status> ApplyBatch(
      const std::vector<const v1::Resource*>& resources,
      const std::vector<v1::ResourceDiff>& diffs,
      ProviderContext& context) const;

  // Whether Apply may cut the controller off and must be confirmed (the
  // firewall). For such kinds the engine calls SaveForRollback before
  // Apply; then DiscardRollback when the controller confirms (or the Apply
  // failed and left the old state), or Rollback when the deadline passes,
  // or at start when RollbackPending says a change was never confirmed.
  // The defaults, for every other kind, return Unimplemented.
  virtual bool NeedsConfirm() const { return false; }
  // Whether applying this one resource must be confirmed: NeedsConfirm()
  // unless the kind knows better (removing the firewall cannot cut the
  // controller off, so an absent firewall is applied without commit-confirm).
  virtual bool NeedsConfirmFor(const v1::Resource& /*resource*/) const {
    return NeedsConfirm();
  }
  virtual absl::Status SaveForRollback(ProviderContext& context) const;
  virtual absl::Status Rollback(ProviderContext& context) const;
  virtual absl::Status DiscardRollback(ProviderContext& context) const;
  virtual absl::StatusOr<bool> RollbackPending(ProviderContext& context) const;
};

// The provider for `kind`, or nullptr. Providers are stateless and live
// for the whole process.
const Provider* FindProvider(std::string_view kind);

// Every provider, for listing.
std::vector<const Provider*> AllProviders();

namespace internal {
bool RegisterProvider(const Provider* provider);
}  // namespace internal

// Registers a provider class at start-up, in its .cc file:
//   CAIRN_REGISTER_PROVIDER(FileProvider);
// The providers library is alwayslink, so registrations are never dropped.
#define CAIRN_REGISTER_PROVIDER(Class)                          \
  static const bool cairn_registered_##Class [[maybe_unused]] = \
      ::cairn::agent::internal::RegisterProvider(new Class())

// Helpers for diffs.
// The diff of `resource` with its reference filled in and no change yet.
v1::ResourceDiff NewDiff(const v1::Resource& resource);
// A change of one field; values of secret fields become fingerprints.
void AddChange(const v1::Resource& resource, std::string_view field,
               std::string current, std::string desired,
               const ProviderContext& context, v1::ResourceDiff& diff);
// Whether `field` of `resource` holds a secret.
bool IsSecretField(const v1::Resource& resource, std::string_view field);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_PROVIDER_H_
