// What a host's agent is sent (declared resources and removals), what is
// recorded after an apply, and the digest that names a catalog.

#include <map>
#include <set>
#include <string>
#include <utility>

#include "base/digest.h"
#include "base/strings.h"
#include "compiler/eval/render.h"
#include "controller/controller.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "proto/cairn/v1/options.pb.h"

namespace cairn::controller {
namespace {

namespace pb = google::protobuf;

using Key = std::pair<std::string, std::string>;

Key KeyOf(const v1::Resource& r) { return {r.kind(), r.id()}; }
Key KeyOf(const v1::ResourceRef& r) { return {r.kind(), r.id()}; }

v1::ResourceRef RefOf(const v1::Resource& r) {
  v1::ResourceRef ref;
  ref.set_kind(r.kind());
  ref.set_id(r.id());
  return ref;
}

// Turns `resource` into its own absence: ensure = absent, or for a
// package state = removed. False for a kind that has neither.
bool MakeAbsent(v1::Resource& resource) {
  const pb::Any& any = resource.spec();
  std::string type(any.type_url().substr(any.type_url().rfind('/') + 1));
  const pb::Descriptor* descriptor =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (descriptor == nullptr) return false;
  std::unique_ptr<pb::Message> spec(
      pb::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!spec->ParseFromString(any.value())) return false;
  const pb::FieldDescriptor* field = descriptor->FindFieldByName("ensure");
  const char* value = "ENSURE_ABSENT";
  if (field == nullptr) {
    field = descriptor->FindFieldByName("state");
    value = "STATE_REMOVED";
  }
  if (field == nullptr || field->type() != pb::FieldDescriptor::TYPE_ENUM) {
    return false;
  }
  const pb::EnumValueDescriptor* absent =
      field->enum_type()->FindValueByName(value);
  if (absent == nullptr) return false;
  spec->GetReflection()->SetEnum(spec.get(), field, absent);
  resource.mutable_spec()->PackFrom(*spec);
  return true;
}

// Whether leaving the configuration releases rather than removes a
// resource of this kind (a database: removing it would destroy data).
bool KeptWhenUndeclared(const v1::Resource& resource) {
  const pb::Any& any = resource.spec();
  const pb::Descriptor* descriptor =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(any.type_url().substr(any.type_url().rfind('/') + 1)));
  return descriptor != nullptr &&
         descriptor->options().GetExtension(v1::keep_when_undeclared);
}

std::string Deterministic(const pb::Message& message) {
  std::string bytes;
  {
    pb::io::StringOutputStream stream(&bytes);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace

Outgoing WithRemovals(const v1::Catalog& declared,
                      const v1::Catalog* last_applied) {
  Outgoing out;
  if (last_applied == nullptr) {
    out.catalog = declared;
    return out;
  }
  std::set<Key> wanted;
  for (const v1::Resource& r : declared.resources()) wanted.insert(KeyOf(r));
  std::vector<const v1::Resource*> gone;
  std::set<Key> gone_keys;
  for (const v1::Resource& r : last_applied->resources()) {
    if (wanted.count(KeyOf(r))) continue;
    if (r.keep() || KeptWhenUndeclared(r)) {
      v1::ResourceDiff release;
      *release.mutable_resource() = RefOf(r);
      release.set_action(v1::ResourceDiff::ACTION_RELEASE);
      out.releases.push_back(std::move(release));
      continue;
    }
    gone.push_back(&r);
    gone_keys.insert(KeyOf(r));
  }
  // A removal goes before the removal of what it depended on: the file
  // before its directory, the user before its group.
  std::map<Key, std::vector<v1::ResourceRef>> before;
  for (const v1::Resource* r : gone) {
    for (const v1::ResourceRef& d : r->depends_on()) {
      if (gone_keys.count(KeyOf(d))) before[KeyOf(d)].push_back(RefOf(*r));
    }
  }
  // Removals first: nothing declared depends on them, and a package that
  // conflicts with a new one is gone before the new one comes.
  *out.catalog.mutable_host() = declared.host();
  out.catalog.set_compiler(declared.compiler());
  *out.catalog.mutable_params() = declared.params();
  for (const v1::Resource* r : gone) {
    v1::Resource removal = *r;
    removal.clear_depends_on();
    removal.clear_notify();
    removal.set_keep(false);
    for (const v1::ResourceRef& ref : before[KeyOf(*r)]) {
      *removal.add_depends_on() = ref;
    }
    if (!MakeAbsent(removal)) {
      // No kind lacks a way to go; should one appear, leave it alone and
      // say so rather than guess.
      v1::ResourceDiff release;
      *release.mutable_resource() = RefOf(*r);
      release.set_action(v1::ResourceDiff::ACTION_RELEASE);
      out.releases.push_back(std::move(release));
      continue;
    }
    out.removals.push_back(RefOf(*r));
    *out.catalog.add_resources() = std::move(removal);
  }
  for (const v1::Resource& r : declared.resources()) {
    *out.catalog.add_resources() = r;
  }
  return out;
}

v1::Catalog Snapshot(const Outgoing& outgoing, const v1::Catalog& declared,
                     const std::vector<v1::ResourceRef>& removed,
                     std::string_view fingerprint_key) {
  v1::Catalog snapshot = RedactedCatalog(declared, fingerprint_key);
  std::set<Key> done;
  for (const v1::ResourceRef& r : removed) done.insert(KeyOf(r));
  std::set<Key> removals;
  for (const v1::ResourceRef& r : outgoing.removals) {
    if (!done.count(KeyOf(r))) removals.insert(KeyOf(r));
  }
  // Removals come from the last snapshot: their secrets are fingerprints
  // already.
  for (const v1::Resource& r : outgoing.catalog.resources()) {
    if (removals.count(KeyOf(r))) *snapshot.add_resources() = r;
  }
  return snapshot;
}

std::string CatalogDigest(const v1::Catalog& catalog,
                          std::string_view fingerprint_key) {
  return HmacSha256Hex(fingerprint_key, Deterministic(catalog));
}

bool SameChanges(const v1::HostPlan& a, const v1::HostPlan& b) {
  auto essence = [](const v1::HostPlan& p) {
    v1::HostPlan e;
    e.set_status(p.status());
    *e.mutable_changes() = p.changes();
    for (const v1::ApplyEvent& u : p.unreadable()) {
      v1::ApplyEvent* copy = e.add_unreadable();
      *copy = u;
      copy->clear_duration_micros();
    }
    return Deterministic(e);
  };
  return essence(a) == essence(b);
}

std::string ChangesSincePlan(const v1::HostPlan& planned,
                             const v1::HostPlan& now) {
  std::map<Key, std::string> before, after;
  for (const v1::ResourceDiff& d : planned.changes()) {
    before[KeyOf(d.resource())] = Deterministic(d);
  }
  for (const v1::ResourceDiff& d : now.changes()) {
    after[KeyOf(d.resource())] = Deterministic(d);
  }
  std::vector<std::string> found;
  for (const auto& [key, diff] : after) {
    auto it = before.find(key);
    std::string what = StrCat(key.first, " ", key.second);
    if (it == before.end()) {
      found.push_back(StrCat(what, ": a change the plan did not have"));
    } else if (it->second != diff) {
      found.push_back(StrCat(what, ": the change differs from the plan"));
    }
  }
  for (const auto& [key, diff] : before) {
    if (!after.count(key)) {
      found.push_back(StrCat(key.first, " ", key.second,
                             ": planned, but needs no change now"));
    }
  }
  if (found.empty() && !SameChanges(planned, now)) {
    found.push_back("what cannot be read on the host differs");
  }
  if (found.size() > 3) {
    size_t more = found.size() - 3;
    found.resize(3);
    found.push_back(StrCat("and ", more, " more"));
  }
  return StrJoin(found, "; ");
}

}  // namespace cairn::controller
