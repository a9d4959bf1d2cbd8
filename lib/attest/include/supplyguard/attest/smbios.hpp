#pragma once
// SMBIOS (DMI) structure table, as the kernel exposes it raw in sys/firmware/dmi/tables/DMI:
// structures of {type u8, length u8, handle u16, formatted area, string-set ending in a double
// NUL}, up to the type-127 end marker. Parsing never trusts a length: every read is bounds
// checked and a bad one raises core::InputError naming the file and byte offset.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sg::attest {

struct SmbiosStructure {
  std::uint8_t type = 0;
  std::uint16_t handle = 0;
  std::uint64_t offset = 0;                // of the header, in the table
  std::vector<std::uint8_t> formatted;     // the whole formatted area, header included
  std::vector<std::string> strings;        // string-set; SMBIOS numbers them from 1

  // String referenced by the byte at `field_offset` ("" when absent, out of range or 0).
  std::string str(std::size_t field_offset) const;
  bool has(std::size_t field_offset, std::size_t width = 1) const {
    return field_offset + width <= formatted.size();
  }
  std::uint8_t u8(std::size_t off) const { return has(off) ? formatted[off] : 0; }
  std::uint16_t u16(std::size_t off) const;
  std::uint32_t u32(std::size_t off) const;
};

struct SmbiosTable {
  std::vector<SmbiosStructure> structures;
  bool saw_end = false;  // a type-127 structure terminated the table
  // parse_smbios_prefix only: where and why the table broke ("" when it did not). Nothing after
  // a break can be trusted (the next header's position is unknown), so parsing stops there.
  std::string broken;
  std::uint64_t broken_offset = 0;
};

// Throws core::InputError(source, offset) on a structure that runs past the end, a length below
// the 4-byte header, or an unterminated string-set. Trailing zero padding after type 127 is fine.
SmbiosTable parse_smbios(std::span<const std::uint8_t> data, const std::string& source);
// Never throws for a malformed table: keeps every valid structure before the first bad one and
// says in `broken` (the InputError text, naming source and offset) where it stopped. Real
// firmware ships such tables (a Hyper-V one has a length-0 structure after five good ones).
SmbiosTable parse_smbios_prefix(std::span<const std::uint8_t> data, const std::string& source);

}  // namespace sg::attest
