// Resources by reflection: a block's attributes fill the kind's message.

#include <cctype>
#include <limits>
#include <regex>

#include "base/digest.h"
#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "google/protobuf/reflection.h"
#include "lang/diagnostics/suggest.h"
#include "proto/cairn/v1/options.pb.h"
#include "proto/spelling.h"

namespace cairn::eval {
namespace {

namespace pb = google::protobuf;

// The value of `e` that configurations write as `spelling`, or nullptr.
const pb::EnumValueDescriptor* FindEnumValue(const pb::EnumDescriptor* e,
                                             std::string_view spelling) {
  for (int i = 1; i < e->value_count(); ++i) {
    if (EnumSpelling(e->value(i)) == spelling) return e->value(i);
  }
  return nullptr;
}

std::string TypeName(const pb::FieldDescriptor* field) {
  if (field->is_map()) return "map";
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
        names.push_back(EnumSpelling(field->enum_type()->value(i)));
      }
      base = StrCat("one of ", StrJoin(names, ", "));
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      base = "map";
      break;
  }
  return field->is_repeated() ? StrCat("list of ", base) : base;
}

}  // namespace

bool Evaluator::SetField(pb::Message& message, const ast::AttrStmt& attr,
                         const Scope& scope, FileId file,
                         const std::string& path,
                         std::vector<std::string>* secret_fields) {
  const pb::Descriptor* desc = message.GetDescriptor();
  std::string name(attr.name.name);
  const pb::FieldDescriptor* field = desc->FindFieldByName(name);
  bool singular_alias = false;
  // A list attribute named in the plural takes one value under its
  // singular name: value = x for values = [x].
  if (field == nullptr) {
    const pb::FieldDescriptor* plural = desc->FindFieldByName(name + "s");
    if (plural != nullptr && plural->is_repeated() && !plural->is_map()) {
      field = plural;
      singular_alias = true;
    }
  }
  if (field == nullptr ||
      field->name() == desc->options().GetExtension(v1::id_field)) {
    std::vector<std::string_view> names;
    std::string id = desc->options().GetExtension(v1::id_field);
    for (int i = 0; i < desc->field_count(); ++i) {
      if (desc->field(i)->name() != id) names.push_back(desc->field(i)->name());
    }
    std::string kind = desc->options().GetExtension(v1::kind);
    Diagnostic& d = Error(
        DiagnosticKind::kUnknownAttribute,
        Range(file, attr.name.begin, attr.name.end),
        field != nullptr ? StrCat("the ", name, " of a ", kind,
                                  " is its label, not an attribute")
                         : StrCat("a ", kind, " has no attribute '", name, "'"),
        path);
    std::string match = ClosestMatch(name, names);
    if (!match.empty()) {
      d.help = StrCat("did you mean '", match, "'?");
    } else if (field == nullptr) {
      d.help = StrCat("its attributes are ", StrJoin(names, ", "));
    }
    return false;
  }
  Value value;
  // A bare name in an enum attribute is the enum's value: inbound = drop.
  if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM &&
      attr.value->kind == ast::ExprKind::kName &&
      scope.Find(static_cast<const ast::NameExpr*>(attr.value)->name) ==
          nullptr) {
    value = Value::String(
        std::string(static_cast<const ast::NameExpr*>(attr.value)->name));
  } else {
    value = Eval(*attr.value, scope, file);
  }
  if (value.is_unknown()) return false;
  if (singular_alias) value = Value::MakeList({value});
  message.GetReflection()->ClearField(&message, field);
  if (!Assign(message, field, value, *attr.value, file, path)) return false;
  if (value.secret() && secret_fields != nullptr) {
    secret_fields->push_back(field->name());
  }
  return true;
}

