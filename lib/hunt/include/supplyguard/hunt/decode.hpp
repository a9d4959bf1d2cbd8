#pragma once
// Packet decoder: link layer (Ethernet, Linux SLL/SLL2, raw IP, 802.1Q/802.1ad/QinQ) down to
// IPv4/IPv6 and TCP/UDP/ICMP. Works on the caller's bytes, never allocates: it is the hot path.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {

// Link types we decode, as libpcap reports them (pcap_datalink()).
enum class LinkType : int { ethernet = 1, raw = 12, raw_bsd = 14, raw_linktype = 101, sll = 113,
                            ipv4 = 228, ipv6 = 229, sll2 = 276 };
bool link_type_supported(int dlt);

struct Packet {
  IpAddr src, dst;
  std::uint16_t sport = 0, dport = 0;  // ICMP: type and code
  std::uint8_t proto = 0;
  std::uint8_t tcp_flags = 0;
  std::uint16_t vlan = 0;              // outermost VLAN id, 0 when untagged
  std::uint32_t payload_len = 0;       // L4 payload bytes (from IP lengths, not the snap length)
  const std::uint8_t* payload = nullptr;  // captured part of the payload
  std::uint32_t payload_caplen = 0;
};

enum TcpFlag : std::uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

enum class DecodeResult { ok, not_ip, truncated, malformed };

DecodeResult decode_packet(int dlt, const std::uint8_t* data, std::size_t caplen, Packet& out);

}  // namespace sg::hunt
