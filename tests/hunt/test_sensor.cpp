// Hunt as a sensor (issue 14): the state file carries the detectors across a restart exactly,
// a bad state file is set aside with its offset, the caps and the age horizon apply on load,
// and the report memory writes a finding again only when it got worse.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <zlib.h>

#include "scenario_util.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/sensor.hpp"

using namespace sg::hunt;
using sg::hunt::test::generate;
using sg::hunt::test::Generated;
using sg::hunt::test::mgmt_config;
using sg::hunt::test::Recorder;

namespace {

// Every record of a generated scenario, in the order the flow table emitted them.
Recorder records(std::uint64_t seed, double hours = 2.0, bool tls_names = false) {
  ScenarioConfig cfg;
  cfg.seed = seed;
  cfg.hosts = tls_names ? 10 : 8;
  cfg.hours = hours;
  cfg.tls_names = tls_names;
  Generated g;
  generate(cfg, g);
  Recorder rec;
  PacketProcessor proc(FlowConfig{}, rec);
  read_capture_file(g.path, proc);
  proc.finish();
  return rec;
}

// Records merged by time (what the analyzer would see from one source), split at `share`.
struct Timeline {
  struct Item {
    Micros ts;
    const ConnRecord* c;
    const DnsRecord* d;
  };
  std::vector<Item> items;
  explicit Timeline(const Recorder& r) {
    for (const auto& c : r.conns) items.push_back({c.ts, &c, nullptr});
    for (const auto& d : r.dns) items.push_back({d.ts, nullptr, &d});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.ts < b.ts; });
  }
  void feed(Analyzer& a, std::size_t from, std::size_t to) const {
    for (std::size_t i = from; i < to; ++i) items[i].c ? a.on_conn(*items[i].c) : a.on_dns(*items[i].d);
  }
};

std::multiset<std::string> ids(const std::vector<sg::core::Finding>& fs) {
  std::multiset<std::string> out;
  for (const auto& f : fs) out.insert(f.id());
  return out;
}

// Same finding ids as the uninterrupted run; on a difference, the findings that are new.
void expect_same_findings(const std::vector<sg::core::Finding>& got, const std::vector<sg::core::Finding>& expected,
                          double share) {
  EXPECT_EQ(ids(got), ids(expected)) << "restart at " << share;
  if (ids(got) != ids(expected))
    for (const auto& f : got)
      if (!ids(expected).count(f.id())) ADD_FAILURE() << sg::core::to_json_line(f);
}

std::string scratch_dir() {
  auto d = std::filesystem::path(sg::hunt::test::temp_path("-state"));
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace

TEST(HuntSensor, BeaconSpanningARestartIsFoundAsIfTheSensorNeverStopped) {
  const Recorder rec = records(21);
  const Timeline tl(rec);
  ASSERT_GT(tl.items.size(), 100u);
  Analyzer whole(mgmt_config());
  tl.feed(whole, 0, tl.items.size());
  const auto expected = whole.findings();
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& f) { return f.type == "beacon"; }));

  for (double share : {0.3, 0.5, 0.8}) {
    const std::size_t cut = std::size_t(double(tl.items.size()) * share);
    ReportMemory mem;
    std::string bytes;
    {
      Analyzer first(mgmt_config());
      tl.feed(first, 0, cut);
      bytes = encode_state(first, mem);
    }
    Analyzer second(mgmt_config());
    ReportMemory mem2;
    const StateSummary sum = decode_state(bytes, "mem.state", second, mem2);
    EXPECT_GT(sum.pairs, 0u);
    tl.feed(second, cut, tl.items.size());
    // Every finding identical, evidence and all (the id hashes the whole content).
    const auto got = second.findings();
    expect_same_findings(got, expected, share);
    EXPECT_EQ(second.stats().conns, whole.stats().conns);
    // And the state after the restart encodes to the same bytes as the uninterrupted one,
    // except the save time in META: compare everything after it.
    const std::string a = encode_state(second, mem2), b = encode_state(whole, mem2);
    EXPECT_EQ(a.size(), b.size());
  }
}

// The tables the traffic's own names feed (SNI/Host series, per-pair names, TLS fingerprints)
// cross a restart too: the CDN beacon named only by SNI and the BMC's rare TLS stack come out
// the same as in one uninterrupted run.
TEST(HuntSensor, NamesFromTheTrafficSurviveARestart) {
  const Recorder rec = records(14, 1.0, true);
  const Timeline tl(rec);
  Analyzer whole(mgmt_config());
  tl.feed(whole, 0, tl.items.size());
  const auto expected = whole.findings();
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& f) {
    return f.type == "beacon" && f.evidence.value("dst_name_source", "") == "tls_sni_or_http_host";
  }));
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& f) { return f.type == "rare_tls_client"; }));
  for (double share : {0.4, 0.7}) {
    const std::size_t cut = std::size_t(double(tl.items.size()) * share);
    ReportMemory mem;
    Analyzer first(mgmt_config());
    tl.feed(first, 0, cut);
    const std::string bytes = encode_state(first, mem);
    Analyzer second(mgmt_config());
    ReportMemory mem2;
    decode_state(bytes, "names.state", second, mem2);
    tl.feed(second, cut, tl.items.size());
    const auto got = second.findings();
    expect_same_findings(got, expected, share);
  }
}

