// HuntState: ingest of connection and DNS records into bounded tables (see state.hpp for the
// eviction order and why each rule cannot hide a finding).
#include "state.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>

namespace sg::hunt {

namespace {

// The search suffixes resolvers append (corp.local, lan, home.arpa, ...) end in these.
bool private_tld(std::string_view tld) {
  static constexpr std::string_view kTlds[] = {"local", "lan", "localdomain", "internal", "corp", "home",
                                               "intranet", "private", "domain", "arpa", "localhost"};
  for (auto t : kTlds)
    if (t == tld) return true;
  return false;
}

// Keys of lookup services (DNSBLs, Team Cymru's IP-to-ASN, reverse zones): a reversed IPv4
// address ("4.3.2.1.origin..."), IPv6 nibbles, or an AS number. They are unique per lookup but
// carry no data, so they do not count as tunnel names.
bool looks_like_lookup_key(std::string_view sub) {
  int numeric = 0, nibbles = 0, labels = 0;
  std::size_t start = 0;
  while (start <= sub.size() && labels < 32) {
    std::size_t end = sub.find('.', start);
    if (end == std::string_view::npos) end = sub.size();
    const std::string_view l = sub.substr(start, end - start);
    ++labels;
    const bool digits = !l.empty() && l.size() <= 3 && std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool nibble = l.size() == 1 && std::isxdigit(static_cast<unsigned char>(l[0]));
    if (labels == 1 && l.size() > 2 && (l[0] | 0x20) == 'a' && (l[1] | 0x20) == 's' &&
        std::all_of(l.begin() + 2, l.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return true;  // AS4134.asn.cymru.com
    if (digits && numeric == labels - 1) ++numeric;
    if (nibble && nibbles == labels - 1) ++nibbles;
    start = end + 1;
  }
  return numeric >= 4 || nibbles >= 8;
}

}  // namespace

void HuntState::add_conn(const ConnRecord& c) {
  now_ = std::max(now_, c.ts);
  if (c.has_names()) {
    ++named_conns_;
    if (!c.tls_fp.empty()) note_tls_client(c);  // every source counts for rarity, not only outbound
  }
  // Which side is local: Zeek's own flags when the sensor set any (a sensor without
  // Site::local_nets writes F/F everywhere, which says nothing), unless --internal-net was given.
  bool orig_local, resp_local;
  if (!cfg_.internal_given && (c.local_orig == 1 || c.local_resp == 1)) {
    orig_local = c.local_orig == 1;
    resp_local = c.local_resp == 1;
  } else {
    orig_local = cfg_.internal.contains(c.orig);
    resp_local = cfg_.internal.contains(c.resp);
  }
  const bool from_mgmt = cfg_.mgmt.contains(c.orig);
  const bool outbound = orig_local && !resp_local;
  const bool mgmt_out = from_mgmt && !cfg_.mgmt.contains(c.resp);
  if (!outbound && !mgmt_out) return;
  // ICMP errors and informational replies (unreachable, time exceeded, neighbour discovery, ...)
  // answer someone else's packet: they are not callbacks. Zeek and our flow table put the ICMP
  // type in orig_port. Echo and timestamp requests stay (ping can be a beacon).
  const bool icmp_reply = (c.proto == 1 && c.orig_port != 8 && c.orig_port != 13) ||
                          (c.proto == 58 && c.orig_port != 128);
  if (icmp_reply || not_a_destination(c.resp, c.orig, c.proto, &cfg_.internal) != NotDestination::no) {
    ++not_destination_;
    return;
  }
  if (c.duration >= cfg_.long_connection) {
    // open_conn.log repeats a connection at every rotation: keep its longest view only (and the
    // final conn.log view when it comes). Indexed by a hash of the connection's identity.
    std::uint64_t id[6] = {std::uint64_t(c.ts), c.orig.hi(), c.orig.lo(), c.resp.hi(), c.resp.lo(),
                           std::uint64_t(c.orig_port) << 16 | c.resp_port};
    const std::uint64_t h = state_hash(id, sizeof id);
    if (auto it = long_index_.find(h); it != long_index_.end()) {
      ConnRecord& o = long_conns_[it->second];
      if (c.duration > o.duration || !c.still_open) o = c;
    } else if (long_conns_.size() < cfg_.max_long_conns) {
      long_index_.emplace(h, long_conns_.size());
      long_conns_.push_back(c);
      bytes_ += sizeof(ConnRecord) + 32;
    } else {
      ++drops_.long_conns_untracked;
    }
  }
  if (c.still_open) return;  // counted when its final conn.log line comes

  PairMap& table = from_mgmt ? mgmt_pairs_ : pairs_;
  const PairKey key{c.orig, c.resp, c.resp_port, c.proto};
  // Below every cap, a new pair needs no decision first: one lookup that inserts when absent
  // (half of a flow-dense capture's records are a new pair). Otherwise look, then decide.
  const bool room = from_mgmt ? table.size() < cfg_.max_mgmt_pairs
                              : table.size() < cfg_.max_pairs && !(over_budget() && table.size() >= next_pair_room_);
  PairMap::iterator it;
  bool is_new = false;
  if (room) {
    std::tie(it, is_new) = table.try_emplace(key);
  } else {
    it = table.find(key);
    is_new = it == table.end();
  }
  if (is_new && !room) {
    if (from_mgmt) {
      if (table.size() >= cfg_.max_mgmt_pairs) {
        ++drops_.mgmt_pairs_untracked;
        return;
      }
    } else if (table.size() >= cfg_.max_pairs || (over_budget() && table.size() >= next_pair_room_)) {
      make_room_for_pairs();
      // Over budget and nothing more to evict cheaply: look again after 1/8 more pairs, so a
      // full pass is never paid per record.
      next_pair_room_ = pairs_.size() + std::max<std::size_t>(1024, pairs_.size() / 8);
    }
    it = table.emplace(key, PairStats{}).first;
  }
  if (is_new) {
    it->second.first = c.ts;
    it->second.outbound = outbound;
    it->second.from_mgmt = from_mgmt;
    bytes_ += kPairNodeBytes;
    pair_bytes_ += kPairNodeBytes;
  }
  PairStats& p = it->second;
  if (c.has_names()) note_conn_names(key, c);
  // DNS did not name the destination but the traffic did (SNI / Host): the callback belongs to
  // the name's series (a CDN front rotates addresses); the pair still counts the connection.
  const bool by_name = !c.server_name.empty() && names_.find(c.resp) == names_.end() &&
                       add_named_callback(c, outbound, from_mgmt);
  p.first = std::min(p.first, c.ts);
  p.last = std::max(p.last, c.ts + std::max<Micros>(0, c.duration));
  ++p.conns;
  p.out_bytes += c.orig_bytes;
  p.in_bytes += c.resp_bytes;
  if (by_name) return;
  // Over budget even after eviction: keep counting, stop storing callbacks (a pair already
  // holding min_callbacks can still be scored on what it has).
  if (p.calls.size() < cfg_.max_calls_per_pair && (!over_budget() || p.calls.size() < cfg_.beacon.min_callbacks)) {
    const std::size_t cap = p.calls.capacity();
    p.calls.push_back({c.ts, c.orig_bytes + c.resp_bytes});
    bytes_ += (p.calls.capacity() - cap) * sizeof(Callback);
    pair_bytes_ += (p.calls.capacity() - cap) * sizeof(Callback);
  } else {
    ++p.calls_dropped;
    ++drops_.callbacks_not_kept;
  }
}

bool HuntState::add_named_callback(const ConnRecord& c, bool outbound, bool from_mgmt) {
  const NameSeriesKey key{c.orig, state_hash(c.server_name.data(), c.server_name.size()), c.resp_port, c.proto};
  auto it = name_series_.find(key);
  if (it == name_series_.end()) {
    if (name_series_.size() >= cfg_.max_name_series) {
      // Single-connection series first (a beacon's series repeats, so it comes back); a pass
      // frees a quarter of the cap, so it is paid once per many records.
      const std::size_t target = cfg_.max_name_series - cfg_.max_name_series / 4;
      for (auto e = name_series_.begin(); e != name_series_.end() && name_series_.size() > target;) {
        if (e->second.series.conns == 1) {
          bytes_ -= kNameSeriesBytes + e->second.name.capacity() + e->second.series.calls.capacity() * sizeof(Callback);
          e = name_series_.erase(e);
          ++drops_.singleton_name_series_evicted;
        } else {
          ++e;
        }
      }
      if (name_series_.size() >= cfg_.max_name_series) {
        ++drops_.name_series_untracked;
        return false;
      }
    }
    it = name_series_.emplace(key, NameSeries{}).first;
    it->second.name = c.server_name;
    it->second.series.first = c.ts;
    it->second.series.outbound = outbound;
    it->second.series.from_mgmt = from_mgmt;
    bytes_ += kNameSeriesBytes + it->second.name.capacity();
  }
  NameSeries& n = it->second;
  PairStats& p = n.series;
  p.first = std::min(p.first, c.ts);
  p.last = std::max(p.last, c.ts + std::max<Micros>(0, c.duration));
  ++p.conns;
  p.out_bytes += c.orig_bytes;
  p.in_bytes += c.resp_bytes;
  if (std::find(n.dsts.begin(), n.dsts.end(), c.resp) == n.dsts.end()) {
    if (n.dsts.size() < 16) {
      n.dsts.push_back(c.resp);
      bytes_ += sizeof(IpAddr);
    } else {
      ++n.more_dsts;
    }
  }
  if (!c.tls_fp.empty() && n.tls_fp != c.tls_fp) n.tls_fp = c.tls_fp;
  if (p.calls.size() < cfg_.max_calls_per_pair && (!over_budget() || p.calls.size() < cfg_.beacon.min_callbacks)) {
    const std::size_t cap = p.calls.capacity();
    p.calls.push_back({c.ts, c.orig_bytes + c.resp_bytes});
    bytes_ += (p.calls.capacity() - cap) * sizeof(Callback);
  } else {
    ++p.calls_dropped;
    ++drops_.callbacks_not_kept;
  }
  return true;
}

void HuntState::note_conn_names(const PairKey& key, const ConnRecord& c) {
  auto it = conn_names_.find(key);
  if (it == conn_names_.end()) {
    if (conn_names_.size() >= cfg_.max_conn_names) {
      ++drops_.conn_names_untracked;
      return;
    }
    it = conn_names_.emplace(key, ConnNames{}).first;
    bytes_ += kConnNamesBytes + c.server_name.size() + c.tls_fp.size() + c.alpn.size() + c.http_user_agent.size();
  }
  ConnNames& n = it->second;  // the latest non-empty value of each
  if (!c.server_name.empty()) n.server_name = c.server_name;
  if (!c.tls_fp.empty()) n.tls_fp = c.tls_fp;
  if (!c.alpn.empty()) n.alpn = c.alpn;
  if (!c.http_user_agent.empty()) n.user_agent = c.http_user_agent;
}

void HuntState::note_tls_client(const ConnRecord& c) {
  if (tls_sources_.size() < 64) tls_sources_.insert(c.orig);
  auto it = tls_clients_.find(c.tls_fp);
  if (it == tls_clients_.end()) {
    if (tls_clients_.size() >= cfg_.max_tls_fps) {
      ++drops_.tls_fps_untracked;
      return;
    }
    it = tls_clients_.emplace(c.tls_fp, TlsClient{}).first;
    TlsClient& t = it->second;
    t.first = c.ts;
    t.server_name = c.server_name;
    t.first_dst = c.resp;
    t.dport = c.resp_port;
    t.alpn = c.alpn;
    bytes_ += kTlsClientBytes + c.tls_fp.size() + c.server_name.size();
  }
  TlsClient& t = it->second;
  t.first = std::min(t.first, c.ts);
  t.last = std::max(t.last, c.ts);
  ++t.conns;
  if (t.sources.size() < cfg_.max_fp_sources && std::find(t.sources.begin(), t.sources.end(), c.orig) == t.sources.end()) {
    t.sources.push_back(c.orig);
    bytes_ += sizeof(IpAddr);
  }
}

namespace {

// A beacon group as the beacon detector forms it: source, port, protocol and the destination's
// DNS name (a rotating beacon's pairs share one group; its pairs are singletons until each
// address comes round again).
struct NamedGroupKey {
  IpAddr src;
  std::string_view name;
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const NamedGroupKey& a, const NamedGroupKey& b) {
    return a.dport == b.dport && a.proto == b.proto && a.src == b.src && a.name == b.name;
  }
};
struct NamedGroupKeyHash {
  std::size_t operator()(const NamedGroupKey& k) const noexcept {
    const std::uint64_t w[4] = {k.src.hi(), k.src.lo(), std::uint64_t(k.dport) << 8 | k.proto,
                                state_hash(k.name.data(), k.name.size())};
    return std::size_t(state_hash(w, sizeof w));
  }
};
struct NamedGroup {
  std::uint64_t conns = 0;
  Micros last = 0;
};

}  // namespace

void HuntState::make_room_for_pairs() {
  // Evict down to 3/4 of the cap (and of the budget) so passes are rare: amortised O(1) per record.
  const std::size_t target = cfg_.max_pairs - cfg_.max_pairs / 4;
  const std::size_t byte_target = cfg_.memory_budget - cfg_.memory_budget / 4;
  std::size_t size = pairs_.size();
  // The byte budget only asks pairs to shrink while they hold at least half of it.
  auto done = [&] { return size <= target && (bytes_ <= byte_target || pair_bytes_ <= byte_target / 2); };
  auto drop = [&](const PairStats& p, std::uint64_t& counter) {
    bytes_ -= pair_bytes(p);
    pair_bytes_ -= pair_bytes(p);
    --size;
    ++counter;
  };
  // A pair whose destination's DNS name groups it with other pairs of the same source, port and
  // protocol is part of that group's series (a beacon rotating over addresses behind one name:
  // each address's pair is a singleton until the rotation comes back to it). While the group
  // repeats and is not idle, its pairs are protected from rules 1 and 2. Computed per pass, in
  // table order (pairs are kept oldest first, so the oldest unprotected candidates go first).
  std::vector<std::uint8_t> grouped;
  auto mark_grouped = [&] {
    FlatMap<NamedGroupKey, NamedGroup, NamedGroupKeyHash> groups;
    std::vector<NamedGroup*> of;  // per pair, its group (null without a name)
    of.reserve(pairs_.size());
    for (const auto& [k, p] : pairs_) {
      const auto n = names_.find(k.dst);
      if (n == names_.end()) {
        of.push_back(nullptr);
        continue;
      }
      // FlatMap never moves an entry on insert, so the pointer stays good while groups grows.
      NamedGroup& g = groups[NamedGroupKey{k.src, n->second, k.dport, k.proto}];
      g.conns += p.conns;
      g.last = std::max(g.last, p.last);
      of.push_back(&g);
    }
    grouped.assign(pairs_.size(), 0);
    for (std::size_t j = 0; j < of.size(); ++j)
      if (of[j] && of[j]->conns >= 2 && now_ - of[j]->last <= cfg_.evict_idle_after) grouped[j] = 1;
  };
  // 1. Single connections too small for exfil and too short for long_connection (which keeps
  //    its own list): such a pair only matters if it repeats, and then it comes back.
  mark_grouped();
  pairs_.erase_if(
      [&](const PairMap::value_type& kv, std::size_t at) {
        const PairStats& p = kv.second;
        if (p.conns != 1 || p.out_bytes >= cfg_.exfil_min_bytes || grouped[at]) return false;
        drop(p, drops_.singleton_pairs_evicted);
        return true;
      },
      [&] { return !done(); });
  if (done()) return;
  // 2. Pairs silent longer than any gap a scored beacon leaves, still short of a series.
  mark_grouped();
  pairs_.erase_if(
      [&](const PairMap::value_type& kv, std::size_t at) {
        const PairStats& p = kv.second;
        if (!(now_ - p.last > cfg_.evict_idle_after && p.conns < cfg_.beacon.min_callbacks &&
              p.out_bytes < cfg_.exfil_min_bytes) ||
            grouped[at])
          return false;
        drop(p, drops_.idle_pairs_evicted);
        return true;
      },
      [&] { return !done(); });
  if (done()) return;
  // 3. Evidence is lost now: the weakest pairs (fewest connections, then oldest) go.
  std::vector<std::pair<std::pair<std::uint64_t, Micros>, std::size_t>> order;
  order.reserve(pairs_.size());
  std::size_t i = 0;
  for (const auto& [k, p] : pairs_) order.push_back({{p.conns, p.last}, i++});
  const std::size_t over_count = pairs_.size() > target ? pairs_.size() - target : 0;
  const std::size_t n = std::max<std::size_t>({over_count, pairs_.size() / 8, 1});
  if (n >= order.size()) return;
  std::nth_element(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::uint8_t> victim(pairs_.size(), 0);
  for (std::size_t v = 0; v < n; ++v) victim[order[v].second] = 1;
  pairs_.erase_if(
      [&](const PairMap::value_type& kv, std::size_t at) {
        if (!victim[at]) return false;
        drop(kv.second, drops_.pairs_evicted_at_budget);
        return true;
      },
      [] { return true; });
}

void HuntState::add_dns(const DnsRecord& d) {
  now_ = std::max(now_, d.ts);
  if (d.query.empty()) return;
  for (const auto& a : d.answers) {
    auto it = names_.find(a);
    if (it != names_.end()) {
      it->second = d.query;
    } else if (names_.size() < cfg_.max_names) {
      names_.emplace(a, d.query);
      bytes_ += kNameBytes + d.query.size();
    } else {
      ++drops_.names_untracked;
    }
  }
  if (d.response_only) return;
  std::string reg = tunnel_domain(d.query);
  auto it = domains_.find(reg);
  if (it == domains_.end()) {
    if (domains_.size() >= cfg_.max_domains || (over_budget() && domains_.size() >= next_domain_room_)) {
      make_room_for_domains();
      next_domain_room_ = domains_.size() + std::max<std::size_t>(256, domains_.size() / 8);
    }
    if (domains_.size() >= cfg_.max_domains) {
      ++drops_.domains_untracked;
      return;
    }
    it = domains_.emplace(std::move(reg), DomainStats{}).first;
    it->second.first = d.ts;
    it->second.client = d.client;
  }
  const std::size_t before = domain_bytes(it->first, it->second);
  it->second.observe(d, it->first, cfg_);
  bytes_ += domain_bytes(it->first, it->second) - before;
}

void HuntState::make_room_for_domains() {
  // A domain with at most one distinct subdomain is ordinary lookups, never a tunnel. Oldest first.
  const std::size_t target = over_budget() ? domains_.size() / 2 : cfg_.max_domains - cfg_.max_domains / 4;
  std::size_t size = domains_.size();
  domains_.erase_if(
      [&](const DomainMap::value_type& kv, std::size_t) {
        if (kv.second.unique.size() > 1) return false;
        bytes_ -= domain_bytes(kv.first, kv.second);
        --size;
        ++drops_.domains_evicted;
        return true;
      },
      [&] { return size > target; });
}

std::string HuntState::tunnel_domain(const std::string& query) const {
  std::string reg = registered_domain(query);
  const auto dot = reg.rfind('.');
  if (dot == std::string::npos || !private_tld(std::string_view(reg).substr(dot + 1))) return reg;
  // "x.tunnel.example.net.corp.local": a resolver appended its search suffix. Strip the trailing
  // private labels (and, if what is left does not end in a plausible TLD, one more label: the
  // organisation's own, as in ".mycompany.local"), then count the query under the registered
  // domain left. A domain we already track wins over the heuristic.
  std::vector<std::string_view> labels;
  for (std::size_t start = 0;;) {
    const auto end = query.find('.', start);
    labels.push_back(std::string_view(query).substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::size_t k = 0;
  while (k < labels.size() && private_tld(labels[labels.size() - 1 - k])) ++k;
  auto plausible_tld = [](std::string_view l) {
    return l.size() >= 2 && l.size() <= 6 && std::all_of(l.begin(), l.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  };
  std::string fallback;
  for (std::size_t strip : {k, k + 1}) {
    if (strip == 0 || labels.size() < strip + 2) continue;
    const std::size_t keep = labels.size() - strip;
    std::string rest(query.data(), std::size_t(labels[keep - 1].data() + labels[keep - 1].size() - query.data()));
    std::string inner = registered_domain(rest);
    if (domains_.count(inner)) return inner;
    if (fallback.empty() && plausible_tld(labels[keep - 1])) fallback = std::move(inner);
  }
  return fallback.empty() ? reg : fallback;
}

void DomainStats::observe(const DnsRecord& d, std::string_view reg, const HuntConfig& cfg) {
  ++queries;
  first = std::min(first, d.ts);
  last = std::max(last, d.ts);
  if (d.qtype == 16 || d.qtype == 10 || d.qtype == 5 || d.qtype == 15) ++txt_null;
  if (clients.size() < cfg.max_domain_clients && std::find(clients.begin(), clients.end(), d.client) == clients.end())
    clients.push_back(d.client);
  // The subdomain part: everything left of the registered domain (wherever it sits: a search
  // suffix may follow it).
  const auto at = d.query.find(reg);
  if (at == std::string::npos || at < 2) return;
  const std::string_view sub(d.query.data(), at - 1);
  if (looks_like_lookup_key(sub)) return;
  ++with_sub;
  // Shannon entropy over the characters present, summed in character order as ever (the same
  // double to the last bit), without clearing and scanning 256 counters per query: only the
  // characters present are reset, and a bitmap gives them back in order.
  std::size_t longest = 0, run = 0;
  std::uint32_t counts[256];
  std::uint64_t present[4] = {0, 0, 0, 0};
  for (char c : sub) counts[static_cast<unsigned char>(c)] = 0;
  for (char c : sub) {
    run = c == '.' ? 0 : run + 1;
    longest = std::max(longest, run);
    const auto u = static_cast<unsigned char>(c);
    ++counts[u];
    present[u >> 6] |= std::uint64_t(1) << (u & 63);
  }
  if (longest >= 24 || sub.size() >= 40) ++long_names;
  double h = 0.0;
  for (unsigned w = 0; w < 4; ++w)
    for (std::uint64_t bits = present[w]; bits; bits &= bits - 1) {
      const double p = double(counts[w * 64 + unsigned(__builtin_ctzll(bits))]) / double(sub.size());
      h -= p * std::log2(p);
    }
  entropy_sum += h;
  if (unique.size() < cfg.max_unique_per_domain) unique.insert(state_hash(sub.data(), sub.size()));
}

}  // namespace sg::hunt
