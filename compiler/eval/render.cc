#include "compiler/eval/render.h"

#include "base/strings.h"
#include "compiler/vault/vault.h"
#include "google/protobuf/text_format.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn {
namespace {

namespace pb = google::protobuf;

// Replaces the named string fields of `message` with their fingerprints.
void RedactFields(pb::Message& message,
                  const google::protobuf::RepeatedPtrField<std::string>& names,
                  std::string_view key) {
  const pb::Descriptor* desc = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  for (const std::string& name : names) {
    const pb::FieldDescriptor* field = desc->FindFieldByName(name);
    if (field == nullptr ||
        field->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        r->SetRepeatedString(
            &message, field, i,
            SecretText(r->GetRepeatedString(message, field, i), key));
      }
    } else {
      r->SetString(&message, field,
                   SecretText(r->GetString(message, field), key));
    }
  }
}

// Replaces the secret fields of each resource's spec.
void Redact(v1::Resource& resource, std::string_view key) {
  if (resource.secret_fields().empty()) return;
  const pb::Descriptor* desc =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
          resource.spec().type_url().substr(
              resource.spec().type_url().rfind('/') + 1));
  if (desc == nullptr) return;
  std::unique_ptr<pb::Message> spec(
      pb::MessageFactory::generated_factory()->GetPrototype(desc)->New());
  if (!resource.spec().UnpackTo(spec.get())) return;
  RedactFields(*spec, resource.secret_fields(), key);
  resource.mutable_spec()->PackFrom(*spec);
}

std::string Print(const pb::Message& message) {
  pb::TextFormat::Printer printer;
  printer.SetExpandAny(true);
  std::string out;
  printer.PrintToString(message, &out);
  return out;
}

}  // namespace

std::string SecretText(std::string_view secret,
                       std::string_view fingerprint_key) {
  return StrCat("(secret:", vault::Fingerprint(secret, fingerprint_key), ")");
}

v1::Catalog RedactedCatalog(const v1::Catalog& catalog,
                            std::string_view fingerprint_key) {
  v1::Catalog copy = catalog;
  for (v1::Resource& resource : *copy.mutable_resources()) {
    Redact(resource, fingerprint_key);
  }
  return copy;
}

std::string CatalogText(const v1::Catalog& catalog,
                        std::string_view fingerprint_key) {
  v1::Catalog copy = RedactedCatalog(catalog, fingerprint_key);
  return Print(copy);
}

std::string ZoneText(const ZoneCatalog& zone,
                     std::string_view fingerprint_key) {
  std::string out = "zone {\n";
  v1::Zone redacted = zone.zone;
  google::protobuf::RepeatedPtrField<std::string> names(
      zone.secret_fields.begin(), zone.secret_fields.end());
  RedactFields(redacted, names, fingerprint_key);
  std::string text = Print(redacted);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    out += "  " + text.substr(start, end - start + 1);
    start = end + 1;
  }
  out += "}\n";
  for (v1::Resource record : zone.records) {
    Redact(record, fingerprint_key);
    out += "records {\n";
    text = Print(record);
    for (size_t start = 0; start < text.size();) {
      size_t end = text.find('\n', start);
      out += "  " + text.substr(start, end - start + 1);
      start = end + 1;
    }
    out += "}\n";
  }
  return out;
}

}  // namespace cairn
