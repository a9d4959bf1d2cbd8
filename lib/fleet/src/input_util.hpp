#pragma once
// Small helpers shared by the input readers (inventory, findings, snapshots, spool).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg::fleet {

// The whole file; throws core::InputError naming the path when it cannot be read.
std::string read_file(const std::string& path);

// Canonical text of an IPv4/IPv6 address ("10.1.0.7", "fe80::1"), or nullopt when `text` is not one.
std::optional<std::string> normalize_address(std::string_view text);

// Refuses text a database column cannot hold faithfully (NUL bytes: PostgreSQL rejects them).
void check_text(const std::string& text, const std::string& source, std::uint64_t line, const char* what);

}  // namespace sg::fleet
