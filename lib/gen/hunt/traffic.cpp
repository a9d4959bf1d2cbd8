// Scenario generator: builds every session of the scenario as packet descriptors, sorts them
// by time, then serialises them through PcapWriter. Randomness comes from our own SplitMix64
// and formulas (not <random> distributions, whose output differs between standard libraries),
// so a seed means the same bytes everywhere.
#include "supplyguard/gen/traffic.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pcap_writer.hpp"
#include "rng.hpp"
#include "wire.hpp"
#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {
namespace {

using core::Micros;
using namespace wire;

struct FlowSpec {
  IpAddr c, s;
  std::uint16_t cp = 0, sp = 0;
  std::uint8_t proto = 6;
  std::uint32_t seq[2] = {0, 0};
};

struct Pkt {
  Micros t;
  std::uint32_t flow;
  std::uint32_t len;       // L4 payload bytes
  std::uint32_t dns_off;   // payload bytes in the arena when dns_len > 0
  std::uint16_t dns_len;
  std::uint8_t dir;        // 0 client -> server
  std::uint8_t flags;      // TCP flags, or ICMP type
};

struct Exchange {
  std::uint8_t dir;
  std::uint32_t bytes;
  Micros gap;  // before this exchange
};

class Builder {
 public:
  Builder(Rng& rng, Micros end) : rng_(rng), end_(end) {}
  std::vector<FlowSpec> flows;
  std::vector<Pkt> pkts;
  std::vector<std::uint8_t> arena;

  std::uint32_t flow(const IpAddr& c, const IpAddr& s, std::uint16_t sp, std::uint8_t proto) {
    FlowSpec f;
    f.c = c;
    f.s = s;
    f.cp = proto == 1 || proto == 58 ? 0 : rng_.eph_port();
    f.sp = sp;
    f.proto = proto;
    f.seq[0] = std::uint32_t(rng_.next());
    f.seq[1] = std::uint32_t(rng_.next());
    flows.push_back(f);
    return std::uint32_t(flows.size() - 1);
  }
  void push(Micros t, std::uint32_t fl, std::uint8_t dir, std::uint8_t flags, std::uint32_t len,
            std::uint32_t dns_off = 0, std::uint16_t dns_len = 0) {
    if (t >= end_) return;
    pkts.push_back(Pkt{t, fl, len, dns_off, dns_len, dir, flags});
  }

  // A TCP connection: handshake, the exchanges (segmented; the receiver ACKs every second
  // segment), then FIN both ways. seg_min < seg_max gives random segment sizes (dense traffic).
  // `first` (optional): the bytes the client's first exchange starts with (a ClientHello, an
  // HTTP request), written across as many segments as they need.
  Micros tcp(Micros t, const IpAddr& c, const IpAddr& s, std::uint16_t sp, std::vector<Exchange> ex,
             Micros rtt, std::uint32_t seg_min = 1448, std::uint32_t seg_max = 1448, Micros pace = 20,
             const std::vector<std::uint8_t>* first = nullptr) {
    const std::uint32_t fl = flow(c, s, sp, 6);
    std::uint32_t first_off = 0, first_len = 0;
    if (first && !first->empty() && !ex.empty() && ex[0].dir == 0) {
      first_off = std::uint32_t(arena.size());
      first_len = std::uint32_t(first->size());
      arena.insert(arena.end(), first->begin(), first->end());
      ex[0].bytes = std::max(ex[0].bytes, first_len);
    }
    push(t, fl, 0, SYN, 0);
    push(t + rtt, fl, 1, SYN | ACK, 0);
    t += rtt + 30;
    push(t, fl, 0, ACK, 0);
    for (std::size_t k = 0; k < ex.size(); ++k) {
      const auto& e = ex[k];
      t += e.gap;
      std::uint32_t left = e.bytes, n = 0, sent = 0;
      while (left > 0) {
        std::uint32_t seg = seg_min >= seg_max ? seg_max : seg_min + std::uint32_t(rng_.below(seg_max - seg_min + 1));
        seg = std::min(seg, left);
        if (k == 0 && sent < first_len)
          push(t, fl, e.dir, PSH | ACK, seg, first_off + sent, std::uint16_t(std::min(seg, first_len - sent)));
        else
          push(t, fl, e.dir, PSH | ACK, seg);
        sent += seg;
        left -= seg;
        if (++n % 2 == 0 || left == 0) push(t + 5, fl, std::uint8_t(1 - e.dir), ACK, 0);
        t += pace;
      }
      t += rtt / 2;
    }
    push(t, fl, 0, FIN | ACK, 0);
    push(t + rtt, fl, 1, FIN | ACK, 0);
    push(t + rtt + 30, fl, 0, ACK, 0);
    return t + rtt + 30;
  }

