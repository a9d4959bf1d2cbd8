// The sensor flags end to end (issue 14) through the real binary: --state across two halves of
// a capture and across two nights of Zeek logs, a bad state file set aside, --db into SQLite and
// PostgreSQL with the spool taking over while PostgreSQL is down. The live interface itself is
// covered by live_sensor.sh (network namespace).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../fleet/store/fleet_test_util.hpp"
#include "../tools/run.hpp"
#include "supplyguard/fleet/fleet.hpp"

using sg::test::run;
using sg::test::supplyguard;
using sg::test::supplyguard_gen;
using sg::test::TempDir;

namespace {

std::vector<std::string> lines_of_type(const std::string& out, const std::string& type) {
  std::vector<std::string> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.find("\"type\":\"" + type + "\"") != std::string::npos) v.push_back(l);
  return v;
}

// Splits a classic pcap at the first packet at or after `share` of its time span.
void split_pcap(const std::string& in, const std::string& a, const std::string& b, double share) {
  std::ifstream f(in, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 24u);
  std::uint32_t magic;
  std::memcpy(&magic, bytes.data(), 4);
  ASSERT_EQ(magic, 0xA1B2C3D4u) << "generator writes little-endian microsecond pcap";
  std::vector<std::pair<std::uint32_t, std::size_t>> recs;  // (seconds, offset)
  for (std::size_t pos = 24; pos + 16 <= bytes.size();) {
    std::uint32_t sec, caplen;
    std::memcpy(&sec, bytes.data() + pos, 4);
    std::memcpy(&caplen, bytes.data() + pos + 8, 4);
    recs.push_back({sec, pos});
    pos += 16 + caplen;
  }
  ASSERT_FALSE(recs.empty());
  const double cut_time = recs.front().first + share * double(recs.back().first - recs.front().first);
  std::size_t cut = bytes.size();
  for (const auto& [sec, off] : recs)
    if (sec >= cut_time) {
      cut = off;
      break;
    }
  std::ofstream(a, std::ios::binary) << bytes.substr(0, cut);
  std::ofstream(b, std::ios::binary) << bytes.substr(0, 24) + bytes.substr(cut);
}

}  // namespace

TEST(HuntSensorCli, CaptureInTwoHalvesWithStateFindsTheSameBeaconsAsOneRun) {
  TempDir d;
  auto gen = run(supplyguard_gen() + " traffic --seed 5 --hosts 6 --hours 2 -o " + (d / "cap.pcap"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  split_pcap(d / "cap.pcap", d / "a.pcap", d / "b.pcap", 0.5);
  const std::string flags = " --mgmt-net 10.99.0.0/16";
  auto whole = run(supplyguard() + " hunt -r " + (d / "cap.pcap") + flags);
  ASSERT_EQ(whole.code, 0) << whole.err;
  auto first = run(supplyguard() + " hunt -r " + (d / "a.pcap") + flags + " --state " + (d / "state"));
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.err.find("no state"), std::string::npos) << first.err;
  auto second = run(supplyguard() + " hunt -r " + (d / "b.pcap") + flags + " --state " + (d / "state"));
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("state: loaded"), std::string::npos) << second.err;
  const auto expected = lines_of_type(whole.out, "beacon");
  ASSERT_GE(expected.size(), 2u) << whole.out;
  // Each beacon line identical, evidence and id included: as if the sensor never stopped.
  for (const auto& line : expected)
    EXPECT_NE(second.out.find(line), std::string::npos) << "missing after the restart:\n" << line << "\ngot:\n" << second.out;
  // Without the state, the second half alone sees only part of each series.
  auto alone = run(supplyguard() + " hunt -r " + (d / "b.pcap") + flags);
  for (const auto& line : expected) EXPECT_EQ(alone.out.find(line), std::string::npos);
}

