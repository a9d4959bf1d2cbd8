// Flow table: direction, TCP close, idle eviction, and bounded memory at the cap.
#include <gtest/gtest.h>

#include "supplyguard/hunt/flow.hpp"

using namespace sg::hunt;

namespace {

struct Recorder : RecordSink {
  std::vector<ConnRecord> conns;
  void on_conn(const ConnRecord& c) override { conns.push_back(c); }
  void on_dns(const DnsRecord&) override {}
};

Packet tcp(const char* s, std::uint16_t sp, const char* d, std::uint16_t dp, std::uint8_t flags, std::uint32_t len) {
  Packet p;
  p.src = *parse_ip(s);
  p.dst = *parse_ip(d);
  p.sport = sp;
  p.dport = dp;
  p.proto = 6;
  p.tcp_flags = flags;
  p.payload_len = len;
  return p;
}

constexpr Micros kSec = 1'000'000;

}  // namespace

TEST(HuntFlow, BothDirectionsOneRecordOriginatorFromSyn) {
  Recorder r;
  FlowTable t(FlowConfig{}, r);
  t.add(tcp("10.0.0.1", 40000, "203.0.113.5", 443, kSyn, 0), 0);
  t.add(tcp("203.0.113.5", 443, "10.0.0.1", 40000, kSyn | kAck, 0), 1000);
  t.add(tcp("10.0.0.1", 40000, "203.0.113.5", 443, kAck | kPsh, 300), 2000);
  t.add(tcp("203.0.113.5", 443, "10.0.0.1", 40000, kAck | kPsh, 1200), 3000);
  t.flush();
  ASSERT_EQ(r.conns.size(), 1u);
  const auto& c = r.conns[0];
  EXPECT_EQ(c.orig.str(), "10.0.0.1");
  EXPECT_EQ(c.resp_port, 443);
  EXPECT_EQ(c.orig_bytes, 300u);
  EXPECT_EQ(c.resp_bytes, 1200u);
  EXPECT_EQ(c.orig_pkts, 2u);
  EXPECT_EQ(c.duration, 3000);
}

TEST(HuntFlow, SynAckFirstMakesTheReceiverTheOriginator) {
  Recorder r;
  FlowTable t(FlowConfig{}, r);
  t.add(tcp("203.0.113.5", 443, "10.0.0.1", 40000, kSyn | kAck, 0), 0);
  t.flush();
  ASSERT_EQ(r.conns.size(), 1u);
  EXPECT_EQ(r.conns[0].orig.str(), "10.0.0.1");
}

TEST(HuntFlow, IdleFlowsAreEvictedAndClosedOnesLingerBriefly) {
  Recorder r;
  FlowConfig cfg;
  FlowTable t(cfg, r);
  t.add(tcp("10.0.0.1", 1, "10.0.0.2", 80, kSyn, 0), 0);
  t.add(tcp("10.0.0.1", 1, "10.0.0.2", 80, kFin | kAck, 0), kSec);
  t.add(tcp("10.0.0.2", 80, "10.0.0.1", 1, kFin | kAck, 0), kSec);
  t.add(tcp("10.0.0.1", 2, "10.0.0.2", 80, kSyn, 0), kSec);  // stays open
  t.add(tcp("10.0.0.3", 9, "10.0.0.4", 9, kAck, 0), 30 * kSec);  // triggers a sweep
  EXPECT_EQ(r.conns.size(), 1u);  // the closed one
  t.add(tcp("10.0.0.3", 9, "10.0.0.4", 9, kAck, 0), 400 * kSec);
  // The open one and the first 10.0.0.3 flow idled past 300 s (TCP idle) before this packet.
  EXPECT_EQ(r.conns.size(), 3u);
  t.flush();
  EXPECT_EQ(r.conns.size(), 4u);
}

TEST(HuntFlow, AtTheCapOldestFlowsAreEndedAndMemoryStaysFixed) {
  Recorder r;
  FlowConfig cfg;
  cfg.max_flows = 64;
  FlowTable t(cfg, r);
  for (std::uint16_t i = 0; i < 1000; ++i) t.add(tcp("10.0.0.1", std::uint16_t(1000 + i), "10.0.0.2", 80, kSyn, 0), i);
  EXPECT_LE(t.live(), 64u);
  EXPECT_LE(t.stats().max_live, 64u);
  EXPECT_GT(t.stats().forced_evictions, 900u);
  t.flush();
  EXPECT_EQ(r.conns.size(), 1000u);  // nothing lost: ended early, not dropped
}

TEST(HuntFlow, NewSynOnAClosedTupleStartsANewRecord) {
  Recorder r;
  FlowTable t(FlowConfig{}, r);
  t.add(tcp("10.0.0.1", 1, "10.0.0.2", 80, kSyn, 0), 0);
  t.add(tcp("10.0.0.1", 1, "10.0.0.2", 80, kRst, 0), 10);
  t.add(tcp("10.0.0.1", 1, "10.0.0.2", 80, kSyn, 0), 20);
  t.flush();
  EXPECT_EQ(r.conns.size(), 2u);
}
