// Zeek conn.log/dns.log in TSV and JSON: a fleet-shaped log (30 hosts beaconing every ~300 s
// with ±20 % jitter for 2 h, a BMC calling out), missing values, and malformed lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/hunt/zeek.hpp"
#include "../tools/run.hpp"

using namespace sg::hunt;

namespace {

const char* kConnHeader =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#open\t2026-11-02-08-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
    "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
    "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
    "count\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

struct Conn {
  double ts;
  std::string orig, resp;
  int oport, rport;
  std::string proto;
  double duration;  // < 0: unset
  long ob, rb;      // < 0: unset
};

std::string tsv_line(const Conn& c, int i) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(6);
  o << c.ts << "\tC" << i << "\t" << c.orig << "\t" << c.oport << "\t" << c.resp << "\t" << c.rport << "\t" << c.proto
    << "\t-\t";
  if (c.duration < 0) o << "-"; else o << c.duration;
  o << "\t" << (c.ob < 0 ? std::string("-") : std::to_string(c.ob)) << "\t"
    << (c.rb < 0 ? std::string("-") : std::to_string(c.rb)) << "\tSF\t-\t-\t0\tShADadFf\t6\t700\t5\t600\t(empty)\n";
  return o.str();
}

std::string json_line(const Conn& c, int i) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(6);
  o << "{\"ts\":" << c.ts << ",\"uid\":\"C" << i << "\",\"id.orig_h\":\"" << c.orig << "\",\"id.orig_p\":" << c.oport
    << ",\"id.resp_h\":\"" << c.resp << "\",\"id.resp_p\":" << c.rport << ",\"proto\":\"" << c.proto << "\"";
  if (c.duration >= 0) o << ",\"duration\":" << c.duration;
  if (c.ob >= 0) o << ",\"orig_bytes\":" << c.ob;
  if (c.rb >= 0) o << ",\"resp_bytes\":" << c.rb;
  o << ",\"conn_state\":\"SF\"}\n";
  return o.str();
}

// 30 hosts beacon to 203.0.113.66:443 every ~300 s (±20 %) for 2 h; a BMC calls out; some web
// noise with random timing; some lines with unset fields.
std::vector<Conn> fleet_conns() {
  std::vector<Conn> out;
  std::uint64_t s = 99;
  auto u = [&s] {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return double(s >> 11) * 0x1.0p-53;
  };
  const double t0 = 1793606400;
  for (int h = 0; h < 30; ++h) {
    const std::string src = "10.1.0." + std::to_string(10 + h);
    for (double t = t0 + u() * 300; t < t0 + 7200; t += 300 * (1 + 0.4 * (u() - 0.5)))
      out.push_back({t, src, "203.0.113.66", 40000 + int(u() * 20000), 443, "tcp", 0.2 + u() * 0.1,
                     long(350 + u() * 40), long(200 + u() * 30)});
    for (double t = t0 + u() * 600; t < t0 + 7200; t += -200 * std::log(1 - u()) + 5)
      out.push_back({t, src, "198.51.100." + std::to_string(10 + int(u() * 20)), 40000 + int(u() * 20000), 443, "tcp",
                     u() < 0.1 ? -1.0 : u() * 3, u() < 0.1 ? -1 : long(u() * 2000), long(u() * 200000)});
  }
  for (double t = t0 + 100; t < t0 + 7200; t += 600 * (1 + 0.2 * (u() - 0.5)))
    out.push_back({t, "10.99.0.5", "198.51.100.77", 50000 + int(u() * 1000), 8443, "tcp", 0.5, 900, 120});
  std::sort(out.begin(), out.end(), [](const Conn& a, const Conn& b) { return a.ts < b.ts; });
  return out;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/sg-zeek-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

HuntConfig fleet_config() {
  HuntConfig cfg;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  return cfg;
}

void check_fleet_findings(const std::vector<sg::core::Finding>& fs) {
  std::set<std::string> beacon_srcs;
  bool bmc_egress = false, bmc_beacon = false;
  for (const auto& f : fs) {
    if (f.type == "beacon" && f.fields.value("dst", "") == "203.0.113.66") {
      beacon_srcs.insert(f.fields.value("src", ""));
      EXPECT_EQ(f.host, f.fields.value("src", ""));
      EXPECT_GE(f.severity, sg::core::Severity::medium) << sg::core::to_json_line(f);
    }
    if (f.type == "mgmt_egress" && f.fields.value("src", "") == "10.99.0.5") bmc_egress = true;
    if (f.type == "beacon" && f.fields.value("src", "") == "10.99.0.5") bmc_beacon = true;
    if (f.type == "beacon" && f.fields.value("dst", "").rfind("198.51.100.", 0) == 0 &&
        f.fields.value("src", "") != "10.99.0.5")
      EXPECT_LT(f.severity, sg::core::Severity::medium) << "web noise: " << sg::core::to_json_line(f);
  }
  EXPECT_EQ(beacon_srcs.size(), 30u);
  EXPECT_TRUE(bmc_egress);
  EXPECT_TRUE(bmc_beacon);
}

}  // namespace

TEST(HuntZeek, FleetTsvConnLogYieldsBeaconsAndMgmtEgress) {
  const auto conns = fleet_conns();
  std::stringstream log;
  log << kConnHeader;
  for (std::size_t i = 0; i < conns.size(); ++i) log << tsv_line(conns[i], int(i));
  log << "#close\t2026-11-02-10-00-00\n";
  Analyzer a(fleet_config());
  EXPECT_EQ(read_zeek_log(log, ZeekLog::conn, "conn.log", a), conns.size());
  check_fleet_findings(a.findings());
}

