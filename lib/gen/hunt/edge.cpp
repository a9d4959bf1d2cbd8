// Enterprise-edge capture generator (see edge.hpp): lookups are drawn first, each expanded into
// its DNS flow and its TCP flow as packet descriptors; the descriptors are sorted by time and
// serialised (Ethernet, IPv4/IPv6, TCP/UDP, DNS messages built on the fly from the name table).
#include "supplyguard/gen/edge.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "pcap_writer.hpp"
#include "rng.hpp"
#include "wire.hpp"
#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {
namespace {

using core::Micros;
using namespace wire;

struct Name {
  std::string text;
  std::vector<IpAddr> v4, v6;  // what it resolves to (A, AAAA)
};

struct EdgeFlow {
  IpAddr c, s;
  std::uint16_t cp = 0, sp = 0;
  std::uint8_t proto = 6;
  std::uint16_t qtype = 0;  // DNS flows: the question
  std::uint32_t name = 0;   // DNS flows: index into the name table
  bool ntp = false;         // UDP that is not DNS
  std::uint32_t seq[2] = {0, 0};
};

struct EdgePkt {
  Micros t;
  std::uint32_t flow;
  std::uint16_t len;  // TCP/UDP payload bytes (DNS: set when serialised)
  std::uint8_t dir;   // 0 client -> server
  std::uint8_t flags; // TCP flags; DNS: 0 query, 1 response
};

// Public-looking first octets (no private, loopback, link-local, multicast or documentation
// ranges), so every connection below is outbound.
constexpr std::uint8_t kPublicOctets[] = {13, 18, 23, 31, 34, 35, 37, 40, 45, 52, 54, 63, 64, 66, 69, 74,
                                          77, 81, 88, 91, 93, 99, 104, 107, 108, 130, 137, 140, 142, 146,
                                          151, 157, 162, 185, 199, 205, 208, 209, 212, 216};

std::uint64_t mix(std::uint64_t x) { return Rng{x}.next(); }

IpAddr public_v4(std::uint64_t h) {
  const std::uint8_t a = kPublicOctets[h % std::size(kPublicOctets)];
  return v4(a, std::uint8_t(h >> 8), std::uint8_t(h >> 16), std::uint8_t(1 + (h >> 24) % 254));
}
IpAddr public_v6(std::uint64_t h) {
  IpAddr a = *parse_ip("2001:db8:e::");
  for (int i = 10; i < 16; ++i) a.b[std::size_t(i)] = std::uint8_t(h >> (8 * (i - 10)));
  return a;
}

class Edge {
 public:
  Edge(const EdgeConfig& cfg) : cfg_(cfg), rng_{cfg.seed * 0xA24BAED4963EE407ULL + 5} {
    start_ = cfg.start;
    end_ = start_ + Micros(cfg.minutes * 60.0 * 1e6);
    build_names();
  }

  EdgeTruth run(std::FILE* out) {
    EdgeTruth truth;
    for (std::uint32_t i = 0; i < cfg_.lookups; ++i) {
      const int h = int(rng_.below(std::uint64_t(cfg_.hosts)));
      lookup_and_connect(start_ + Micros(rng_.uniform() * double(end_ - start_)), h, pick_name(), pick_port());
    }
    // Benign periodic traffic: 16 hosts poll public NTP servers every 64 s (low at most).
    for (int i = 0; i < 16; ++i) {
      const IpAddr server = v4(162, 159, 200, std::uint8_t(1 + i % 4));
      for (Micros t = start_ + Micros(rng_.uniform(0, 64) * kSec); t < end_; t += 64 * kSec + Micros(rng_.below(200 * kMs))) {
        const std::uint32_t fl = flow(host(100 + 97 * i), server, 123, 17);
        flows_[fl].ntp = true;
        push(t, fl, 0, 0, 48);
        push(t + 15 * kMs, fl, 1, 0, 48);
      }
    }
    if (cfg_.plants) plant(truth);
    std::stable_sort(pkts_.begin(), pkts_.end(), [](const EdgePkt& x, const EdgePkt& y) { return x.t < y.t; });
    PcapWriter w(out, false, 1, 0, false);
    serialise(w, truth);
    w.flush();
    truth.packets = w.packets();
    truth.bytes = w.bytes();
    truth.flows = flows_.size();
    return truth;
  }

