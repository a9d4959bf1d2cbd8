// Any byte string as sys/firmware/dmi/tables/DMI: parsed, or InputError with a byte offset
// inside the input; never a crash, and every string reference stays in bounds.
#include <cstdint>

#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto t = sg::attest::parse_smbios({data, size}, "DMI");
    for (const auto& s : t.structures)
      for (std::size_t off = 0; off < s.formatted.size() + 2; ++off) (void)s.str(off), (void)s.u32(off);
  } catch (const sg::core::InputError& e) {
    if (!e.where().offset || *e.where().offset > size) __builtin_trap();
  }
  return 0;
}
