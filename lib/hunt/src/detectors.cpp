#include "detectors.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace sg::hunt {

using core::Finding;
using core::Severity;

std::string human_bytes(double b) {
  char buf[32];
  const char* unit[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) { b /= 1000; ++u; }
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
  return buf;
}

std::string human_seconds(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

static double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

Finding make_flow_finding(const Context& ctx, std::string type, const IpAddr& src, const IpAddr& dst,
                          std::uint16_t dport, std::uint8_t proto, std::uint64_t count, Micros first, Micros last) {
  Finding f;
  f.plane = core::Plane::hunt;
  f.type = std::move(type);
  f.host = src.str();
  const std::string d = dst.is_v4() ? dst.str() : "[" + dst.str() + "]";
  f.subject = src.str() + " -> " + d + ":" + std::to_string(dport) + "/" + std::string(proto_name(proto));
  f.fields["src"] = src.str();
  f.fields["dst"] = dst.str();
  const std::string name = ctx.name_of(dst);
  if (!name.empty()) f.fields["dst_name"] = name;
  // Names the traffic itself carried (SNI / HTTP Host, JA4, ALPN, User-Agent): evidence, and the
  // destination's name when DNS gave none.
  if (auto it = ctx.state.conn_names().find(PairKey{src, dst, dport, proto}); it != ctx.state.conn_names().end()) {
    const ConnNames& n = it->second;
    if (!n.server_name.empty()) {
      f.evidence["server_name"] = n.server_name;
      if (name.empty()) f.fields["dst_name"] = n.server_name;
    }
    if (!n.tls_fp.empty()) f.evidence["tls_fp"] = n.tls_fp;
    if (!n.alpn.empty()) f.evidence["alpn"] = n.alpn;
    if (!n.user_agent.empty()) f.evidence["http_user_agent"] = n.user_agent;
  }
  f.fields["dst_port"] = dport;
  f.fields["proto"] = std::string(proto_name(proto));
  f.fields["count"] = count;
  f.first_seen = first;
  f.last_seen = last;
  return f;
}

// ---- beacon -------------------------------------------------------------------------------

namespace {

// A beacon group: source, port, protocol and the destination's name, or its address when it has
// none (then `name` is 0). `name` is the id of a distinct label of HuntState::names() (1-based),
// so grouping compares and hashes integers, never the label text.
struct GroupKey {
  IpAddr src, dst;
  std::uint32_t name = 0;
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const GroupKey& a, const GroupKey& b) {
    return a.name == b.name && a.dport == b.dport && a.proto == b.proto && a.src == b.src && a.dst == b.dst;
  }
};
struct GroupKeyHash {
  std::size_t operator()(const GroupKey& k) const noexcept {
    const std::uint64_t w[4] = {k.src.hi(), k.src.lo() ^ k.dst.hi(), k.dst.lo(),
                                std::uint64_t(k.name) << 32 | std::uint64_t(k.dport) << 8 | k.proto};
    return std::size_t(state_hash(w, sizeof w));
  }
};

// `name` when it is an IP address written as IpAddr::str() writes it, else nothing. DNS names
// never contain ':', and an IPv4 literal is digits and dots only: cheap to rule out.
std::optional<IpAddr> literal_address(std::string_view name) {
  const bool v4_chars = std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (!v4_chars && name.find(':') == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(name);
  if (!ip || ip->str() != name) return std::nullopt;
  return ip;
}

}  // namespace

void detect_beacons(const Context& ctx, std::vector<Finding>& out) {
  // Group by destination *name* when one was resolved, so a beacon rotating across IPs behind
  // one name is one series; otherwise by address.
  struct Group {
    IpAddr src, dst;
    std::string name;
    std::uint16_t dport = 0;
    std::uint8_t proto = 0;
    bool from_mgmt = false;
    std::uint64_t conns = 0, dropped = 0;
    Micros first = 0, last = 0;
    std::vector<IpAddr> dsts;
    std::uint64_t more_dsts = 0;
    std::vector<Callback> calls;
    bool by_traffic_name = false;  // some callbacks were grouped by SNI/Host (no DNS name)
    std::string tls_fp;
  };
  // Two passes. The first counts callbacks per group under a cheap key (addresses, port and a
  // view of the name) in a flat open-addressing index: no strings built, nothing allocated per
  // pair. The second builds only the groups that can reach min_callbacks. On flow-dense traffic
  // almost every pair has a name and one or two connections, and building a keyed Group for each
  // was most of the run time.
  struct Member {
    const PairKey* key;
    const PairStats* stats;
    std::uint32_t group;
  };
  std::vector<Member> members;
  members.reserve(ctx.state.pairs().size() + ctx.state.mgmt_pairs().size());
  std::vector<GroupKey> keys;  // per group
  std::vector<std::size_t> group_calls;
  keys.reserve(members.capacity());
  group_calls.reserve(members.capacity());
  std::size_t slots = 16;
  while (slots < members.capacity() * 2) slots <<= 1;
  std::vector<std::uint32_t> index(slots, 0);  // group + 1, or 0 when free
  // Each distinct label once: its id and whether it is an address in its own text form
  // ("192.0.2.1", which groups with that address). Thousands of labels, not one per pair.
  const HuntState::NameMap& names = ctx.state.names();
  std::vector<std::uint32_t> label_id(names.size(), 0);  // per names() entry; 0 = no name
  std::vector<std::optional<IpAddr>> label_literal;      // per id - 1
  FlatMap<std::string_view, std::uint32_t, StateStringHash> ids;
  {
    std::size_t i = 0;
    for (const auto& [ip, label] : names) {
      if (!label.empty()) {
        const auto [it, fresh] = ids.try_emplace(std::string_view(label));
        if (fresh) {
          label_literal.push_back(literal_address(label));
          it->second = std::uint32_t(label_literal.size());
        }
        label_id[i] = it->second;
      }
      ++i;
    }
  }
  ctx.state.for_each_pair([&](const PairKey& k, const PairStats& p) {
    if (ctx.allowed(k.dst, k.dport)) return;
    const auto found = names.find(k.dst);
    const std::uint32_t name = found == names.end() ? 0 : label_id[found.index()];
    // Cheap skip: too few connections to ever be a series (names may still merge, so only skip
    // when there is no name to merge on).
    if (p.calls.size() + p.calls_dropped < 3 && p.conns < ctx.cfg.beacon.min_callbacks && name == 0) return;
    GroupKey gk{k.src, k.dst, name, k.dport, k.proto};
    if (name != 0) {
      gk.dst = IpAddr{};
      if (const auto& ip = label_literal[name - 1]) {
        gk.dst = *ip;
        gk.name = 0;
      }
    }
    std::size_t i = GroupKeyHash{}(gk) & (slots - 1);
    while (index[i] != 0 && !(keys[index[i] - 1] == gk)) i = (i + 1) & (slots - 1);
    if (index[i] == 0) {
      keys.push_back(gk);
      group_calls.push_back(0);
      index[i] = std::uint32_t(keys.size());
    }
    group_calls[index[i] - 1] += p.calls.size();
    members.push_back({&k, &p, index[i] - 1});
  });
  // Series named by the traffic (SNI / Host) merge into the group of the same name below, so
  // their callbacks count towards whether that group is built at all.
  for (const auto& [k, n] : ctx.state.name_series()) {
    const PairStats& p = n.series;
    if (n.dsts.empty() || ctx.allowed(n.dsts.front(), k.dport)) continue;
    if (p.calls.size() + p.calls_dropped < ctx.cfg.beacon.min_callbacks) continue;
    GroupKey gk{k.src, IpAddr{}, 0, k.dport, k.proto};
    if (const auto ip = literal_address(n.name)) {
      gk.dst = *ip;
    } else {
      const auto id = ids.find(std::string_view(n.name));
      if (id == ids.end()) continue;  // no address-keyed pair has this name
      gk.name = id->second;
    }
    std::size_t i = GroupKeyHash{}(gk) & (slots - 1);
    while (index[i] != 0 && !(keys[index[i] - 1] == gk)) i = (i + 1) & (slots - 1);
    if (index[i] == 0) continue;  // no address-keyed pair of this name: the loop below builds it alone
    group_calls[index[i] - 1] += p.calls.size();
  }
  // Second pass, in the same pair order as the first (a group's reported destination is the
  // first of its pairs seen), then groups in the order of their text key, as before.
  std::map<std::string, Group> groups;
  std::vector<Group*> built(group_calls.size(), nullptr);
  for (const Member& m : members) {
    if (group_calls[m.group] < ctx.cfg.beacon.min_callbacks) continue;
    const PairKey& k = *m.key;
    const PairStats& p = *m.stats;
    const std::string name = ctx.name_of(k.dst);
    Group*& slot = built[m.group];
    if (!slot) {
      const std::string key = k.src.str() + "|" + (name.empty() ? k.dst.str() : name) + "|" +
                              std::to_string(k.dport) + "|" + std::to_string(k.proto);
      slot = &groups[key];
    }
    Group& g = *slot;
    if (g.conns == 0) {
      g.src = k.src;
      g.dst = k.dst;
      g.name = name;
      g.dport = k.dport;
      g.proto = k.proto;
      g.first = p.first;
      g.last = p.last;
    } else if (p.first < g.first) {
      // A name over rotating addresses is shown with the address it was first seen at, not the
      // first in hash order: the same finding (subject, id) however the table was built -- after
      // a restart from --state too.
      g.dst = k.dst;
    }
    g.from_mgmt = g.from_mgmt || p.from_mgmt;
    g.conns += p.conns;
    g.dropped += p.calls_dropped;
    g.first = std::min(g.first, p.first);
    g.last = std::max(g.last, p.last);
    if (std::find(g.dsts.begin(), g.dsts.end(), k.dst) == g.dsts.end()) g.dsts.push_back(k.dst);
    g.calls.insert(g.calls.end(), p.calls.begin(), p.calls.end());
  }
  // Series named by the traffic (SNI / Host) where DNS named nothing: same key shape, so a
  // DNS-named series of the same name merges with it.
  for (const auto& [k, n] : ctx.state.name_series()) {
    const PairStats& p = n.series;
    if (n.dsts.empty() || ctx.allowed(n.dsts.front(), k.dport)) continue;
    if (p.calls.size() + p.calls_dropped < ctx.cfg.beacon.min_callbacks) continue;
    const std::string key = k.src.str() + "|" + n.name + "|" + std::to_string(k.dport) + "|" + std::to_string(k.proto);
    Group& g = groups[key];
    if (g.conns == 0) {
      g.src = k.src;
      g.dst = n.dsts.front();
      g.name = n.name;
      g.dport = k.dport;
      g.proto = k.proto;
      g.first = p.first;
      g.last = p.last;
    } else if (p.first < g.first) {
      g.dst = n.dsts.front();  // first-seen address, as for address-keyed pairs above
    }
    g.by_traffic_name = true;
    g.tls_fp = n.tls_fp;
    g.from_mgmt = g.from_mgmt || p.from_mgmt;
    g.conns += p.conns;
    g.dropped += p.calls_dropped;
    g.more_dsts += n.more_dsts;
    g.first = std::min(g.first, p.first);
    g.last = std::max(g.last, p.last);
    for (const auto& d : n.dsts)
      if (std::find(g.dsts.begin(), g.dsts.end(), d) == g.dsts.end()) g.dsts.push_back(d);
    g.calls.insert(g.calls.end(), n.series.calls.begin(), n.series.calls.end());
  }
  for (auto& [key, g] : groups) {
    if (g.calls.size() < ctx.cfg.beacon.min_callbacks) continue;
    if (g.by_traffic_name)  // callbacks came from two tables: score them in time order
      std::sort(g.calls.begin(), g.calls.end(), [](const Callback& a, const Callback& b) { return a.ts < b.ts; });
    const BeaconScore s = score_beacon(g.calls, ctx.cfg.beacon);
    if (s.score <= 0.0) continue;
    Finding f = make_flow_finding(ctx, "beacon", g.src, g.dst, g.dport, g.proto, s.callbacks, g.first, g.last);
    if (!g.name.empty()) f.fields["dst_name"] = g.name;
    f.score = s.score;
    f.severity = s.score >= 0.8 ? Severity::high : s.score >= 0.65 ? Severity::medium : Severity::low;
    // NTP clients poll on a fixed schedule by design: report, but never above low.
    const bool ntp = g.proto == 17 && g.dport == 123;
    if (ntp) f.severity = Severity::low;
    const RitaScore rita = score_rita_baseline(g.calls, ctx.cfg.beacon);
    char jit[16];
    std::snprintf(jit, sizeof jit, "%.0f", s.jitter * 100);
    f.summary = g.src.str() + (g.from_mgmt ? " (management net)" : "") + " calls " +
                (g.name.empty() ? g.dst.str() : g.name) + ":" + std::to_string(g.dport) + "/" +
                std::string(proto_name(g.proto)) + " every ~" + human_seconds(s.period_s) + " (jitter " + jit +
                " %), " + std::to_string(s.callbacks) + " callbacks over " +
                human_seconds(double(g.last - g.first) / 1e6) + (ntp ? " (NTP schedule)" : "");
    auto& e = f.evidence;
    e["callbacks"] = s.callbacks;
    e["connections"] = g.conns;
    e["period_s"] = round3(s.period_s);
    e["median_interval_s"] = round3(s.median_interval_s);
    e["jitter"] = round3(s.jitter);
    e["explained_intervals"] = round3(s.explained);
    e["missed_callbacks"] = round3(s.missed);
    e["timing_score"] = round3(s.timing);
    e["size_score"] = round3(s.size);
    e["median_bytes"] = s.median_bytes;
    e["bytes_mad"] = s.size_mad;
    e["distinct_dst_ips"] = g.dsts.size() + (g.more_dsts ? 1 : 0);
    if (g.more_dsts) e["distinct_dst_ips_capped"] = true;
    if (g.by_traffic_name) {
      e["dst_name_source"] = "tls_sni_or_http_host";
      if (!e.contains("server_name")) e["server_name"] = g.name;
      if (!g.tls_fp.empty() && !e.contains("tls_fp")) e["tls_fp"] = g.tls_fp;
    } else if (!g.name.empty()) {
      e["dst_name_source"] = "dns";
    }
    e["rita_baseline_score"] = round3(rita.score);
    if (g.dropped) e["callbacks_not_scored"] = g.dropped;
    out.push_back(std::move(f));
  }
}

// ---- mgmt_egress --------------------------------------------------------------------------

void detect_mgmt_egress(const Context& ctx, std::vector<Finding>& out) {
  for (const auto& [k, p] : ctx.state.mgmt_pairs()) {
    if (ctx.allowed(k.dst, k.dport)) continue;
    Finding f = make_flow_finding(ctx, "mgmt_egress", k.src, k.dst, k.dport, k.proto, p.conns, p.first, p.last);
    const bool repeats = p.conns >= 3;
    f.severity = repeats ? Severity::critical : Severity::high;
    f.score = repeats ? std::min(1.0, 0.9 + 0.01 * double(p.conns)) : 0.85;
    const std::string name = ctx.name_of(k.dst);
    f.summary = "management address " + k.src.str() + " sent traffic to " + k.dst.str() +
                (name.empty() ? "" : " (" + name + ")") + ":" + std::to_string(k.dport) + "/" +
                std::string(proto_name(k.proto)) + ", outside the management and allowed networks: " +
                std::to_string(p.conns) + (p.conns == 1 ? " connection, " : " connections, ") +
                human_bytes(double(p.out_bytes)) + " out";
    f.evidence["connections"] = p.conns;
    f.evidence["out_bytes"] = p.out_bytes;
    f.evidence["in_bytes"] = p.in_bytes;
    f.evidence["repeats"] = repeats;
    out.push_back(std::move(f));
  }
}

// ---- exfil --------------------------------------------------------------------------------

void detect_exfil(const Context& ctx, std::vector<Finding>& out) {
  struct Dest {
    IpAddr dst;
    std::uint16_t dport = 0;  // port carrying the most bytes
    std::uint8_t proto = 0;
    std::uint64_t top_port_bytes = 0, out_bytes = 0, in_bytes = 0, conns = 0;
    Micros first = 0, last = 0;
  };
  // Only a source that sent at least exfil_min_bytes in all can have a destination above it:
  // totals per source first (a few thousand hosts), so the per-destination tables are built for
  // those sources alone rather than for every pair of a flow-dense capture.
  std::unordered_map<IpAddr, std::uint64_t, IpHash> sent;
  ctx.state.for_each_pair([&](const PairKey& k, const PairStats& p) {
    if (p.outbound && !ctx.allowed(k.dst, k.dport)) sent[k.src] += p.out_bytes;
  });
  std::unordered_map<IpAddr, std::unordered_map<IpAddr, Dest, IpHash>, IpHash> by_src;
  ctx.state.for_each_pair([&](const PairKey& k, const PairStats& p) {
    if (!p.outbound || ctx.allowed(k.dst, k.dport)) return;
    if (sent[k.src] < ctx.cfg.exfil_min_bytes) return;
    Dest& d = by_src[k.src][k.dst];
    if (d.conns == 0) { d.dst = k.dst; d.first = p.first; d.last = p.last; }
    d.first = std::min(d.first, p.first);
    d.last = std::max(d.last, p.last);
    d.out_bytes += p.out_bytes;
    d.in_bytes += p.in_bytes;
    d.conns += p.conns;
    if (p.out_bytes >= d.top_port_bytes) { d.top_port_bytes = p.out_bytes; d.dport = k.dport; d.proto = k.proto; }
  });
  for (const auto& [src, dests] : by_src) {
    std::vector<double> volumes;
    for (const auto& [ip, d] : dests) volumes.push_back(double(d.out_bytes));
    std::sort(volumes.begin(), volumes.end());
    for (const auto& [ip, d] : dests) {
      if (d.out_bytes < ctx.cfg.exfil_min_bytes) continue;
      // The host's norm: median outbound volume to its *other* destinations (floor 1 MB, so a
      // host with few destinations is not judged against near-zero).
      std::vector<double> others = volumes;
      others.erase(std::find(others.begin(), others.end(), double(d.out_bytes)));
      const double median = others.empty() ? 0.0 : others[others.size() / 2];
      const double norm = std::max(1e6, median);
      const double ratio = double(d.out_bytes) / norm;
      const double asym = double(d.out_bytes) / std::max(1.0, double(d.in_bytes));
      if (ratio < ctx.cfg.exfil_norm_factor || asym < ctx.cfg.exfil_min_asymmetry) continue;
      Finding f = make_flow_finding(ctx, "exfil", src, d.dst, d.dport, d.proto, d.conns, d.first, d.last);
      f.score = std::clamp(0.6 + 0.15 * std::log10(double(d.out_bytes) / double(ctx.cfg.exfil_min_bytes)) +
                               0.1 * std::log10(ratio / ctx.cfg.exfil_norm_factor),
                           0.0, 1.0);
      f.severity = f.score >= 0.8 ? Severity::high : Severity::medium;
      const double secs = std::max(1.0, double(d.last - d.first) / 1e6);
      char asym_s[32];
      std::snprintf(asym_s, sizeof asym_s, "%.0f", std::min(asym, 1e9));
      f.summary = src.str() + " sent " + human_bytes(double(d.out_bytes)) + " to " + d.dst.str() + " in " +
                  human_seconds(secs) + " (" + asym_s + "x more out than in; host's usual per destination " +
                  human_bytes(median) + ")";
      f.evidence["out_bytes"] = d.out_bytes;
      f.evidence["in_bytes"] = d.in_bytes;
      f.evidence["out_in_ratio"] = round3(std::min(asym, 1e9));
      f.evidence["host_median_out_bytes"] = median;
      f.evidence["times_host_norm"] = round3(ratio);
      f.evidence["out_rate_bps"] = round3(double(d.out_bytes) * 8 / secs);
      out.push_back(std::move(f));
    }
  }
}

// ---- long_connection ----------------------------------------------------------------------

void detect_long_connections(const Context& ctx, std::vector<Finding>& out) {
  for (const auto& c : ctx.state.long_conns()) {
    const bool outbound = ctx.cfg.internal.contains(c.orig) && !ctx.cfg.internal.contains(c.resp);
    const bool mgmt = ctx.cfg.mgmt.contains(c.orig) && !ctx.cfg.mgmt.contains(c.resp);
    if ((!outbound && !mgmt) || ctx.allowed(c.resp, c.resp_port)) continue;
    Finding f = make_flow_finding(ctx, "long_connection", c.orig, c.resp, c.resp_port, c.proto, 1, c.ts,
                                  c.ts + c.duration);
    const double hours = double(c.duration) / 3.6e9;
    f.score = std::min(0.95, 0.6 + 0.03 * hours);
    f.severity = hours >= 12 ? Severity::high : Severity::medium;
    f.summary = c.orig.str() + " kept a connection to " + c.resp.str() + ":" + std::to_string(c.resp_port) + "/" +
                std::string(proto_name(c.proto)) + " open for " + human_seconds(double(c.duration) / 1e6) + " (" +
                human_bytes(double(c.orig_bytes)) + " out, " + human_bytes(double(c.resp_bytes)) + " in)";
    f.evidence["duration_s"] = round3(double(c.duration) / 1e6);
    f.evidence["out_bytes"] = c.orig_bytes;
    f.evidence["in_bytes"] = c.resp_bytes;
    f.evidence["packets"] = std::uint64_t(c.orig_pkts) + c.resp_pkts;
    out.push_back(std::move(f));
  }
}

// ---- dns_tunnel ---------------------------------------------------------------------------

void detect_dns_tunnels(const Context& ctx, std::vector<Finding>& out) {
  // Tunnels (iodine, dns2tcp, dnscat2, DNSExfiltrator) put data in the names under one
  // registered domain, from one client, and fetch data in TXT/NULL/CNAME/MX answers. A session
  // can be as short as 12-22 queries, so the count saturates early (20 unique names) and the
  // content carries the score: long or random labels, tunnel record types, names never repeated.
  for (const auto& [domain, s] : ctx.state.domains()) {
    if (s.unique.size() < ctx.cfg.dns_tunnel_min_unique || s.queries == 0) continue;
    const double uniq = std::min(1.0, double(s.unique.size()) / 20.0);
    const double long_share = double(s.long_names) / double(s.queries);
    const double entropy = s.with_sub ? s.entropy_sum / double(s.with_sub) : 0.0;
    const double txt_share = double(s.txt_null) / double(s.queries);
    const double unique_ratio = std::min(1.0, double(s.unique.size()) / double(s.queries));
    // Many unique names alone is a CDN or a busy zone: a tunnel also needs data-carrying names
    // (long labels) or data-carrying record types. TXT/NULL/CNAME/MX at this volume from names
    // that never repeat is not ordinary lookups.
    if (long_share < 0.3 && txt_share < 0.5) continue;
    double score = 0.35 * uniq + 0.25 * long_share + 0.15 * std::min(1.0, entropy / 4.0) + 0.25 * txt_share;
    score *= 0.6 + 0.4 * unique_ratio;                // ordinary lookups repeat their names
    if (s.clients.size() > 2) score *= 0.8;          // a tunnel is one client (or its resolver)
    if (score < 0.4) continue;
    Finding f;
    f.plane = core::Plane::hunt;
    f.type = "dns_tunnel";
    f.score = score;
    f.severity = score >= 0.75 ? Severity::high : score >= 0.6 ? Severity::medium : Severity::low;
    f.host = s.client.str();
    f.subject = s.client.str() + " -> *." + domain + " (dns)";
    f.fields["src"] = s.client.str();
    f.fields["dst"] = domain;
    f.fields["dst_name"] = domain;
    f.fields["dst_port"] = 53;
    f.fields["proto"] = "udp";
    f.fields["count"] = s.queries;
    f.first_seen = s.first;
    f.last_seen = s.last;
    char buf[220];
    std::snprintf(buf, sizeof buf,
                  "%zu unique names under %s in %llu queries (%.0f %% long, %.0f %% TXT/NULL/CNAME/MX, %.1f bits/char)",
                  s.unique.size(), domain.c_str(), static_cast<unsigned long long>(s.queries), long_share * 100,
                  txt_share * 100, entropy);
    f.summary = buf;
    f.evidence["queries"] = s.queries;
    f.evidence["unique_subdomains"] = s.unique.size();
    f.evidence["unique_ratio"] = round3(unique_ratio);
    f.evidence["long_name_share"] = round3(long_share);
    f.evidence["txt_null_share"] = round3(txt_share);
    f.evidence["mean_entropy_bits"] = round3(entropy);
    f.evidence["clients"] = s.clients.size();
    out.push_back(std::move(f));
  }
}

// ---- new_destination ----------------------------------------------------------------------

void detect_new_destinations(const Context& ctx, std::vector<Finding>& out) {
  struct Dest {
    IpAddr dst, first_src;
    std::uint16_t dport = 0;
    std::uint8_t proto = 0;
    std::uint64_t conns = 0;
    Micros first = 0, last = 0;
    std::vector<IpAddr> sources;
  };
  std::map<IpAddr, Dest> dests;  // ordered: stable output
  ctx.state.for_each_pair([&](const PairKey& k, const PairStats& p) {
    if (!p.outbound || ctx.allowed(k.dst, k.dport)) return;
    Dest& d = dests[k.dst];
    if (d.conns == 0 || p.first < d.first) { d.first_src = k.src; d.dport = k.dport; d.proto = k.proto; }
    if (d.conns == 0) { d.dst = k.dst; d.first = p.first; d.last = p.last; }
    d.first = std::min(d.first, p.first);
    d.last = std::max(d.last, p.last);
    d.conns += p.conns;
    if (std::find(d.sources.begin(), d.sources.end(), k.src) == d.sources.end()) d.sources.push_back(k.src);
  });
  for (const auto& [ip, d] : dests) {
    Finding f = make_flow_finding(ctx, "new_destination", d.first_src, d.dst, d.dport, d.proto, d.conns, d.first,
                                  d.last);
    f.score = 0.5;
    f.severity = Severity::low;
    const std::string name = ctx.name_of(d.dst);
    f.summary = d.dst.str() + (name.empty() ? "" : " (" + name + ")") + " is not in the allow list: " +
                std::to_string(d.conns) + " connections from " + std::to_string(d.sources.size()) +
                (d.sources.size() == 1 ? " host" : " hosts");
    f.evidence["connections"] = d.conns;
    f.evidence["sources"] = d.sources.size();
    out.push_back(std::move(f));
  }
}

// ---- rare_tls_client ----------------------------------------------------------------------

void detect_rare_tls_clients(const Context& ctx, std::vector<Finding>& out) {
  // A BMC or a server runs a fixed software set: a TLS client stack that no other machine in
  // the run used is an implant's own TLS library, an agent someone added, or old firmware. With
  // too few TLS clients in the run, everything is "rare": say nothing.
  if (ctx.state.tls_sources_seen() < ctx.cfg.rare_tls_min_sources) return;
  for (const auto& [fp, t] : ctx.state.tls_clients()) {
    if (t.sources.size() != 1) continue;
    const IpAddr& src = t.sources.front();
    const bool mgmt = ctx.cfg.mgmt.contains(src);
    if (!mgmt && !ctx.cfg.servers.contains(src)) continue;
    if (ctx.allowed(t.first_dst, t.dport)) continue;
    Finding f = make_flow_finding(ctx, "rare_tls_client", src, t.first_dst, t.dport, 6, t.conns, t.first, t.last);
    // One finding per (source, fingerprint): the fingerprint, not the first destination, is
    // what is rare.
    f.subject = src.str() + " TLS client " + fp;
    f.severity = mgmt ? Severity::medium : Severity::low;
    f.score = mgmt ? 0.7 : 0.6;
    f.summary = (mgmt ? "management address " : "server ") + src.str() + " used a TLS client fingerprint (JA4 " + fp +
                ") that no other source used in this run: " + std::to_string(t.conns) +
                (t.conns == 1 ? " connection" : " connections") + ", first to " +
                (t.server_name.empty() ? t.first_dst.str() : t.server_name) + ":" + std::to_string(t.dport);
    f.evidence["tls_fp"] = fp;
    f.evidence["server_name"] = t.server_name;
    if (!t.alpn.empty()) f.evidence["alpn"] = t.alpn;
    f.evidence["connections"] = t.conns;
    f.evidence["tls_clients_in_run"] = ctx.state.tls_sources_seen();
    f.evidence["fingerprints_in_run"] = ctx.state.tls_clients().size();
    f.evidence["source_net"] = mgmt ? "mgmt" : "server";
    out.push_back(std::move(f));
  }
}

// ---- dropped evidence ---------------------------------------------------------------------

void report_dropped_evidence(const Context& ctx, std::vector<Finding>& out) {
  const DropStats& d = ctx.state.drops();
  if (d.lost() == 0) return;
  Finding f;
  f.plane = core::Plane::hunt;
  f.type = "dropped_evidence";
  f.severity = Severity::info;
  f.score = 1.0;  // certain: this is a fact about the run, not a guess about traffic
  f.subject = "hunt state bounds";
  f.summary = "memory bounds dropped evidence: " + std::to_string(d.pairs_evicted_at_budget) +
              " connection series, " + std::to_string(d.callbacks_not_kept) + " callbacks, " +
              std::to_string(d.mgmt_pairs_untracked) + " management series, " + std::to_string(d.domains_untracked) +
              " DNS domains, " + std::to_string(d.long_conns_untracked) + " long connections, " +
              std::to_string(d.names_untracked) + " name labels, " + std::to_string(d.name_series_untracked) +
              " SNI/Host series, " + std::to_string(d.conn_names_untracked) + " connection names, " +
              std::to_string(d.tls_fps_untracked) + " TLS fingerprints (raise the caps in HuntConfig / --max-* to keep them)";
  auto& e = f.evidence;
  e["pairs_evicted_at_budget"] = d.pairs_evicted_at_budget;
  e["callbacks_not_kept"] = d.callbacks_not_kept;
  e["mgmt_pairs_untracked"] = d.mgmt_pairs_untracked;
  e["domains_untracked"] = d.domains_untracked;
  e["long_conns_untracked"] = d.long_conns_untracked;
  e["names_untracked"] = d.names_untracked;
  e["name_series_untracked"] = d.name_series_untracked;
  e["conn_names_untracked"] = d.conn_names_untracked;
  e["tls_fps_untracked"] = d.tls_fps_untracked;
  e["singleton_name_series_evicted"] = d.singleton_name_series_evicted;
  e["singleton_pairs_evicted"] = d.singleton_pairs_evicted;
  e["idle_pairs_evicted"] = d.idle_pairs_evicted;
  e["domains_evicted"] = d.domains_evicted;
  e["state_bytes"] = ctx.state.approx_bytes();
  e["memory_budget"] = ctx.cfg.memory_budget;
  out.push_back(std::move(f));
}

}  // namespace sg::hunt
