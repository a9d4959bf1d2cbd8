#pragma once
// Private to sg_hunt: the detectors, each a pure function of the config and the HuntState.
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "state.hpp"
#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

struct Context {
  const HuntConfig& cfg;
  const HuntState& state;
  std::string name_of(const IpAddr& a) const {
    const std::string* n = name_ptr(a);
    return n ? *n : std::string();
  }
  // The label without a copy (null when none); valid as long as the state.
  const std::string* name_ptr(const IpAddr& a) const {
    auto it = state.names().find(a);
    return it == state.names().end() ? nullptr : &it->second;
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
void detect_rare_tls_clients(const Context& ctx, std::vector<core::Finding>& out);
// One `info` finding when a bound dropped evidence (nothing when nothing was lost).
void report_dropped_evidence(const Context& ctx, std::vector<core::Finding>& out);

}  // namespace sg::hunt
