// Real link layers and capture layouts (issue 10 §3): the Zeek trace corpus (NULL, PPP, PPPoE,
// PPPoE over QinQ, MPLS in VLAN, NFLOG, 2-interface pcapng), pcapng whose interfaces differ in
// link type, snap length and timestamp resolution, TSO frames with IP length 0, timestamps going
// backwards, and tcpdump's 830-capture robustness corpus: read or refused with file and offset.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "scenario_util.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/decode.hpp"

using namespace sg::hunt;
using namespace sg::hunt::test;
namespace fs = std::filesystem;

namespace {

const fs::path kPcap = fs::path(SG_SOURCE_DIR) / ".." / "shared" / "real" / "pcap";

// IPv4/TCP packet 10.0.0.1:1234 -> 192.0.2.1:443 with `payload` bytes; total length as given.
std::vector<std::uint8_t> ipv4_tcp(std::size_t payload, std::uint16_t total_len_field) {
  std::vector<std::uint8_t> p(40 + payload, 0);
  p[0] = 0x45;
  p[2] = std::uint8_t(total_len_field >> 8);
  p[3] = std::uint8_t(total_len_field);
  p[8] = 64;
  p[9] = 6;
  const std::uint8_t s[4] = {10, 0, 0, 1}, d[4] = {192, 0, 2, 1};
  std::memcpy(&p[12], s, 4);
  std::memcpy(&p[16], d, 4);
  p[20] = 0x04; p[21] = 0xd2; p[22] = 0x01; p[23] = 0xbb;
  p[32] = 0x50;
  p[33] = 0x18;
  return p;
}

TEST(LinkTable, OnePlaceForEveryLinkType) {
  // Support check, error text and generator all come from the table.
  for (const auto& l : link_layers()) {
    if (l.dlt < 0) continue;
    EXPECT_TRUE(link_type_supported(l.dlt)) << l.name;
    EXPECT_NE(supported_link_types().find(std::string(l.name) + " (" + std::to_string(l.dlt) + ")"), std::string::npos);
    if (!l.frame) continue;
    // Frame a packet with the table's framer and decode it back.
    for (bool v6 : {false, true}) {
      if (v6) continue;  // the IPv4 packet below; IPv6 framing is covered by the scenario test
      std::uint8_t buf[2048];
      const std::size_t ll = l.frame(buf, v6);
      const auto ip = ipv4_tcp(100, 140);
      std::memcpy(buf + ll, ip.data(), ip.size());
      Packet p;
      ASSERT_EQ(decode_packet(l.dlt, buf, ll + ip.size(), p), DecodeResult::ok) << l.name;
      EXPECT_EQ(p.dport, 443) << l.name;
      EXPECT_EQ(p.payload_len, 100u) << l.name;
    }
  }
  EXPECT_FALSE(link_type_supported(127));  // 802.11 radiotap: refused, with the list
}

TEST(LinkTable, SegmentationOffloadFramesUseTheCapturedLength) {
  // A 9000-byte TSO segment captured on the sender: IP total length 0.
  const auto ip = ipv4_tcp(9000, 0);
  std::vector<std::uint8_t> frame(14, 0);
  frame[12] = 0x08;
  frame.insert(frame.end(), ip.begin(), ip.end());
  Packet p;
  ASSERT_EQ(decode_packet(1, frame.data(), frame.size(), p), DecodeResult::ok);
  EXPECT_EQ(p.payload_len, 9000u);
  EXPECT_EQ(p.dport, 443);
}

TEST(LinkTable, MplsStackAndPppoeOverQinQ) {
  const auto ip = ipv4_tcp(10, 50);
  // Ethernet, 802.1ad, 802.1Q, PPPoE session, PPP(IPv4)
  std::vector<std::uint8_t> f = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 42,
                                 0x88, 0x64, 0x11, 0, 0, 1, 0, 60, 0x00, 0x21};
  f.insert(f.end(), ip.begin(), ip.end());
  Packet p;
  ASSERT_EQ(decode_packet(1, f.data(), f.size(), p), DecodeResult::ok);
  EXPECT_EQ(p.vlan, 100);
  EXPECT_EQ(p.payload_len, 10u);
  // Ethernet, 802.1Q, three MPLS labels
  std::vector<std::uint8_t> m = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 7, 0x88, 0x47,
                                 0, 1, 0, 64, 0, 2, 0, 64, 0, 3, 1, 64};
  m.insert(m.end(), ip.begin(), ip.end());
  ASSERT_EQ(decode_packet(1, m.data(), m.size(), p), DecodeResult::ok);
  EXPECT_EQ(p.dport, 443);
  // A label stack that never ends is malformed, not a hang or an overread.
  std::vector<std::uint8_t> bad = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0x47};
  for (int i = 0; i < 40; ++i) bad.insert(bad.end(), {0, 1, 0, 64});
  EXPECT_EQ(decode_packet(1, bad.data(), bad.size(), p), DecodeResult::malformed);
}