  void udp(Micros t, const IpAddr& c, const IpAddr& s, std::uint16_t sp, std::uint32_t req, std::uint32_t resp,
           Micros rtt) {
    const std::uint32_t fl = flow(c, s, sp, 17);
    push(t, fl, 0, 0, req);
    if (resp) push(t + rtt, fl, 1, 0, resp);
  }

  void icmp_echo(Micros t, const IpAddr& c, const IpAddr& s) {
    const std::uint32_t fl = flow(c, s, 0, 1);
    push(t, fl, 0, 8, 56);
    push(t + 400, fl, 1, 0, 56);
  }

  // DNS lookup through `resolver`: query, then a response with A or TXT answers.
  void dns(Micros t, const IpAddr& client, const IpAddr& resolver, const std::string& name, std::uint16_t qtype,
           const std::vector<IpAddr>& answers, const std::string& txt = {}) {
    const std::uint32_t fl = flow(client, resolver, 53, 17);
    const std::uint16_t id = std::uint16_t(rng_.next());
    auto msg = [&](bool response) {
      const std::uint32_t off = std::uint32_t(arena.size());
      const std::uint16_t an = response ? std::uint16_t(qtype == 16 ? 1 : answers.size()) : 0;
      const std::uint8_t hdr[12] = {std::uint8_t(id >> 8), std::uint8_t(id), std::uint8_t(response ? 0x81 : 0x01),
                                    std::uint8_t(response ? 0x80 : 0x00), 0, 1, std::uint8_t(an >> 8),
                                    std::uint8_t(an), 0, 0, 0, 0};
      arena.insert(arena.end(), hdr, hdr + 12);
      std::size_t start = 0;
      while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        arena.push_back(std::uint8_t(dot - start));
        arena.insert(arena.end(), name.begin() + std::ptrdiff_t(start), name.begin() + std::ptrdiff_t(dot));
        start = dot + 1;
      }
      arena.push_back(0);
      const std::uint8_t q[4] = {std::uint8_t(qtype >> 8), std::uint8_t(qtype), 0, 1};
      arena.insert(arena.end(), q, q + 4);
      if (response) {
        auto rr = [&](std::uint16_t type, const std::uint8_t* data, std::uint16_t len) {
          const std::uint8_t h[12] = {0xc0, 0x0c, std::uint8_t(type >> 8), std::uint8_t(type), 0, 1, 0, 0, 1, 0x2c,
                                      std::uint8_t(len >> 8), std::uint8_t(len)};
          arena.insert(arena.end(), h, h + 12);
          arena.insert(arena.end(), data, data + len);
        };
        if (qtype == 16) {
          std::vector<std::uint8_t> d;
          d.push_back(std::uint8_t(txt.size()));
          d.insert(d.end(), txt.begin(), txt.end());
          rr(16, d.data(), std::uint16_t(d.size()));
        } else {
          for (const auto& a : answers) {
            if (a.is_v4()) rr(1, &a.b[12], 4);
            else rr(28, a.b.data(), 16);
          }
        }
      }
      return std::pair<std::uint32_t, std::uint16_t>{off, std::uint16_t(arena.size() - off)};
    };
    auto [qo, ql] = msg(false);
    push(t, fl, 0, 0, ql, qo, ql);
    auto [ro, rl] = msg(true);
    push(t + 800 + Micros(rng_.below(4000)), fl, 1, 0, rl, ro, rl);
  }

