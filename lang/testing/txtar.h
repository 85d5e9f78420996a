#ifndef CAIRN_LANG_TESTING_TXTAR_H_
#define CAIRN_LANG_TESTING_TXTAR_H_

#include <string>
#include <string_view>
#include <vector>

namespace cairn::testing {

// A txtar archive: a comment, then sections each opened by a line
// "-- NAME --". Used for golden tests: input files and expected outputs in
// one file per case.
struct Txtar {
  struct Section {
    std::string name;
    std::string body;
  };
  std::string comment;
  std::vector<Section> sections;

  static Txtar Parse(std::string_view text);
  std::string Serialize() const;

  // The body of the named section, or nullptr.
  const std::string* Find(std::string_view name) const;
  // Sets (or adds, at the end) the named section.
  void Set(std::string_view name, std::string body);
  // Removes the named section if present.
  void Remove(std::string_view name);
};

}  // namespace cairn::testing

#endif  // CAIRN_LANG_TESTING_TXTAR_H_
