#ifndef CAIRN_PROTO_SPELLING_H_
#define CAIRN_PROTO_SPELLING_H_

// How the language spells the schema's names.

#include <string>

#include "google/protobuf/descriptor.h"

namespace cairn {

// An enum value as configurations write it: the value's name without its
// enum's prefix, in lower case. Firewall.Policy POLICY_DROP is `drop`.
std::string EnumSpelling(const google::protobuf::EnumValueDescriptor* value);

}  // namespace cairn

#endif  // CAIRN_PROTO_SPELLING_H_