 private:
  Rng& rng_;
  Micros end_;
};

IpAddr host_addr(int i) { return v4(10, 1, std::uint8_t(i / 200), std::uint8_t(10 + i % 200)); }
// Starts at 10.99.1.x so it never collides with the single-BMC plant (10.99.0.21).
IpAddr bmc_addr(int i) { return v4(10, 99, std::uint8_t(1 + i / 200), std::uint8_t(10 + i % 200)); }

// Serialises the sorted packets.
void serialise(const Builder& b, PcapWriter& w) {
  std::vector<std::uint8_t> buf(70000, 0);
  std::vector<FlowSpec> flows = b.flows;  // sequence numbers advance as we write
  std::uint16_t ip_id = 1;
  for (const Pkt& p : b.pkts) {
    FlowSpec& f = flows[p.flow];
    const bool v6 = !f.c.is_v4();
    const IpAddr& src = p.dir == 0 ? f.c : f.s;
    const IpAddr& dst = p.dir == 0 ? f.s : f.c;
    const std::uint16_t sport = p.dir == 0 ? f.cp : f.sp, dport = p.dir == 0 ? f.sp : f.cp;
    const std::size_t l3 = v6 ? 40 : 20;
    const std::size_t l4 = f.proto == 6 ? 20 : 8;
    const std::size_t total = l3 + l4 + p.len;
    std::uint8_t* h = buf.data();
    std::uint8_t proto = f.proto;
    if (v6 && proto == 1) proto = 58;
    if (!v6) {
      h[0] = 0x45;
      h[1] = 0;
      h[2] = std::uint8_t(total >> 8);
      h[3] = std::uint8_t(total);
      h[4] = std::uint8_t(ip_id >> 8);
      h[5] = std::uint8_t(ip_id);
      ++ip_id;
      h[6] = 0x40;
      h[7] = 0;
      h[8] = 64;
      h[9] = proto;
      h[10] = h[11] = 0;
      std::memcpy(h + 12, &src.b[12], 4);
      std::memcpy(h + 16, &dst.b[12], 4);
      std::uint32_t sum = 0;
      for (int i = 0; i < 20; i += 2) sum += std::uint32_t(h[i] << 8 | h[i + 1]);
      while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
      h[10] = std::uint8_t(~sum >> 8);
      h[11] = std::uint8_t(~sum);
    } else {
      const std::size_t plen = total - 40;
      h[0] = 0x60;
      h[1] = h[2] = h[3] = 0;
      h[4] = std::uint8_t(plen >> 8);
      h[5] = std::uint8_t(plen);
      h[6] = proto;
      h[7] = 64;
      std::memcpy(h + 8, src.b.data(), 16);
      std::memcpy(h + 24, dst.b.data(), 16);
    }
    std::uint8_t* t = h + l3;
    if (f.proto == 6) {
      std::uint32_t& seq = f.seq[p.dir];
      const std::uint32_t ack = f.seq[1 - p.dir];
      t[0] = std::uint8_t(sport >> 8); t[1] = std::uint8_t(sport);
      t[2] = std::uint8_t(dport >> 8); t[3] = std::uint8_t(dport);
      t[4] = std::uint8_t(seq >> 24); t[5] = std::uint8_t(seq >> 16); t[6] = std::uint8_t(seq >> 8); t[7] = std::uint8_t(seq);
      t[8] = std::uint8_t(ack >> 24); t[9] = std::uint8_t(ack >> 16); t[10] = std::uint8_t(ack >> 8); t[11] = std::uint8_t(ack);
      t[12] = 0x50;
      t[13] = p.flags;
      t[14] = 0xff; t[15] = 0xff;
      t[16] = t[17] = t[18] = t[19] = 0;
      seq += p.len + ((p.flags & (SYN | FIN)) ? 1 : 0);
    } else if (f.proto == 17) {
      const std::size_t ulen = 8 + p.len;
      t[0] = std::uint8_t(sport >> 8); t[1] = std::uint8_t(sport);
      t[2] = std::uint8_t(dport >> 8); t[3] = std::uint8_t(dport);
      t[4] = std::uint8_t(ulen >> 8); t[5] = std::uint8_t(ulen);
      t[6] = t[7] = 0;
    } else {  // ICMP echo: type, code, checksum, id, seq
      t[0] = v6 ? std::uint8_t(p.flags == 8 ? 128 : 129) : p.flags;
      t[1] = 0;
      t[2] = t[3] = 0;
      t[4] = 0; t[5] = 1; t[6] = 0; t[7] = 1;
    }
    std::uint8_t* payload = t + l4;
    if (p.dns_len) std::memcpy(payload, b.arena.data() + p.dns_off, p.dns_len);
    w.write(p.t, h, total, v6);
    if (p.dns_len) std::memset(payload, 0, p.dns_len);
  }
}

}  // namespace

