#include "docs/gen/resource_docs.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <string_view>

#include "base/strings.h"
#include "google/protobuf/descriptor.pb.h"
#include "proto/cairn/v1/options.pb.h"
#include "proto/spelling.h"

namespace cairn::docs {
namespace {

namespace pb = google::protobuf;

constexpr char kResourcesProto[] = "proto/cairn/v1/resources.proto";

// How the language writes a kind's block. The schema says which field the
// label fills; where a block may stand, and the kinds whose blocks differ
// from `KIND ID { ... }` in a host or a role, are the compiler's special
// cases (compiler/eval/stmt.cc), which the examples show and the test
// compiles.
struct Usage {
  // How the block opens, e.g. `file PATH { ... }`.
  std::string header;
  // The fields its labels fill, in order.
  std::vector<std::string> labels;
  // Where it stands and what else its body holds.
  std::string where;
  // It stands in a host or a role, so it also takes notify and depends_on.
  bool in_host = true;
};

Usage UsageOf(const std::string& kind, const std::string& id) {
  if (kind == "host") {
    return {"host NAME { ... }",
            {id},
            "At the top level of a file. Besides these attributes, its body "
            "holds `let`, `use`, `for`, `if` and the host's resource blocks.",
            false};
  }
  if (kind == "zone") {
    return {"zone NAME { ... }",
            {id},
            "At the top level of a file. Besides these attributes, its body "
            "holds the zone's [`record`](record.md) blocks. A zone and its "
            "records are applied from the controller, not from a host.",
            false};
  }
  if (kind == "record") {
    return {"record NAME TYPE { ... }",
            {"name", "type"},
            "In a [`zone`](zone.md). The first label is the record's name, the "
            "second its type, a bare name such as `A` or a string.",
            false};
  }
  if (kind == "firewall") {
    return {"firewall { ... }",
            {},
            "In a host or a role, without a label: a host has one firewall, "
            "named `default`. Besides these attributes, its body holds rules, "
            "one a line: `allow|deny|reject PROTOCOL [PORTS] [from SOURCE] "
            "[to DESTINATION]` (see [Firewalls](../language.md#firewalls)).",
            true};
  }
  std::string placeholder = id;
  for (char& c : placeholder) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return {StrCat(kind, " ", placeholder, " { ... }"),
          {id},
          StrCat("In a host or a role. Its label is its `", id,
                 "`, unique on a host among ", kind, " resources."),
          true};
}

// "`a`", "`a` or `b`", "`a`, `b` or `c`".
std::string OneOf(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    StrAppend(&out, "`", items[i], "`");
  }
  return out;
}

// Table cells hold one line, and `|` would end the cell.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      if (!EndsWith(out, " ")) out += ' ';
      continue;
    }
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

class Generator {
 public:
  explicit Generator(const std::map<std::string, std::string>& examples)
      : examples_(examples) {}

  ResourceDocs Run(const pb::DescriptorPool& pool);

 private:
  struct Kind {
    std::string name;
    const pb::Descriptor* message;
    Usage usage;
  };

  // The leading comment of `d`, its lines joined (paragraphs separated by
  // a blank line); a problem when there is none.
  template <typename T>
  std::string Comment(const T* d, std::string_view what);
  std::string TypeText(const pb::FieldDescriptor* field, bool in_map);
  std::string DefaultText(const pb::FieldDescriptor* field, bool in_map);
  std::string Page(const Kind& kind);
  std::string Index(const std::vector<Kind>& kinds,
                    const pb::Descriptor* resource);
  // The attribute table of `message` (of the keys of its maps when
  // `usage` is null) into `out`; the key tables of its lists of maps into
  // `nested`; the enums it uses, with the attributes that use them, into
  // `enums`.
  void Attributes(const pb::Descriptor* message, const Usage* usage,
                  const std::string& prefix, std::string& out,
                  std::string& nested,
                  std::vector<std::pair<const pb::EnumDescriptor*,
                                        std::vector<std::string>>>& enums);

  const std::map<std::string, std::string>& examples_;
  std::vector<std::string> problems_;
};