 private:
  static IpAddr host(int i) { return v4(10, 20, std::uint8_t(i / 250), std::uint8_t(1 + i % 250)); }
  static IpAddr host6(int i) {
    IpAddr a = *parse_ip("fd00:20::");
    a.b[14] = std::uint8_t(i >> 8);
    a.b[15] = std::uint8_t(i);
    return a;
  }
  static IpAddr resolver() { return v4(10, 20, 255, 53); }

  // A few thousand registered domains with 1-6 subdomains each; subdomains of one domain share a
  // small set of CDN addresses, so many names map to one address (as behind real CDNs).
  void build_names() {
    static const char* const syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zen", "bar", "cor", "dex",
                                       "fin", "gal", "hub", "ion", "jet", "kin", "lux", "max", "nov", "opt", "pix", "qua"};
    static const char* const tlds[] = {"com", "com", "com", "net", "org", "io", "de", "co.uk", "cloud", "fr"};
    static const char* const subs[] = {"www", "api", "cdn", "static", "img", "login", "assets", "edge", "m", "update"};
    constexpr int kDomains = 3000;
    for (int k = 0; k < kDomains; ++k) {
      std::uint64_t h = mix(std::uint64_t(k) + 17);
      std::string label;
      for (int s = 0; s < 2 + int(h % 3); ++s) label += syll[(h >> (5 * s + 4)) % std::size(syll)];
      label += std::to_string(k);
      const std::string domain = label + "." + tlds[(h >> 40) % std::size(tlds)];
      const int nsubs = 1 + int((h >> 48) % 6);
      domain_first_.push_back(std::uint32_t(names_.size()));
      for (int s = 0; s < nsubs; ++s) {
        Name n;
        n.text = std::string(subs[(std::size_t(s) + (h >> 52)) % std::size(subs)]) + "." + domain;
        const std::uint64_t a = mix(h + std::uint64_t(s));
        n.v4.push_back(public_v4(mix(h) + std::uint64_t(s % 2)));
        if (a % 3 == 0) n.v4.push_back(public_v4(a));
        n.v6.push_back(public_v6(h + std::uint64_t(s % 2)));
        names_.push_back(std::move(n));
      }
    }
    domain_first_.push_back(std::uint32_t(names_.size()));
  }

  // Skewed popularity: a handful of domains take most lookups (u^3 puts ~46 % in the top 10 %).
  std::uint32_t pick_name() {
    const double u = rng_.uniform();
    const auto d = std::size_t(double(domain_first_.size() - 1) * u * u * u);
    const std::uint32_t first = domain_first_[d], n = domain_first_[d + 1] - first;
    return first + std::uint32_t(rng_.below(n));
  }
  std::uint16_t pick_port() {
    const std::uint64_t r = rng_.below(100);
    if (r < 80) return 443;
    if (r < 95) return 80;
    static const std::uint16_t other[] = {8443, 993, 5222, 22};
    return other[r % 4];
  }

  std::uint32_t flow(const IpAddr& c, const IpAddr& s, std::uint16_t sp, std::uint8_t proto) {
    EdgeFlow f;
    f.c = c;
    f.s = s;
    f.cp = rng_.eph_port();
    f.sp = sp;
    f.proto = proto;
    f.seq[0] = std::uint32_t(rng_.next());
    f.seq[1] = std::uint32_t(rng_.next());
    flows_.push_back(f);
    return std::uint32_t(flows_.size() - 1);
  }
  void push(Micros t, std::uint32_t fl, std::uint8_t dir, std::uint8_t flags, std::uint16_t len) {
    if (t < end_) pkts_.push_back({t, fl, len, dir, flags});
  }

  // Query and response through the resolver; returns when the answer arrived.
  Micros dns(Micros t, const IpAddr& client, std::uint32_t name, std::uint16_t qtype) {
    const std::uint32_t fl = flow(client, resolver(), 53, 17);
    flows_[fl].name = name;
    flows_[fl].qtype = qtype;
    push(t, fl, 0, 0, 0);
    const Micros answered = t + 500 + Micros(rng_.below(20 * kMs));
    push(answered, fl, 1, 1, 0);
    return answered;
  }

