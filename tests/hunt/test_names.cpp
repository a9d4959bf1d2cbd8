// Names from the traffic itself: TLS ClientHello (SNI, ALPN, JA4), HTTP request head, DNS over
// TCP, their path into ConnRecord / HuntState / findings, Zeek ssl.log and http.log, and the
// rare_tls_client detector.
//
// Expected values on real captures were checked with tshark 4.0 (which has no ja4 field):
//   tshark -r F -Y tls.handshake.type==1 -T fields -e tls.handshake.extensions_server_name
// and the JA4 strings recomputed from tshark's dissection (cipher, extension, signature
// algorithm and supported_versions fields) with the spec's recipe in a separate script:
// docs/hunt.md ("Names from the traffic") gives the script and the commands.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "names.hpp"
#include "scenario_util.hpp"
#include "supplyguard/hunt/zeek.hpp"

using namespace sg::hunt;
using namespace sg::hunt::test;

namespace {

const std::string kReal = SG_SOURCE_DIR "/../shared/real";

bool have(const std::string& path) { return std::filesystem::exists(path); }

#define REQUIRE_REAL(path) \
  if (!have(path)) GTEST_SKIP() << "real data absent (see shared/real/SOURCES.md): " << (path)

struct Read {
  Recorder rec;
  PayloadStats stats;
};

Read read_capture(const std::string& path, FlowConfig fcfg = {}) {
  Read r;
  PacketProcessor proc(fcfg, r.rec);
  read_capture_file(path, proc);
  proc.finish();
  r.stats = proc.flows().payload_stats();
  return r;
}

std::vector<ConnRecord> named(const Read& r) {
  std::vector<ConnRecord> out;
  for (const auto& c : r.rec.conns)
    if (c.has_names()) out.push_back(c);
  return out;
}

}  // namespace

// ---- JA4 recipe: the spec's own worked example ----------------------------------------------