// pcapng writer for the tests: SHB, then blocks.
struct Ng {
  std::vector<std::uint8_t> b;
  void u16(std::uint16_t v) { b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)}); }
  void u32(std::uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i))); }
  void pad() { while (b.size() % 4) b.push_back(0); }
  Ng() {
    u32(0x0A0D0D0A); u32(28); u32(0x1A2B3C4D); u16(1); u16(0); u32(0xffffffff); u32(0xffffffff); u32(28);
  }
  void idb(std::uint16_t dlt, std::uint32_t snap, int tsresol) {
    const bool opt = tsresol >= 0;
    const std::uint32_t len = 20 + (opt ? 12 : 0);
    u32(1); u32(len); u16(dlt); u16(0); u32(snap);
    if (opt) { u16(9); u16(1); b.push_back(std::uint8_t(tsresol)); pad(); u16(0); u16(0); }
    u32(len);
  }
  void epb(std::uint32_t iface, std::uint64_t ts, const std::vector<std::uint8_t>& data) {
    const std::uint32_t len = 32 + std::uint32_t((data.size() + 3) & ~std::size_t(3));
    u32(6); u32(len); u32(iface); u32(std::uint32_t(ts >> 32)); u32(std::uint32_t(ts));
    u32(std::uint32_t(data.size())); u32(std::uint32_t(data.size()));
    b.insert(b.end(), data.begin(), data.end());
    pad();
    u32(len);
  }
  std::string write() {
    const std::string path = temp_path(".pcapng");
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    return path;
  }
};

TEST(Pcapng, InterfacesWithDifferentLinkTypesSnapLengthsAndResolutions) {
  Ng ng;
  ng.idb(1, 65535, -1);   // Ethernet, microseconds (default)
  ng.idb(101, 96, 9);     // raw IP, nanoseconds, short snap length
  ng.idb(147, 1000, -1);  // a link type we do not decode: counted, others still read
  const std::uint64_t t_us = 1'700'000'000'000'000ULL;
  auto eth = std::vector<std::uint8_t>(14, 0);
  eth[12] = 0x08;
  auto ip = ipv4_tcp(20, 60);
  eth.insert(eth.end(), ip.begin(), ip.end());
  ng.epb(0, t_us, eth);
  ng.epb(1, (t_us + 1'000'000) * 1000, ip);  // one second later, in nanoseconds
  ng.epb(2, t_us, {1, 2, 3, 4});
  const std::string path = ng.write();
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  read_capture_file(path, proc);
  proc.finish();
  std::remove(path.c_str());
  EXPECT_EQ(proc.stats().packets, 3u);
  EXPECT_EQ(proc.stats().unsupported_link, 1u);
  ASSERT_EQ(r.conns.size(), 1u);  // both interfaces' packets are one flow
  EXPECT_EQ(r.conns[0].orig_pkts, 2u);
  EXPECT_EQ(r.conns[0].ts, sg::core::Micros(t_us));
  EXPECT_EQ(r.conns[0].duration, 1'000'000);
}

