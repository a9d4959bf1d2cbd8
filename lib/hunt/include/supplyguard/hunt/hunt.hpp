#pragma once
// The hunt plane's front door: feed connection and DNS records (from captures, a live interface
// or Zeek logs) into an Analyzer, then ask it for findings. Detectors:
//   beacon           regular callbacks from an internal host to one external destination
//   mgmt_egress      a --mgmt-net (BMC/IPMI) address talking outside mgmt and allowed networks
//   new_destination  an external destination absent from --allow (only with --allow)
//   exfil            outbound volume to one destination far above the host's norm, mostly one-way
//   long_connection  an outbound connection open for hours
//   dns_tunnel       a registered domain queried with many unique long/high-entropy labels, TXT/NULL
//   rare_tls_client  a --mgmt-net or --server-net address using a TLS client fingerprint (JA4) that
//                    no other source used in the run
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
  // Servers (--server-net): hosts whose software set is fixed, so a TLS client fingerprint only
  // they use (rare_tls_client) is worth a look. Management ranges count too.
  NetSet servers;
  Allowlist allow;
  bool have_allow = false;
  double min_score = 0.5;           // findings scoring below this are not reported
  BeaconParams beacon;
  Micros long_connection = 3600'000'000;  // 1 h
  std::uint64_t exfil_min_bytes = 10'000'000;
  double exfil_norm_factor = 10.0;  // times the host's median outbound volume per destination
  double exfil_min_asymmetry = 4.0; // out/in
  std::size_t dns_tunnel_min_unique = 10;
  // Set when --internal-net was given: it then overrides Zeek's local_orig/local_resp.
  bool internal_given = false;

  // Bounds of the detector state (src/state.hpp). Every cap is here; eviction removes what
  // cannot become a finding first and counts anything else it drops (AnalyzerStats::drops).
  std::size_t memory_budget = std::size_t(640) << 20;  // bytes, all tables together (estimate)
  std::size_t max_pairs = 1 << 20;          // outbound (src, dst, port, proto) series
  std::size_t max_mgmt_pairs = 1 << 16;     // from --mgmt-net: own table, never evicted for others
  std::size_t max_calls_per_pair = 4096;    // callbacks kept per pair for beacon scoring
  std::size_t max_names = 1 << 20;          // address -> DNS name labels
  std::size_t max_domains = 1 << 16;        // registered domains for dns_tunnel
  std::size_t max_unique_per_domain = 512;  // subdomain hashes per domain (the score saturates at 100)
  std::size_t max_domain_clients = 8;
  std::size_t max_long_conns = 100000;
  // Names from the traffic (SNI / HTTP Host, JA4): see src/state.hpp.
  std::size_t max_name_series = 1 << 16;    // (src, SNI/Host name, port, proto) beacon series
  std::size_t max_conn_names = 1 << 18;     // (src, dst, port, proto) -> last SNI/Host, JA4, ALPN, UA
  std::size_t max_tls_fps = 1 << 16;        // JA4 -> distinct sources (for rare_tls_client)
  std::size_t max_fp_sources = 8;           // sources kept per fingerprint (rare means 1)
  std::size_t rare_tls_min_sources = 3;     // TLS clients the run must have seen before "rare" means anything
  // A pair idle this long with fewer than beacon.min_callbacks connections is evicted when room
  // is needed: at 24 h of data, a period long enough to leave such a gap gives too few callbacks.
  Micros evict_idle_after = 6 * 3600'000'000LL;
};

// What a bound made the analyzer drop, by kind (zero = nothing lost). Evictions of what could
// not become a finding are counted apart from real losses.
struct DropStats {
  std::uint64_t singleton_pairs_evicted = 0, idle_pairs_evicted = 0, domains_evicted = 0;
  std::uint64_t pairs_evicted_at_budget = 0, mgmt_pairs_untracked = 0, callbacks_not_kept = 0,
                names_untracked = 0, domains_untracked = 0, long_conns_untracked = 0;
  std::uint64_t singleton_name_series_evicted = 0;
  std::uint64_t name_series_untracked = 0, conn_names_untracked = 0, tls_fps_untracked = 0;
  std::uint64_t lost() const {
    return pairs_evicted_at_budget + mgmt_pairs_untracked + callbacks_not_kept + names_untracked +
           domains_untracked + long_conns_untracked + name_series_untracked + conn_names_untracked +
           tls_fps_untracked;
  }
};

struct AnalyzerStats {
  std::uint64_t conns = 0, dns = 0;
  std::uint64_t not_destination = 0;  // conns to multicast/broadcast/link-local/unspecified
  std::uint64_t pairs = 0, mgmt_pairs = 0, domains = 0;  // tracked at the end
  std::uint64_t named_conns = 0;      // conn records carrying an SNI/Host name or a fingerprint
  std::uint64_t name_series = 0, tls_fps = 0;             // tracked at the end
  std::size_t state_bytes = 0;        // estimated heap held by the detector state
  DropStats drops;
};

class HuntState;  // src/state.hpp: all detector state, bounded as a whole
struct StateCodec;  // src/state_file.cpp: saves and loads it (sensor.hpp)

class Analyzer : public RecordSink {
 public:
  explicit Analyzer(HuntConfig cfg);
  ~Analyzer() override;
  void on_conn(const ConnRecord& c) override;
  void on_dns(const DnsRecord& d) override;
  // Runs every detector over what was seen so far; strongest first.
  std::vector<core::Finding> findings() const;
  AnalyzerStats stats() const;
  const HuntConfig& config() const { return cfg_; }

 private:
  friend struct StateCodec;
  HuntConfig cfg_;
  std::uint64_t conns_ = 0, dns_ = 0;
  std::unique_ptr<HuntState> state_;
};

// The registered domain of a DNS name ("a.b.example.co.uk" -> "example.co.uk").
std::string registered_domain(const std::string& name);

}  // namespace sg::hunt
