#pragma once
// Private to sg_hunt: HuntState, everything the detectors read, in one bounded object.
//
// Every table has its cap in HuntConfig, and the whole state has one memory budget
// (HuntConfig::memory_budget). When a cap or the budget is reached, eviction makes room by
// removing first what cannot become a finding, then (only if that is not enough) the weakest
// evidence, and every drop is counted in `drops` (reported by --stats and one `info` finding):
//   1. single-connection pairs too small for exfil (a beacon's pair has more than one
//      connection within a period, so it is not one of these for long);
//   2. pairs idle longer than any beacon gap we score (BeaconParams::max_gap) that still have
//      fewer than min_callbacks connections;
//   3. (evidence lost) the pairs with the fewest connections, oldest first.
// Rules 1 and 2 spare a pair whose destination's DNS name groups it with other pairs of the same
// source, port and protocol into a repeating, recent series (a beacon rotating over addresses:
// each address's pair is a singleton until the rotation comes back). The pair table keeps
// insertion order (flat_map.hpp), so within a rule the oldest candidates go first.
// Management (--mgmt-net) pairs live in their own table with their own cap: they never compete
// with the busy outbound table, so mgmt_egress cannot be pushed out by ordinary traffic.
//
// Hashes are a fixed, seeded function of the key bytes (not std::hash, which differs between
// library builds), so a saved state (issue 14) hashes the same when loaded by another build.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flat_map.hpp"
#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

inline constexpr std::uint64_t kStateHashSeed = 0x73677374617465ULL;  // "sgstate"
inline constexpr std::uint32_t kStateVersion = 1;

// Seeded 64-bit hash over bytes: 8-byte words through a multiply-xorshift mix. Fixed forever
// (saved states depend on it); change kStateVersion if it ever changes.
inline std::uint64_t state_mix(std::uint64_t h) {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  return h ^ (h >> 32);
}
inline std::uint64_t state_hash(const void* data, std::size_t n, std::uint64_t seed = kStateHashSeed) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = state_mix(seed ^ (n * 0x9E3779B97F4A7C15ULL));
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = state_mix(h ^ w);
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t(p[i]) << (8 * i);
  return state_mix(h ^ w ^ 0xff);
}

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
    std::uint64_t w[5] = {k.src.hi(), k.src.lo(), k.dst.hi(), k.dst.lo(), std::uint64_t(k.dport) << 8 | k.proto};
    return std::size_t(state_hash(w, sizeof w));
  }
};
struct StateIpHash {
  std::size_t operator()(const IpAddr& a) const noexcept { return std::size_t(state_hash(a.b.data(), 16)); }
};
struct StateStringHash {
  std::size_t operator()(std::string_view s) const noexcept { return std::size_t(state_hash(s.data(), s.size())); }
};
struct IdentityHash {  // keys that are already state_hash values
  std::size_t operator()(std::uint64_t x) const noexcept { return std::size_t(x); }
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
  FlatSet64 unique;              // state_hash of subdomain parts (capped)
  std::vector<IpAddr> clients;   // distinct, capped at HuntConfig::max_domain_clients

  void observe(const DnsRecord& d, std::string_view reg, const HuntConfig& cfg);
};

// Names from the traffic itself (SNI / HTTP Host, JA4; ConnRecord::server_name etc.):
//  - name series: a connection whose destination DNS did not name but whose SNI/Host did is a
//    callback of (src, that name, port, proto), not of its address, so a beacon to a CDN front
//    whose address rotates is one series. Its connection still counts in the address pair
//    (exfil, new_destination), without the callback. Cap max_name_series; at the cap,
//    single-connection series go first, then new series are not tracked (counted).
//  - conn names: the last names seen per (src, dst, port, proto), for findings' evidence.
//  - TLS clients: JA4 -> the distinct sources that used it (capped at max_fp_sources; 1 is
//    what rare_tls_client asks), first SNI, counts.
struct NameSeriesKey {
  IpAddr src;
  std::uint64_t name_hash = 0;  // state_hash of the name (the name itself is in the value)
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const NameSeriesKey& a, const NameSeriesKey& b) {
    return a.name_hash == b.name_hash && a.dport == b.dport && a.proto == b.proto && a.src == b.src;
  }
};
struct NameSeriesKeyHash {
  std::size_t operator()(const NameSeriesKey& k) const noexcept {
    std::uint64_t w[4] = {k.src.hi(), k.src.lo(), k.name_hash, std::uint64_t(k.dport) << 8 | k.proto};
    return std::size_t(state_hash(w, sizeof w));
  }
};
struct NameSeries {
  std::string name;
  PairStats series;            // callbacks under the name (outbound/from_mgmt as for pairs)
  std::vector<IpAddr> dsts;    // distinct addresses behind the name (capped at 16)
  std::uint64_t more_dsts = 0; // addresses beyond the cap
  std::string tls_fp;          // last fingerprint seen on the series
};
struct ConnNames {
  std::string server_name, tls_fp, alpn, user_agent;
};
struct TlsClient {
  std::vector<IpAddr> sources;  // distinct, capped at HuntConfig::max_fp_sources
  std::string server_name;      // first SNI seen with it
  IpAddr first_dst;
  std::uint16_t dport = 0;
  std::string alpn;
  Micros first = 0, last = 0;
  std::uint64_t conns = 0;
};

