#include "bytes.hpp"
#include "supplyguard/hunt/decode.hpp"

#include <algorithm>
#include <cstring>

namespace sg::hunt {
namespace {


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
      out.tcp_seq = std::uint32_t(p[4]) << 24 | std::uint32_t(p[5]) << 16 | std::uint32_t(p[6]) << 8 | p[7];
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
  std::uint32_t total = be16(p + 2);
  // Segmentation offload (TSO/GSO, BIG TCP): the NIC fills the length in later, so a capture on
  // the sending host has total length 0. The captured bytes are then the packet.
  if (total == 0 && cap >= ihl) total = std::uint32_t(std::min<std::size_t>(cap, 0xFFFFFFFFu));
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
  // Payload length 0 with a payload: a jumbogram or an offloaded segment (as for IPv4).
  if (len == 0 && p[6] != 59) len = std::uint32_t(std::min<std::size_t>(cap - 40, 0xFFFFFFFFu));
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

constexpr std::uint16_t kEtherMpls = 0x8847, kEtherMplsMulti = 0x8848, kEtherPppoeSession = 0x8864;

DecodeResult decode_raw(const std::uint8_t* p, std::size_t cap, Packet& out);

// PPP protocol field (RFC 1661; 1 byte when compressed: its low bit is then set).
DecodeResult decode_ppp_protocol(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 1) return DecodeResult::truncated;
  std::uint16_t proto = p[0];
  std::size_t n = 1;
  if (!(proto & 1)) {
    if (cap < 2) return DecodeResult::truncated;
    proto = be16(p);
    n = 2;
  }
  if (proto == 0x0021) return decode_ipv4(p + n, cap - n, out);
  if (proto == 0x0057) return decode_ipv6(p + n, cap - n, out);
  return DecodeResult::not_ip;  // LCP, IPCP, CHAP, ...
}

// The ethertype chain as a loop over "next protocol": VLAN tags, MPLS label stacks and PPPoE
// sessions nest in any order (PPPoE over QinQ, MPLS in VLAN); bounded to 8 layers.
DecodeResult decode_ethertype(std::uint16_t type, const std::uint8_t* p, std::size_t cap, Packet& out) {
  for (int layer = 0; layer < 8; ++layer) {
    switch (type) {
      case kEtherIPv4: return decode_ipv4(p, cap, out);
      case kEtherIPv6: return decode_ipv6(p, cap, out);
      case kEtherVlan: case kEtherQinQ: case kEtherQinQOld:  // 802.1Q, 802.1ad, old QinQ
        if (cap < 4) return DecodeResult::truncated;
        if (out.vlan == 0) out.vlan = be16(p) & 0x0fff;
        type = be16(p + 2);
        p += 4;
        cap -= 4;
        continue;
      case kEtherMpls: case kEtherMplsMulti: {
        // Pop labels to the bottom of the stack; MPLS does not say what follows, so guess by
        // the IP version nibble (as Zeek and Wireshark do); anything else (pseudo-wires) is not IP.
        for (int labels = 0;; ++labels) {
          if (labels == 16) return DecodeResult::malformed;
          if (cap < 4) return DecodeResult::truncated;
          const bool bottom = p[2] & 1;
          p += 4;
          cap -= 4;
          if (bottom) break;
        }
        return decode_raw(p, cap, out);
      }
      case kEtherPppoeSession:  // ver/type, code, session id, length, then PPP
        if (cap < 8) return DecodeResult::truncated;
        return decode_ppp_protocol(p + 6, cap - 6, out);
      default:
        return DecodeResult::not_ip;
    }
  }
  return DecodeResult::malformed;
}

DecodeResult decode_raw(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 1) return DecodeResult::truncated;
  switch (p[0] >> 4) {
    case 4: return decode_ipv4(p, cap, out);
    case 6: return decode_ipv6(p, cap, out);
    default: return DecodeResult::not_ip;
  }
}

// ---- link layers ----------------------------------------------------------------------------

