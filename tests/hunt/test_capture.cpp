// Capture reading and decoding: every link type, VLAN/QinQ, pcapng, IPv6, truncated files,
// non-capture files and unknown link types.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "scenario_util.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/decode.hpp"

using namespace sg::hunt;
using namespace sg::hunt::test;

namespace {

ScenarioConfig small(int linktype = 1, CaptureFormat fmt = CaptureFormat::pcap) {
  ScenarioConfig cfg;
  cfg.seed = 21;
  cfg.hosts = 6;
  cfg.hours = 0.15;
  cfg.linktype = linktype;
  cfg.format = fmt;
  return cfg;
}

void read_into(const std::string& path, Recorder& r, CaptureStats* stats = nullptr,
               CaptureReader reader = CaptureReader::automatic) {
  PacketProcessor proc(FlowConfig{}, r);
  read_capture_file(path, proc, {}, reader);
  proc.finish();
  if (stats) *stats = proc.stats();
}

void truncate_to(const std::string& path, std::uintmax_t size) { std::filesystem::resize_file(path, size); }

}  // namespace

TEST(HuntCapture, EveryLinkTypeAndFormatYieldsTheSameFlows) {
  Generated base;
  generate(small(), base);
  Recorder ref;
  CaptureStats ref_stats;
  read_into(base.path, ref, &ref_stats);
  ASSERT_GT(ref.conns.size(), 100u);
  ASSERT_GT(ref.dns.size(), 10u);
  EXPECT_EQ(ref_stats.undecodable, 0u);
  EXPECT_EQ(ref_stats.packets, base.truth.packets);

  struct Variant { const char* name; ScenarioConfig cfg; };
  std::vector<Variant> variants;
  variants.push_back({"sll", small(113)});
  variants.push_back({"sll2", small(276)});
  variants.push_back({"raw", small(12)});
  variants.push_back({"pcapng", small(1, CaptureFormat::pcapng)});
  variants.push_back({"pcapng-sll2", small(276, CaptureFormat::pcapng)});
  // Every link type the link table can frame (issue 10 §3): BSD loopback, PPP, PPPoE, MPLS.
  for (const char* name : {"null", "loop", "ppp", "pppoe", "mpls"}) {
    const int dlt = parse_linktype(name);
    ASSERT_NE(dlt, kUnknownLinkType) << name;
    variants.push_back({name, small(dlt)});
  }
  auto vlan = small();
  vlan.vlan = 42;
  variants.push_back({"vlan", vlan});
  auto qinq = vlan;
  qinq.qinq = true;
  variants.push_back({"qinq", qinq});
  for (const auto& v : variants) {
    Generated g;
    generate(v.cfg, g, v.cfg.format == CaptureFormat::pcapng ? ".pcapng" : ".pcap");
    Recorder r;
    CaptureStats st;
    read_into(g.path, r, &st);
    EXPECT_EQ(st.undecodable, 0u) << v.name;
    EXPECT_EQ(st.not_ip, 0u) << v.name;
    EXPECT_EQ(r.conns.size(), ref.conns.size()) << v.name;
    EXPECT_EQ(r.dns.size(), ref.dns.size()) << v.name;
    EXPECT_EQ(r.payload(), ref.payload()) << v.name;
    // Our classic-pcap reader and libpcap agree record for record.
    if (!link_type_supported(v.cfg.linktype < 0 ? 1 : v.cfg.linktype)) continue;
    Recorder lp;
    read_into(g.path, lp, nullptr, CaptureReader::libpcap);
    ASSERT_EQ(lp.conns.size(), r.conns.size()) << v.name;
    for (std::size_t i = 0; i < r.conns.size(); ++i) {
      EXPECT_EQ(lp.conns[i].ts, r.conns[i].ts) << v.name;
      EXPECT_EQ(lp.conns[i].orig_bytes, r.conns[i].orig_bytes) << v.name;
    }
  }
}

TEST(HuntCapture, Ipv6FlowsAreAssembled) {
  Generated g;
  generate(small(), g);
  Recorder r;
  read_into(g.path, r);
  std::size_t v6 = 0;
  for (const auto& c : r.conns)
    if (!c.orig.is_v4()) {
      ++v6;
      EXPECT_FALSE(c.resp.is_v4());
      EXPECT_EQ(c.orig.str().rfind("fd00:1::", 0), 0u) << c.orig.str();
    }
  EXPECT_GT(v6, 0u);
}

