#include "agent/providers/provider.h"

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "lang/source/utf8.h"

namespace cairn::agent {
namespace {

std::map<std::string, const Provider*, std::less<>>& Registry() {
  static auto* registry =
      new std::map<std::string, const Provider*, std::less<>>;
  return *registry;
}

}  // namespace

namespace internal {
bool RegisterProvider(const Provider* provider) {
  Registry()[std::string(provider->kind())] = provider;
  return true;
}
}  // namespace internal

absl::Status Provider::Notify(const v1::Resource& resource,
                              std::string_view action, ProviderContext&) const {
  return absl::InvalidArgumentError(StrCat(resource.kind(), " ", resource.id(),
                                           " has no action '", action, "'"));
}

std::vector<absl::Status> Provider::ApplyBatch(
    const std::vector<const v1::Resource*>& resources,
    const std::vector<v1::ResourceDiff>& diffs,
    ProviderContext& context) const {
  std::vector<absl::Status> out;
  for (size_t i = 0; i < resources.size(); ++i) {
    out.push_back(Apply(*resources[i], diffs[i], context));
  }
  return out;
}

namespace {
absl::Status NoConfirm(const Provider& provider) {
  return absl::UnimplementedError(
      StrCat(provider.kind(), " changes are not confirmed"));
}
}  // namespace

absl::Status Provider::SaveForRollback(ProviderContext&) const {
  return NoConfirm(*this);
}
absl::Status Provider::Rollback(ProviderContext&) const {
  return NoConfirm(*this);
}
absl::Status Provider::DiscardRollback(ProviderContext&) const {
  return NoConfirm(*this);
}
absl::StatusOr<bool> Provider::RollbackPending(ProviderContext&) const {
  return NoConfirm(*this);
}

absl::StatusOr<const Accounts*> ProviderContext::accounts() {
  if (!accounts_.has_value()) {
    absl::StatusOr<Accounts> read = Accounts::Read(*host);
    if (!read.ok()) return read.status();
    accounts_ = *std::move(read);
  }
  return &*accounts_;
}

const Provider* FindProvider(std::string_view kind) {
  auto it = Registry().find(kind);
  return it == Registry().end() ? nullptr : it->second;
}

std::vector<const Provider*> AllProviders() {
  std::vector<const Provider*> out;
  for (const auto& [kind, provider] : Registry()) out.push_back(provider);
  return out;
}

bool IsSecretField(const v1::Resource& resource, std::string_view field) {
  return std::find(resource.secret_fields().begin(),
                   resource.secret_fields().end(),
                   field) != resource.secret_fields().end();
}

void AddChange(const v1::Resource& resource, std::string_view field,
               std::string current, std::string desired,
               const ProviderContext& context, v1::ResourceDiff& diff) {
  v1::FieldChange* change = diff.add_changes();
  change->set_field(std::string(field));
  if (IsSecretField(resource, field)) {
    auto fingerprint = [&](const std::string& value) {
      return StrCat(
          "(secret:", vault::Fingerprint(value, context.fingerprint_key), ")");
    };
    current = fingerprint(current);
    desired = fingerprint(desired);
  }
  // Protobuf strings must be UTF-8; a Latin-1 value would break the RPC.
  change->set_current(EscapeInvalidUtf8(current));
  change->set_desired(EscapeInvalidUtf8(desired));
}

v1::ResourceDiff NewDiff(const v1::Resource& resource) {
  v1::ResourceDiff diff;
  diff.mutable_resource()->set_kind(resource.kind());
  diff.mutable_resource()->set_id(resource.id());
  diff.set_action(v1::ResourceDiff::ACTION_NONE);
  return diff;
}

}  // namespace cairn::agent
