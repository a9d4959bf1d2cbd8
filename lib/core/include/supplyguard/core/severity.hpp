#pragma once
// Severity and plane: the two closed vocabularies every finding is classified by.
#include <optional>
#include <string_view>

namespace sg::core {

// Ordered: comparisons (<, >=) mean "less/at least as severe".
enum class Severity { info = 0, low, medium, high, critical };

enum class Plane { attest, hunt, inspect, fleet };

std::string_view to_string(Severity s);
std::string_view to_string(Plane p);
std::optional<Severity> parse_severity(std::string_view text);  // case-insensitive
std::optional<Plane> parse_plane(std::string_view text);

}  // namespace sg::core