TEST(HuntNames, Ja4MatchesTheSpecExample) {
  ClientHello h;
  h.legacy_version = 0x0303;
  h.ciphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  h.extensions = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                  0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  h.sig_algs = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  h.versions = {0x0304, 0x0303};
  h.alpn = {"h2", "http/1.1"};
  h.has_sni_ext = true;
  std::string raw;
  EXPECT_EQ(ja4_fingerprint(h, &raw), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(raw,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,"
            "000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
  // No signature algorithms: the extension list alone, no trailing underscore.
  h.sig_algs.clear();
  EXPECT_EQ(ja4_fingerprint(h).substr(24), "6d807ffa2a79");
  // No ciphers / no extensions: twelve zeros, not the hash of nothing; no ALPN: "00".
  h.ciphers.clear();
  h.extensions.clear();
  h.alpn.clear();
  h.has_sni_ext = false;
  EXPECT_EQ(ja4_fingerprint(h), "t13i000000_000000000000_000000000000");
}

TEST(HuntNames, Ja4AlpnCharactersFollowTheSpec) {
  ClientHello h;
  h.legacy_version = 0x0303;
  auto alpn_of = [&](std::string a) {
    h.alpn = {std::move(a)};
    return ja4_fingerprint(h).substr(8, 2);
  };
  EXPECT_EQ(alpn_of("http/1.1"), "h1");
  EXPECT_EQ(alpn_of("h"), "hh");
  EXPECT_EQ(alpn_of(std::string("\xab", 1)), "ab");
  EXPECT_EQ(alpn_of(std::string("\xab\xcd", 2)), "ad");
  EXPECT_EQ(alpn_of(std::string("0\xab", 2)), "3b");
  EXPECT_EQ(alpn_of(std::string("0\xab\xcd" "1", 4)), "01");
}

TEST(HuntNames, GreaseIsIgnoredEverywhere) {
  const auto bytes = client_hello("grease.example", TlsClientProfile::browser);
  ClientHello h;
  ASSERT_EQ(parse_client_hello(bytes.data(), bytes.size(), h), ParseStatus::ok);
  for (auto v : h.ciphers) EXPECT_FALSE(is_grease(v));
  for (auto v : h.extensions) EXPECT_FALSE(is_grease(v));
  for (auto v : h.versions) EXPECT_FALSE(is_grease(v));
  EXPECT_EQ(h.ciphers.size(), 15u);     // 16 offered, one GREASE
  EXPECT_EQ(h.extensions.size(), 14u);  // 16 offered, two GREASE
  EXPECT_EQ(h.sni, "grease.example");
  EXPECT_EQ(ja4_fingerprint(h).substr(0, 10), "t13d1514h2");
}

// ---- real captures ----------------------------------------------------------------------------

TEST(HuntNames, ClientHellosOnRealCaptures) {
  struct Case {
    const char* file;
    const char* sni;
    const char* ja4;
    const char* alpn;
    std::size_t hellos;
  };
  // SNI and ALPN as tshark prints them; JA4 recomputed from tshark's fields (see top).
  const Case cases[] = {
      {"pcap/zeek-traces/tls_chrome-34-google.pcap", "google.de", "t12d2011s3_8dd61975155f_06a4338d0495", "spdy/3", 1},
      {"pcap/arkime/tls13.pcap", "blog.cloudflare.com", "t00d1815h2_a30347de7a75_2a77702ff8e0", "h2", 1},
      {"pcap/zeek-traces/tls_tls-conn-with-extensions.pcap", "ssl.gstatic.com", "t10d360600_b06c425f59b5_eb0e26099a3f", "", 1},
      {"pcap/c2/slips_test-cc-capture-2_semi-periodic-https.pcap", "testing.com", "t13d3113h2_e8f1e7e78f70_ce5650b735ce", "h2", 22},
      {"pcap/c2/suricata_TLSv1-Extracted-MaliciousC2.pcap", "", "t10i070600_c50f5591e341_c39ab67fec8e", "", 1},
      // An SSL 2.0-compatible hello: 29 cipher specs, 23 of them TLS suites.
      {"pcap/c2/suricata_tls-glupteba.pcap", "", "t10i230000_6a57a6f57151_000000000000", "", 1},
  };
  int ran = 0;
  for (const auto& k : cases) {
    const std::string path = kReal + "/" + k.file;
    if (!have(path)) continue;
    ++ran;
    SCOPED_TRACE(k.file);
    const Read r = read_capture(path);
    const auto n = named(r);
    EXPECT_EQ(r.stats.tls_hellos, k.hellos);
    EXPECT_EQ(r.stats.tls_errors, 0u);
    ASSERT_EQ(n.size(), k.hellos);
    for (const auto& c : n) {
      EXPECT_EQ(c.server_name, k.sni);
      EXPECT_EQ(c.tls_fp, k.ja4);
      EXPECT_EQ(c.alpn, k.alpn);
      EXPECT_EQ(c.resp_port, 443);
    }
  }
  if (!ran) GTEST_SKIP() << "real TLS captures absent (see shared/real/SOURCES.md)";
}

TEST(HuntNames, HttpRequestsOnRealCaptures) {
  const std::string bro = kReal + "/pcap/zeek-traces/http_bro.org.pcap";
  REQUIRE_REAL(bro);
  // tshark -Y http.request -T fields -e http.host -e http.user_agent: 29 requests to bro.org and
  // 2 to www.bro.org, over 8 connections (the first request of each names it).
  const Read r = read_capture(bro);
  const auto n = named(r);
  EXPECT_EQ(r.stats.http_requests, 8u);
  ASSERT_EQ(n.size(), 8u);
  std::map<std::string, int> hosts;
  for (const auto& c : n) {
    ++hosts[c.server_name];
    EXPECT_EQ(c.http_user_agent, "Mozilla/5.0 (X11; Linux i686; rv:24.0) Gecko/20100101 Firefox/24.0");
    EXPECT_TRUE(c.tls_fp.empty());
  }
  EXPECT_EQ(hosts["bro.org"], 7);
  EXPECT_EQ(hosts["www.bro.org"], 1);

  // Caldera's agent: Host is an address:port, so no name, but its User-Agent is kept.
  const std::string caldera = kReal + "/pcap/c2/usenix-woot_caldera-C2-over-http.pcap";
  if (have(caldera)) {
    const auto c = named(read_capture(caldera));
    ASSERT_FALSE(c.empty());
    for (const auto& x : c) {
      EXPECT_EQ(x.server_name, "");
      EXPECT_EQ(x.http_user_agent, "Go-http-client/1.1");
    }
  }
}

TEST(HuntNames, DnsOverTcpFeedsTheDnsPath) {
  const std::string path = kReal + "/pcap/tcpdump-tests/dns_tcp.pcap";
  REQUIRE_REAL(path);
  const Read r = read_capture(path);
  EXPECT_EQ(r.stats.dns_tcp_messages, 2u);
  EXPECT_EQ(r.stats.dns_tcp_errors, 0u);  // the padded bare ACKs are not stream bytes
  ASSERT_EQ(r.rec.dns.size(), 2u);
  EXPECT_EQ(r.rec.dns[0].query, "www.tcpdump.org");
  EXPECT_FALSE(r.rec.dns[0].response_only);
  EXPECT_EQ(r.rec.dns[0].client.str(), "192.168.1.11");
  EXPECT_TRUE(r.rec.dns[1].response_only);
  EXPECT_EQ(r.rec.dns[1].client.str(), "192.168.1.11");
  // tshark: the answer section holds 192.139.46.66 and 198.199.88.104 (the other A records
  // are glue in the additional section).
  ASSERT_EQ(r.rec.dns[1].answers.size(), 2u);
  EXPECT_EQ(r.rec.dns[1].answers[0].str(), "192.139.46.66");
  EXPECT_EQ(r.rec.dns[1].answers[1].str(), "198.199.88.104");
}

// ---- segments, retransmissions, budgets -------------------------------------------------------

namespace {

// Feeds a client stream to a FlowTable as TCP segments with explicit sequence numbers.
struct Stream {
  Recorder rec;
  FlowTable table;
  Micros t = 1'700'000'000'000'000;
  explicit Stream(FlowConfig cfg = {}) : table(cfg, rec) {}
  void segment(const std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t len, std::uint32_t seq,
               bool to_server = true, std::uint16_t port = 443) {
    Packet p;
    p.src = *parse_ip(to_server ? "10.1.0.10" : "198.51.100.1");
    p.dst = *parse_ip(to_server ? "198.51.100.1" : "10.1.0.10");
    p.sport = to_server ? 40000 : port;
    p.dport = to_server ? port : 40000;
    p.proto = 6;
    p.tcp_flags = kAck | kPsh;
    p.tcp_seq = seq;
    p.payload = bytes.data() + from;
    p.payload_len = p.payload_caplen = std::uint32_t(len);
    table.add(p, t += 1000);
  }
  void syn() {
    Packet p;
    p.src = *parse_ip("10.1.0.10");
    p.dst = *parse_ip("198.51.100.1");
    p.sport = 40000;
    p.dport = 443;
    p.proto = 6;
    p.tcp_flags = kSyn;
    table.add(p, t += 1000);
  }
  ConnRecord finish() {
    table.flush();
    return rec.conns.empty() ? ConnRecord{} : rec.conns.back();
  }
};

}  // namespace

TEST(HuntNames, SplitHelloIsGatheredAcrossSegmentsAndRetransmissions) {
  const auto hello = client_hello("split.example", TlsClientProfile::browser_pq);
  ASSERT_GT(hello.size(), 1448u);  // the post-quantum key share makes it two segments
  Stream s;
  s.syn();
  const std::uint32_t isn = 0xfffffc00;  // sequence numbers wrap inside the hello
  s.segment(hello, 0, 1448, isn);
  s.segment(hello, 0, 1448, isn);                                  // retransmission: skipped
  s.segment(hello, 1000, hello.size() - 1000, isn + 1000);         // overlaps the first segment
  const ConnRecord c = s.finish();
  EXPECT_EQ(c.server_name, "split.example");
  EXPECT_EQ(c.tls_fp.substr(0, 10), "t13d1514h2");
  EXPECT_EQ(s.table.payload_stats().tls_split, 1u);
}

TEST(HuntNames, GapOrBudgetGivesUpCountedNeverGuessing) {
  const auto hello = client_hello("gap.example", TlsClientProfile::browser_pq);
  {
    Stream s;
    s.segment(hello, 0, 1000, 5000);
    s.segment(hello, 1200, hello.size() - 1200, 6200);  // 200 bytes missing
    const ConnRecord c = s.finish();
    EXPECT_FALSE(c.has_names());
    EXPECT_EQ(s.table.payload_stats().out_of_order, 1u);
  }
  {
    FlowConfig cfg;
    cfg.name_segments = 2;
    Stream s(cfg);
    for (std::uint32_t k = 0; k < 4; ++k) s.segment(hello, k * 100, 100, 7000 + k * 100);
    EXPECT_FALSE(s.finish().has_names());
    EXPECT_EQ(s.table.payload_stats().gave_up, 1u);
  }
  {
    FlowConfig cfg;
    cfg.name_buffer_bytes = 512;  // a buffer can never hold the hello
    Stream s(cfg);
    s.segment(hello, 0, 1448, 1);
    EXPECT_FALSE(s.finish().has_names());
    EXPECT_EQ(s.table.payload_stats().gave_up, 1u);
  }
  {
    FlowConfig cfg;
    cfg.max_named_flows = 0;
    Stream s(cfg);
    s.segment(hello, 0, 1448, 1);
    EXPECT_FALSE(s.finish().has_names());
    EXPECT_EQ(s.table.payload_stats().flows_untracked, 1u);
  }
}

TEST(HuntNames, HttpRequestSplitOverSegments) {
  const auto get = http_get("Updates.Vendor.Example:8080", "/fw/latest.bin", "bmc-agent/2.1");
  Stream s;
  s.segment(get, 0, 20, 100, true, 80);
  s.segment(get, 20, get.size() - 20, 120, true, 80);
  const ConnRecord c = s.finish();
  EXPECT_EQ(c.server_name, "updates.vendor.example");  // lower case, port removed
  EXPECT_EQ(c.http_user_agent, "bmc-agent/2.1");
  EXPECT_EQ(s.table.payload_stats().http_requests, 1u);
}

TEST(HuntNames, OtherProtocolsAreLeftAloneAfterOneLook) {
  const std::string ssh = "SSH-2.0-OpenSSH_9.2\r\n";
  const std::vector<std::uint8_t> b(ssh.begin(), ssh.end());
  Stream s;
  s.segment(b, 0, b.size(), 1, true, 22);
  EXPECT_FALSE(s.finish().has_names());
  const auto& st = s.table.payload_stats();
  EXPECT_EQ(st.tls_errors + st.http_errors + st.gave_up + st.tls_hellos + st.http_requests, 0u);
}

// ---- hostile input ----------------------------------------------------------------------------

TEST(HuntNames, EveryPrefixOfAHelloAsksForMoreNeverErrs) {
  for (auto profile : {TlsClientProfile::browser, TlsClientProfile::browser_pq, TlsClientProfile::go_implant,
                       TlsClientProfile::old_bmc}) {
    const auto hello = client_hello("prefix.example", profile);
    for (std::size_t n = 0; n < hello.size(); ++n) {
      ClientHello h;
      ASSERT_EQ(parse_client_hello(hello.data(), n, h), ParseStatus::need_more) << n;
    }
    ClientHello h;
    ASSERT_EQ(parse_client_hello(hello.data(), hello.size(), h), ParseStatus::ok);
    EXPECT_EQ(h.consumed, hello.size());
  }
}

TEST(HuntNames, MalformedHellosAreErrorsNamingAByte) {
  auto hello = client_hello("bad.example", TlsClientProfile::go_implant);
  // Cipher suites length (after record 5 + handshake 4 + version 2 + random 32 + sid 1+32) odd.
  const std::size_t cs = 5 + 4 + 2 + 32 + 1 + 32;
  auto odd = hello;
  odd[cs + 1] |= 1;
  ClientHello h;
  std::string why;
  EXPECT_EQ(parse_client_hello(odd.data(), odd.size(), h, &why), ParseStatus::error);
  EXPECT_NE(why.find("byte"), std::string::npos) << why;
  // A server name claiming more bytes than its extension has (old_bmc: SNI is the last field).
  const std::string sni = "long.example";
  auto longer = client_hello(sni, TlsClientProfile::old_bmc);
  longer[longer.size() - sni.size() - 2] = 0x01;  // name length 256 + 12
  why.clear();
  EXPECT_EQ(parse_client_hello(longer.data(), longer.size(), h, &why), ParseStatus::error);
  EXPECT_NE(why.find("byte"), std::string::npos) << why;
  // A server name that is not a host name.
  auto bad_sni = client_hello("bad name", TlsClientProfile::old_bmc);
  EXPECT_EQ(parse_client_hello(bad_sni.data(), bad_sni.size(), h, &why), ParseStatus::error);
  // Not TLS at all.
  const std::uint8_t ssh[] = {'S', 'S', 'H', '-'};
  EXPECT_EQ(parse_client_hello(ssh, sizeof ssh, h), ParseStatus::not_this);
  // Every single-byte corruption: any status, never a crash (ASan/UBSan builds check reads).
  for (std::size_t i = 0; i < hello.size(); ++i) {
    auto m = hello;
    m[i] ^= 0xa5;
    (void)parse_client_hello(m.data(), m.size(), h, &why);
    HttpRequest r;
    (void)parse_http_request(m.data(), m.size(), r, true, &why);
  }
}

TEST(HuntNames, HttpParserEdges) {
  auto parse = [](const std::string& s, bool final, HttpRequest& r) {
    return parse_http_request(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), r, final);
  };
  HttpRequest r;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a.example\r\n", false, r), ParseStatus::need_more);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a.example\r\n", true, r), ParseStatus::ok);
  EXPECT_EQ(r.host, "a.example");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(parse("GET / HTTP/1.0\nuser-agent:  curl/8.0 \n\n", false, r), ParseStatus::ok);
  EXPECT_EQ(r.user_agent, "curl/8.0");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(parse("HELO mail.example\r\n", false, r), ParseStatus::not_this);
  EXPECT_EQ(parse("\x16\x03\x01", false, r), ParseStatus::not_this);
  EXPECT_EQ(http_host_name("10.0.0.1:8080"), "");
  EXPECT_EQ(http_host_name("[2001:db8::1]:443"), "");
  EXPECT_EQ(http_host_name("Host.Example."), "host.example");
  EXPECT_EQ(http_host_name("a b"), "");
}

