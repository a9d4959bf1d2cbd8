#pragma once
// A hand-built FleetView shaped like what the store produces for a small fleet: two models, an
// implant on most hosts of one batch (beacons to one C2 + an added component), a suspect host,
// an address nobody owns, and hostile strings in every place a finding or inventory can carry
// text. Used by the web unit tests, serve_fixture and (through it) the browser test.
#include <string>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet::testing {

// Strings the tests look for: each must show up as text, never as markup.
inline constexpr const char* kHostileHost = "<img src=x onerror=alert(1)>";
inline constexpr const char* kHostileModel = "\"><script>alert(2)</script>";
inline constexpr const char* kHostileSummary = "</style></table><script>alert(3)</script>";
inline constexpr const char* kHostileSubject = "javascript:alert(4)";
inline constexpr const char* kTraversalHost = "rack/../../etc/passwd";
inline constexpr const char* kC2 = "203.0.113.66";

FleetView fixture_view();

}  // namespace sg::fleet::testing
