#include "compiler/eval/render.h"

#include "google/protobuf/text_format.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn {
namespace {

namespace pb = google::protobuf;

// Replaces the named string fields of `message` with "(secret)".
void RedactFields(
    pb::Message& message,
    const google::protobuf::RepeatedPtrField<std::string>& names) {
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
        r->SetRepeatedString(&message, field, i, "(secret)");
      }
    } else {
      r->SetString(&message, field, "(secret)");
    }
  }
}

// Replaces the secret fields of each resource's spec.
void Redact(v1::Resource& resource) {
  if (resource.secret_fields().empty()) return;
  const pb::Descriptor* desc =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
          resource.spec().type_url().substr(
              resource.spec().type_url().rfind('/') + 1));
  if (desc == nullptr) return;
  std::unique_ptr<pb::Message> spec(
      pb::MessageFactory::generated_factory()->GetPrototype(desc)->New());
  if (!resource.spec().UnpackTo(spec.get())) return;
  RedactFields(*spec, resource.secret_fields());
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

std::string CatalogText(const v1::Catalog& catalog) {
  v1::Catalog copy = catalog;
  for (v1::Resource& resource : *copy.mutable_resources()) Redact(resource);
  return Print(copy);
}

std::string ZoneText(const ZoneCatalog& zone) {
  std::string out = "zone {\n";
  v1::Zone redacted = zone.zone;
  google::protobuf::RepeatedPtrField<std::string> names(
      zone.secret_fields.begin(), zone.secret_fields.end());
  RedactFields(redacted, names);
  std::string text = Print(redacted);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    out += "  " + text.substr(start, end - start + 1);
    start = end + 1;
  }
  out += "}\n";
  for (v1::Resource record : zone.records) {
    Redact(record);
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
