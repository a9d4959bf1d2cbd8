// Verdict names as they appear in JSON, tables, the report and the dashboard.
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::clean: return "clean";
    case Verdict::suspect: return "suspect";
    case Verdict::compromised: return "compromised";
  }
  return "unknown";
}

}  // namespace sg::fleet
