#pragma once
// A flow-dense capture shaped like an enterprise edge (issue 10 §5): thousands of internal hosts,
// each lookup a DNS query and response followed by one short TLS/HTTP connection to the address
// it resolved to — ~2 flows, 2 DNS records and 9 packets per lookup, so per-flow and per-record
// costs dominate, not bytes. Names follow a skewed popularity over a few thousand registered
// domains whose subdomains share CDN addresses; 16 hosts poll public NTP servers. Planted among
// them (unless `plants` is false): a jittered beacon behind one name, a beacon rotating over four
// addresses behind one name, a 12 MB upload, a BMC calling out and a short DNS TXT tunnel.
// Deterministic: same config, same bytes (own SplitMix64, no <random> distributions).
#include <cstdint>
#include <cstdio>
#include <vector>

#include "supplyguard/core/time.hpp"
#include "supplyguard/gen/traffic.hpp"

namespace sg::hunt {

struct EdgeConfig {
  std::uint64_t seed = 1;
  std::uint32_t lookups = 130'000;  // 130k: ~1.17 M packets, ~260 k flows, ~260 k DNS records, ~155 MB
  int hosts = 4000;                 // internal clients, 10.20.x.y (every 10th also has an IPv6 address)
  double minutes = 10.0;
  bool plants = true;
  core::Micros start = 1793606400'000'000;  // 2026-11-02T08:00:00Z
};

struct EdgeTruth {
  std::vector<Plant> plants;
  std::uint64_t packets = 0, bytes = 0, flows = 0, dns_messages = 0;
  std::string mgmt_net = "10.99.0.0/16";
};

// Writes a classic pcap (Ethernet) to `out` (binary; the caller closes). Throws
// std::runtime_error on write errors or out-of-range options.
EdgeTruth write_edge_capture(const EdgeConfig& cfg, std::FILE* out);

}  // namespace sg::hunt