DecodeResult link_ethernet(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 14) return DecodeResult::truncated;
  return decode_ethertype(be16(p + 12), p + 14, cap - 14, out);
}
DecodeResult link_sll(const std::uint8_t* p, std::size_t cap, Packet& out) {  // protocol at 14
  if (cap < 16) return DecodeResult::truncated;
  return decode_ethertype(be16(p + 14), p + 16, cap - 16, out);
}
DecodeResult link_sll2(const std::uint8_t* p, std::size_t cap, Packet& out) {  // protocol first
  if (cap < 20) return DecodeResult::truncated;
  return decode_ethertype(be16(p), p + 20, cap - 20, out);
}
DecodeResult link_ipv4(const std::uint8_t* p, std::size_t cap, Packet& out) { return decode_ipv4(p, cap, out); }
DecodeResult link_ipv6(const std::uint8_t* p, std::size_t cap, Packet& out) { return decode_ipv6(p, cap, out); }

// BSD loopback: a 4-byte address family in the *capturing host's* byte order (NULL) or in
// network order (LOOP). AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30 on the BSDs/macOS,
// 10 on Linux.
DecodeResult loopback_family(std::uint32_t af, const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (af == 2) return decode_ipv4(p, cap, out);
  if (af == 24 || af == 28 || af == 30 || af == 10) return decode_ipv6(p, cap, out);
  return DecodeResult::not_ip;
}
DecodeResult link_null(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 4) return DecodeResult::truncated;
  std::uint32_t af = std::uint32_t(p[0]) | p[1] << 8 | p[2] << 16 | std::uint32_t(p[3]) << 24;
  if (af > 0xFFFF) af = __builtin_bswap32(af);  // written by a big-endian host
  return loopback_family(af, p + 4, cap - 4, out);
}
DecodeResult link_loop(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 4) return DecodeResult::truncated;
  return loopback_family(std::uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3], p + 4, cap - 4, out);
}
// PPP (DLT 9) and PPP in HDLC-like framing (DLT 50): optional ff 03 address/control, protocol.
DecodeResult link_ppp(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap >= 2 && p[0] == 0xff && p[1] == 0x03) { p += 2; cap -= 2; }
  return decode_ppp_protocol(p, cap, out);
}
// PPPoE without the Ethernet header (DLT 51).
DecodeResult link_pppoe(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 8) return DecodeResult::truncated;
  return decode_ppp_protocol(p + 6, cap - 6, out);
}
// Cisco HDLC (DLT 104): address, control, then an ethertype.
DecodeResult link_chdlc(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 4) return DecodeResult::truncated;
  return decode_ethertype(be16(p + 2), p + 4, cap - 4, out);
}
// Linux NFLOG (DLT 239): 4-byte header, then TLVs (host byte order, little-endian in practice,
// 4-byte aligned); type 9 holds the packet, starting at the IP header.
DecodeResult link_nflog(const std::uint8_t* p, std::size_t cap, Packet& out) {
  if (cap < 4) return DecodeResult::truncated;
  const std::uint8_t family = p[0];
  std::size_t off = 4;
  for (int tlvs = 0; tlvs < 64 && off + 4 <= cap; ++tlvs) {
    const std::size_t len = std::size_t(p[off]) | std::size_t(p[off + 1]) << 8;
    const unsigned type = unsigned(p[off + 2]) | unsigned(p[off + 3]) << 8;
    if (len < 4) return DecodeResult::malformed;
    if (type == 9) {
      const std::size_t n = std::min(len, cap - off) - 4;
      if (family == 2) return decode_ipv4(p + off + 4, n, out);
      if (family == 10) return decode_ipv6(p + off + 4, n, out);
      return decode_raw(p + off + 4, n, out);
    }
    off += (len + 3) & ~std::size_t(3);
  }
  return DecodeResult::not_ip;  // a log message without a packet
}

