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
  // Zeek's local_orig/local_resp when the log has them (-1 unknown, 0 no, 1 yes): the sensor's
  // own view of which side is local; --internal-net overrides it.
  std::int8_t local_orig = -1, local_resp = -1;
  // From Zeek's open_conn.log: a connection still open at log rotation. Its duration so far
  // feeds long_connection only (the final conn.log line, if any, counts it once).
  bool still_open = false;
  // Names from the traffic itself (first client bytes of a TCP flow, or Zeek's ssl.log and
  // http.log joined by uid); empty when none was seen.
  std::string server_name;      // TLS SNI, else the HTTP Host name (no port; never an IP literal)
  std::string tls_fp;           // JA4 of the ClientHello (Zeek: ssl.log ja4, else "ja3:" + ja3)
  std::string alpn;             // first ALPN protocol offered
  std::string http_user_agent;
  bool has_names() const { return !server_name.empty() || !tls_fp.empty() || !http_user_agent.empty(); }
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