// ---- into the analyzer: beacon by SNI, rare_tls_client, bounds --------------------------------

TEST(HuntNames, ScenarioCdnBeaconIsOneRowAndTheBmcStackIsRare) {
  ScenarioConfig sc;
  sc.seed = 14;
  sc.hosts = 10;
  sc.hours = 1.0;
  sc.tls_names = true;
  Generated g;
  generate(sc, g);
  Analyzer a(mgmt_config());
  PacketProcessor proc(FlowConfig{}, a);
  read_capture_file(g.path, proc);
  proc.finish();
  const auto& ps = proc.flows().payload_stats();
  EXPECT_GT(ps.tls_hellos, 100u);
  EXPECT_GE(ps.tls_split, 10u);  // the CDN beacon's post-quantum hellos
  EXPECT_GT(ps.http_requests, 5u);
  EXPECT_EQ(ps.tls_errors + ps.http_errors, 0u);
  const auto findings = a.findings();

  const std::string cdn_src = host_address(7);
  std::vector<const sg::core::Finding*> cdn;
  for (const auto& f : findings)
    if (f.type == "beacon" && f.fields.value("src", "") == cdn_src && f.fields.value("dst_port", 0) == 443) cdn.push_back(&f);
  ASSERT_EQ(cdn.size(), 1u) << "the CDN beacon must be one row across its 8 addresses";
  EXPECT_EQ(cdn[0]->fields.value("dst_name", ""), "assets.cdn-front.example");
  EXPECT_EQ(cdn[0]->evidence.value("distinct_dst_ips", 0), 8);
  EXPECT_EQ(cdn[0]->evidence.value("dst_name_source", ""), "tls_sni_or_http_host");
  EXPECT_EQ(cdn[0]->evidence.value("tls_fp", "").substr(0, 10), "t13d1514h2");

  // The DNS-named beacons with SNI too: still one row each, named by DNS.
  for (const auto& p : g.truth.plants)
    if (p.type == "beacon" && p.src != cdn_src) {
      int rows = 0;
      for (const auto& f : findings)
        if (f.type == "beacon" && f.fields.value("src", "") == p.src && f.fields.value("dst_name", "") == p.dst_name) {
          ++rows;
          EXPECT_EQ(f.evidence.value("dst_name_source", ""), "dns");
        }
      EXPECT_EQ(rows, 1) << p.dst_name;
    }

  std::vector<const sg::core::Finding*> rare;
  for (const auto& f : findings)
    if (f.type == "rare_tls_client") rare.push_back(&f);
  ASSERT_EQ(rare.size(), 1u);
  EXPECT_EQ(rare[0]->host, "10.99.0.22");
  EXPECT_EQ(rare[0]->severity, sg::core::Severity::medium);
  EXPECT_EQ(rare[0]->evidence.value("server_name", ""), "fw.bmc-vendor.example");
  EXPECT_EQ(rare[0]->evidence.value("tls_fp", "").substr(0, 10), "t10d060100");
  // The mgmt_egress finding of the same BMC carries the names as evidence.
  bool egress_named = false;
  for (const auto& f : findings)
    if (f.type == "mgmt_egress" && f.host == "10.99.0.22")
      egress_named = f.evidence.value("server_name", "") == "fw.bmc-vendor.example" &&
                     f.evidence.value("tls_fp", "") == rare[0]->evidence.value("tls_fp", "");
  EXPECT_TRUE(egress_named);

  // Declaring every host a server adds nothing: their stacks are shared (the CDN beacon's
  // post-quantum hello differs from the browsers' only in its key share, which JA4 leaves out).
  HuntConfig servers = mgmt_config();
  servers.servers.add(*parse_cidr("10.1.0.0/16"));
  Analyzer b(servers);
  PacketProcessor proc2(FlowConfig{}, b);
  read_capture_file(g.path, proc2);
  proc2.finish();
  std::set<std::string> rare_hosts;
  for (const auto& f : b.findings())
    if (f.type == "rare_tls_client") rare_hosts.insert(f.host + (f.severity == sg::core::Severity::low ? " low" : " medium"));
  EXPECT_EQ(rare_hosts, (std::set<std::string>{"10.99.0.22 medium"}));
}

