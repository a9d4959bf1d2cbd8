#include "supplyguard/core/severity.hpp"

#include <array>
#include <cctype>
#include <string>

namespace sg::core {
namespace {
constexpr std::array<std::string_view, 5> kSeverity = {"info", "low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 4> kPlane = {"attest", "hunt", "inspect", "fleet"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

std::string_view to_string(Severity s) { return kSeverity.at(static_cast<size_t>(s)); }
std::string_view to_string(Plane p) { return kPlane.at(static_cast<size_t>(p)); }

std::optional<Severity> parse_severity(std::string_view text) {
  const std::string t = lower(text);
  for (size_t i = 0; i < kSeverity.size(); ++i)
    if (t == kSeverity[i]) return static_cast<Severity>(i);
  return std::nullopt;
}

std::optional<Plane> parse_plane(std::string_view text) {
  const std::string t = lower(text);
  for (size_t i = 0; i < kPlane.size(); ++i)
    if (t == kPlane[i]) return static_cast<Plane>(i);
  return std::nullopt;
}

}  // namespace sg::core
