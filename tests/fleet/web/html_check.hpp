#pragma once
// A strict look at generated HTML for the tests: which elements and attributes occur. Data that
// was escaped cannot add to either list, so "only the tags we write" proves nothing was injected.
#include <regex>
#include <set>
#include <string>

namespace sg::fleet::testing {

inline std::set<std::string> tag_names(const std::string& page) {
  std::set<std::string> out;
  static const std::regex tag(R"(<\/?([A-Za-z][A-Za-z0-9-]*))");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), tag); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

// Attribute names inside tags (name= within <...>).
inline std::set<std::string> attribute_names(const std::string& page) {
  std::set<std::string> out;
  static const std::regex tag(R"(<[A-Za-z][^>]*>)");
  static const std::regex attr(R"(\s([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=)");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string t = it->str();
    for (auto a = std::sregex_iterator(t.begin(), t.end(), attr); a != std::sregex_iterator(); ++a)
      out.insert((*a)[1]);
  }
  return out;
}

inline std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace sg::fleet::testing