TEST(HuntSensor, SaveAndLoadThroughADirectoryAtomically) {
  const Recorder rec = records(22, 1.0);
  const Timeline tl(rec);
  const std::string dir = scratch_dir();
  Analyzer a(mgmt_config());
  tl.feed(a, 0, tl.items.size());
  ReportMemory mem;
  const auto news = mem.news(a.findings());
  ASSERT_FALSE(news.empty());
  const StateSummary saved = save_state(dir, a, mem);
  EXPECT_TRUE(std::filesystem::exists(dir + "/hunt.state"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/hunt.state.tmp"));
  EXPECT_EQ(saved.reported, mem.entries().size());

  Analyzer b(mgmt_config());
  ReportMemory mem2;
  const StateLoad ld = load_state(dir, b, mem2);
  ASSERT_EQ(ld.status, StateLoad::Status::loaded) << ld.message;
  EXPECT_EQ(ids(b.findings()), ids(a.findings()));
  // Already reported before the restart: nothing is news now.
  EXPECT_TRUE(mem2.news(b.findings()).empty());
  std::filesystem::remove_all(dir);
}

TEST(HuntSensor, NoStateYetStartsFresh) {
  const std::string dir = scratch_dir() + "/not/yet";
  Analyzer a(mgmt_config());
  ReportMemory mem;
  const StateLoad ld = load_state(dir, a, mem);
  EXPECT_EQ(ld.status, StateLoad::Status::fresh);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path().parent_path());
}

TEST(HuntSensor, BadStateFilesAreSetAsideWithTheirOffsetAndTheRunStartsFresh) {
  const Recorder rec = records(23, 1.0);
  const Timeline tl(rec);
  Analyzer a(mgmt_config());
  tl.feed(a, 0, tl.items.size());
  ReportMemory mem;
  mem.news(a.findings());
  const std::string good = encode_state(a, mem);

  struct Case {
    std::string name, bytes, expect;
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  std::string version = good;
  version[8] = 9;
  std::vector<Case> cases = {
      {"empty", "", "truncated header"},
      {"magic", "NOTSTATE" + good.substr(8), "wrong magic"},
      {"version", version, "version 9"},
      {"truncated", good.substr(0, good.size() * 2 / 3), "truncated"},
      {"flipped", flipped, "checksum"},
      {"trailing", good + "xx", "after the last section"},
  };
  for (const auto& c : cases) {
    const std::string dir = scratch_dir();
    {
      std::ofstream(dir + "/hunt.state", std::ios::binary) << c.bytes;
    }
    Analyzer b(mgmt_config());
    ReportMemory m;
    const StateLoad ld = load_state(dir, b, m);
    EXPECT_EQ(ld.status, StateLoad::Status::set_aside) << c.name;
    EXPECT_NE(ld.message.find(dir + "/hunt.state"), std::string::npos) << ld.message;
    EXPECT_NE(ld.message.find(": byte "), std::string::npos) << ld.message;
    EXPECT_NE(ld.message.find(c.expect), std::string::npos) << c.name << ": " << ld.message;
    EXPECT_FALSE(std::filesystem::exists(dir + "/hunt.state")) << c.name;
    std::size_t aside = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().filename().string().rfind("hunt.state.bad-", 0) == 0) ++aside;
    EXPECT_EQ(aside, 1u) << c.name;
    EXPECT_EQ(b.stats().pairs, 0u);  // fresh, nothing half-loaded
    EXPECT_TRUE(m.entries().empty());
    std::filesystem::remove_all(dir);
  }
}

TEST(HuntSensor, EveryTruncationOfAStateFileIsRefusedCleanly) {
  const Recorder rec = records(24, 0.5);
  const Timeline tl(rec);
  Analyzer a(mgmt_config());
  tl.feed(a, 0, tl.items.size());
  const std::string good = encode_state(a, ReportMemory{});
  for (std::size_t n = 0; n < good.size(); n += std::max<std::size_t>(1, good.size() / 300)) {
    Analyzer b(mgmt_config());
    ReportMemory m;
    EXPECT_THROW(decode_state(std::string_view(good).substr(0, n), "t.state", b, m), sg::core::InputError) << n;
    EXPECT_EQ(b.stats().pairs, 0u);
  }
}

TEST(HuntSensor, UnknownOptionalSectionIsSkippedRequiredOneRefused) {
  Analyzer a(mgmt_config());
  ConnRecord c;
  c.ts = 1'790'000'000'000'000;
  c.orig = *parse_ip("10.1.0.5");
  c.resp = *parse_ip("203.0.113.9");
  c.resp_port = 443;
  c.proto = 6;
  a.on_conn(c);
  std::string good = encode_state(a, ReportMemory{});
  // Append a section a newer build might write (a TLS fingerprint table, say) and bump the count.
  auto with_section = [&](std::uint32_t flags) {
    std::string s = good;
    const std::string payload = "fingerprints";
    std::string h = "TLSF";
    for (int i = 0; i < 4; ++i) h += char(flags >> (8 * i));
    for (int i = 0; i < 8; ++i) h += char(std::uint64_t(payload.size()) >> (8 * i));
    const auto crc = std::uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size()));
    for (int i = 0; i < 4; ++i) h += char(crc >> (8 * i));
    s += h + payload;
    s[12] = char(std::uint8_t(s[12]) + 1);
    return s;
  };
  Analyzer b(mgmt_config());
  ReportMemory m;
  const StateSummary sum = decode_state(with_section(0), "x.state", b, m);
  EXPECT_EQ(sum.unknown_sections, 1u);
  EXPECT_EQ(sum.pairs, 1u);
  Analyzer d(mgmt_config());
  try {
    decode_state(with_section(1), "x.state", d, m);
    FAIL() << "a required unknown section must be refused";
  } catch (const sg::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("TLSF"), std::string::npos) << e.what();
  }
}