TEST(HuntCapture, DecoderHandlesQinQAndIpv6ExtensionHeaders) {
  // Ethernet, 802.1ad outer tag 100, 802.1Q inner tag 7, IPv6 with a hop-by-hop header, UDP.
  std::vector<std::uint8_t> f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0x00, 7, 0x86, 0xdd};
  std::vector<std::uint8_t> ip6(40, 0);
  ip6[0] = 0x60;
  ip6[5] = 8 + 8 + 4;  // payload length: hop-by-hop(8) + udp(8) + 4 bytes
  ip6[6] = 0;          // next: hop-by-hop
  ip6[7] = 64;
  ip6[8] = 0xfd;
  ip6[23] = 1;
  ip6[24] = 0x20; ip6[25] = 0x01; ip6[26] = 0x0d; ip6[27] = 0xb8;
  ip6[39] = 2;
  f.insert(f.end(), ip6.begin(), ip6.end());
  const std::uint8_t hbh[8] = {17, 0, 1, 4, 0, 0, 0, 0};
  f.insert(f.end(), hbh, hbh + 8);
  const std::uint8_t udp[12] = {0x30, 0x39, 0x01, 0xbb, 0, 12, 0, 0, 'a', 'b', 'c', 'd'};
  f.insert(f.end(), udp, udp + 12);
  Packet p;
  ASSERT_EQ(decode_packet(1, f.data(), f.size(), p), DecodeResult::ok);
  EXPECT_EQ(p.vlan, 100);
  EXPECT_EQ(p.proto, 17);
  EXPECT_EQ(p.sport, 12345);
  EXPECT_EQ(p.dport, 443);
  EXPECT_EQ(p.payload_len, 4u);
  EXPECT_EQ(p.src.str(), "fd00::1");
  EXPECT_EQ(p.dst.str(), "2001:db8::2");
  // Cut inside the UDP header: reported, not crashed.
  EXPECT_EQ(decode_packet(1, f.data(), f.size() - 10, p), DecodeResult::truncated);
  // ARP is not IP.
  std::vector<std::uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(decode_packet(1, arp.data(), arp.size(), p), DecodeResult::not_ip);
}