// Generator framing (tests and supplyguard-gen write every link type they can).
std::size_t frame_ethernet(std::uint8_t* o, bool v6) {
  static const std::uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  std::memcpy(o, macs, 12);
  o[12] = v6 ? 0x86 : 0x08;
  o[13] = v6 ? 0xDD : 0x00;
  return 14;
}
std::size_t frame_sll(std::uint8_t* o, bool v6) {
  const std::uint8_t h[16] = {0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 1, 0, 0, std::uint8_t(v6 ? 0x86 : 0x08),
                              std::uint8_t(v6 ? 0xDD : 0x00)};
  std::memcpy(o, h, 16);
  return 16;
}
std::size_t frame_sll2(std::uint8_t* o, bool v6) {
  const std::uint8_t h[20] = {std::uint8_t(v6 ? 0x86 : 0x08), std::uint8_t(v6 ? 0xDD : 0x00), 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
                              0x02, 0, 0, 0, 0, 1, 0, 0};
  std::memcpy(o, h, 20);
  return 20;
}
std::size_t frame_none(std::uint8_t*, bool) { return 0; }
std::size_t frame_null(std::uint8_t* o, bool v6) {  // little-endian host, macOS AF_INET6 = 30
  const std::uint8_t h[4] = {std::uint8_t(v6 ? 30 : 2), 0, 0, 0};
  std::memcpy(o, h, 4);
  return 4;
}
std::size_t frame_loop(std::uint8_t* o, bool v6) {
  const std::uint8_t h[4] = {0, 0, 0, std::uint8_t(v6 ? 24 : 2)};
  std::memcpy(o, h, 4);
  return 4;
}
std::size_t frame_ppp(std::uint8_t* o, bool v6) {
  const std::uint8_t h[4] = {0xff, 0x03, 0x00, std::uint8_t(v6 ? 0x57 : 0x21)};
  std::memcpy(o, h, 4);
  return 4;
}
std::size_t frame_pppoe_ethernet(std::uint8_t* o, bool v6) {  // Ethernet + PPPoE session + PPP
  frame_ethernet(o, v6);
  o[12] = 0x88;
  o[13] = 0x64;
  const std::uint8_t h[8] = {0x11, 0x00, 0x12, 0x34, 0x05, 0xdc, 0x00, std::uint8_t(v6 ? 0x57 : 0x21)};
  std::memcpy(o + 14, h, 8);
  return 22;
}
std::size_t frame_mpls_ethernet(std::uint8_t* o, bool v6) {  // Ethernet + two MPLS labels
  frame_ethernet(o, v6);
  o[12] = 0x88;
  o[13] = 0x47;
  const std::uint8_t h[8] = {0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40};  // labels 16, 32 (bottom)
  std::memcpy(o + 14, h, 8);
  return 22;
}

// Pseudo link types for the generator only (dlt < 0): Ethernet framings that exercise the
// ethertype chain. The decoder never sees them (they are written as DLT 1).
constexpr LinkLayer kLinkLayers[] = {
    {1, "en10mb", link_ethernet, frame_ethernet},
    {113, "linux_sll", link_sll, frame_sll},
    {276, "linux_sll2", link_sll2, frame_sll2},
    {12, "raw", decode_raw, frame_none},
    {14, "raw14", decode_raw, nullptr},
    {101, "raw101", decode_raw, nullptr},
    {228, "ipv4", link_ipv4, nullptr},
    {229, "ipv6", link_ipv6, nullptr},
    {0, "null", link_null, frame_null},
    {108, "loop", link_loop, frame_loop},
    {9, "ppp", link_ppp, frame_ppp},
    {50, "ppp_serial", link_ppp, nullptr},
    {51, "ppp_ether", link_pppoe, nullptr},
    {104, "c_hdlc", link_chdlc, nullptr},
    {239, "nflog", link_nflog, nullptr},
    {-1, "pppoe", link_ethernet, frame_pppoe_ethernet},
    {-2, "mpls", link_ethernet, frame_mpls_ethernet},
};

}  // namespace

std::span<const LinkLayer> link_layers() { return kLinkLayers; }

const LinkLayer* find_link_layer(int dlt) {
  if (dlt < 0) return nullptr;
  for (const auto& l : kLinkLayers)
    if (l.dlt == dlt) return &l;
  return nullptr;
}

const LinkLayer* find_link_layer(std::string_view name) {
  if (name == "ethernet") name = "en10mb";
  if (name == "sll") name = "linux_sll";
  if (name == "sll2") name = "linux_sll2";
  for (const auto& l : kLinkLayers)
    if (name == l.name) return &l;
  return nullptr;
}

bool link_type_supported(int dlt) { return find_link_layer(dlt) != nullptr; }

std::string supported_link_types() {
  std::string s = "supported:";
  for (const auto& l : kLinkLayers)
    if (l.dlt >= 0) s += std::string(s.back() == ':' ? " " : ", ") + l.name + " (" + std::to_string(l.dlt) + ")";
  return s;
}

DecodeResult decode_packet(int dlt, const std::uint8_t* data, std::size_t caplen, Packet& out) {
  out = Packet{};
  if (dlt == 1) return link_ethernet(data, caplen, out);  // the common case, no table walk
  const LinkLayer* l = find_link_layer(dlt);
  return l ? l->decode(data, caplen, out) : DecodeResult::not_ip;
}

}  // namespace sg::hunt