template <typename T>
std::string Generator::Comment(const T* d, std::string_view what) {
  pb::SourceLocation location;
  std::string text;
  if (d->GetSourceLocation(&location)) {
    bool blank = false;
    for (std::string_view line : StrSplit(location.leading_comments, '\n')) {
      while (!line.empty() &&
             std::isspace(static_cast<unsigned char>(line.front()))) {
        line.remove_prefix(1);
      }
      while (!line.empty() &&
             std::isspace(static_cast<unsigned char>(line.back()))) {
        line.remove_suffix(1);
      }
      if (line.empty()) {
        blank = true;
        continue;
      }
      if (!text.empty()) text += blank ? "\n\n" : " ";
      text.append(line);
      blank = false;
    }
  }
  if (text.empty()) {
    problems_.push_back(StrCat(what, " ", d->full_name(), " has no comment in ",
                               d->file()->name()));
  }
  return text;
}

std::string Generator::TypeText(const pb::FieldDescriptor* field, bool in_map) {
  if (field->is_map()) {
    const pb::FieldDescriptor* value = field->message_type()->map_value();
    if (value->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING) {
      problems_.push_back(StrCat("field ", field->full_name(),
                                 ": the compiler fills only maps of strings"));
    }
    return "map of string";
  }
  std::string base;
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      base = "string";
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      base = "bool";
      break;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      base = "int";
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      base = "number";
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      for (int i = 1; i < field->enum_type()->value_count(); ++i) {
        std::string name = EnumSpelling(field->enum_type()->value(i));
        // In a map a bare name is a variable, so the value is a string.
        names.push_back(in_map ? StrCat("\"", name, "\"") : name);
      }
      base = OneOf(names);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      if (!field->is_repeated()) {
        problems_.push_back(
            StrCat("field ", field->full_name(),
                   ": the compiler cannot fill a single message; make it "
                   "repeated (a list of maps) or a map"));
      }
      return "list of maps (keys below)";
  }
  if (!field->is_repeated()) return base;
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      break;
    default:
      problems_.push_back(StrCat("field ", field->full_name(),
                                 ": the compiler fills lists of strings, ints "
                                 "and maps only"));
  }
  return StrCat("list of ", base);
}

std::string Generator::DefaultText(const pb::FieldDescriptor* field,
                                   bool in_map) {
  if (field->options().GetExtension(v1::required)) return "**required**";
  if (field->is_map()) return "`{}`";
  if (field->is_repeated()) return "`[]`";
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return "`\"\"`";
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return "`false`";
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return "`0`";
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      // Value 0 is UNSPECIFIED, documented as "Not set: SPELLING."
      const pb::EnumDescriptor* e = field->enum_type();
      pb::SourceLocation location;
      std::string comment;
      if (e->value(0)->GetSourceLocation(&location)) {
        comment = location.leading_comments;
      }
      while (!comment.empty() &&
             std::isspace(static_cast<unsigned char>(comment.back()))) {
        comment.pop_back();
      }
      constexpr std::string_view kNotSet = " Not set: ";
      if (StartsWith(comment, kNotSet) && EndsWith(comment, ".")) {
        std::string_view spelling(comment);
        spelling = spelling.substr(kNotSet.size());
        spelling.remove_suffix(1);
        for (int i = 1; i < e->value_count(); ++i) {
          if (EnumSpelling(e->value(i)) == spelling) {
            return in_map ? StrCat("`\"", spelling, "\"`")
                          : StrCat("`", spelling, "`");
          }
        }
      }
      problems_.push_back(StrCat(
          "enum value ", e->value(0)->full_name(),
          ": its comment must name the default as \"Not set: SPELLING.\", "
          "where SPELLING is how another value is written"));
      return "";
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return "";
  }
  return "";
}

