// Any byte string as an inventory CSV must parse or raise InputError naming the file (and the
// line, except for an empty inventory), never crash; every parsed address is canonical.
#include <cstdint>
#include <string>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& h : sg::fleet::parse_inventory(text, "fuzz.csv")) {
      if (h.host.empty()) __builtin_trap();
      for (const auto& a : h.addresses)
        if (a.empty() || a.find(' ') != std::string::npos || a.find(';') != std::string::npos) __builtin_trap();
    }
  } catch (const sg::core::InputError& e) {
    if (e.where().source != "fuzz.csv") __builtin_trap();
    if (!e.where().line && std::string(e.what()).find("empty inventory") == std::string::npos) __builtin_trap();
  }
  return 0;
}