TEST(HuntSensorCli, NightlyZeekRunsWithStateFindABeaconSpreadOverTwoDays) {
  TempDir d;
  // An hourly beacon from 19:00 on day 1 to 04:00 on day 2: five callbacks in each day's logs
  // (below the eight a beacon needs), ten over both; plus ordinary one-off connections.
  const double day1 = 1793606400;  // 2026-11-02T00:00:00Z
  auto conn = [](double ts, const std::string& o, const std::string& r, int port, int i) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(6);
    s << "{\"ts\":" << ts << ",\"uid\":\"C" << i << "\",\"id.orig_h\":\"" << o << "\",\"id.orig_p\":" << 40000 + i
      << ",\"id.resp_h\":\"" << r << "\",\"id.resp_p\":" << port
      << ",\"proto\":\"tcp\",\"duration\":0.4,\"orig_bytes\":310,\"resp_bytes\":1200,\"conn_state\":\"SF\"}\n";
    return s.str();
  };
  for (int day = 0; day < 2; ++day) {
    std::filesystem::create_directories(d.path / ("day" + std::to_string(day + 1)));
    std::ofstream out(d / ("day" + std::to_string(day + 1) + "/conn.log"));
    for (int i = 0; i < 40; ++i)
      out << conn(day1 + day * 86400 + i * 1800, "10.1.0." + std::to_string(20 + i % 7),
                  "198.51.100." + std::to_string(i + 1), 443, i);
    for (int h = 0; h < 5; ++h) {
      const double t = day == 0 ? day1 + (19 + h) * 3600 + 7 * h : day1 + 86400 + h * 3600 - 5 * h;
      out << conn(t, "10.1.0.5", "203.0.113.50", 8443, 100 + h);
    }
  }
  const std::string state = " --state " + (d / "state");
  for (const char* day : {"day1", "day2"}) {
    auto alone = run(supplyguard() + " hunt --zeek " + (d / day));
    ASSERT_EQ(alone.code, 0) << alone.err;
    EXPECT_TRUE(lines_of_type(alone.out, "beacon").empty()) << day << " alone:\n" << alone.out;
  }
  auto night1 = run(supplyguard() + " hunt --zeek " + (d / "day1") + state);
  ASSERT_EQ(night1.code, 0) << night1.err;
  EXPECT_TRUE(lines_of_type(night1.out, "beacon").empty());
  auto night2 = run(supplyguard() + " hunt --zeek " + (d / "day2") + state);
  ASSERT_EQ(night2.code, 0) << night2.err;
  const auto beacons = lines_of_type(night2.out, "beacon");
  ASSERT_EQ(beacons.size(), 1u) << night2.out << night2.err;
  EXPECT_NE(beacons[0].find("\"dst\":\"203.0.113.50\""), std::string::npos) << beacons[0];
  EXPECT_NE(beacons[0].find("\"callbacks\":10"), std::string::npos) << beacons[0];
  // A horizon shorter than the gap ages day 1 out: back to five callbacks, no beacon.
  std::filesystem::remove_all(d.path / "state");
  run(supplyguard() + " hunt --zeek " + (d / "day1") + state);
  auto short_horizon = run(supplyguard() + " hunt --zeek " + (d / "day2") + state + " --state-max-age 3h");
  ASSERT_EQ(short_horizon.code, 0) << short_horizon.err;
  EXPECT_TRUE(lines_of_type(short_horizon.out, "beacon").empty()) << short_horizon.out;
}

TEST(HuntSensorCli, CorruptStateFileIsSetAsideNamedWithItsOffsetAndTheRunGoesOn) {
  TempDir d;
  auto gen = run(supplyguard_gen() + " traffic --seed 6 --hosts 4 --hours 1 -o " + (d / "cap.pcap"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string cmd = supplyguard() + " hunt -r " + (d / "cap.pcap") + " --mgmt-net 10.99.0.0/16 --state " + (d / "state");
  ASSERT_EQ(run(cmd).code, 0);
  const std::string file = d / "state/hunt.state";
  std::string bytes = sg::test::read_text(file);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << std::string(bytes.data(), bytes.size() / 2);  // cut mid-section: a crash mid-write of an old version
  }
  auto r = run(cmd);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": byte "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("starting fresh"), std::string::npos) << r.err;
  EXPECT_FALSE(lines_of_type(r.out, "beacon").empty());  // the run itself is unaffected
  int aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path / "state"))
    if (e.path().filename().string().rfind("hunt.state.bad-", 0) == 0) ++aside;
  EXPECT_EQ(aside, 1);
  EXPECT_TRUE(std::filesystem::exists(file));  // a good one written again at the end
  // Not a state file at all.
  { std::ofstream(file, std::ios::binary | std::ios::trunc) << "hello"; }
  r = run(cmd);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("truncated header"), std::string::npos) << r.err;
}