void Generator::Attributes(
    const pb::Descriptor* message, const Usage* usage,
    const std::string& prefix, std::string& out, std::string& nested,
    std::vector<std::pair<const pb::EnumDescriptor*, std::vector<std::string>>>&
        enums) {
  bool in_map = usage == nullptr;
  const std::string& id = message->options().GetExtension(v1::id_field);
  StrAppend(&out, "| ", in_map ? "Key" : "Attribute",
            " | Type | Default | Description |\n|---|---|---|---|\n");
  std::vector<const pb::FieldDescriptor*> lists;
  std::string alias_note;
  for (int i = 0; i < message->field_count(); ++i) {
    const pb::FieldDescriptor* field = message->field(i);
    std::string comment = Comment(field, "field");
    std::string type = TypeText(field, in_map);
    std::string fallback = DefaultText(field, in_map);
    const std::string& name = field->name();
    std::string label;
    if (usage != nullptr) {
      auto at = std::find(usage->labels.begin(), usage->labels.end(), name);
      if (at != usage->labels.end()) {
        if (usage->labels.size() == 1) {
          label = "label";
        } else {
          label = at == usage->labels.begin() ? "first label" : "second label";
        }
      } else if (name == id) {
        continue;  // Neither a label nor an attribute, e.g. a firewall's.
      }
    }
    std::string attribute = StrCat("`", name, "`");
    // As in the compiler, a list attribute takes one value under its
    // singular name when no other attribute has that name.
    if (!in_map && field->is_repeated() && !field->is_map() &&
        EndsWith(name, "s") &&
        message->FindFieldByName(name.substr(0, name.size() - 1)) == nullptr) {
      std::string singular = name.substr(0, name.size() - 1);
      StrAppend(&attribute, " (or `", singular, "` for one)");
      if (alias_note.empty()) {
        alias_note = StrCat(
            "\nA list attribute named in the plural also takes one value under "
            "its singular name: `",
            singular, " = x` is `", name, " = [x]`.\n");
      }
    }
    std::string description = comment;
    const std::string& example = field->options().GetExtension(v1::example);
    if (!example.empty()) StrAppend(&description, " Example: `", example, "`.");
    StrAppend(&out, "| ", attribute, " | ", Cell(type), " | ",
              label.empty() ? fallback : label, " | ", Cell(description),
              " |\n");
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
        !field->is_map()) {
      lists.push_back(field);
    }
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      std::string where = StrCat("`", prefix, name, "`");
      auto it = std::find_if(enums.begin(), enums.end(), [&](const auto& e) {
        return e.first == field->enum_type();
      });
      if (it == enums.end()) {
        enums.push_back({field->enum_type(), {where}});
      } else {
        it->second.push_back(where);
      }
    }
  }
  out += alias_note;
  for (const pb::FieldDescriptor* list : lists) {
    const pb::Descriptor* entry = list->message_type();
    StrAppend(&nested, "\n### Entries of `", prefix, list->name(), "`\n\n",
              Comment(entry, "message"), " Each entry of `", prefix,
              list->name(), "` is a map with these keys.\n\n");
    std::string deeper;
    Attributes(entry, nullptr, StrCat(prefix, list->name(), "[]."), nested,
               deeper, enums);
    nested += deeper;
  }
}