namespace {
ConnRecord tls_conn(const std::string& src, const std::string& dst, const std::string& sni, const std::string& fp,
                    Micros ts) {
  ConnRecord c;
  c.ts = ts;
  c.orig = *parse_ip(src);
  c.resp = *parse_ip(dst);
  c.orig_port = 40000;
  c.resp_port = 443;
  c.proto = 6;
  c.orig_bytes = 500;
  c.resp_bytes = 300;
  c.server_name = sni;
  c.tls_fp = fp;
  return c;
}
}  // namespace

TEST(HuntNames, RareTlsClientNeedsAPopulationAndAServerOrMgmtSource) {
  HuntConfig cfg = mgmt_config();
  cfg.servers.add(*parse_cidr("10.2.0.0/24"));
  {
    Analyzer a(cfg);  // one TLS client in the whole run: nothing is "rare"
    a.on_conn(tls_conn("10.99.0.5", "198.51.100.9", "x.example", "t10i050000_aaaaaaaaaaaa_000000000000", 1'000'000));
    for (const auto& f : a.findings()) EXPECT_NE(f.type, "rare_tls_client");
  }
  Analyzer a(cfg);
  const std::string common = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  for (int i = 0; i < 5; ++i)
    a.on_conn(tls_conn("10.1.0." + std::to_string(10 + i), "198.51.100.9", "site.example", common, 1'000'000 + i));
  a.on_conn(tls_conn("10.2.0.7", "198.51.100.9", "site.example", common, 2'000'000));  // a server, common stack
  a.on_conn(tls_conn("10.2.0.8", "203.0.113.5", "odd.example", "t12d0203h1_111111111111_222222222222", 3'000'000));
  a.on_conn(tls_conn("10.1.0.50", "203.0.113.5", "odd.example", "t12i0101h1_333333333333_444444444444", 4'000'000));
  std::vector<sg::core::Finding> rare;
  for (const auto& f : a.findings())
    if (f.type == "rare_tls_client") rare.push_back(f);
  ASSERT_EQ(rare.size(), 1u);  // 10.1.0.50 is neither server nor management
  EXPECT_EQ(rare[0].host, "10.2.0.8");
  EXPECT_EQ(rare[0].severity, sg::core::Severity::low);
  EXPECT_EQ(rare[0].evidence.value("server_name", ""), "odd.example");
}