  // One short connection: handshake, a request, a response, FIN both ways (7 packets).
  void tcp(Micros t, const IpAddr& c, const IpAddr& s, std::uint16_t port, std::uint16_t req, std::uint16_t resp) {
    const std::uint32_t fl = flow(c, s, port, 6);
    const Micros rtt = 4 * kMs + Micros(mix(s.lo()) % (110 * kMs));
    push(t, fl, 0, SYN, 0);
    push(t + rtt, fl, 1, SYN | ACK, 0);
    t += rtt + 50;
    push(t, fl, 0, ACK, 0);
    push(t + 100, fl, 0, PSH | ACK, req);
    t += 100 + rtt;
    push(t, fl, 1, PSH | ACK, resp);
    t += 5 * kMs + Micros(rng_.below(200 * kMs));
    push(t, fl, 0, FIN | ACK, 0);
    push(t + rtt, fl, 1, FIN | ACK, 0);
  }

  void lookup_and_connect(Micros t, int h, std::uint32_t name, std::uint16_t port) {
    // Every 10th host is dual-stack and asks for AAAA half of the time.
    const bool six = h % 10 == 0 && rng_.chance(0.5);
    const Name& n = names_[name];
    const Micros answered = dns(t, host(h), name, six ? 28 : 1);
    const IpAddr& dst = six ? n.v6[0] : n.v4[rng_.below(n.v4.size())];
    tcp(answered + 200 + Micros(rng_.below(2 * kMs)), six ? host6(h) : host(h), dst, port,
        std::uint16_t(rng_.uniform(100, 260)), std::uint16_t(rng_.uniform(40, 380)));
  }

  void plant(EdgeTruth& truth) {
    const Micros span = end_ - start_;
    {  // Beacon every ~20 s (±25 %, 10 % missed) behind one name, looked up every 4th callback.
      const int h = 777;
      Name n;
      n.text = "telemetry.cdn-metrics.example";
      n.v4.push_back(v4(203, 0, 113, 50));
      names_.push_back(n);
      const auto name = std::uint32_t(names_.size() - 1);
      int k = 0;
      for (Micros t = start_ + Micros(rng_.uniform(0, 20) * kSec); t < end_; t += Micros(20 * (1 + rng_.uniform(-0.25, 0.25)) * kSec)) {
        if (rng_.chance(0.1)) continue;
        const Micros at = k++ % 4 == 0 ? dns(t, host(h), name, 1) + 300 : t;
        tcp(at, host(h), n.v4[0], 443, std::uint16_t(rng_.uniform(340, 380)), std::uint16_t(rng_.uniform(180, 220)));
      }
      truth.plants.push_back({"beacon", host(h).str(), n.v4[0].str(), n.text, 443, "tcp", "every ~20 s, ±25 %, 10 % missed"});
    }
    {  // A beacon rotating over four addresses behind one name (grouped by the name).
      const int h = 2345;
      Name n;
      n.text = "sync.cloudsync-cdn.example";
      for (std::uint8_t i = 0; i < 4; ++i) n.v4.push_back(v4(192, 0, 2, std::uint8_t(10 + i)));
      names_.push_back(n);
      const auto name = std::uint32_t(names_.size() - 1);
      int k = 0;
      for (Micros t = start_ + Micros(rng_.uniform(0, 30) * kSec); t < end_; t += Micros(30 * (1 + rng_.uniform(-0.2, 0.2)) * kSec)) {
        const Micros at = dns(t, host(h), name, 1) + 300;
        tcp(at, host(h), n.v4[std::size_t(k++ % 4)], 443, std::uint16_t(rng_.uniform(500, 540)), 300);
      }
      truth.plants.push_back({"beacon", host(h).str(), "192.0.2.10", n.text, 443, "tcp", "rotates over 192.0.2.10-13"});
    }
    {  // A 12 MB upload to one address, far above the host's norm.
      const IpAddr src = host(3456), dst = v4(203, 0, 113, 99);
      const std::uint32_t fl = flow(src, dst, 443, 6);
      Micros t = start_ + span / 2;
      push(t, fl, 0, SYN, 0);
      push(t + 30 * kMs, fl, 1, SYN | ACK, 0);
      t += 31 * kMs;
      push(t, fl, 0, ACK, 0);
      for (int seg = 0; seg < 12'000'000 / 1448; ++seg, t += 80) {
        push(t, fl, 0, PSH | ACK, 1448);
        if (seg % 2) push(t + 5, fl, 1, ACK, 0);
      }
      push(t, fl, 1, PSH | ACK, 2000);
      push(t + 1000, fl, 0, FIN | ACK, 0);
      push(t + 31 * kMs, fl, 1, FIN | ACK, 0);
      truth.plants.push_back({"exfil", src.str(), dst.str(), "", 443, "tcp", "12 MB upload"});
    }
    {  // A BMC on the management network calling out every ~45 s.
      const IpAddr src = v4(10, 99, 0, 21), dst = v4(198, 51, 100, 77);
      for (Micros t = start_ + Micros(rng_.uniform(0, 45) * kSec); t < end_; t += Micros(45 * (1 + rng_.uniform(-0.1, 0.1)) * kSec))
        tcp(t, src, dst, 8443, std::uint16_t(rng_.uniform(900, 1000)), 120);
      truth.plants.push_back({"mgmt_egress", src.str(), dst.str(), "", 8443, "tcp", "BMC calling out"});
    }
    {  // A short DNS tunnel: 60 TXT queries with 48-character base32 labels from one host.
      const int h = 1234;
      Micros t = start_ + span / 3;
      for (int q = 0; q < 60 && t < end_; ++q, t += Micros(rng_.uniform(0.5, 3.0) * kSec)) {
        char seq[16];
        std::snprintf(seq, sizeof seq, "%04x", q);
        Name n;
        n.text = base32(rng_, 48) + "." + seq + ".t.tunnel-dns.example";
        names_.push_back(std::move(n));
        dns(t, host(h), std::uint32_t(names_.size() - 1), 16);
      }
      truth.plants.push_back({"dns_tunnel", host(h).str(), "tunnel-dns.example", "tunnel-dns.example", 53, "udp",
                              "60 TXT queries with 48-char labels"});
    }
  }

