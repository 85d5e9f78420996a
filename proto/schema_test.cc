// The schema is the documentation: every message, field and enum value of
// cairn.v1 has a comment, and every resource kind names itself and its id.

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "proto/cairn/v1/catalog.pb.h"
#include "proto/cairn/v1/options.pb.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn {
namespace {

namespace pb = google::protobuf;

pb::FileDescriptorSet ReadDescriptorSet() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* name = std::getenv("TEST_WORKSPACE");
  std::string path = std::string(srcdir ? srcdir : ".") + "/" +
                     (name ? name : "cairn") +
                     "/proto/cairn/v1/catalog.descriptor_set.pb";
  std::ifstream in(path, std::ios::binary);
  pb::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromIstream(&in)) << path;
  return set;
}

class Documented : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::FileDescriptorSet set = ReadDescriptorSet();
    for (const pb::FileDescriptorProto& file : set.file()) {
      ASSERT_NE(pool_.BuildFile(file), nullptr) << file.name();
    }
  }

  template <typename T>
  void ExpectComment(const T* d, const std::string& what) {
    pb::SourceLocation location;
    bool found = d->GetSourceLocation(&location);
    EXPECT_TRUE(found && !location.leading_comments.empty())
        << what << " " << d->full_name() << " has no comment";
  }

  void CheckMessage(const pb::Descriptor* m) {
    ExpectComment(m, "message");
    for (int i = 0; i < m->field_count(); ++i) {
      ExpectComment(m->field(i), "field");
    }
    for (int i = 0; i < m->enum_type_count(); ++i) CheckEnum(m->enum_type(i));
    for (int i = 0; i < m->nested_type_count(); ++i) {
      if (m->nested_type(i)->options().map_entry()) continue;
      CheckMessage(m->nested_type(i));
    }
  }

  void CheckEnum(const pb::EnumDescriptor* e) {
    ExpectComment(e, "enum");
    for (int i = 0; i < e->value_count(); ++i) {
      ExpectComment(e->value(i), "enum value");
    }
  }

  pb::DescriptorPool pool_;
};

TEST_F(Documented, EverythingInCairnV1HasAComment) {
  int files = 0;
  for (const char* name :
       {"proto/cairn/v1/options.proto", "proto/cairn/v1/resources.proto",
        "proto/cairn/v1/catalog.proto"}) {
    const pb::FileDescriptor* file = pool_.FindFileByName(name);
    ASSERT_NE(file, nullptr) << name;
    ++files;
    for (int i = 0; i < file->message_type_count(); ++i) {
      CheckMessage(file->message_type(i));
    }
    for (int i = 0; i < file->enum_type_count(); ++i) {
      CheckEnum(file->enum_type(i));
    }
    for (int i = 0; i < file->extension_count(); ++i) {
      ExpectComment(file->extension(i), "option");
    }
  }
  EXPECT_EQ(files, 3);
}

TEST(ResourceKinds, EachNamesItsKindAndAnIdField) {
  const pb::FileDescriptor* file = v1::File::descriptor()->file();
  std::set<std::string> kinds;
  for (int i = 0; i < file->message_type_count(); ++i) {
    const pb::Descriptor* m = file->message_type(i);
    const std::string& kind = m->options().GetExtension(v1::kind);
    ASSERT_FALSE(kind.empty()) << m->full_name() << " has no (kind)";
    EXPECT_TRUE(kinds.insert(kind).second) << "kind " << kind << " twice";
    // The fleet block is settings, one per configuration: no id.
    if (kind == "fleet") continue;
    const std::string& id = m->options().GetExtension(v1::id_field);
    const pb::FieldDescriptor* id_field = m->FindFieldByName(id);
    ASSERT_NE(id_field, nullptr) << m->full_name() << ": id_field " << id;
    EXPECT_EQ(id_field->type(), pb::FieldDescriptor::TYPE_STRING)
        << m->full_name();
    EXPECT_FALSE(id_field->is_repeated()) << m->full_name();
  }
  // The kinds the language reference and the agent rely on.
  for (const char* kind :
       {"file", "directory", "symlink", "package", "user", "group", "sudo",
        "service", "firewall", "sysctl", "timer", "record", "zone", "host"}) {
    EXPECT_TRUE(kinds.count(kind)) << "no resource kind " << kind;
  }
}

TEST(ResourceKinds, EnumValuesFollowThePrefixConvention) {
  // ENSURE_PRESENT is written `present`: every value starts with the enum's
  // name in upper snake case, and value 0 is UNSPECIFIED.
  const pb::FileDescriptor* file = v1::File::descriptor()->file();
  auto check = [](const pb::EnumDescriptor* e) {
    std::string prefix;
    for (char c : e->name()) {
      if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
        prefix += '_';
      }
      prefix += std::toupper(static_cast<unsigned char>(c));
    }
    prefix += '_';
    EXPECT_EQ(e->value(0)->name(), prefix + "UNSPECIFIED") << e->full_name();
    for (int i = 0; i < e->value_count(); ++i) {
      EXPECT_EQ(e->value(i)->name().rfind(prefix, 0), 0u)
          << e->value(i)->full_name();
    }
  };
  for (int i = 0; i < file->enum_type_count(); ++i) check(file->enum_type(i));
  for (int i = 0; i < file->message_type_count(); ++i) {
    const pb::Descriptor* m = file->message_type(i);
    for (int j = 0; j < m->enum_type_count(); ++j) check(m->enum_type(j));
  }
}

}  // namespace
}  // namespace cairn