bool Evaluator::Assign(pb::Message& message, const pb::FieldDescriptor* field,
                       const Value& value, const ast::Expr& at, FileId file,
                       const std::string& path) {
  const pb::Reflection* r = message.GetReflection();
  auto mismatch = [&](const Value& v) {
    Diagnostic& d = Error(
        DiagnosticKind::kTypeMismatch, Range(file, at),
        StrCat("'", field->name(), "' needs ", WithArticle(TypeName(field)),
               ", found ", WithArticle(v.TypeName()), " (", Describe(v), ")"),
        path);
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
        (v.kind() == ValueKind::kInt || v.kind() == ValueKind::kBool)) {
      d.help = StrCat("quote it: \"", Describe(v), "\"");
    }
    return false;
  };
  if (field->is_map()) {
    if (value.kind() != ValueKind::kMap) return mismatch(value);
    const pb::Descriptor* entry = field->message_type();
    for (const auto& [key, v] : value.map()) {
      pb::Message* e = r->AddMessage(&message, field);
      e->GetReflection()->SetString(e, entry->FindFieldByName("key"), key);
      if (v.kind() != ValueKind::kString) return mismatch(v);
      e->GetReflection()->SetString(e, entry->FindFieldByName("value"),
                                    v.string_value());
    }
    return true;
  }
  if (field->is_repeated()) {
    if (value.kind() != ValueKind::kList) return mismatch(value);
    for (const Value& item : value.list()) {
      switch (field->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
          if (item.kind() != ValueKind::kString) return mismatch(item);
          r->AddString(&message, field, item.string_value());
          break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
          if (item.kind() != ValueKind::kMap) return mismatch(item);
          pb::Message* sub = r->AddMessage(&message, field);
          for (const auto& [key, v] : item.map()) {
            const pb::FieldDescriptor* f =
                sub->GetDescriptor()->FindFieldByName(key);
            if (f == nullptr) {
              Error(DiagnosticKind::kUnknownAttribute, Range(file, at),
                    StrCat("'", field->name(), "' entries have no '", key, "'"),
                    path);
              return false;
            }
            if (!Assign(*sub, f, v, at, file, path)) return false;
          }
          break;
        }
        default:
          if (item.kind() != ValueKind::kInt) return mismatch(item);
          r->AddInt64(&message, field, item.int_value());
      }
    }
    return true;
  }
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (value.kind() != ValueKind::kString) return mismatch(value);
      if (field->options().GetExtension(v1::format) == "regex" &&
          !value.secret()) {
        try {
          std::regex check(value.string_value(), std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          Error(DiagnosticKind::kInvalidValue, Range(file, at),
                StrCat("'", field->name(),
                       "' is not a regular expression: ", e.what()),
                path);
          return false;
        }
      }
      if (const std::string& format = field->options().GetExtension(v1::format);
          StartsWith(format, "^") && !value.secret() &&
          !std::regex_match(value.string_value(), std::regex(format))) {
        Error(DiagnosticKind::kInvalidValue, Range(file, at),
              StrCat("'", field->name(), "' must match ", format, ", not ",
                     Describe(value)),
              path);
        // Kept all the same, so that later checks of the resource do not
        // report it missing as well.
        r->SetString(&message, field, value.string_value());
        return false;
      }
      r->SetString(&message, field, value.string_value());
      return true;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (value.kind() != ValueKind::kBool) return mismatch(value);
      r->SetBool(&message, field, value.bool_value());
      return true;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      if (value.kind() != ValueKind::kInt) return mismatch(value);
      int64_t i = value.int_value();
      bool is_unsigned =
          field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32 ||
          field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64;
      bool is_32 = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 ||
                   field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32;
      int64_t lo = is_unsigned ? 0
                   : is_32     ? std::numeric_limits<int32_t>::min()
                               : std::numeric_limits<int64_t>::min();
      int64_t hi = is_32 ? (is_unsigned ? std::numeric_limits<uint32_t>::max()
                                        : std::numeric_limits<int32_t>::max())
                         : std::numeric_limits<int64_t>::max();
      if (i < lo || i > hi) {
        Error(DiagnosticKind::kInvalidValue, Range(file, at),
              StrCat("'", field->name(), "' must be between ", lo, " and ", hi,
                     ", not ", i),
              path);
        return false;
      }
      switch (field->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          r->SetInt32(&message, field, static_cast<int32_t>(i));
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          r->SetInt64(&message, field, i);
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          r->SetUInt32(&message, field, static_cast<uint32_t>(i));
          break;
        default:
          r->SetUInt64(&message, field, static_cast<uint64_t>(i));
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      if (value.kind() != ValueKind::kInt &&
          value.kind() != ValueKind::kFloat) {
        return mismatch(value);
      }
      double d = value.kind() == ValueKind::kInt
                     ? static_cast<double>(value.int_value())
                     : value.float_value();
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
        r->SetFloat(&message, field, static_cast<float>(d));
      } else {
        r->SetDouble(&message, field, d);
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      if (value.kind() != ValueKind::kString) return mismatch(value);
      const pb::EnumValueDescriptor* e =
          FindEnumValue(field->enum_type(), value.string_value());
      if (e == nullptr) {
        std::vector<std::string> names;
        std::vector<std::string_view> views;
        for (int i = 1; i < field->enum_type()->value_count(); ++i) {
          names.push_back(EnumSpelling(field->enum_type()->value(i)));
        }
        for (const std::string& n : names) views.push_back(n);
        Diagnostic& d = Error(
            DiagnosticKind::kInvalidValue, Range(file, at),
            StrCat("'", value.string_value(), "' is not a valid ",
                   field->name(), "; it is one of ", StrJoin(names, ", ")),
            path);
        std::string match = ClosestMatch(value.string_value(), views);
        if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
        return false;
      }
      r->SetEnum(&message, field, e);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return mismatch(value);
  }
  return false;
}