TEST(HuntZeek, FleetJsonConnLogYieldsTheSame) {
  const auto conns = fleet_conns();
  std::stringstream log;
  for (std::size_t i = 0; i < conns.size(); ++i) log << json_line(conns[i], int(i));
  Analyzer a(fleet_config());
  EXPECT_EQ(read_zeek_log(log, ZeekLog::conn, "conn.json", a), conns.size());
  check_fleet_findings(a.findings());
}

TEST(HuntZeek, DnsLogNamesDestinationsInTsvAndJson) {
  const std::string tsv =
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype\tqtype_name\t"
      "rcode\tanswers\tTTLs\n"
      "1793606400.1\tD1\t10.1.0.10\t5353\t10.1.0.2\t53\tudp\t1\tCDN.Example.NET\t1\tA\t0\tedge.example.net,203.0.113.66\t60,60\n"
      "1793606401.1\tD2\t10.1.0.10\t5353\t10.1.0.2\t53\tudp\t2\t-\t-\t-\t-\t-\t-\n";
  const std::string json =
      "{\"ts\":1793606400.2,\"id.orig_h\":\"10.1.0.11\",\"query\":\"api.example.org\",\"qtype\":28,"
      "\"answers\":[\"2001:db8::66\"]}\n";
  struct Rec : RecordSink {
    std::vector<DnsRecord> d;
    void on_conn(const ConnRecord&) override {}
    void on_dns(const DnsRecord& r) override { d.push_back(r); }
  } rec;
  std::istringstream a(tsv), b(json);
  read_zeek_log(a, ZeekLog::dns, "dns.log", rec);
  read_zeek_log(b, ZeekLog::dns, "dns.json", rec);
  ASSERT_EQ(rec.d.size(), 2u);  // the line without a query is skipped
  EXPECT_EQ(rec.d[0].query, "cdn.example.net");
  ASSERT_EQ(rec.d[0].answers.size(), 1u);  // the CNAME answer is not an address
  EXPECT_EQ(rec.d[0].answers[0].str(), "203.0.113.66");
  EXPECT_EQ(rec.d[1].answers[0].str(), "2001:db8::66");
  EXPECT_EQ(rec.d[1].qtype, 28);
}

TEST(HuntZeek, MalformedLinesNameFileAndLine) {
  struct Case { std::string text, needle; std::uint64_t line; };
  const std::string hdr = "#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n";
  const std::vector<Case> cases = {
      {hdr + "1.0\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n1.0\t10.0.0.1\t1\n", "expected 6 fields, found 3", 4},
      {hdr + "1.0\t10.0.0.999\t1\t10.0.0.2\t80\ttcp\n", "id.orig_h: not an IP address", 3},
      {hdr + "1.0\t10.0.0.1\t70000\t10.0.0.2\t80\ttcp\n", "id.orig_p", 3},
      {hdr + "yesterday\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n", "not a Zeek timestamp", 3},
      {hdr + "1.0\t-\t1\t10.0.0.2\t80\ttcp\n", "missing required field id.orig_h", 3},
      {"1.0\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n", "before the #fields header", 1},
      {"{\"ts\":1.0,\"id.orig_h\":\"10.0.0.1\"\n", "malformed JSON", 1},
      {"{\"ts\":1.0,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80}\n",
       "missing required field proto", 1},
      {"{\"ts\":1.0,\"id.orig_h\":[1],\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80,\"proto\":\"tcp\"}\n",
       "unexpected JSON type", 1},
  };
  for (const auto& c : cases) {
    Analyzer a{HuntConfig{}};
    std::istringstream in(c.text);
    try {
      read_zeek_log(in, ZeekLog::conn, "conn.log", a);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const sg::core::InputError& e) {
      EXPECT_EQ(e.where().line, c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find("conn.log:" + std::to_string(c.line) + ": "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
}

TEST(HuntZeek, DirectoryReadsConnAndDnsAndCliEndToEnd) {
  TempDir dir;
  const auto conns = fleet_conns();
  {
    std::ofstream log(dir.path + "/conn.log");
    log << kConnHeader;
    for (std::size_t i = 0; i < conns.size(); ++i) log << tsv_line(conns[i], int(i));
    std::ofstream dns(dir.path + "/dns.log");
    dns << "{\"ts\":1793606300.0,\"id.orig_h\":\"10.1.0.10\",\"query\":\"c2.example.net\",\"qtype\":1,"
           "\"answers\":[\"203.0.113.66\"]}\n";
    std::ofstream other(dir.path + "/weird.log");
    other << "ignored\n";
  }
  auto r = sg::test::run(sg::test::supplyguard() + " hunt --zeek " + dir.path + " --mgmt-net 10.99.0.0/16 --fail-on critical");
  EXPECT_EQ(r.code, 3) << r.err;  // the BMC repeats: critical
  EXPECT_NE(r.out.find("\"dst_name\":\"c2.example.net\""), std::string::npos);
  EXPECT_NE(r.out.find("\"type\":\"mgmt_egress\""), std::string::npos);
  // A malformed line: findings before it are still printed, exit 2, file and line on stderr.
  {
    std::ofstream log(dir.path + "/conn.log", std::ios::app);
    log << "1793613600.0\tCbad\t10.1.0.10\n";
  }
  auto bad = sg::test::run(sg::test::supplyguard() + " hunt --zeek " + dir.path + " --mgmt-net 10.99.0.0/16");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find(dir.path + "/conn.log:" + std::to_string(conns.size() + 9) + ": expected 21 fields"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.out.find("\"type\":\"mgmt_egress\""), std::string::npos);
  auto empty = sg::test::run(sg::test::supplyguard() + " hunt --zeek /nonexistent/dir");
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("/nonexistent/dir"), std::string::npos);
}
