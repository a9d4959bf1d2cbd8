#include "supplyguard/attest/smbios.hpp"

#include "supplyguard/core/error.hpp"

namespace sg::attest {

std::string SmbiosStructure::str(std::size_t field_offset) const {
  if (!has(field_offset)) return "";
  const std::uint8_t n = formatted[field_offset];
  if (n == 0 || n > strings.size()) return "";
  return strings[n - 1];
}

std::uint16_t SmbiosStructure::u16(std::size_t off) const {
  return has(off, 2) ? std::uint16_t(formatted[off] | formatted[off + 1] << 8) : 0;
}

std::uint32_t SmbiosStructure::u32(std::size_t off) const {
  if (!has(off, 4)) return 0;
  return std::uint32_t(formatted[off]) | std::uint32_t(formatted[off + 1]) << 8 |
         std::uint32_t(formatted[off + 2]) << 16 | std::uint32_t(formatted[off + 3]) << 24;
}

namespace {

// Appends structures to `table` as they are read, so a caller that catches the error still has
// every structure before it.
void parse_into(SmbiosTable& table, std::span<const std::uint8_t> data, const std::string& source) {
  using core::InputError;
  std::size_t pos = 0;
  // A real table has a few hundred structures; a cap keeps hostile input from growing memory
  // beyond what its size already implies.
  constexpr std::size_t kMaxStructures = 1 << 16;
  while (pos < data.size()) {
    if (data.size() - pos < 4) throw InputError::at_offset(source, pos, "truncated SMBIOS structure header");
    SmbiosStructure s;
    s.offset = pos;
    s.type = data[pos];
    const std::uint8_t length = data[pos + 1];
    s.handle = std::uint16_t(data[pos + 2] | data[pos + 3] << 8);
    if (length < 4)
      throw InputError::at_offset(source, pos, "SMBIOS structure length " + std::to_string(length) + " below 4");
    if (length > data.size() - pos)
      throw InputError::at_offset(source, pos,
                                  "SMBIOS structure type " + std::to_string(s.type) + " length " +
                                      std::to_string(length) + " runs past the end of the table");
    s.formatted.assign(data.begin() + long(pos), data.begin() + long(pos + length));
    pos += length;
    // String-set: NUL-terminated strings, ended by an extra NUL (an empty set is just "\0\0").
    const std::size_t set_start = pos;
    if (data.size() - pos >= 2 && data[pos] == 0 && data[pos + 1] == 0) {
      pos += 2;
    } else {
      for (;;) {
        std::size_t end = pos;
        while (end < data.size() && data[end] != 0) ++end;
        if (end >= data.size())
          throw InputError::at_offset(source, set_start, "unterminated SMBIOS string-set (type " +
                                                              std::to_string(s.type) + ")");
        s.strings.emplace_back(reinterpret_cast<const char*>(data.data() + pos), end - pos);
        pos = end + 1;
        if (pos >= data.size())
          throw InputError::at_offset(source, set_start, "SMBIOS string-set missing its final NUL (type " +
                                                              std::to_string(s.type) + ")");
        if (data[pos] == 0) {
          ++pos;
          break;
        }
      }
    }
    const bool end_marker = s.type == 127;
    table.structures.push_back(std::move(s));
    if (table.structures.size() > kMaxStructures)
      throw InputError::at_offset(source, pos, "more than 65536 SMBIOS structures");
    if (end_marker) {
      table.saw_end = true;
      break;
    }
  }
}

}  // namespace

SmbiosTable parse_smbios(std::span<const std::uint8_t> data, const std::string& source) {
  SmbiosTable table;
  parse_into(table, data, source);
  return table;
}

SmbiosTable parse_smbios_prefix(std::span<const std::uint8_t> data, const std::string& source) {
  SmbiosTable table;
  try {
    parse_into(table, data, source);
  } catch (const core::InputError& e) {
    table.broken = e.what();
    table.broken_offset = e.where().offset.value_or(0);
  }
  return table;
}

}  // namespace sg::attest
