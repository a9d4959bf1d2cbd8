// Short real DNS tunnels (issue 10 §4): sessions of 12-22 queries from iodine, dns2tcp and
// dnscat2 (real captures in ../shared/real/pcap/dns-tunnel) are found at >= low; a handful of
// ordinary lookups and lookup-service keys (DNSBL, IP-to-ASN) stay silent; a resolver's search
// suffix (name.corp.local) does not hide the tunnel's domain.
#include <gtest/gtest.h>

#include <filesystem>

#include "scenario_util.hpp"

using namespace sg::hunt;
namespace fs = std::filesystem;

namespace {

constexpr sg::core::Micros kT0 = 1'780'000'000'000'000LL;

DnsRecord query(int i, const std::string& name, std::uint16_t qtype, const char* client = "10.0.2.30") {
  DnsRecord d;
  d.ts = kT0 + i * 2'000'000LL;
  d.client = *parse_ip(client);
  d.query = name;
  d.qtype = qtype;
  return d;
}

std::string base32ish(int i, std::size_t n) {
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::string s;
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * std::uint64_t(i + 1);
  for (std::size_t k = 0; k < n; ++k) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ULL;
    s.push_back(alphabet[(x >> 40) % 32]);
  }
  return s;
}

std::vector<sg::core::Finding> tunnels(const Analyzer& a) {
  std::vector<sg::core::Finding> out;
  for (const auto& f : a.findings())
    if (f.type == "dns_tunnel") out.push_back(f);
  return out;
}

TEST(DnsTunnel, ShortSessionIsFound) {
  for (int n : {12, 16, 22}) {
    HuntConfig cfg;  // default --min-score 0.5: it must be reported as the CLI would
    Analyzer a(cfg);
    for (int i = 0; i < n; ++i) a.on_dns(query(i, base32ish(i, 44) + ".t.exfil-example.net", 16));
    const auto t = tunnels(a);
    ASSERT_EQ(t.size(), 1u) << n << " queries";
    EXPECT_EQ(t[0].fields["dst"], "exfil-example.net");
    EXPECT_GE(t[0].severity, sg::core::Severity::low);
  }
}

TEST(DnsTunnel, SearchSuffixDoesNotHideTheDomain) {
  HuntConfig cfg;
  Analyzer a(cfg);
  // Every other query went out with the resolver's search suffix appended.
  for (int i = 0; i < 16; ++i)
    a.on_dns(query(i, base32ish(i, 44) + ".t.exfil-example.net" + (i % 2 ? ".corp.local" : ""), 16));
  const auto t = tunnels(a);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].fields["dst"], "exfil-example.net");
  EXPECT_EQ(t[0].evidence["queries"], 16);
  // Only suffixed queries (the tunnel never answered without): still the tunnel's domain.
  Analyzer b(cfg);
  for (int i = 0; i < 16; ++i) b.on_dns(query(i, base32ish(i, 44) + ".t.exfil-example.net.lan", 16));
  const auto tb = tunnels(b);
  ASSERT_EQ(tb.size(), 1u);
  EXPECT_EQ(tb[0].fields["dst"], "exfil-example.net");
}

TEST(DnsTunnel, OrdinaryLookupsStaySilent) {
  HuntConfig cfg;
  cfg.min_score = 0.0;  // not even a low finding
  Analyzer a(cfg);
  int i = 0;
  for (const char* host : {"www", "mail", "api", "cdn", "static", "login", "img", "docs", "blog", "shop", "m", "news",
                           "status", "support", "auth"})
    for (int r = 0; r < 3; ++r) a.on_dns(query(i++, std::string(host) + ".example.com", r % 2 ? 28 : 1));
  // A CDN: many unique, moderately random A names from many clients.
  for (int k = 0; k < 60; ++k)
    a.on_dns(query(i++, "r" + std::to_string(k % 9) + "---sn-" + base32ish(k, 8) + ".googlevideo.com", 1,
                   k % 3 ? "10.0.0.5" : "10.0.0.6"));
  // Lookup services over TXT: IP-to-ASN and DNSBL keys are unique but carry no data.
  for (int k = 0; k < 30; ++k) {
    a.on_dns(query(i++, std::to_string(k + 1) + ".113.0.203.origin.asn.cymru.com", 16));
    a.on_dns(query(i++, "AS" + std::to_string(4000 + k) + ".asn.cymru.com", 16));
  }
  // SPF/DKIM lookups of a mail server: TXT, but one or two names per domain.
  for (int k = 0; k < 30; ++k) a.on_dns(query(i++, "selector1._domainkey.sender" + std::to_string(k) + ".com", 16));
  for (const auto& f : tunnels(a)) ADD_FAILURE() << f.summary;
}

// ---- real tunnels, cut to short sessions --------------------------------------------------------

struct DnsRecorder : RecordSink {
  std::vector<DnsRecord> queries;
  void on_conn(const ConnRecord&) override {}
  void on_dns(const DnsRecord& d) override {
    if (!d.response_only) queries.push_back(d);
  }
};

TEST(DnsTunnel, RealToolsInShortSessions) {
  const fs::path dir = fs::path(SG_SOURCE_DIR) / ".." / "shared" / "real" / "pcap" / "dns-tunnel";
  if (!fs::exists(dir)) GTEST_SKIP() << "real DNS tunnel captures absent: " << dir;
  struct Case { const char* file; const char* domain; };
  for (const Case& c : {Case{"elastic_dns-tunnel-iodine.pcap", "pirate.sea"},
                        Case{"suricata_bug-1158_dns2tcp.pcap", "tunnel.com"},
                        Case{"elisaUD_dnscat2-encrypted.pcap", "cyberops.com"}}) {
    DnsRecorder rec;
    PacketProcessor proc(FlowConfig{}, rec);
    read_capture_file((dir / c.file).string(), proc);
    proc.finish();
    ASSERT_GE(rec.queries.size(), 22u) << c.file;
    for (std::size_t n : {12u, 17u, 22u}) {
      // The session's first n queries, and a later window (past the handshake) too.
      for (std::size_t from : {std::size_t(0), rec.queries.size() - n}) {
        HuntConfig cfg;
        Analyzer a(cfg);
        for (std::size_t k = from; k < from + n; ++k) a.on_dns(rec.queries[k]);
        const auto t = tunnels(a);
        ASSERT_EQ(t.size(), 1u) << c.file << ": " << n << " queries from #" << from;
        EXPECT_EQ(t[0].fields["dst"], c.domain) << c.file;
      }
    }
  }
}

}  // namespace