std::string host_address(int i) { return host_addr(i).str(); }
std::string bmc_address(int i) { return bmc_addr(i).str(); }

int parse_linktype(const std::string& name) {
  const LinkLayer* l = find_link_layer(name);
  return l && l->frame ? l->dlt : kUnknownLinkType;
}

ScenarioTruth write_scenario(const ScenarioConfig& cfg, std::FILE* out) {
  if (cfg.hosts < 1 || cfg.hosts > 40000) throw std::runtime_error("--hosts must be 1..40000");
  if (!(cfg.hours > 0) || cfg.hours > 24 * 14) throw std::runtime_error("--hours must be in (0, 336]");
  Rng rng{cfg.seed * 0x2545F4914F6CDD1DULL + 7};
  const Micros start = cfg.start;
  const Micros span = Micros(cfg.hours * 3600.0 * 1e6);
  const Micros end = start + span;
  Builder b(rng, end);
  ScenarioTruth truth;

  const IpAddr resolver = v4(10, 1, 0, 2), ntp = v4(10, 1, 0, 3), backup = v4(10, 1, 0, 4), admin = v4(10, 1, 0, 5);
  const int kSites = 40;
  auto site_ip = [](int k) { return v4(198, 51, 100, std::uint8_t(10 + k)); };
  auto site_v6 = [](int k) {
    IpAddr a = *parse_ip("2001:db8:100::");
    a.b[15] = std::uint8_t(10 + k);
    return a;
  };
  auto site_name = [](int k) { return std::string(k % 2 ? "static." : "www.") + "site" + std::to_string(k) + ".com"; };
  const IpAddr mirror = v4(198, 51, 100, 200);

  // ---- ordinary behaviour, per host ----
  for (int i = 0; i < cfg.hosts; ++i) {
    const IpAddr h = host_addr(i);
    IpAddr h6 = *parse_ip("fd00:1::");
    h6.b[14] = std::uint8_t((10 + i) >> 8);
    h6.b[15] = std::uint8_t(10 + i);
    // Web browsing: page loads (Poisson), each a lookup and 1-4 TLS connections.
    for (Micros t = start + Micros(rng.expo(120) * kSec); t < end; t += Micros(rng.expo(120) * kSec) + kSec) {
      const int k = int(kSites * rng.uniform() * rng.uniform());
      const bool six = i % 5 == 0 && rng.chance(0.3);
      b.dns(t, h, resolver, site_name(k), six ? 28 : 1, {six ? site_v6(k) : site_ip(k)});
      const int conns = 1 + int(rng.below(4));
      for (int c = 0; c < conns; ++c) {
        const auto resp = std::uint32_t(std::exp(rng.uniform(std::log(2e3), std::log(1e5))));
        const Micros at = t + 20'000 + c * Micros(rng.below(300'000));
        const std::uint32_t req = std::uint32_t(rng.uniform(200, 1500));
        const auto hello = cfg.tls_names ? client_hello(site_name(k), TlsClientProfile::browser) : std::vector<std::uint8_t>{};
        b.tcp(at, six ? h6 : h, six ? site_v6(k) : site_ip(k), 443, {{0, req, 1000}, {1, resp, 30'000}}, 20'000, 1448,
              1448, 20, &hello);
      }
    }
    // NTP to the internal server, every 64 s.
    for (Micros t = start + Micros(rng.uniform(0, 64) * kSec); t < end; t += 64 * kSec + Micros(rng.below(200'000)))
      b.udp(t, h, ntp, 123, 48, 48, 400);
    // Package updates from the mirror, roughly hourly.
    for (Micros t = start + Micros(rng.uniform(0, 3600) * kSec); t < end; t += Micros(rng.uniform(3600, 7200) * kSec)) {
      b.dns(t, h, resolver, "deb.mirror.example.org", 1, {mirror});
      const auto get = cfg.tls_names ? http_get("deb.mirror.example.org", "/debian/dists/bookworm/InRelease",
                                                "Debian APT-HTTP/1.3 (2.6.1)")
                                     : std::vector<std::uint8_t>{};
      b.tcp(t + 30'000, h, mirror, 80, {{0, 400, 1000}, {1, std::uint32_t(rng.uniform(5e4, 5e5)), 20'000}}, 15'000, 1448,
            1448, 20, &get);
    }
    // SSH from the admin workstation (internal).
    for (Micros t = start + Micros(rng.expo(7200) * kSec); t < end; t += Micros(rng.expo(7200) * kSec)) {
      std::vector<Exchange> ex;
      const int n = 20 + int(rng.below(100));
      for (int e = 0; e < n; ++e)
        ex.push_back({std::uint8_t(e % 2), std::uint32_t(e % 2 ? rng.uniform(36, 500) : rng.uniform(36, 100)),
                      Micros(rng.uniform(0.05, 3) * kSec)});
      b.tcp(t, admin, h, 22, ex, 500);
    }
    // Admin pings each host every 5 minutes (ICMP).
    for (Micros t = start + Micros(rng.uniform(0, 300) * kSec); t < end; t += 300 * kSec) b.icmp_echo(t, admin, h);
    // One nightly-style backup to the internal backup server.
    b.tcp(start + Micros(rng.uniform(0.1, 0.9) * double(span)), h, backup, 873,
          {{0, 300, 1000}, {0, std::uint32_t(rng.uniform(5e5, 2e6)), 10'000}, {1, 200, 1000}}, 300);
    if (cfg.dense) {
      // Storage traffic in small segments: what makes a capture packet-dense.
      for (Micros t = start + Micros(rng.uniform(0, 5) * kSec); t < end; t += Micros(rng.uniform(3, 7) * kSec))
        b.tcp(t, h, backup, 2049, {{0, 200, 500}, {1, std::uint32_t(rng.uniform(1e5, 3e5)), 2000}}, 300, 64, 700, 10);
    }
  }

  if (cfg.slow_beacon_s > 0) {
    const IpAddr src = host_addr(1 % cfg.hosts), dst = v4(203, 0, 113, 201);
    const Micros period = Micros(cfg.slow_beacon_s * 1e6);
    for (std::int64_t k = start / period; k * period < end + period; ++k) {
      // Jitter from k alone (splitmix64), never from the scenario's rng: each window agrees.
      std::uint64_t z = std::uint64_t(k) * 0x9E3779B97F4A7C15ULL;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      const double j = (double(z >> 11) / double(1ULL << 53) - 0.5) * 0.1;
      const Micros t = k * period + Micros(j * double(period));
      if (t < start || t >= end) continue;
      b.tcp(t, src, dst, 443, {{0, 410, 1000}, {1, 220, 50'000}}, 50'000);
    }
    truth.plants.push_back({"beacon", src.str(), dst.str(), "", 443, "tcp", "slow beacon, fixed in absolute time"});
  }

  // ---- planted implant behaviour ----
  auto pick = [&](int n) { return host_addr(n % cfg.hosts); };
  const double span_s = double(span) / 1e6;
  // Implants' TLS: a Go-like stack (only with tls_names; otherwise no application bytes).
  std::vector<std::uint8_t> implant_scratch;
  auto implant_hello = [&](const std::string& sni) -> const std::vector<std::uint8_t>& {
    implant_scratch = cfg.tls_names ? client_hello(sni, TlsClientProfile::go_implant) : std::vector<std::uint8_t>{};
    return implant_scratch;
  };
  if (cfg.plants) {
    {  // Jittered beacon (±30 %, 10 % missed callbacks) to one IP behind one name.
      const IpAddr src = pick(2), dst = v4(203, 0, 113, 50);
      const std::string name = "cdn-telemetry.example.net";
      const double period = std::max(5.0, std::min(300.0, span_s / 24));
      int n = 0;
      for (Micros t = start + Micros(rng.uniform(0, period) * kSec); t < end;
           t += Micros(period * (1 + rng.uniform(-0.3, 0.3)) * kSec)) {
        if (rng.chance(0.1)) continue;  // missed callback
        if (n++ % 6 == 0) b.dns(t - 60'000, src, resolver, name, 1, {dst});
        const std::uint32_t resp = rng.chance(0.05) ? 1200 : std::uint32_t(rng.uniform(180, 220));
        const std::uint32_t req = std::uint32_t(rng.uniform(340, 380));
        b.tcp(t, src, dst, 443, {{0, req, 1000}, {1, resp, 40'000}}, 40'000, 1448, 1448, 20, &implant_hello(name));
      }
      truth.plants.push_back({"beacon", src.str(), dst.str(), name, 443, "tcp", "±30 % jitter, 10 % missed"});
    }
    {  // Beacon rotating over four IPs behind one name (found by name).
      const IpAddr src = pick(3);
      const std::string name = "sync.cloudsync-cdn.example";
      const double period = std::max(5.0, std::min(180.0, span_s / 30));
      int n = 0;
      for (Micros t = start + Micros(rng.uniform(0, period) * kSec); t < end;
           t += Micros(period * (1 + rng.uniform(-0.2, 0.2)) * kSec)) {
        const IpAddr dst = v4(192, 0, 2, std::uint8_t(10 + n++ % 4));
        b.dns(t - 50'000, src, resolver, name, 1, {dst});
        b.tcp(t, src, dst, 443, {{0, std::uint32_t(rng.uniform(500, 540)), 1000}, {1, 300, 30'000}}, 30'000, 1448, 1448,
              20, &implant_hello(name));
      }
      truth.plants.push_back({"beacon", src.str(), "192.0.2.10", name, 443, "tcp", "rotates over 192.0.2.10-13"});
    }
    {  // The BMC on the management network calling out.
      const IpAddr src = v4(10, 99, 0, 21), dst = v4(198, 51, 100, 77);
      const double period = std::max(5.0, std::min(600.0, span_s / 12));
      for (Micros t = start + Micros(rng.uniform(0, period) * kSec); t < end;
           t += Micros(period * (1 + rng.uniform(-0.1, 0.1)) * kSec))
        b.tcp(t, src, dst, 8443, {{0, std::uint32_t(rng.uniform(900, 1000)), 1000}, {1, 120, 60'000}}, 60'000);
      truth.plants.push_back({"mgmt_egress", src.str(), dst.str(), "", 8443, "tcp", "BMC calling out"});
    }
    {  // DNS tunnelling: long random labels, TXT queries.
      const IpAddr src = pick(4);
      Micros t = start + span / 3;
      for (int q = 0; q < 400 && t < end; ++q, t += Micros(rng.uniform(0.3, 2.5) * kSec)) {
        char seq[16];
        std::snprintf(seq, sizeof seq, "%04x", q);
        b.dns(t, src, resolver, base32(rng, 56) + "." + seq + ".t.exfil-dns.example", 16, {}, base32(rng, 24));
      }
      truth.plants.push_back({"dns_tunnel", src.str(), "exfil-dns.example", "exfil-dns.example", 53, "udp",
                              "400 TXT queries with 56-char labels"});
    }
    {  // Exfil burst: 20 MB out to one external address.
      const IpAddr src = pick(5), dst = v4(203, 0, 113, 99);
      b.tcp(start + span / 2, src, dst, 443, {{0, 20'000'000, 1000}, {1, 2000, 10'000}}, 30'000, 1448, 1448, 80);
      truth.plants.push_back({"exfil", src.str(), dst.str(), "", 443, "tcp", "20 MB upload"});
    }
    // Long-lived outbound connection with keepalives (only when the scenario spans > 1 h).
    if (span > Micros(3660) * kSec) {
      const IpAddr src = pick(6), dst = v4(203, 0, 113, 7);
      std::vector<Exchange> ex;
      for (Micros t = 45 * kSec; t < span - 60 * kSec; t += 45 * kSec) {
        ex.push_back({0, 64, 45 * kSec});
        ex.push_back({1, 64, 30'000});
      }
      b.tcp(start + 20 * kSec, src, dst, 4443, ex, 30'000);
      truth.plants.push_back({"long_connection", src.str(), dst.str(), "", 4443, "tcp", "open for the whole capture"});
    }
  }

  if (cfg.plants && cfg.tls_names) {
    // Separate stream (as for BMCs below), so the rest of the scenario is the same with or
    // without these plants.
    Rng nrng{cfg.seed * 0xC2B2AE3D27D4EB4FULL + 13};
    Builder nb(nrng, end);
    {  // A beacon to a CDN front named only by SNI (no DNS: DoH or a cached answer), rotating
       // over 8 addresses, with a browser-like hello big enough to need two segments.
      const IpAddr src = pick(7);
      const std::string name = "assets.cdn-front.example";
      const auto hello = client_hello(name, TlsClientProfile::browser_pq);
      const double period = std::max(5.0, std::min(240.0, span_s / 30));
      int n = 0;
      for (Micros t = start + Micros(nrng.uniform(0, period) * kSec); t < end;
           t += Micros(period * (1 + nrng.uniform(-0.1, 0.1)) * kSec)) {
        const IpAddr dst = v4(203, 0, 113, std::uint8_t(130 + n++ % 8));
        nb.tcp(t, src, dst, 443, {{0, 1900, 1000}, {1, 400, 30'000}}, 30'000, 1448, 1448, 20, &hello);
      }
      truth.plants.push_back({"beacon", src.str(), "203.0.113.130", name, 443, "tcp",
                              "named by SNI only, rotates over 203.0.113.130-137"});
    }
    {  // A BMC whose TLS 1.0 stack no other machine uses, fetching from a vendor site.
      const IpAddr src = v4(10, 99, 0, 22), dst = v4(198, 51, 100, 90);
      const std::string name = "fw.bmc-vendor.example";
      const auto hello = client_hello(name, TlsClientProfile::old_bmc);
      for (int k = 0; k < 3; ++k)
        nb.tcp(start + Micros(double(span) * (0.2 + 0.3 * k)), src, dst, 443, {{0, 200, 1000}, {1, 5000, 40'000}}, 40'000,
               1448, 1448, 20, &hello);
      truth.plants.push_back({"rare_tls_client", src.str(), dst.str(), name, 443, "tcp", "TLS 1.0 stack only this BMC uses"});
      truth.plants.push_back({"mgmt_egress", src.str(), dst.str(), name, 443, "tcp", "BMC fetching over old TLS"});
    }
    const auto base = std::uint32_t(b.flows.size());
    const auto arena_base = std::uint32_t(b.arena.size());
    b.flows.insert(b.flows.end(), nb.flows.begin(), nb.flows.end());
    b.arena.insert(b.arena.end(), nb.arena.begin(), nb.arena.end());
    for (Pkt p : nb.pkts) {
      p.flow += base;
      p.dns_off += arena_base;
      b.pkts.push_back(p);
    }
  }

  if (cfg.bmcs || !cfg.implant_bmcs.empty()) {
    // Separate stream, so turning BMCs on leaves the rest of the scenario byte-identical.
    Rng brng{cfg.seed * 0x9E3779B97F4A7C15ULL + 11};
    Builder bb(brng, end);
    if (cfg.bmcs) {
      for (int i = 0; i < cfg.hosts; ++i)  // Redfish health polls from the admin workstation.
        for (Micros t = start + Micros(brng.uniform(0, 300) * kSec); t < end; t += 300 * kSec)
          bb.tcp(t, admin, bmc_addr(i), 443, {{0, 300, 1000}, {1, std::uint32_t(brng.uniform(800, 1600)), 5'000}}, 500);
    }
    const auto c2 = parse_ip(cfg.implant_c2);
    if (!c2) throw std::runtime_error("implant C2 is not an IP address: " + cfg.implant_c2);
    const double period = std::max(5.0, std::min(900.0, span_s / 10));
    for (int i : cfg.implant_bmcs) {
      if (i < 0 || i >= cfg.hosts) throw std::runtime_error("implant BMC index out of range");
      const IpAddr src = bmc_addr(i);
      for (Micros t = start + Micros(brng.uniform(0, period) * kSec); t < end;
           t += Micros(period * (1 + brng.uniform(-0.25, 0.25)) * kSec))
        bb.tcp(t, src, *c2, 443, {{0, std::uint32_t(brng.uniform(600, 700)), 1000}, {1, 150, 50'000}}, 50'000);
      truth.plants.push_back({"mgmt_egress", src.str(), c2->str(), "", 443, "tcp", "implanted BMC beacon"});
    }
    // Merge: flow indices of the BMC builder follow the main builder's.
    const auto base = std::uint32_t(b.flows.size());
    b.flows.insert(b.flows.end(), bb.flows.begin(), bb.flows.end());
    for (Pkt p : bb.pkts) {
      p.flow += base;
      b.pkts.push_back(p);
    }
  }

  std::stable_sort(b.pkts.begin(), b.pkts.end(), [](const Pkt& x, const Pkt& y) { return x.t < y.t; });
  PcapWriter w(out, cfg.format == CaptureFormat::pcapng, cfg.linktype, cfg.vlan, cfg.qinq);
  serialise(b, w);
  w.flush();
  truth.packets = w.packets();
  truth.bytes = w.bytes();
  return truth;
}

nlohmann::json truth_to_json(const ScenarioConfig& cfg, const ScenarioTruth& truth) {
  nlohmann::json j;
  j["seed"] = cfg.seed;
  j["hosts"] = cfg.hosts;
  j["hours"] = cfg.hours;
  j["start"] = core::format_iso8601(cfg.start);
  j["mgmt_net"] = truth.mgmt_net;
  j["packets"] = truth.packets;
  j["bytes"] = truth.bytes;
  j["plants"] = nlohmann::json::array();
  for (const auto& p : truth.plants)
    j["plants"].push_back({{"type", p.type}, {"src", p.src}, {"dst", p.dst}, {"dst_name", p.dst_name},
                           {"dst_port", p.dst_port}, {"proto", p.proto}, {"note", p.note}});
  return j;
}

}  // namespace sg::hunt
