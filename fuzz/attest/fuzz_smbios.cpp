// Any byte string as sys/firmware/dmi/tables/DMI: parsed, or InputError with a byte offset
// inside the input; never a crash, and every string reference stays in bounds. The lenient
// parse (structures before a break) must agree with the strict one on every structure it keeps.
#include <cstdint>

#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto prefix = sg::attest::parse_smbios_prefix({data, size}, "DMI");
  if (!prefix.broken.empty() && prefix.broken_offset > size) __builtin_trap();
  for (const auto& s : prefix.structures)
    if (s.offset >= size || s.formatted.size() < 4) __builtin_trap();
  try {
    const auto t = sg::attest::parse_smbios({data, size}, "DMI");
    if (!prefix.broken.empty() || t.structures.size() != prefix.structures.size()) __builtin_trap();
    for (const auto& s : t.structures)
      for (std::size_t off = 0; off < s.formatted.size() + 2; ++off) (void)s.str(off), (void)s.u32(off);
  } catch (const sg::core::InputError& e) {
    if (!e.where().offset || *e.where().offset > size) __builtin_trap();
    if (prefix.broken.empty()) __builtin_trap();
  }
  return 0;
}