TEST(HuntCapture, TruncatedPcapNamesTheRecordOffsetAfterProcessingWhatCameBefore) {
  struct Case { CaptureFormat fmt; CaptureReader reader; };
  for (auto [fmt, reader] : {Case{CaptureFormat::pcap, CaptureReader::automatic},
                             Case{CaptureFormat::pcap, CaptureReader::libpcap},
                             Case{CaptureFormat::pcapng, CaptureReader::automatic}}) {
    Generated g;
    generate(small(1, fmt), g, fmt == CaptureFormat::pcap ? ".pcap" : ".pcapng");
    const auto size = std::filesystem::file_size(g.path);
    truncate_to(g.path, size - 37);  // mid-record
    Recorder r;
    PacketProcessor proc(FlowConfig{}, r);
    try {
      read_capture_file(g.path, proc, {}, reader);
      FAIL() << "no error on a truncated file";
    } catch (const sg::core::InputError& e) {
      ASSERT_TRUE(e.where().offset.has_value());
      EXPECT_GT(*e.where().offset, 24u);
      EXPECT_LT(*e.where().offset, size - 37);
      EXPECT_EQ(e.where().source, g.path);
      EXPECT_NE(std::string(e.what()).find(g.path + ": byte "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
    EXPECT_GT(proc.stats().packets + 2, g.truth.packets);  // all but the broken record were read
    proc.finish();
    EXPECT_GT(r.conns.size(), 100u);
  }
}

TEST(HuntCapture, TruncatedHeaderAndEmptyFile) {
  Generated g;
  generate(small(), g);
  truncate_to(g.path, 10);
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  EXPECT_THROW(read_capture_file(g.path, proc), sg::core::InputError);
  truncate_to(g.path, 0);
  try {
    read_capture_file(g.path, proc);
    FAIL();
  } catch (const sg::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("too short"), std::string::npos) << e.what();
  }
}

TEST(HuntCapture, UnknownLinkTypeIsAClearError) {
  const std::string path = temp_path(".pcap");
  {
    std::ofstream f(path, std::ios::binary);
    const std::uint32_t hdr[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 65535, 147};  // DLT_USER0
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
    const std::uint32_t rec[4] = {1, 0, 4, 4};
    f.write(reinterpret_cast<const char*>(rec), sizeof rec);
    f.write("abcd", 4);
  }
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  try {
    read_capture_file(path, proc);
    FAIL();
  } catch (const sg::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported link type 147"), std::string::npos) << e.what();
    EXPECT_EQ(e.where().offset, 20u);
  }
  std::remove(path.c_str());
}

TEST(HuntCapture, CorruptRecordLengthIsNamed) {
  Generated g;
  generate(small(), g);
  {
    std::FILE* f = std::fopen(g.path.c_str(), "r+b");
    std::fseek(f, 24 + 8, SEEK_SET);  // first record's capture length
    const std::uint32_t huge = 0x7fffffff;
    std::fwrite(&huge, 4, 1, f);
    std::fclose(f);
  }
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  try {
    read_capture_file(g.path, proc);
    FAIL();
  } catch (const sg::core::InputError& e) {
    EXPECT_EQ(e.where().offset, 24u);
    EXPECT_NE(std::string(e.what()).find("capture length 2147483647"), std::string::npos) << e.what();
  }
}

// A stream whose reads fail (an I/O error, not an end of file) after `fail_at` bytes: the error
// names that offset, for classic pcap as for pcapng (the classic reader used to say byte 0).
namespace {
struct FailingStream {
  std::vector<char> bytes;
  std::size_t fail_at = 0;
  std::size_t end = 0;  // what seeking to the end reports (0: the real size)
  std::size_t pos = 0;
};

std::FILE* failing_stream(FailingStream& s) {
  cookie_io_functions_t io{};
  io.read = [](void* c, char* buf, std::size_t n) -> ssize_t {
    auto& s = *static_cast<FailingStream*>(c);
    if (s.pos >= s.fail_at) return -1;
    n = std::min(n, std::min(s.fail_at, s.bytes.size()) - s.pos);  // 0 at the end of the bytes
    std::memcpy(buf, s.bytes.data() + s.pos, n);
    s.pos += n;
    return ssize_t(n);
  };
  io.seek = [](void* c, off64_t* off, int whence) -> int {
    auto& s = *static_cast<FailingStream*>(c);
    const off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? off64_t(s.pos) : off64_t(s.end ? s.end : s.bytes.size());
    s.pos = std::size_t(base + *off);
    *off = off64_t(s.pos);
    return 0;
  };
  return fopencookie(&s, "rb", io);
}
}  // namespace

TEST(HuntCapture, ReadErrorNamesTheOffsetWhereReadingFailed) {
  for (auto fmt : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    Generated g;
    generate(small(1, fmt), g, fmt == CaptureFormat::pcap ? ".pcap" : ".pcapng");
    FailingStream s;
    {
      std::ifstream in(g.path, std::ios::binary);
      s.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    ASSERT_GT(s.bytes.size(), 10000u);
    s.fail_at = s.bytes.size() / 2;
    std::FILE* f = failing_stream(s);
    ASSERT_NE(f, nullptr);
    Recorder r;
    PacketProcessor proc(FlowConfig{}, r);
    try {
      read_capture_stream(f, "io.cap", proc, {}, CaptureReader::automatic);  // closes f
      FAIL() << "no error on a failing read";
    } catch (const sg::core::InputError& e) {
      EXPECT_EQ(e.reason(), "read error");
      EXPECT_EQ(e.where().source, "io.cap");
      EXPECT_EQ(e.where().offset, std::optional<std::uint64_t>(s.fail_at)) << e.what();
    }
    EXPECT_GT(proc.stats().packets, 10u);  // what came before the failure was read
  }
}

// The reader sizes its buffer to the file; a stream that turns out longer than its size said
// (a file still being written) is read to its end all the same.
TEST(HuntCapture, StreamLongerThanItsReportedSizeIsReadWhole) {
  for (auto fmt : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    Generated g;
    generate(small(1, fmt), g, fmt == CaptureFormat::pcap ? ".pcap" : ".pcapng");
    CaptureStats whole;
    Recorder r1;
    read_into(g.path, r1, &whole);
    FailingStream s;
    {
      std::ifstream in(g.path, std::ios::binary);
      s.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    s.fail_at = s.bytes.size() + 1;  // never fails: the end of the bytes comes first
    s.end = 100;
    Recorder r2;
    PacketProcessor proc(FlowConfig{}, r2);
    read_capture_stream(failing_stream(s), "grow.cap", proc, {}, CaptureReader::automatic);
    proc.finish();
    EXPECT_EQ(proc.stats().packets, whole.packets);
    EXPECT_GT(whole.packets, 100u);
    EXPECT_EQ(r2.conns.size(), r1.conns.size());
  }
}

TEST(HuntCapture, MissingFileIsAnInputError) {
  Recorder r;
  PacketProcessor proc(FlowConfig{}, r);
  EXPECT_THROW(read_capture_file("/nonexistent/cap.pcap", proc), sg::core::InputError);
}

// A pcapng timestamp far beyond any real clock (found by fuzz_capture: seconds * 10^6 overflowed
// int64, UB in the sanitizer build, a wrapped time in release). The packet is kept, counted as
// a bad timestamp, and placed at the last good time; the good packet before it is untouched.
TEST(HuntCapture, OutOfRangeTimestampIsCountedNotWrapped) {
  std::vector<std::uint8_t> f;
  auto u16 = [&](std::uint16_t v) { f.push_back(std::uint8_t(v)); f.push_back(std::uint8_t(v >> 8)); };
  auto u32 = [&](std::uint32_t v) { for (int i = 0; i < 4; ++i) f.push_back(std::uint8_t(v >> (8 * i))); };
  // Section header block, little-endian, no options.
  u32(0x0A0D0D0A); u32(28); u32(0x1A2B3C4D); u16(1); u16(0);
  u32(0xFFFFFFFF); u32(0xFFFFFFFF); u32(28);
  // Interface description: Ethernet, snaplen 65535, default microsecond resolution.
  u32(1); u32(20); u16(1); u16(0); u32(65535); u32(20);
  // A UDP packet 10.0.0.1:40000 -> 10.0.0.2:9999, 4 bytes of payload.
  std::vector<std::uint8_t> frame = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00,
                                     0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                                     0x9c, 0x40, 0x27, 0x0f, 0, 12, 0, 0, 'p', 'i', 'n', 'g'};
  frame.resize(48, 0);
  auto epb = [&](std::uint64_t micros) {
    u32(6); u32(32 + std::uint32_t(frame.size())); u32(0);
    u32(std::uint32_t(micros >> 32)); u32(std::uint32_t(micros));
    u32(std::uint32_t(frame.size())); u32(std::uint32_t(frame.size()));
    f.insert(f.end(), frame.begin(), frame.end());
    u32(32 + std::uint32_t(frame.size()));
  };
  const std::uint64_t good = 1'700'000'000ull * 1'000'000ull;
  epb(good);
  epb(0xFFFFFFFFFFFFFFFFull);  // 1.8e13 s: overflows microseconds as int64
  const std::string path = ::testing::TempDir() + "/bad-ts.pcapng";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(f.data()), std::streamsize(f.size()));
  Recorder r;
  CaptureStats st;
  read_into(path, r, &st);
  EXPECT_EQ(st.packets, 2u);
  EXPECT_EQ(st.bad_timestamps, 1u);
  ASSERT_EQ(r.conns.size(), 1u);
  EXPECT_EQ(r.conns[0].orig_pkts, 2u);
  EXPECT_EQ(r.conns[0].ts, Micros(good));
  EXPECT_GE(r.conns[0].duration, 0);
  std::remove(path.c_str());
}

TEST(HuntCapture, CaptureTimeRejectsOutOfRangeParts) {
  EXPECT_EQ(capture_time(1, 2), Micros(1'000'002));
  EXPECT_FALSE(capture_time(-1, 0));
  EXPECT_FALSE(capture_time(9832490785774, 0));
  EXPECT_FALSE(capture_time(1, 1'000'000));
  EXPECT_FALSE(capture_time(1, -1));
}