std::string Generator::Page(const Kind& kind) {
  const pb::Descriptor* m = kind.message;
  std::string out =
      StrCat(kGeneratedMarker, " from\n     ", m->file()->name(), " and ",
             kExamplesDir, "/", kind.name, ".cairn. Do not edit. -->\n\n");
  StrAppend(&out, "# ", kind.name, "\n\n", Comment(m, "message"), "\n\n");
  StrAppend(&out, "```text\n", kind.usage.header, "\n```\n\n", kind.usage.where,
            "\n\n## Attributes\n\n");
  std::vector<std::pair<const pb::EnumDescriptor*, std::vector<std::string>>>
      enums;
  std::string nested;
  Attributes(m, &kind.usage, "", out, nested, enums);
  if (kind.usage.in_host) {
    out +=
        "\nLike every resource in a host, it also takes "
        "[`notify` and `depends_on`](README.md#notify-and-depends_on).\n";
  }
  out += nested;
  for (const auto& [e, fields] : enums) {
    StrAppend(&out, "\n### Values of ", StrJoin(fields, ", "), "\n\n",
              Comment(e, "enum"), "\n\n| Value | Meaning |\n|---|---|\n");
    for (int i = 1; i < e->value_count(); ++i) {
      StrAppend(&out, "| `", EnumSpelling(e->value(i)), "` | ",
                Cell(Comment(e->value(i), "enum value")), " |\n");
    }
    Comment(e->value(0), "enum value");
  }
  out += "\n## Example\n\n";
  auto example = examples_.find(kind.name);
  if (example == examples_.end()) {
    problems_.push_back(StrCat("kind ", kind.name, " has no example: write ",
                               kExamplesDir, "/", kind.name, ".cairn"));
  } else {
    StrAppend(&out, "```cairn\n", example->second);
    if (!EndsWith(example->second, "\n")) out += "\n";
    out += "```\n";
  }
  StrAppend(&out, "\nSchema: message `", m->full_name(), "` in [",
            kResourcesProto, "](../../", kResourcesProto, ").\n");
  return out;
}

std::string Generator::Index(const std::vector<Kind>& kinds,
                             const pb::Descriptor* resource) {
  std::string out = StrCat(kGeneratedMarker, " from\n     ", kResourcesProto,
                           ", proto/cairn/v1/catalog.proto and ", kExamplesDir,
                           ". Do not edit. -->\n\n");
  out +=
      "# Resource kinds\n\n"
      "Every kind of block Cairn turns into desired state, one page each: "
      "its attributes with their types, defaults and meaning, and an "
      "example. The pages are generated from the schema, `";
  StrAppend(&out, kResourcesProto,
            "`, where one message defines each kind; the compiler checks a "
            "block against the same message.\n\n| Kind | Written as | Summary "
            "|\n|---|---|---|\n");
  for (const Kind& kind : kinds) {
    std::string summary = Comment(kind.message, "message");
    summary = summary.substr(0, summary.find("\n\n"));
    StrAppend(&out, "| [", kind.name, "](", kind.name, ".md) | `",
              kind.usage.header, "` | ", Cell(summary), " |\n");
  }
  out +=
      "\n## Reading the pages\n\n"
      "- **Labels.** A block's label fills its id field: `package \"nginx\" "
      "{}` is the package whose `name` is `\"nginx\"`. The tables list it "
      "with the default *label*.\n"
      "- **Required** attributes must be set (E0304). Any other attribute "
      "left out has its default: `\"\"`, `0`, `false`, `[]` or `{}`, whose "
      "meaning the description gives (\"root when empty\").\n"
      "- **Enums** are written as bare names, `ensure = absent`, or as "
      "strings, `ensure = \"absent\"`; inside a map only the string form "
      "works.\n"
      "- **Lists.** A list attribute named in the plural also takes one value "
      "under its singular name: `value = x` is `values = [x]`. A list of "
      "maps takes `[{ key: value, ... }, ...]`; its keys are listed below "
      "the attribute table.\n"
      "\n## notify and depends_on\n\n"
      "Resources in a host or a role (every kind but host, zone and record) "
      "also take these attributes, which order and connect resources of the "
      "same host:\n\n"
      "| Attribute | Type | Description |\n|---|---|---|\n";
  if (resource == nullptr) {
    problems_.push_back("message cairn.v1.Resource is not in the schema");
  } else {
    for (const auto& [name, type] :
         {std::pair<std::string, std::string>{
              "notify",
              "a resource action such as `service.nginx.reload`, or a list "
              "of them"},
          {"depends_on",
           "a resource such as `package.nginx`, or a list of them"}}) {
      const pb::FieldDescriptor* field = resource->FindFieldByName(name);
      if (field == nullptr) {
        problems_.push_back(StrCat("cairn.v1.Resource has no field ", name));
        continue;
      }
      StrAppend(&out, "| `", name, "` | ", type, " | ",
                Cell(Comment(field, "field")), " |\n");
    }
  }
  out +=
      "\n```cairn\n"
      "host \"web1\" {\n"
      "  address = \"203.0.113.20\"\n"
      "  package \"nginx\" {}\n"
      "  file \"/etc/nginx/nginx.conf\" {\n"
      "    content    = \"...\"\n"
      "    depends_on = package.nginx\n"
      "    notify     = service.nginx.reload\n"
      "  }\n"
      "  service \"nginx\" { enabled = true, running = true }\n"
      "}\n"
      "```\n"
      "\nSome order needs no `depends_on`: the compiler adds it from what "
      "resources are. A file, directory, symlink or line comes after the "
      "nearest directory resource above its path; a line after the file "
      "resource it edits; a file or directory after the user and group "
      "resources it is owned by; a user after the group resources it is in. "
      "Where such an edge would close a cycle with ones written out, it is "
      "left out. `cairn graph` shows every edge.\n";
  StrAppend(&out,
            "\n## Changing these pages\n\n"
            "Edit the comments in `",
            kResourcesProto, "` or an example in `", kExamplesDir,
            "/KIND.cairn`, then run\n\n"
            "```sh\nbazel run //docs:gen_resources -- --write\n```\n\n"
            "`bazel test //docs:resources_test` fails while a page is stale, a "
            "field or enum value has no comment, a kind has no example, or an "
            "example does not compile cleanly.\n");
  return out;
}