TEST(HuntSensorCli, SensorFlagsRefuseWhatTheyCannotDo) {
  auto r = run(supplyguard() + " hunt -r /dev/null --report-every 5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--report-every"), std::string::npos) << r.err;
  r = run(supplyguard() + " hunt -r /dev/null --state-max-age soon --state /tmp");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--state-max-age"), std::string::npos) << r.err;
  r = run(supplyguard() + " hunt -r /dev/null --db mysql://x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--db"), std::string::npos) << r.err;
}

class HuntDbTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HuntDbTest, FindingsReachTheFleetStoreAndSurviveAnOutage) {
  sg::test::Backend backend;
  std::string skip;
  if (!backend.setup(GetParam(), skip)) GTEST_SKIP() << skip;
  TempDir d;
  auto gen = run(supplyguard_gen() + " traffic --seed 7 --hosts 5 --hours 1.2 -o " + (d / "cap.pcap"));
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string spool = " --spool " + (d / "spool.jsonl");
  const std::string hunt = supplyguard() + " hunt -r " + (d / "cap.pcap") + " --mgmt-net 10.99.0.0/16";
  auto r = run(hunt + " --db " + backend.url() + spool);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto printed = lines_of_type(r.out, "beacon").size() + lines_of_type(r.out, "mgmt_egress").size();
  ASSERT_GT(printed, 0u);
  std::size_t out_lines = 0;
  for (char c : r.out) out_lines += c == '\n';
  auto store = sg::fleet::Store::open(backend.url());
  EXPECT_EQ(store->load_view().findings.size(), out_lines);

  if (GetParam() != "postgres") return;
  // PostgreSQL down (nothing listens on port 1): the findings go to the spool, exit 0.
  TempDir d2;
  auto gen2 = run(supplyguard_gen() + " traffic --seed 8 --hosts 5 --hours 1.2 -o " + (d2 / "cap.pcap"));
  ASSERT_EQ(gen2.code, 0);
  auto down = run(supplyguard() + " hunt -r " + (d2 / "cap.pcap") + " --mgmt-net 10.99.0.0/16 --db postgresql://postgres@127.0.0.1:1/postgres" + spool);
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_NE(down.err.find("spooled"), std::string::npos) << down.err;
  std::size_t spooled_lines = 0;
  for (char c : down.out) spooled_lines += c == '\n';
  ASSERT_GT(spooled_lines, 0u);
  EXPECT_GT(std::filesystem::file_size(d / "spool.jsonl"), 0u);
  // Back up: the next run replays the spool first.
  auto up = run(hunt + " --db " + backend.url() + spool + " --stats");
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_EQ(std::filesystem::file_size(d / "spool.jsonl"), 0u);
  // Every finding of both runs is stored once (the same finding in both captures counts once).
  std::set<std::string> printed_ids;
  for (const std::string* out : {&r.out, &down.out}) {
    std::istringstream in(*out);
    for (std::string l; std::getline(in, l);) printed_ids.insert(l.substr(7, 16));  // {"id":"<16 hex>"
  }
  std::set<std::string> stored_ids;
  for (const auto& f : sg::fleet::Store::open(backend.url())->load_view().findings) stored_ids.insert(f.id);
  EXPECT_EQ(stored_ids, printed_ids);
  EXPECT_GT(printed_ids.size(), out_lines);
}

INSTANTIATE_TEST_SUITE_P(Backends, HuntDbTest, ::testing::Values("sqlite", "postgres"));
