#include "supplyguard/hunt/decode.hpp"

namespace sg::hunt {
namespace {

inline std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }

constexpr std::uint16_t kEtherIPv4 = 0x0800, kEtherIPv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100, kEtherQinQ = 0x88A8, kEtherQinQOld = 0x9100;

DecodeResult decode_l4(const std::uint8_t* p, std::size_t cap, std::uint32_t l4_len, bool first_fragment,
                       Packet& out) {
  out.payload_len = l4_len;
  if (!first_fragment) return DecodeResult::ok;  // later fragments carry no L4 header
  switch (out.proto) {
    case 6: {
      if (cap < 20) return DecodeResult::truncated;
      const std::uint32_t hl = (p[12] >> 4) * 4u;
      if (hl < 20) return DecodeResult::malformed;
      out.sport = be16(p);
      out.dport = be16(p + 2);
      out.tcp_flags = p[13];
      out.payload_len = l4_len > hl ? l4_len - hl : 0;
      if (cap > hl) { out.payload = p + hl; out.payload_caplen = std::uint32_t(cap - hl); }
      return DecodeResult::ok;
    }
    case 17: {
      if (cap < 8) return DecodeResult::truncated;
      out.sport = be16(p);
      out.dport = be16(p + 2);
      out.payload_len = l4_len > 8 ? l4_len - 8 : 0;
      if (cap > 8) { out.payload = p + 8; out.payload_caplen = std::uint32_t(cap - 8); }
      return DecodeResult::ok;
    }
    case 1:
    case 58:
      if (cap < 4) return DecodeResult::truncated;
      out.sport = p[0];  // type
      out.dport = p[1];  // code
      out.payload_len = l4_len > 8 ? l4_len - 8 : 0;
      return DecodeResult::ok;
    default:
      return DecodeResult::ok;
  }
}

DecodeResult decode_ipv4(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 20) return DecodeResult::truncated;
  if ((p[0] >> 4) != 4) return DecodeResult::malformed;
  const std::size_t ihl = (p[0] & 0x0f) * 4u;
  const std::uint16_t total = be16(p + 2);
  if (ihl < 20 || total < ihl) return DecodeResult::malformed;
  if (cap < ihl) return DecodeResult::truncated;
  out.src = IpAddr::v4(p + 12);
  out.dst = IpAddr::v4(p + 16);
  out.proto = p[9];
  const bool first_fragment = (be16(p + 6) & 0x1fff) == 0;
  return decode_l4(p + ihl, cap - ihl, total - std::uint32_t(ihl), first_fragment, out);
}

DecodeResult decode_ipv6(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 40) return DecodeResult::truncated;
  if ((p[0] >> 4) != 6) return DecodeResult::malformed;
  std::uint32_t len = be16(p + 4);
  out.src = IpAddr::v6(p + 8);
  out.dst = IpAddr::v6(p + 24);
  std::uint8_t next = p[6];
  std::size_t off = 40;
  bool first_fragment = true;
  // Walk extension headers (bounded: each one advances at least 8 bytes).
  for (int hops = 0; hops < 8; ++hops) {
    if (next != 0 && next != 43 && next != 44 && next != 60) break;
    if (cap < off + 8) return DecodeResult::truncated;
    std::size_t ext = next == 44 ? 8 : (p[off + 1] + 1u) * 8u;
    if (next == 44) first_fragment = (be16(p + off + 2) & 0xfff8) == 0;
    if (ext > len) return DecodeResult::malformed;
    next = p[off];
    off += ext;
    len -= std::uint32_t(ext);
  }
  out.proto = next;
  if (cap < off) return DecodeResult::truncated;
  return decode_l4(p + off, cap - off, len, first_fragment, out);
}

DecodeResult decode_ethertype(std::uint16_t type, const std::uint8_t* p, std::size_t cap, Packet& out) {
  // 802.1Q, 802.1ad and the old QinQ tag: skip up to 4 stacked tags, remember the outer id.
  for (int tags = 0; type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld; ++tags) {
    if (tags == 4) return DecodeResult::malformed;
    if (cap < 4) return DecodeResult::truncated;
    if (tags == 0) out.vlan = be16(p) & 0x0fff;
    type = be16(p + 2);
    p += 4;
    cap -= 4;
  }
  if (type == kEtherIPv4) return decode_ipv4(p, cap, out);
  if (type == kEtherIPv6) return decode_ipv6(p, cap, out);
  return DecodeResult::not_ip;
}

DecodeResult decode_raw(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 1) return DecodeResult::truncated;
  switch (p[0] >> 4) {
    case 4: return decode_ipv4(p, cap, out);
    case 6: return decode_ipv6(p, cap, out);
    default: return DecodeResult::not_ip;
  }
}

}  // namespace

bool link_type_supported(int dlt) {
  switch (dlt) {
    case 1: case 12: case 14: case 101: case 113: case 228: case 229: case 276: return true;
    default: return false;
  }
}

DecodeResult decode_packet(int dlt, const std::uint8_t* data, std::size_t caplen, Packet& out) {
  out = Packet{};
  switch (dlt) {
    case 1:  // Ethernet
      if (caplen < 14) return DecodeResult::truncated;
      return decode_ethertype(be16(data + 12), data + 14, caplen - 14, out);
    case 113:  // Linux cooked v1: protocol at offset 14
      if (caplen < 16) return DecodeResult::truncated;
      return decode_ethertype(be16(data + 14), data + 16, caplen - 16, out);
    case 276:  // Linux cooked v2: protocol first
      if (caplen < 20) return DecodeResult::truncated;
      return decode_ethertype(be16(data), data + 20, caplen - 20, out);
    case 12: case 14: case 101:
      return decode_raw(data, caplen, out);
    case 228:
      return decode_ipv4(data, caplen, out);
    case 229:
      return decode_ipv6(data, caplen, out);
    default:
      return DecodeResult::not_ip;
  }
}

}  // namespace sg::hunt
