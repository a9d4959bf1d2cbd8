#pragma once
// What every source (capture, live interface, Zeek logs) reduces traffic to: connection records
// (one per flow, like a Zeek conn.log line) and DNS observations. Detectors only see these.
#include <cstdint>
#include <string>
#include <vector>

#include "supplyguard/core/time.hpp"
#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {

using core::Micros;

struct ConnRecord {
  Micros ts = 0;        // first packet
  Micros duration = 0;  // last packet - first packet
  IpAddr orig, resp;    // originator = who sent the first packet (or the SYN)
  std::uint16_t orig_port = 0, resp_port = 0;
  std::uint8_t proto = 0;
  std::uint64_t orig_bytes = 0, resp_bytes = 0;  // payload bytes, as Zeek counts them
  std::uint32_t orig_pkts = 0, resp_pkts = 0;
};

// One DNS response (or query when no response was seen): who asked what, and what it resolved to.
struct DnsRecord {
  Micros ts = 0;
  IpAddr client;
  std::string query;          // lower-case, no trailing dot
  std::uint16_t qtype = 0;    // 1 A, 16 TXT, 10 NULL, 28 AAAA, ...
  std::vector<IpAddr> answers;
  // From a response packet: contributes the answers (names for addresses) but is not counted
  // as another lookup, since its query was already seen.
  bool response_only = false;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_conn(const ConnRecord& c) = 0;
  virtual void on_dns(const DnsRecord& d) = 0;
};

}  // namespace sg::hunt
