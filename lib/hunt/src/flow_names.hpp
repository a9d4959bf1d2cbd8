#pragma once
// Private to sg_hunt: names a TCP flow from its first bytes, without full reassembly.
//
// The first client segment decides what the flow is: a TLS handshake record (ClientHello ->
// SNI, ALPN, JA4), an HTTP/1.x request line (Host, User-Agent), or DNS over TCP (port 53:
// 2-byte length-prefixed messages both ways, through parse_dns into the same DnsRecord path as
// UDP). Anything else is left alone after that one look. A message split over segments is
// gathered in a small per-flow buffer, in sequence order (a retransmission is skipped by its
// sequence number; a gap gives up: no reordering), within FlowConfig's budgets, and freed as
// soon as the message is parsed or given up. The names wait here, keyed by the flow's slab id,
// until FlowTable emits the flow's ConnRecord.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "supplyguard/hunt/flow.hpp"

namespace sg::hunt {

class FlowNamer {
 public:
  // Flow::naming values.
  static constexpr std::uint8_t kFresh = 0, kReading = 1, kNamed = 2, kNone = 3;

  FlowNamer(const FlowConfig& cfg, RecordSink& sink) : cfg_(cfg), sink_(sink) {}
  // A TCP segment with payload of a flow in state kFresh or kReading; dir 0 = from the
  // originator. Returns the flow's new naming state.
  std::uint8_t inspect(std::uint32_t id, std::uint8_t state, const Packet& p, int dir, const IpAddr& orig,
                       std::uint16_t resp_port, std::uint16_t orig_port, Micros ts);
  // The flow ends: its names (if any) go into the record, its entry is freed.
  void attach(std::uint32_t id, ConnRecord& c);
  const PayloadStats& stats() const { return stats_; }
  std::size_t buffered_bytes() const { return buffered_; }

 private:
  enum class Kind : std::uint8_t { tls, http, dns };
  struct Side {
    std::vector<std::uint8_t> buf;
    std::uint32_t next_seq = 0;
    bool started = false, done = false;
    std::uint8_t segments = 0;
  };
  struct Entry {
    Kind kind = Kind::tls;
    bool named = false;  // the client message was read (or given up): no more client bytes needed
    std::uint8_t dns_messages = 0;
    IpAddr orig;
    Side side[2];
    std::string server_name, tls_fp, alpn, user_agent;
  };
  enum class Feed { ok, duplicate, gap };

  Feed feed(Side& s, const Packet& p, const std::uint8_t*& data, std::size_t& len);
  bool keep(Side& s, const std::uint8_t* data, std::size_t len);  // copies into s.buf; false over budget
  void release(Side& s);
  bool read_tls(Entry& e, const std::uint8_t* data, std::size_t len, bool last);
  bool read_http(Entry& e, const std::uint8_t* data, std::size_t len, bool last);
  void read_dns(Entry& e, Side& s, Micros ts);
  void error(std::uint64_t& counter, const std::string& why);

  const FlowConfig& cfg_;
  RecordSink& sink_;
  std::unordered_map<std::uint32_t, Entry> entries_;
  std::size_t buffered_ = 0;
  PayloadStats stats_;
};

}  // namespace sg::hunt
