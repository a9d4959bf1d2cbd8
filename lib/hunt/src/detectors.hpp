#pragma once
// Private to sg_hunt: the Analyzer's aggregated state and the detectors that read it.
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

struct PairKey {
  IpAddr src, dst;
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const PairKey& a, const PairKey& b) {
    return a.dport == b.dport && a.proto == b.proto && a.src == b.src && a.dst == b.dst;
  }
};
struct PairKeyHash {
  std::size_t operator()(const PairKey& k) const noexcept {
    return IpHash{}(k.src) * 31 ^ IpHash{}(k.dst) ^ (std::size_t(k.dport) << 8 | k.proto) * 0x9E3779B97F4A7C15ULL;
  }
};

struct PairStats {
  Micros first = 0, last = 0;
  std::uint64_t conns = 0, out_bytes = 0, in_bytes = 0, calls_dropped = 0;
  bool outbound = false, from_mgmt = false;
  std::vector<Callback> calls;
};

struct DomainStats {
  Micros first = 0, last = 0;
  IpAddr client;                 // first client seen
  std::uint64_t queries = 0, txt_null = 0, long_names = 0;
  double entropy_sum = 0.0;      // over queries with a subdomain part
  std::uint64_t with_sub = 0;
  std::unordered_set<std::uint64_t> unique;  // hashes of subdomain parts (capped)
  std::unordered_set<std::string> clients;   // capped at a few, for the summary

  void observe(const DnsRecord& d, const std::string& reg);
};

struct Analyzer::Impl {
  std::unordered_map<PairKey, PairStats, PairKeyHash> pairs;
  std::unordered_map<IpAddr, std::string, IpHash> names;
  std::unordered_map<std::string, DomainStats> domains;
  std::vector<ConnRecord> long_conns;
};

struct Context {
  const HuntConfig& cfg;
  const Analyzer::Impl& state;
  std::string name_of(const IpAddr& a) const {
    auto it = state.names.find(a);
    return it == state.names.end() ? std::string() : it->second;
  }
  bool allowed(const IpAddr& dst, std::uint16_t port) const {
    return cfg.have_allow && cfg.allow.allows(dst, name_of(dst), port);
  }
};

// Fills the common fields: host = source address, subject "src -> dst:port/proto", src/dst/...
core::Finding make_flow_finding(const Context& ctx, std::string type, const IpAddr& src, const IpAddr& dst,
                                std::uint16_t dport, std::uint8_t proto, std::uint64_t count, Micros first,
                                Micros last);
std::string human_bytes(double b);
std::string human_seconds(double s);

void detect_beacons(const Context& ctx, std::vector<core::Finding>& out);
void detect_mgmt_egress(const Context& ctx, std::vector<core::Finding>& out);
void detect_exfil(const Context& ctx, std::vector<core::Finding>& out);
void detect_long_connections(const Context& ctx, std::vector<core::Finding>& out);
void detect_dns_tunnels(const Context& ctx, std::vector<core::Finding>& out);
void detect_new_destinations(const Context& ctx, std::vector<core::Finding>& out);

}  // namespace sg::hunt
