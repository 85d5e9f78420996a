#include "compiler/eval/render.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

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
    if (field != nullptr && field->is_map()) {
      // A map with a secret among its values (an exec's environment):
      // every value is shown as a fingerprint.
      const pb::FieldDescriptor* value_field =
          field->message_type()->FindFieldByName("value");
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        pb::Message* entry = r->MutableRepeatedMessage(&message, field, i);
        const pb::Reflection* er = entry->GetReflection();
        er->SetString(entry, value_field,
                      SecretText(er->GetString(*entry, value_field), key));
      }
      continue;
    }
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

// A string field's value: quoted, or as indented lines after `|` when it
// spans lines.
void AppendString(std::string& out, const std::string& value) {
  if (value.find('\n') == std::string::npos) {
    StrAppend(&out, QuotedString(value), "\n");
    return;
  }
  out += "|";
  if (value.back() != '\n') out += " (no newline at the end)";
  out += "\n";
  for (std::string_view line : StrSplit(value, '\n')) {
    if (line.data() == value.data() + value.size()) break;  // After the last.
    StrAppend(&out, line.empty() ? "" : "    ", line, "\n");
  }
}

// `ENSURE_ABSENT` as written in the language: `absent`.
std::string EnumWord(const pb::EnumValueDescriptor* value) {
  std::string name = value->name();
  size_t underscore = name.find('_');
  if (underscore != std::string::npos) name = name.substr(underscore + 1);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

// A firewall rule as it is written: `allow tcp [80, 443] from any`.
std::string RuleText(const v1::Firewall::Rule& rule) {
  auto list = [](const auto& items) {
    std::vector<std::string> quoted;
    for (const std::string& i : items) quoted.push_back(StrCat("\"", i, "\""));
    return quoted.size() == 1 ? quoted[0]
                              : StrCat("[", StrJoin(quoted, ", "), "]");
  };
  std::string text = rule.action() == v1::Firewall::ACTION_DENY     ? "deny"
                     : rule.action() == v1::Firewall::ACTION_REJECT ? "reject"
                                                                    : "allow";
  StrAppend(&text, " ", rule.protocol());
  if (!rule.ports().empty()) StrAppend(&text, " ", list(rule.ports()));
  if (!rule.from().empty()) StrAppend(&text, " from ", list(rule.from()));
  if (!rule.to().empty()) StrAppend(&text, " to ", list(rule.to()));
  return text;
}

// The set fields of `message` but `skip`, one `  name: value` line each.
void AppendFields(std::string& out, const pb::Message& message,
                  std::string_view skip) {
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->name() == skip) continue;
    StrAppend(&out, "  ", field->name(), ": ");
    if (field->is_map()) {
      std::vector<std::string> entries;
      const pb::Descriptor* entry = field->message_type();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const pb::Message& e = r->GetRepeatedMessage(message, field, i);
        const pb::Reflection* er = e.GetReflection();
        entries.push_back(StrCat(
            er->GetString(e, entry->FindFieldByName("key")), ": ",
            QuotedString(er->GetString(e, entry->FindFieldByName("value")))));
      }
      std::sort(entries.begin(), entries.end());
      StrAppend(&out, "{", StrJoin(entries, ", "), "}\n");
    } else if (field->is_repeated()) {
      int n = r->FieldSize(message, field);
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        out.pop_back();  // The space after the colon.
        out += "\n";
        for (int i = 0; i < n; ++i) {
          const pb::Message& item = r->GetRepeatedMessage(message, field, i);
          auto* rule = dynamic_cast<const v1::Firewall::Rule*>(&item);
          StrAppend(&out, "    ",
                    rule != nullptr ? RuleText(*rule) : item.ShortDebugString(),
                    "\n");
        }
        continue;
      }
      std::vector<std::string> items;
      for (int i = 0; i < n; ++i) {
        switch (field->cpp_type()) {
          case pb::FieldDescriptor::CPPTYPE_STRING:
            items.push_back(
                QuotedString(r->GetRepeatedString(message, field, i)));
            break;
          case pb::FieldDescriptor::CPPTYPE_ENUM:
            items.push_back(EnumWord(r->GetRepeatedEnum(message, field, i)));
            break;
          default: {
            std::string text;
            pb::TextFormat::PrintFieldValueToString(message, field, i, &text);
            items.push_back(text);
          }
        }
      }
      StrAppend(&out, "[", StrJoin(items, ", "), "]\n");
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      AppendString(out, r->GetString(message, field));
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      StrAppend(&out, EnumWord(r->GetEnum(message, field)), "\n");
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      StrAppend(&out, r->GetMessage(message, field).ShortDebugString(), "\n");
    } else {
      std::string text;
      pb::TextFormat::PrintFieldValueToString(message, field, -1, &text);
      StrAppend(&out, text, "\n");
    }
  }
}