  // The DNS message of a flow's query or response, into `o`; returns its length.
  std::size_t dns_message(const EdgeFlow& f, bool response, std::uint8_t* o) const {
    const Name& n = names_[f.name];
    const std::vector<IpAddr>& answers = f.qtype == 28 ? n.v6 : n.v4;
    const std::uint16_t id = std::uint16_t(f.seq[0]);
    const std::uint16_t an = !response ? 0 : f.qtype == 16 ? 1 : std::uint16_t(answers.size());
    std::size_t k = 0;
    const std::uint8_t hdr[12] = {std::uint8_t(id >> 8), std::uint8_t(id), std::uint8_t(response ? 0x81 : 0x01),
                                  std::uint8_t(response ? 0x80 : 0x00), 0, 1, 0, std::uint8_t(an), 0, 0, 0, 0};
    for (std::uint8_t b : hdr) o[k++] = b;
    for (std::size_t start = 0; start <= n.text.size();) {
      std::size_t dot = n.text.find('.', start);
      if (dot == std::string::npos) dot = n.text.size();
      o[k++] = std::uint8_t(dot - start);
      for (std::size_t i = start; i < dot; ++i) o[k++] = std::uint8_t(n.text[i]);
      start = dot + 1;
    }
    o[k++] = 0;
    const std::uint8_t q[4] = {std::uint8_t(f.qtype >> 8), std::uint8_t(f.qtype), 0, 1};
    for (std::uint8_t b : q) o[k++] = b;
    if (!response) return k;
    auto rr = [&](std::uint16_t type, const std::uint8_t* data, std::uint8_t len) {
      const std::uint8_t h[12] = {0xc0, 0x0c, std::uint8_t(type >> 8), std::uint8_t(type), 0, 1, 0, 0, 0, 60, 0, len};
      for (std::uint8_t b : h) o[k++] = b;
      for (std::uint8_t i = 0; i < len; ++i) o[k++] = data[i];
    };
    if (f.qtype == 16) {
      std::uint8_t txt[25] = {24};
      Rng r{f.seq[1]};
      for (int i = 1; i < 25; ++i) txt[i] = std::uint8_t("abcdefghijklmnopqrstuvwxyz234567"[r.below(32)]);
      rr(16, txt, 25);
    } else {
      for (const auto& a : answers) {
        if (a.is_v4()) rr(1, &a.b[12], 4);
        else rr(28, a.b.data(), 16);
      }
    }
    return k;
  }

