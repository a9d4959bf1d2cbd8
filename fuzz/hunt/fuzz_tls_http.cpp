// Any byte string as the first bytes of a TCP flow: read as a TLS ClientHello, an HTTP request
// head and DNS over TCP, directly and through the flow table (segmented, retransmitted, with a
// gap) into the analyzer. Parsers answer ok / need_more / not_this / error, never crash or
// read out of bounds; a parsed hello always gives a well-formed JA4.
//
// Input: byte 0 picks the server port (443, 80, 53, 8443), byte 1 the segment size, byte 2
// flags (1: retransmit every segment, 2: drop the second segment, 4: send every other segment
// from the server), the rest is the stream.
#include <cstdint>
#include <string>
#include <vector>

#include "names.hpp"
#include "supplyguard/hunt/flow.hpp"
#include "supplyguard/hunt/hunt.hpp"

using namespace sg::hunt;

static void check_parsers(const uint8_t* d, size_t n) {
  ClientHello h;
  std::string why;
  if (parse_client_hello(d, n, h, &why) == ParseStatus::ok) {
    const std::string fp = ja4_fingerprint(h);
    if (fp.size() != 36 || fp[0] != 't' || fp[10] != '_' || fp[23] != '_') __builtin_trap();
    if (h.consumed > n) __builtin_trap();
  }
  (void)parse_client_hello(d, n / 2, h, &why);
  HttpRequest r;
  (void)parse_http_request(d, n, r, false, &why);
  (void)parse_http_request(d, n, r, true, &why);
  (void)http_host_name(std::string(reinterpret_cast<const char*>(d), n < 300 ? n : 300));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const uint16_t kPorts[] = {443, 80, 53, 8443};
  const uint16_t port = kPorts[data[0] & 3];
  const size_t seg = 1 + size_t(data[1]) * 8;
  const uint8_t flags = data[2];
  const uint8_t* d = data + 3;
  const size_t n = size - 3;
  check_parsers(d, n);

  HuntConfig cfg;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("10.99.0.0/16"));
  cfg.rare_tls_min_sources = 1;
  cfg.max_name_series = 4;
  cfg.max_tls_fps = 4;
  Analyzer analyzer(cfg);
  FlowConfig fc;
  fc.max_flows = 16;
  fc.name_buffer_bytes = 4096;  // small: exercises the budget paths
  FlowTable table(fc, analyzer);
  const IpAddr client = *parse_ip("10.99.0.5"), server = *parse_ip("203.0.113.9");
  Micros t = 1'700'000'000'000'000;
  uint32_t seq[2] = {0xfffff000u, 77};
  size_t k = 0;
  for (size_t off = 0; off < n; off += seg, ++k) {
    const size_t len = n - off < seg ? n - off : seg;
    const int dir = (flags & 4) && (k % 2) ? 1 : 0;
    Packet p;
    p.src = dir ? server : client;
    p.dst = dir ? client : server;
    p.sport = dir ? port : 40000;
    p.dport = dir ? 40000 : port;
    p.proto = 6;
    p.tcp_flags = kAck | kPsh;
    p.tcp_seq = seq[dir];
    p.payload = d + off;
    p.payload_len = p.payload_caplen = uint32_t(len);
    seq[dir] += uint32_t(len);
    if ((flags & 2) && k == 1) continue;  // a gap
    for (int copies = (flags & 1) ? 2 : 1; copies > 0; --copies) table.add(p, t += 1000);
  }
  table.flush();
  for (const auto& f : analyzer.findings()) (void)f;
  return 0;
}