TEST(HuntNames, NameTablesAreBoundedAndDropsAreReported) {
  HuntConfig cfg;
  cfg.max_name_series = 4;
  cfg.max_conn_names = 8;
  cfg.max_tls_fps = 3;
  Analyzer a(cfg);
  for (int i = 0; i < 20; ++i)
    for (int k = 0; k < 2; ++k)  // two connections each: not singletons, so not evictable
      a.on_conn(tls_conn("10.1.0.10", "203.0.113." + std::to_string(i), "n" + std::to_string(i) + ".example",
                         "t13d0101h2_" + std::to_string(100000000000 + i) + "_000000000000", 1'000'000 * (i * 2 + k)));
  const auto s = a.stats();
  EXPECT_EQ(s.name_series, 4u);
  EXPECT_EQ(s.tls_fps, 3u);
  EXPECT_EQ(s.drops.name_series_untracked, 32u);
  EXPECT_EQ(s.drops.conn_names_untracked, 24u);
  EXPECT_EQ(s.drops.tls_fps_untracked, 34u);
  const auto f = a.findings();
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.back().type, "dropped_evidence");
  EXPECT_EQ(f.back().evidence.value("name_series_untracked", 0), 32);
  EXPECT_EQ(f.back().evidence.value("tls_fps_untracked", 0), 34);
}