void Evaluator::CheckRequired(const pb::Message& message, SourceRange range,
                              const std::string& path,
                              const std::set<std::string>* written) {
  const pb::Descriptor* desc = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const pb::FieldDescriptor* field = desc->field(i);
    if (!field->options().GetExtension(v1::required)) continue;
    bool set = field->is_repeated() ? r->FieldSize(message, field) > 0
                                    : r->HasField(message, field);
    // Written with a value not known (in a role checked though unused):
    // not missing.
    if (set || (written != nullptr && written->count(field->name()))) continue;
    std::string kind = desc->options().GetExtension(v1::kind);
    Diagnostic& d =
        Error(DiagnosticKind::kMissingAttribute, range,
              StrCat("this ", kind, " needs '", field->name(), "'"), path);
    std::string example = field->options().GetExtension(v1::example);
    if (!example.empty()) {
      d.help = StrCat("for example: ", field->name(), " = ", example);
    }
  }
}

void Evaluator::CheckKindRules(const pb::Message& message,
                               const std::set<std::string>& written,
                               SourceRange range, const std::string& path) {
  if (const auto* f = dynamic_cast<const v1::File*>(&message)) {
    if (!f->source().empty() && !f->content().empty()) {
      Error(DiagnosticKind::kInvalidValue, range,
            "a file takes its content from `content` or from `source`, not "
            "both",
            path);
    } else if (!f->source().empty() && !written.count("checksum")) {
      Diagnostic& d = Error(DiagnosticKind::kMissingAttribute, range,
                            "a file with a source needs 'checksum', so what is "
                            "downloaded is what was reviewed",
                            path);
      d.help = "for example: checksum = \"sha256:<the release's SHA-256>\"";
    } else if (!f->source().empty() && !StartsWith(f->source(), "https://") &&
               !StartsWith(f->source(), "http://") &&
               !StartsWith(f->source(), "file:///")) {
      Error(DiagnosticKind::kInvalidValue, range,
            StrCat("a file's source is an https://, http:// or file:/// URL, "
                   "not \"",
                   f->source(), "\""),
            path);
    } else if (f->source().empty() && !f->checksum().empty() &&
               StrCat("sha256:", Sha256Hex(f->content())) != f->checksum()) {
      Error(DiagnosticKind::kInvalidValue, range,
            "the file's content does not have the checksum given", path);
    }
  } else if (const auto* p = dynamic_cast<const v1::Package*>(&message)) {
    if (!p->deb().empty() && p->state() != v1::Package::STATE_UNSPECIFIED &&
        p->state() != v1::Package::STATE_INSTALLED &&
        p->state() != v1::Package::STATE_LATEST) {
      Error(DiagnosticKind::kInvalidValue, range,
            "a package installed from a .deb (`deb`) is installed or "
            "latest; remove the deb to remove it",
            path);
    } else if (!p->deb().empty() && !p->version().empty()) {
      Error(DiagnosticKind::kInvalidValue, range,
            "a package installed from a .deb has that file's version; "
            "give `version` or `deb`, not both",
            path);
    }
  } else if (const auto* e = dynamic_cast<const v1::Exec*>(&message)) {
    if (!e->creates().empty() && !e->unless().empty()) {
      Error(DiagnosticKind::kInvalidValue, range,
            "an exec runs while `creates` is missing or while `unless` "
            "fails; give one of them",
            path);
    }
  }
}

}  // namespace cairn::eval
