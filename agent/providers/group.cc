// The "group" kind: a local group, read from /etc/group and changed with
// groupadd, groupmod and groupdel.
//
// `system` only matters when the group is created (groupadd -r): an
// existing group is not moved between the system and regular id ranges.

#include "absl/status/status.h"
#include "agent/host/accounts.h"
#include "agent/providers/account_tools.h"
#include "agent/providers/provider.h"
#include "base/strings.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::agent {
namespace {

bool WantsPresent(const v1::Group& spec) {
  return spec.ensure() != v1::ENSURE_ABSENT;
}

absl::StatusOr<v1::Group> Spec(const v1::Resource& resource) {
  v1::Group spec;
  if (!resource.spec().UnpackTo(&spec)) {
    return absl::InvalidArgumentError(
        StrCat("group ", resource.id(), ": spec is not a cairn.v1.Group"));
  }
  absl::Status name = CheckAccountName("group", spec.name());
  if (!name.ok()) return name;
  return spec;
}

class GroupProvider : public Provider {
 public:
  std::string_view kind() const override { return "group"; }

  absl::StatusOr<v1::ResourceDiff> Check(
      const v1::Resource& resource, ProviderContext& context) const override {
    absl::StatusOr<v1::Group> spec = Spec(resource);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<Accounts> db = Accounts::Read(*context.host);
    if (!db.ok()) return db.status();
    const AccountGroup* current = db->FindGroup(spec->name());

    v1::ResourceDiff diff = NewDiff(resource);
    if (!WantsPresent(*spec)) {
      if (current != nullptr) {
        diff.set_action(v1::ResourceDiff::ACTION_DELETE);
        AddChange(resource, "ensure", "present", "absent", context, diff);
      }
      return diff;
    }
    if (current == nullptr) {
      diff.set_action(v1::ResourceDiff::ACTION_CREATE);
      AddChange(resource, "ensure", "absent", "present", context, diff);
      if (spec->gid() != 0) {
        AddChange(resource, "gid", "", StrCat(spec->gid()), context, diff);
      }
      return diff;
    }
    if (spec->gid() != 0 && spec->gid() != current->gid) {
      diff.set_action(v1::ResourceDiff::ACTION_UPDATE);
      AddChange(resource, "gid", StrCat(current->gid), StrCat(spec->gid()),
                context, diff);
    }
    return diff;
  }

  absl::Status Apply(const v1::Resource& resource, const v1::ResourceDiff&,
                     ProviderContext& context) const override {
    absl::StatusOr<v1::Group> spec = Spec(resource);
    if (!spec.ok()) return spec.status();
    Host& host = *context.host;
    absl::StatusOr<Accounts> db = Accounts::Read(host);
    if (!db.ok()) return db.status();
    const AccountGroup* current = db->FindGroup(spec->name());

    if (!WantsPresent(*spec)) {
      if (current == nullptr) return absl::OkStatus();
      return RunAccountTool(host, {"groupdel", spec->name()});
    }
    if (current == nullptr) {
      std::vector<std::string> argv = {"groupadd"};
      if (spec->system()) argv.push_back("-r");
      if (spec->gid() != 0) {
        argv.push_back("-g");
        argv.push_back(StrCat(spec->gid()));
      }
      argv.push_back(spec->name());
      return RunAccountTool(host, argv);
    }
    if (spec->gid() != 0 && spec->gid() != current->gid) {
      return RunAccountTool(
          host, {"groupmod", "-g", StrCat(spec->gid()), spec->name()});
    }
    return absl::OkStatus();
  }
};

CAIRN_REGISTER_PROVIDER(GroupProvider);

}  // namespace
}  // namespace cairn::agent
