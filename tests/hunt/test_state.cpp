// HuntState bounds (issue 10 §1, "never blind") and what is not a destination (§2): a busy day
// that overflows the pair table long before the plants start must still show the plants;
// evidence a bound really drops is reported, never silent; multicast/broadcast/link-local/
// unspecified addresses never become beacon or egress destinations.
#include <gtest/gtest.h>

#include <string>

#include "supplyguard/hunt/hunt.hpp"

using namespace sg::hunt;

namespace {

IpAddr ip(const char* s) { return *parse_ip(s); }

ConnRecord conn(Micros ts, const IpAddr& o, const IpAddr& r, std::uint16_t port, std::uint8_t proto = 6,
                std::uint64_t ob = 300, std::uint64_t rb = 900) {
  ConnRecord c;
  c.ts = ts;
  c.duration = 500'000;
  c.orig = o;
  c.resp = r;
  c.orig_port = 40000;
  c.resp_port = port;
  c.proto = proto;
  c.orig_bytes = ob;
  c.resp_bytes = rb;
  return c;
}

constexpr Micros kDay0 = 1'780'000'000'000'000LL;
constexpr Micros kHour = 3600'000'000LL;

// Browsing noise: distinct internal -> external pairs, one connection each (what fills a busy
// site's table), with a few repeats.
IpAddr noise_dst(std::uint64_t i) { return IpAddr::v4(std::uint32_t(0x2D000000u + (i * 2654435761u) % 0x00FFFFFFu)); }
IpAddr noise_src(std::uint64_t i) { return IpAddr::v4(std::uint32_t(0x0A000000u + (i % 5000) + 256)); }

const sg::core::Finding* find(const std::vector<sg::core::Finding>& fs, const std::string& type, const std::string& dst) {
  for (const auto& f : fs)
    if (f.type == type && f.fields.value("dst", "") == dst) return &f;
  return nullptr;
}

TEST(HuntState, PlantsAfterTheTableFilledAreStillFound) {
  HuntConfig cfg;
  cfg.max_pairs = 20000;  // a busy day is 9 M pairs against 2^20; same ratio, smaller
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("10.99.0.0/16"));
  Analyzer a(cfg);
  const IpAddr beacon_src = ip("10.1.2.3"), beacon_dst = ip("203.0.113.77");
  const IpAddr bmc = ip("10.99.0.5"), bmc_dst = ip("198.51.100.9");
  std::uint64_t n = 0;
  // 0-12 h: 180 000 single connections (9x the cap) before anything interesting.
  for (; n < 180000; ++n) a.on_conn(conn(kDay0 + Micros(n) * (12 * kHour / 180000), noise_src(n), noise_dst(n), 443));
  // 12-24 h: more noise, a beacon every 5 min and a BMC calling out every 30 min.
  Micros t = kDay0 + 12 * kHour;
  for (int i = 0; i < 144; ++i, t += 300'000'000) {
    a.on_conn(conn(t, beacon_src, beacon_dst, 443, 6, 220, 540));
    if (i % 6 == 0) a.on_conn(conn(t + 1'000'000, bmc, bmc_dst, 443, 6, 4000, 200));
    for (int k = 0; k < 1000; ++k, ++n) a.on_conn(conn(t + k * 250, noise_src(n), noise_dst(n), 443));
  }
  const auto fs = a.findings();
  const auto* b = find(fs, "beacon", "203.0.113.77");
  ASSERT_NE(b, nullptr) << "beacon starting at hour 12 went unseen";
  EXPECT_GE(b->evidence["callbacks"].get<int>(), 140);
  const auto* m = find(fs, "mgmt_egress", "198.51.100.9");
  ASSERT_NE(m, nullptr) << "mgmt_egress starting at hour 12 went unseen";
  EXPECT_EQ(m->severity, sg::core::Severity::critical);
  const auto s = a.stats();
  EXPECT_LE(s.pairs, cfg.max_pairs);
  EXPECT_GT(s.drops.singleton_pairs_evicted, 150000u);
  // Room was made only from what could not become a finding: nothing is reported lost.
  EXPECT_EQ(s.drops.lost(), 0u);
  for (const auto& f : fs) EXPECT_NE(f.type, "dropped_evidence");
}

TEST(HuntState, MgmtEgressIsNeverCappedByThePairTable) {
  HuntConfig cfg;
  cfg.max_pairs = 64;
  cfg.memory_budget = 1 << 20;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("10.99.0.0/16"));
  Analyzer a(cfg);
  // Repeating pairs (not evictable as singletons) flood the outbound table first.
  for (std::uint64_t i = 0; i < 5000; ++i)
    for (int r = 0; r < 3; ++r) a.on_conn(conn(kDay0 + Micros(i) * 1000 + r * 60'000'000, noise_src(i), noise_dst(i), 443));
  a.on_conn(conn(kDay0 + kHour, ip("10.99.1.1"), ip("192.0.2.200"), 623, 17, 60, 0));
  const auto fs = a.findings();
  ASSERT_NE(find(fs, "mgmt_egress", "192.0.2.200"), nullptr);
  // Ordinary series were dropped at the cap: said so, in stats and in one info finding.
  const auto s = a.stats();
  EXPECT_GT(s.drops.pairs_evicted_at_budget, 0u);
  int info = 0;
  for (const auto& f : fs)
    if (f.type == "dropped_evidence") {
      ++info;
      EXPECT_EQ(f.severity, sg::core::Severity::info);
      EXPECT_EQ(f.evidence["pairs_evicted_at_budget"].get<std::uint64_t>(), s.drops.pairs_evicted_at_budget);
    }
  EXPECT_EQ(info, 1);
}