TEST(HuntSensor, CapsApplyOnLoadAndOldEvidenceAgesOut) {
  HuntConfig big = mgmt_config();
  Analyzer a(big);
  const Micros t0 = 1'790'000'000'000'000, hour = 3600'000'000;
  // 300 destinations seen on day 0 only, one beacon that keeps calling every hour for 10 days.
  for (int i = 0; i < 300; ++i) {
    ConnRecord c;
    c.ts = t0 + i * 1'000'000;
    c.orig = *parse_ip("10.1.0.5");
    c.resp = IpAddr::v4(0xCB007100u + std::uint32_t(i));
    c.resp_port = 443;
    c.proto = 6;
    c.orig_bytes = 100;
    a.on_conn(c);
  }
  for (int h = 0; h < 240; ++h) {
    ConnRecord c;
    c.ts = t0 + h * hour;
    c.orig = *parse_ip("10.1.0.6");
    c.resp = *parse_ip("198.51.100.77");
    c.resp_port = 8443;
    c.proto = 6;
    c.orig_bytes = 200;
    c.resp_bytes = 900;
    a.on_conn(c);
  }
  const std::string bytes = encode_state(a, ReportMemory{});
  // Smaller caps on load: over them is dropped and counted.
  HuntConfig small = mgmt_config();
  small.max_pairs = 100;
  small.max_calls_per_pair = 50;
  Analyzer b(small);
  ReportMemory m;
  StateSummary s = decode_state(bytes, "caps.state", b, m);
  EXPECT_LE(b.stats().pairs, 100u);
  EXPECT_GT(s.over_caps, 0u);
  EXPECT_GT(b.stats().drops.lost(), 0u);  // reported as dropped evidence, never silent
  // A 3-day horizon: the day-0 destinations age out, the beacon and its last 3 days stay.
  StateOptions three_days;
  three_days.max_age = 72 * hour;
  Analyzer c(mgmt_config());
  s = decode_state(bytes, "age.state", c, m, three_days);
  EXPECT_EQ(c.stats().pairs, 1u);
  EXPECT_GT(s.aged_out, 300u);
  const auto fs = c.findings();
  const auto it = std::find_if(fs.begin(), fs.end(), [](const auto& f) { return f.type == "beacon"; });
  ASSERT_NE(it, fs.end());
  EXPECT_GE(*it->first_seen, t0 + 237 * hour - 72 * hour);
}

TEST(HuntSensor, ReportMemoryWritesAFindingAgainOnlyWhenItGotWorse) {
  sg::core::Finding f;
  f.type = "beacon";
  f.subject = "10.1.0.5 -> c2.example:443/tcp";
  f.severity = sg::core::Severity::medium;
  f.last_seen = 100;
  ReportMemory m;
  EXPECT_EQ(m.news({f}).size(), 1u);
  f.score = 0.9;  // new id (more evidence), same identity and severity
  f.last_seen = 200;
  EXPECT_TRUE(m.news({f}).empty());
  f.severity = sg::core::Severity::high;
  EXPECT_EQ(m.news({f}).size(), 1u);
  f.severity = sg::core::Severity::low;  // weaker: not repeated
  EXPECT_TRUE(m.news({f}).empty());
  m.age_out(201);
  EXPECT_EQ(m.news({f}).size(), 1u);  // forgotten after the horizon: reported again
}
