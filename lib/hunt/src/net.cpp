#include "supplyguard/hunt/net.hpp"

#include <algorithm>

#include <arpa/inet.h>

namespace sg::hunt {

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) inet_ntop(AF_INET, &b[12], buf, sizeof buf);
  else inet_ntop(AF_INET6, b.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpAddr> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  std::uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return IpAddr::v4(raw);
  if (inet_pton(AF_INET6, buf, raw) == 1) return IpAddr::v6(raw);
  return std::nullopt;
}

std::string Cidr::str() const {
  return net.str() + "/" + std::to_string(net.is_v4() ? prefix - 96 : prefix);
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const int max = ip->is_v4() ? 32 : 128;
  int len = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    len = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      len = len * 10 + (c - '0');
    }
    if (len > max) return std::nullopt;
  }
  Cidr c{*ip, ip->is_v4() ? len + 96 : len};
  // Zero host bits so str() prints the network.
  int bits = c.prefix;
  for (int i = 0; i < 16; ++i, bits -= 8) {
    if (bits >= 8) continue;
    c.net.b[i] &= bits <= 0 ? 0 : std::uint8_t(0xff << (8 - bits));
  }
  return c;
}

NetSet default_internal_nets() {
  NetSet s;
  for (const char* n : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
                        "fc00::/7", "fe80::/10", "::1/128"})
    s.add(*parse_cidr(n));
  return s;
}

std::string_view proto_name(std::uint8_t proto) {
  switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "icmp6";
    default: return "other";
  }
}

std::optional<std::uint8_t> parse_proto(std::string_view name) {
  if (name == "tcp") return 6;
  if (name == "udp") return 17;
  if (name == "icmp") return 1;
  if (name == "icmp6" || name == "ipv6-icmp") return 58;
  return std::nullopt;
}

NotDestination not_a_destination(const IpAddr& dst, const IpAddr& src, std::uint8_t proto, const NetSet* nets) {
  if (dst.is_v4()) {
    const std::uint32_t d = std::uint32_t(dst.b[12]) << 24 | dst.b[13] << 16 | dst.b[14] << 8 | dst.b[15];
    if ((d >> 28) == 0xE) return NotDestination::multicast;
    if (d == 0xFFFFFFFFu) return NotDestination::broadcast;
    if ((d >> 16) == 0xA9FE) return NotDestination::link_local;
    if ((d >> 24) == 0) return NotDestination::unspecified;
    if (proto == 6) return NotDestination::no;
    if (nets)
      for (const auto& c : nets->nets()) {
        const int host_bits = 128 - c.prefix;
        if (!c.net.is_v4() || host_bits < 2 || host_bits > 24) continue;
        const std::uint32_t mask = (1u << host_bits) - 1;
        if ((d & mask) == mask && c.contains(dst)) return NotDestination::broadcast;
      }
    if (src.is_v4()) {
      const std::uint32_t s = std::uint32_t(src.b[12]) << 24 | src.b[13] << 16 | src.b[14] << 8 | src.b[15];
      const int trailing_ones = __builtin_ctz(~d | 0x80000000u);  // d is not all ones here
      const int shared = (s ^ d) == 0 ? 32 : __builtin_clz(s ^ d);
      // Some prefix p with 32 - p <= trailing ones, 8 <= p <= 30, p <= shared.
      const int lo = std::max(8, 32 - trailing_ones), hi = std::min(shared, 30);
      if (trailing_ones >= 2 && lo <= hi && s != d) return NotDestination::broadcast;
    }
    return NotDestination::no;
  }
  if (dst.b[0] == 0xff) return NotDestination::multicast;
  if (dst.b[0] == 0xfe && (dst.b[1] & 0xc0) == 0x80) return NotDestination::link_local;
  if (dst.hi() == 0 && dst.lo() == 0) return NotDestination::unspecified;
  return NotDestination::no;
}

std::string_view not_destination_name(NotDestination why) {
  switch (why) {
    case NotDestination::multicast: return "multicast";
    case NotDestination::broadcast: return "broadcast";
    case NotDestination::link_local: return "link-local";
    case NotDestination::unspecified: return "unspecified";
    default: return "destination";
  }
}

}  // namespace sg::hunt