// The typed spec of `resource`, or nullptr when its type is unknown.
std::unique_ptr<pb::Message> Unpacked(const v1::Resource& resource) {
  const pb::Descriptor* desc =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
          resource.spec().type_url().substr(
              resource.spec().type_url().rfind('/') + 1));
  if (desc == nullptr) return nullptr;
  std::unique_ptr<pb::Message> spec(
      pb::MessageFactory::generated_factory()->GetPrototype(desc)->New());
  if (!resource.spec().UnpackTo(spec.get())) return nullptr;
  return spec;
}

void AppendResource(std::string& out, const v1::Resource& resource) {
  StrAppend(&out, "\n", resource.kind(), " ", resource.id());
  if (!resource.source().file().empty()) {
    StrAppend(&out, "  # ", resource.source().file(), ":",
              resource.source().line());
  }
  out += "\n";
  std::unique_ptr<pb::Message> spec = Unpacked(resource);
  if (spec != nullptr) {
    AppendFields(out, *spec,
                 spec->GetDescriptor()->options().GetExtension(v1::id_field));
  }
  for (const v1::ResourceRef& d : resource.depends_on()) {
    StrAppend(&out, "  depends_on: ", d.kind(), " ", d.id(), "\n");
  }
  for (const v1::Notify& n : resource.notify()) {
    StrAppend(&out, "  notify: ", n.target().kind(), " ", n.target().id(), " ",
              n.action(), "\n");
  }
  if (resource.keep()) out += "  keep: true\n";
  if (!resource.on_drift().empty()) {
    StrAppend(&out, "  on_drift: ", resource.on_drift(), "\n");
  }
}

}  // namespace

std::string CatalogReview(const v1::Catalog& catalog,
                          std::string_view fingerprint_key) {
  v1::Catalog copy = RedactedCatalog(catalog, fingerprint_key);
  std::string out = StrCat("host ", copy.host().name(), "\n");
  AppendFields(out, copy.host(), "name");
  std::vector<std::string> params;
  for (const auto& [name, value] : copy.params()) {
    params.push_back(StrCat(name, "=", value));
  }
  std::sort(params.begin(), params.end());
  for (const std::string& p : params) StrAppend(&out, "  param ", p, "\n");
  for (const v1::Resource& resource : copy.resources()) {
    AppendResource(out, resource);
  }
  return out;
}

std::string ZoneReview(const ZoneCatalog& zone,
                       std::string_view fingerprint_key) {
  v1::Zone redacted = zone.zone;
  google::protobuf::RepeatedPtrField<std::string> names(
      zone.secret_fields.begin(), zone.secret_fields.end());
  RedactFields(redacted, names, fingerprint_key);
  std::string out = StrCat("zone ", redacted.name(), "\n");
  AppendFields(out, redacted, "name");
  for (v1::Resource record : zone.records) {
    Redact(record, fingerprint_key);
    AppendResource(out, record);
  }
  return out;
}

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