// ---- Zeek ssl.log and http.log ----------------------------------------------------------------

TEST(HuntNames, ZeekSslAndHttpLogsNameConnectionsByUid) {
  const std::string dir = kReal + "/zeek/rita-proxy-rolling";
  REQUIRE_REAL(dir);
  Recorder rec;
  ZeekNames names;
  read_zeek_path(dir, rec, nullptr, &names);
  EXPECT_GT(names.joined, 1000u);
  EXPECT_EQ(names.dropped, 0u);
  // Values from the gzip TSV logs themselves (zcat ssl.15*.gz, http.15*.gz).
  bool ssl = false, http = false;
  for (const auto& c : rec.conns) {
    if (c.server_name == "changelogs.ubuntu.com" && c.tls_fp == "ja3:e0ff89ed9185dfb09184797a4c3f2e1c") ssl = true;
    if (c.server_name == "ports.ubuntu.com" && c.http_user_agent == "Debian APT-HTTP/1.3 (2.0.9) non-interactive") http = true;
  }
  EXPECT_TRUE(ssl);
  EXPECT_TRUE(http);

  // JSON logs, no rotation.
  const std::string json = kReal + "/zeek/rita-json-with-all-fields";
  if (have(json)) {
    Recorder r2;
    ZeekNames n2;
    read_zeek_path(json, r2, nullptr, &n2);
    bool lp = false;
    for (const auto& c : r2.conns)
      lp = lp || (c.server_name == "lptag.liveperson.net" && c.tls_fp == "ja3:10ee8d30a5d01c042afd7b2b205facc4");
    EXPECT_TRUE(lp);
    EXPECT_EQ(n2.joined, 58u);
  }
  // Bounded: a tiny join table drops (and counts) what it cannot hold.
  Recorder r3;
  ZeekNames small(2);
  read_zeek_path(dir, r3, nullptr, &small);
  EXPECT_GT(small.dropped, 0u);
  EXPECT_LE(small.size(), 2u);
}

TEST(HuntNames, ZeekLogKinds) {
  EXPECT_EQ(zeek_log_kind("ssl.15:00:00-16:00:00.log.gz"), ZeekLog::ssl);
  EXPECT_EQ(zeek_log_kind("open_ssl.17_37_07-18_00_00.log.gz"), ZeekLog::ssl);
  EXPECT_EQ(zeek_log_kind("http.log"), ZeekLog::http);
  EXPECT_EQ(zeek_log_kind("http_json.log"), ZeekLog::http);
  EXPECT_EQ(zeek_log_kind("files.log"), std::nullopt);
}