ResourceDocs Generator::Run(const pb::DescriptorPool& pool) {
  ResourceDocs docs;
  const pb::FileDescriptor* file = pool.FindFileByName(kResourcesProto);
  if (file == nullptr) {
    docs.problems.push_back(
        StrCat(kResourcesProto, " is not in the descriptor set"));
    return docs;
  }
  std::vector<Kind> kinds;
  for (int i = 0; i < file->message_type_count(); ++i) {
    const pb::Descriptor* m = file->message_type(i);
    const std::string& kind = m->options().GetExtension(v1::kind);
    if (kind.empty()) continue;
    const std::string& id = m->options().GetExtension(v1::id_field);
    kinds.push_back({kind, m, UsageOf(kind, id)});
  }
  if (kinds.empty()) {
    problems_.push_back(StrCat("no message of ", kResourcesProto,
                               " names a (kind): were its options read?"));
  }
  for (const Kind& kind : kinds) {
    docs.files.push_back(
        {StrCat(kResourcesDir, "/", kind.name, ".md"), Page(kind)});
  }
  docs.files.push_back(
      {StrCat(kResourcesDir, "/README.md"),
       Index(kinds, pool.FindMessageTypeByName("cairn.v1.Resource"))});
  for (const auto& [name, text] : examples_) {
    if (std::none_of(kinds.begin(), kinds.end(),
                     [&](const Kind& k) { return k.name == name; })) {
      problems_.push_back(
          StrCat(kExamplesDir, "/", name, ".cairn is the example of no kind"));
    }
  }
  std::sort(docs.files.begin(), docs.files.end(),
            [](const GeneratedFile& a, const GeneratedFile& b) {
              return a.path < b.path;
            });
  // Each problem once, in the order found.
  std::set<std::string> seen;
  for (std::string& problem : problems_) {
    if (seen.insert(problem).second) docs.problems.push_back(problem);
  }
  return docs;
}

}  // namespace

bool LoadDescriptorSet(const std::string& path, pb::DescriptorPool& pool,
                       std::string* error) {
  std::ifstream in(path, std::ios::binary);
  pb::FileDescriptorSet set;
  if (!in || !set.ParseFromIstream(&in)) {
    *error = StrCat("cannot read a FileDescriptorSet from ", path);
    return false;
  }
  for (const pb::FileDescriptorProto& file : set.file()) {
    if (pool.BuildFile(file) == nullptr) {
      *error = StrCat(path, ": ", file.name(), " does not build");
      return false;
    }
  }
  return true;
}

ResourceDocs GenerateResourceDocs(
    const pb::DescriptorPool& pool,
    const std::map<std::string, std::string>& examples) {
  return Generator(examples).Run(pool);
}

}  // namespace cairn::docs