TEST(HuntState, MemoryBudgetBoundsCallbacksAndSaysSo) {
  HuntConfig cfg;
  cfg.memory_budget = 2 << 20;  // 2 MB: far below what 400 pairs x 4096 callbacks would take
  Analyzer a(cfg);
  for (int i = 0; i < 3000; ++i)
    for (std::uint64_t p = 0; p < 400; ++p)
      a.on_conn(conn(kDay0 + Micros(i) * 10'000'000 + Micros(p), noise_src(p), noise_dst(p), 443));
  const auto s = a.stats();
  EXPECT_LE(s.state_bytes, std::size_t(3) << 20);
  EXPECT_GT(s.drops.callbacks_not_kept, 0u);
  const auto fs = a.findings();
  EXPECT_TRUE(std::any_of(fs.begin(), fs.end(), [](const auto& f) { return f.type == "dropped_evidence"; }));
  // The series themselves are still there and still scored.
  EXPECT_TRUE(std::any_of(fs.begin(), fs.end(), [](const auto& f) { return f.type == "beacon"; }));
}

TEST(NotADestination, ClassifiesLanChatter) {
  const IpAddr lan = ip("192.168.1.20"), pub = ip("73.54.23.243");
  EXPECT_EQ(not_a_destination(ip("239.255.255.250"), lan, 17), NotDestination::multicast);  // SSDP
  EXPECT_EQ(not_a_destination(ip("224.0.0.252"), lan, 17), NotDestination::multicast);      // LLMNR
  EXPECT_EQ(not_a_destination(ip("224.0.0.1"), lan, 2), NotDestination::multicast);         // IGMP
  EXPECT_EQ(not_a_destination(ip("ff02::1:3"), ip("fe80::1"), 17), NotDestination::multicast);
  EXPECT_EQ(not_a_destination(ip("ff02::2"), ip("fe80::1"), 58), NotDestination::multicast);
  EXPECT_EQ(not_a_destination(ip("255.255.255.255"), lan, 17), NotDestination::broadcast);
  EXPECT_EQ(not_a_destination(ip("169.254.10.1"), lan, 6), NotDestination::link_local);
  EXPECT_EQ(not_a_destination(ip("fe80::42"), ip("2001:db8::1"), 6), NotDestination::link_local);
  EXPECT_EQ(not_a_destination(ip("0.0.0.0"), lan, 17), NotDestination::unspecified);
  EXPECT_EQ(not_a_destination(ip("::"), lan, 17), NotDestination::unspecified);
  // Subnet broadcast inferred from the sender's own subnet (no netmask known).
  EXPECT_EQ(not_a_destination(ip("73.54.23.255"), pub, 17), NotDestination::broadcast);
  EXPECT_EQ(not_a_destination(ip("73.54.23.127"), ip("73.54.23.5"), 17), NotDestination::broadcast);
  // ... but never for TCP, nor for an address outside the sender's subnet, nor a real host.
  EXPECT_EQ(not_a_destination(ip("73.54.23.255"), pub, 6), NotDestination::no);
  EXPECT_EQ(not_a_destination(ip("8.8.8.255"), pub, 17), NotDestination::no);
  EXPECT_EQ(not_a_destination(ip("203.0.113.77"), lan, 17), NotDestination::no);
  EXPECT_EQ(not_a_destination(ip("2001:db8::1"), ip("fd00::1"), 17), NotDestination::no);
  // A known netmask gives the broadcast address exactly.
  NetSet nets;
  nets.add(*parse_cidr("100.64.8.0/22"));
  EXPECT_EQ(not_a_destination(ip("100.64.11.255"), ip("10.0.0.1"), 17, &nets), NotDestination::broadcast);
  EXPECT_EQ(not_a_destination(ip("100.64.9.255"), ip("10.0.0.1"), 17, &nets), NotDestination::no);
}

TEST(NotADestination, MulticastAndBroadcastNeverBecomeFindings) {
  HuntConfig cfg;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("73.54.23.0/24"));
  Analyzer a(cfg);
  const char* chatter[] = {"239.255.255.250", "224.0.0.252", "224.0.0.251", "255.255.255.255", "169.254.1.1",
                           "ff02::1:3", "ff02::2", "0.0.0.0"};
  for (int i = 0; i < 200; ++i)
    for (const char* d : chatter) {
      const IpAddr dst = ip(d);
      const IpAddr src = dst.is_v4() ? ip("192.168.1.20") : ip("fd00::20");
      a.on_conn(conn(kDay0 + Micros(i) * 30'000'000, src, dst, 1900, 17, 100, 0));
      a.on_conn(conn(kDay0 + Micros(i) * 30'000'000, ip("10.99.0.7"), dst, 623, 17, 100, 0));
    }
  const auto fs = a.findings();
  for (const auto& f : fs) ADD_FAILURE() << "unexpected " << f.type << " " << f.subject;
  // 169.254/16 from a LAN host is internal by default (never outbound at all): 15 of 16 counted.
  EXPECT_EQ(a.stats().not_destination, 200u * 15u);
}

}  // namespace
