#pragma once
// Packet decoder: link layer (one table, below) and the ethertype chain (802.1Q/802.1ad/QinQ,
// MPLS label stacks, PPPoE session -> PPP) down to IPv4/IPv6 and TCP/UDP/ICMP. Works on the
// caller's bytes, never allocates: it is the hot path.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {


struct Packet {
  IpAddr src, dst;
  std::uint16_t sport = 0, dport = 0;  // ICMP: type and code
  std::uint8_t proto = 0;
  std::uint8_t tcp_flags = 0;
  std::uint32_t tcp_seq = 0;           // TCP sequence number (flow naming skips retransmissions by it)
  std::uint16_t vlan = 0;              // outermost VLAN id, 0 when untagged
  std::uint32_t payload_len = 0;       // L4 payload bytes (from IP lengths, not the snap length)
  const std::uint8_t* payload = nullptr;  // captured part of the payload
  std::uint32_t payload_caplen = 0;
};

enum TcpFlag : std::uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

enum class DecodeResult { ok, not_ip, truncated, malformed };

DecodeResult decode_packet(int dlt, const std::uint8_t* data, std::size_t caplen, Packet& out);

// The one table of link types (DLT values as in pcap/pcapng headers): the decoder, the support
// check, error texts ("supported: ...") and the capture generator all read it.
struct LinkLayer {
  int dlt;
  const char* name;  // libpcap's name, lower case: also the generator's --linktype value
  DecodeResult (*decode)(const std::uint8_t* data, std::size_t caplen, Packet& out);
  // Writes the link header in front of an IPv4/IPv6 packet (for the generator); returns its
  // length (<= 32). Null for link types the generator cannot write.
  std::size_t (*frame)(std::uint8_t* out, bool v6);
};
std::span<const LinkLayer> link_layers();
const LinkLayer* find_link_layer(int dlt);
const LinkLayer* find_link_layer(std::string_view name);
bool link_type_supported(int dlt);
std::string supported_link_types();  // "supported: en10mb (1), null (0), ..."

}  // namespace sg::hunt
