#include "proto/spelling.h"

#include <cctype>

namespace cairn {

std::string EnumSpelling(const google::protobuf::EnumValueDescriptor* value) {
  // The prefix is the enum's name in upper snake case: Policy -> POLICY_.
  std::string prefix;
  for (char c : value->type()->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix += '_';
    }
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  prefix += '_';
  std::string name = value->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace cairn