  void serialise(PcapWriter& w, EdgeTruth& truth) {
    std::vector<std::uint8_t> buf(2048, 0);
    std::uint16_t ip_id = 1;
    for (const EdgePkt& p : pkts_) {
      EdgeFlow& f = flows_[p.flow];
      const bool six = !f.c.is_v4();
      const IpAddr& src = p.dir == 0 ? f.c : f.s;
      const IpAddr& dst = p.dir == 0 ? f.s : f.c;
      const std::uint16_t sport = p.dir == 0 ? f.cp : f.sp, dport = p.dir == 0 ? f.sp : f.cp;
      const std::size_t l3 = six ? 40 : 20, l4 = f.proto == 6 ? 20 : 8;
      std::uint8_t* h = buf.data();
      std::uint8_t* payload = h + l3 + l4;
      std::size_t len = p.len;
      if (f.proto == 17 && f.ntp) {
        std::fill(payload, payload + len, std::uint8_t(0));
        payload[0] = p.dir == 0 ? 0x23 : 0x24;  // NTPv4 client / server
      } else if (f.proto == 17) {
        len = dns_message(f, p.flags == 1, payload);
        ++truth.dns_messages;
      } else {
        std::fill(payload, payload + len, std::uint8_t(0x17));  // TLS application data, as far as anyone can tell
      }
      const std::size_t total = l3 + l4 + len;
      if (!six) {
        const std::uint8_t ip[20] = {0x45, 0, std::uint8_t(total >> 8), std::uint8_t(total), std::uint8_t(ip_id >> 8),
                                     std::uint8_t(ip_id), 0x40, 0, 64, f.proto, 0, 0};
        std::copy(ip, ip + 20, h);
        ++ip_id;
        std::copy(&src.b[12], &src.b[12] + 4, h + 12);
        std::copy(&dst.b[12], &dst.b[12] + 4, h + 16);
        std::uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2) sum += std::uint32_t(h[i] << 8 | h[i + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        h[10] = std::uint8_t(~sum >> 8);
        h[11] = std::uint8_t(~sum);
      } else {
        const std::size_t plen = total - 40;
        const std::uint8_t ip[8] = {0x60, 0, 0, 0, std::uint8_t(plen >> 8), std::uint8_t(plen), f.proto, 64};
        std::copy(ip, ip + 8, h);
        std::copy(src.b.begin(), src.b.end(), h + 8);
        std::copy(dst.b.begin(), dst.b.end(), h + 24);
      }
      std::uint8_t* t = h + l3;
      t[0] = std::uint8_t(sport >> 8);
      t[1] = std::uint8_t(sport);
      t[2] = std::uint8_t(dport >> 8);
      t[3] = std::uint8_t(dport);
      if (f.proto == 6) {
        std::uint32_t& seq = f.seq[p.dir];
        const std::uint32_t ack = f.seq[1 - p.dir];
        const std::uint8_t tcp[16] = {std::uint8_t(seq >> 24), std::uint8_t(seq >> 16), std::uint8_t(seq >> 8),
                                      std::uint8_t(seq),       std::uint8_t(ack >> 24), std::uint8_t(ack >> 16),
                                      std::uint8_t(ack >> 8),  std::uint8_t(ack),       0x50,
                                      p.flags,                 0xff,                    0xff};
        std::copy(tcp, tcp + 16, t + 4);
        seq += std::uint32_t(len) + ((p.flags & (SYN | FIN)) ? 1 : 0);
      } else {
        const std::size_t ulen = 8 + len;
        t[4] = std::uint8_t(ulen >> 8);
        t[5] = std::uint8_t(ulen);
        t[6] = t[7] = 0;
      }
      w.write(p.t, h, total, six);
    }
  }

  const EdgeConfig& cfg_;
  Rng rng_;
  Micros start_ = 0, end_ = 0;
  std::vector<Name> names_;
  std::vector<std::uint32_t> domain_first_;  // names of domain d: [domain_first_[d], domain_first_[d + 1])
  std::vector<EdgeFlow> flows_;
  std::vector<EdgePkt> pkts_;
};

}  // namespace

EdgeTruth write_edge_capture(const EdgeConfig& cfg, std::FILE* out) {
  if (cfg.hosts < 2000 || cfg.hosts > 60000) throw std::runtime_error("edge: hosts must be 2000..60000");
  if (!(cfg.minutes >= 1) || cfg.minutes > 24 * 60) throw std::runtime_error("edge: minutes must be in [1, 1440]");
  return Edge(cfg).run(out);
}

}  // namespace sg::hunt