class HuntState {
 public:
  explicit HuntState(const HuntConfig& cfg) : cfg_(cfg) {}

  void add_conn(const ConnRecord& c);
  void add_dns(const DnsRecord& d);

  using PairMap = FlatMap<PairKey, PairStats, PairKeyHash>;  // insertion order: oldest first
  const PairMap& pairs() const { return pairs_; }           // outbound, not from mgmt
  const PairMap& mgmt_pairs() const { return mgmt_pairs_; } // from --mgmt-net, own cap
  template <class F> void for_each_pair(F&& f) const {
    for (const auto& [k, p] : pairs_) f(k, p);
    for (const auto& [k, p] : mgmt_pairs_) f(k, p);
  }
  using NameMap = FlatMap<IpAddr, std::string, StateIpHash>;
  const NameMap& names() const { return names_; }
  using DomainMap = FlatMap<std::string, DomainStats, StateStringHash>;
  const DomainMap& domains() const { return domains_; }
  const std::vector<ConnRecord>& long_conns() const { return long_conns_; }
  using NameSeriesMap = std::unordered_map<NameSeriesKey, NameSeries, NameSeriesKeyHash>;
  const NameSeriesMap& name_series() const { return name_series_; }
  const std::unordered_map<PairKey, ConnNames, PairKeyHash>& conn_names() const { return conn_names_; }
  const std::unordered_map<std::string, TlsClient, StateStringHash>& tls_clients() const { return tls_clients_; }
  std::size_t tls_sources_seen() const { return tls_sources_.size(); }  // saturates at 64
  std::uint64_t named_conns() const { return named_conns_; }
  const DropStats& drops() const { return drops_; }
  std::size_t approx_bytes() const { return bytes_; }
  Micros now() const { return now_; }
  std::uint64_t not_destination() const { return not_destination_; }

  // The registered domain a query is counted under (search suffixes such as ".corp.local"
  // removed when the rest is a domain we already track).
  std::string tunnel_domain(const std::string& query) const;

 private:
  friend struct StateCodec;  // state_file.cpp: save, load, age out
  void make_room_for_pairs();
  void make_room_for_domains();
  void note_tls_client(const ConnRecord& c);
  void note_conn_names(const PairKey& key, const ConnRecord& c);
  // Adds the callback to its name series; false when the series could not be tracked.
  bool add_named_callback(const ConnRecord& c, bool outbound, bool from_mgmt);
  bool over_budget() const { return bytes_ > cfg_.memory_budget; }
  static std::size_t pair_bytes(const PairStats& p) { return kPairNodeBytes + p.calls.capacity() * sizeof(Callback); }
  static std::size_t domain_bytes(const std::string& k, const DomainStats& d) {
    return kDomainNodeBytes + k.capacity() + d.unique.memory_bytes() + d.clients.capacity() * sizeof(IpAddr);
  }

  static constexpr std::size_t kPairNodeBytes = sizeof(PairKey) + sizeof(PairStats) + 32;
  static constexpr std::size_t kDomainNodeBytes = sizeof(DomainStats) + 64;
  static constexpr std::size_t kNameBytes = sizeof(IpAddr) + 64;
  static constexpr std::size_t kNameSeriesBytes = sizeof(NameSeriesKey) + sizeof(NameSeries) + 32;
  static constexpr std::size_t kConnNamesBytes = sizeof(PairKey) + sizeof(ConnNames) + 32;
  static constexpr std::size_t kTlsClientBytes = sizeof(TlsClient) + 64;

  const HuntConfig& cfg_;
  PairMap pairs_, mgmt_pairs_;
  NameMap names_;
  DomainMap domains_;
  std::vector<ConnRecord> long_conns_;
  std::unordered_map<std::uint64_t, std::size_t, IdentityHash> long_index_;  // identity -> long_conns_ index
  NameSeriesMap name_series_;
  std::unordered_map<PairKey, ConnNames, PairKeyHash> conn_names_;
  std::unordered_map<std::string, TlsClient, StateStringHash> tls_clients_;
  std::unordered_set<IpAddr, StateIpHash> tls_sources_;  // distinct TLS clients, up to 64
  std::uint64_t named_conns_ = 0;
  DropStats drops_;
  std::size_t bytes_ = 0;       // running estimate of the heap the tables hold
  std::size_t pair_bytes_ = 0;  // the share of bytes_ held by pairs_
  std::size_t next_pair_room_ = 0, next_domain_room_ = 0;
  Micros now_ = 0;         // latest record time seen
  std::uint64_t not_destination_ = 0;
};

}  // namespace sg::hunt
