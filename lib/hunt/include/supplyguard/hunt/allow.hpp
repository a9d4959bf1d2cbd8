#pragma once
// --allow FILE: destinations that are expected. One entry per line, '#' starts a comment:
//   203.0.113.0/24          a network (IPv4 or IPv6 CIDR, or a bare address)
//   198.51.100.7:443        ... optionally limited to one port
//   [2001:db8::1]:443       IPv6 with a port needs brackets
//   updates.example.com     a DNS name seen resolving to the destination (exact match)
//   .example.com:443        a leading dot matches the name and every subdomain
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {

class Allowlist {
 public:
  // Throws core::InputError naming `source` and the line on a malformed entry.
  static Allowlist parse(std::istream& in, const std::string& source);
  static Allowlist load(const std::string& path);

  bool allows(const IpAddr& dst, const std::string& dst_name, std::uint16_t port) const;
  bool empty() const { return nets_.empty() && names_.empty(); }
  std::size_t size() const { return nets_.size() + names_.size(); }

 private:
  struct NetEntry { Cidr net; std::optional<std::uint16_t> port; };
  struct NameEntry { std::string name; bool suffix; std::optional<std::uint16_t> port; };
  std::vector<NetEntry> nets_;
  std::vector<NameEntry> names_;
};

}  // namespace sg::hunt
