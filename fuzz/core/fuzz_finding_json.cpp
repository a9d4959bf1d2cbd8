// Findings arrive from other planes and other tools as JSON lines: any byte string must either
// parse or raise InputError, never crash.
#include <cstdint>
#include <string_view>

#include "supplyguard/core/error.hpp"
#include "supplyguard/core/finding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto f = sg::core::finding_from_json_line(text, "fuzz", 1);
    (void)sg::core::to_json_line(f);
  } catch (const sg::core::InputError&) {
  }
  return 0;
}
