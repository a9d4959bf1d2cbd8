#pragma once
// The hunt plane's front door: feed connection and DNS records (from captures, a live interface
// or Zeek logs) into an Analyzer, then ask it for findings. Detectors:
//   beacon           regular callbacks from an internal host to one external destination
//   mgmt_egress      a --mgmt-net (BMC/IPMI) address talking outside mgmt and allowed networks
//   new_destination  an external destination absent from --allow (only with --allow)
//   exfil            outbound volume to one destination far above the host's norm, mostly one-way
//   long_connection  an outbound connection open for hours
//   dns_tunnel       a registered domain queried with many unique long/high-entropy labels, TXT/NULL
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "supplyguard/core/finding.hpp"
#include "supplyguard/hunt/allow.hpp"
#include "supplyguard/hunt/beacon.hpp"
#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

struct HuntConfig {
  NetSet internal = default_internal_nets();
  NetSet mgmt;                      // BMC / IPMI / management ranges
  Allowlist allow;
  bool have_allow = false;
  double min_score = 0.5;           // findings scoring below this are not reported
  BeaconParams beacon;
  Micros long_connection = 3600'000'000;  // 1 h
  std::uint64_t exfil_min_bytes = 10'000'000;
  double exfil_norm_factor = 10.0;  // times the host's median outbound volume per destination
  double exfil_min_asymmetry = 4.0; // out/in
  std::size_t dns_tunnel_min_unique = 30;
  // Memory bounds: beyond these, new pairs/names/domains are counted but not tracked.
  std::size_t max_pairs = 1 << 20;
  std::size_t max_calls_per_pair = 4096;
  std::size_t max_names = 1 << 20;
  std::size_t max_domains = 1 << 16;
};

struct AnalyzerStats {
  std::uint64_t conns = 0, dns = 0;
  std::uint64_t untracked_pairs = 0;  // conns not tracked because max_pairs was reached
};

class Analyzer : public RecordSink {
 public:
  explicit Analyzer(HuntConfig cfg);
  ~Analyzer() override;
  void on_conn(const ConnRecord& c) override;
  void on_dns(const DnsRecord& d) override;
  // Runs every detector over what was seen so far; strongest first.
  std::vector<core::Finding> findings() const;
  const AnalyzerStats& stats() const { return stats_; }
  const HuntConfig& config() const { return cfg_; }

 // Aggregated state, private to the library (src/detectors.hpp).
  struct Impl;

 private:
  HuntConfig cfg_;
  AnalyzerStats stats_;
  std::unique_ptr<Impl> impl_;
};

// The registered domain of a DNS name ("a.b.example.co.uk" -> "example.co.uk").
std::string registered_domain(const std::string& name);

}  // namespace sg::hunt