TEST(Pcapng, DamagedBlocksNameTheirOffset) {
  Ng ng;
  ng.idb(1, 65535, -1);
  auto eth = std::vector<std::uint8_t>(14, 0);
  eth[12] = 0x08;
  auto ip = ipv4_tcp(20, 60);
  eth.insert(eth.end(), ip.begin(), ip.end());
  ng.epb(0, 1'700'000'000'000'000ULL, eth);
  const std::size_t second = ng.b.size();
  ng.epb(5, 1'700'000'000'000'000ULL, eth);  // interface 5 was never described
  const std::string path = ng.write();
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  try {
    read_capture_file(path, proc);
    FAIL() << "packet on an undescribed interface accepted";
  } catch (const sg::core::InputError& e) {
    EXPECT_EQ(e.where().offset, second) << e.what();
    EXPECT_NE(std::string(e.what()).find("interface 5"), std::string::npos) << e.what();
  }
  EXPECT_EQ(proc.stats().packets, 1u);  // the packet before the damage was processed
  std::remove(path.c_str());
}

TEST(Timestamps, GoingBackwardsDoNotMakeAnHoursLongFlow) {
  // A pcap whose clock steps back 25 days mid-connection (one real capture gave "open for
  // 596088 h" from such a step).
  const std::string path = temp_path(".pcap");
  {
    std::ofstream f(path, std::ios::binary);
    const std::uint32_t hdr[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 65535, 101};
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
    const auto ip = ipv4_tcp(20, 60);
    const std::uint32_t secs[] = {1700000000, 1700000001, 1700000001 - 25 * 86400, 1700000002};
    for (std::uint32_t s : secs) {
      const std::uint32_t rec[4] = {s, 0, std::uint32_t(ip.size()), std::uint32_t(ip.size())};
      f.write(reinterpret_cast<const char*>(rec), sizeof rec);
      f.write(reinterpret_cast<const char*>(ip.data()), std::streamsize(ip.size()));
    }
  }
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  read_capture_file(path, proc);
  proc.finish();
  std::remove(path.c_str());
  EXPECT_EQ(proc.stats().backwards_timestamps, 1u);
  ASSERT_EQ(r.conns.size(), 1u);
  EXPECT_EQ(r.conns[0].ts, 1'700'000'000'000'000LL);
  EXPECT_EQ(r.conns[0].duration, 2'000'000);
  EXPECT_EQ(r.conns[0].orig_pkts, 4u);
}

TEST(RealTraces, ZeekLinkLayerCorpus) {
  const fs::path dir = kPcap / "zeek-traces";
  if (!fs::exists(dir)) GTEST_SKIP() << "real captures absent: " << dir;
  // Each of these was refused or read as 0 connections before the link table.
  for (const char* name : {"http_connect-with-header.pcap", "nflog-http.pcap", "ppp_quic-interop-retry.pcap",
                           "pppoe-over-qinq.pcap", "pppoe.pcap", "mpls-in-vlan.pcap", "mixed-vlan-mpls.pcap",
                           "pcapng-multi-interface.pcapng", "q-in-q.pcap", "vlan-qinqinq.pcap"}) {
    Recorder r;
    PacketProcessor proc(FlowConfig{}, r);
    read_capture_file((dir / name).string(), proc);
    proc.finish();
    EXPECT_GE(r.conns.size(), 1u) << name;
    EXPECT_EQ(proc.stats().undecodable, 0u) << name;
    EXPECT_EQ(proc.stats().unsupported_link, 0u) << name;
  }
}

TEST(RealTraces, TcpdumpCorpusIsReadOrRefusedWithFileAndOffset) {
  const fs::path dir = kPcap / "tcpdump-tests";
  if (!fs::exists(dir)) GTEST_SKIP() << "tcpdump test corpus absent: " << dir;
  std::size_t files = 0, read = 0, refused = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
    ++files;
    HuntConfig cfg;
    Analyzer a(cfg);
    PacketProcessor proc(FlowConfig{}, a);
    try {
      read_capture_file(e.path().string(), proc);
      ++read;
    } catch (const sg::core::InputError& err) {
      ++refused;
      EXPECT_EQ(err.where().source, e.path().string());
      EXPECT_TRUE(err.where().offset.has_value()) << err.what();
    }
    proc.finish();
    (void)a.findings();
  }
  EXPECT_GE(files, 800u);
  EXPECT_GE(read, 550u) << "of " << files;
  std::printf("tcpdump corpus: %zu captures, %zu read, %zu refused with file and offset\n", files, read, refused);
}

TEST(RealTraces, BenignLanChatterIsNotAFinding) {
  // Issue 10 §2: SSDP, LLMNR, IGMP, ICS polling, ordinary browsing.
  if (!fs::exists(kPcap / "suricata")) GTEST_SKIP() << "real captures absent: " << kPcap;
  int medium_plus = 0, files = 0;
  for (const char* sub : {"suricata", "ics", "chrissanders", "arkime"}) {
    for (const auto& e : fs::directory_iterator(kPcap / sub)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".pcap" && ext != ".pcapng") continue;
      HuntConfig cfg;
      Analyzer a(cfg);
      PacketProcessor proc(FlowConfig{}, a);
      try {
        read_capture_file(e.path().string(), proc);
      } catch (const sg::core::InputError&) {  // frame relay: refused, with its offset
      }
      proc.finish();
      ++files;
      for (const auto& f : a.findings()) {
        if (f.severity < sg::core::Severity::medium) continue;
        ++medium_plus;
        const std::string dst = f.fields.value("dst", "");
        if (auto ip = parse_ip(dst)) {
          EXPECT_EQ(not_a_destination(*ip, *parse_ip(f.fields.value("src", "0.0.0.0")), 17), NotDestination::no)
              << e.path().filename() << ": " << f.summary;
        }
      }
    }
  }
  EXPECT_GE(files, 20);
  EXPECT_LE(medium_plus, 3) << "benign captures should give at most a handful of medium+ findings";
}

}  // namespace
