// Zeek log layouts as Zeek and RITA users keep them (issue 10 §3): day subdirectories, rotated
// and gzip names, other logs skipped, blanks before #separator, open_conn.log feeding
// long_connection, local_orig/local_resp honoured unless --internal-net is given; and the real
// RITA/Slips directories in ../shared/real/zeek.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/hunt/zeek.hpp"

using namespace sg::hunt;
namespace fs = std::filesystem;

namespace {

const char* kHeader =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
    "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\n";

std::string line(double ts, const std::string& o, const std::string& r, int port, double dur, const char* lo = "-",
                 const char* lr = "-") {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%.6f\tC1\t%s\t40000\t%s\t%d\ttcp\t-\t%.6f\t300\t900\tSF\t%s\t%s\n", ts, o.c_str(),
                r.c_str(), port, dur, lo, lr);
  return buf;
}

void write_gz(const fs::path& p, const std::string& text) {
  gzFile g = gzopen(p.c_str(), "wb");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(gzwrite(g, text.data(), unsigned(text.size())), int(text.size()));
  gzclose(g);
}

struct Tmp {
  fs::path dir = fs::temp_directory_path() / ("sg-zeek-layout-" + std::to_string(::getpid()));
  Tmp() { fs::remove_all(dir); fs::create_directories(dir); }
  ~Tmp() { fs::remove_all(dir); }
};

std::vector<sg::core::Finding> of_type(const std::vector<sg::core::Finding>& fs, const std::string& t) {
  std::vector<sg::core::Finding> out;
  for (const auto& f : fs)
    if (f.type == t) out.push_back(f);
  return out;
}

TEST(ZeekLayout, LogKindFromRotatedNames) {
  EXPECT_EQ(zeek_log_kind("conn.log"), ZeekLog::conn);
  EXPECT_EQ(zeek_log_kind("conn.00:00:00-01:00:00.log.gz"), ZeekLog::conn);
  EXPECT_EQ(zeek_log_kind("conn.15_00_00-16_00_00.log.gz"), ZeekLog::conn);
  EXPECT_EQ(zeek_log_kind("conn_json.log"), ZeekLog::conn);
  EXPECT_EQ(zeek_log_kind("dns.23:00:00-00:00:00.log.gz"), ZeekLog::dns);
  EXPECT_EQ(zeek_log_kind("open_conn.05:00:00-06:00:00.log.gz"), ZeekLog::open_conn);
  EXPECT_EQ(zeek_log_kind("conn-summary.10:00:00-11:00:00.log.gz"), std::nullopt);
  EXPECT_EQ(zeek_log_kind("http.log"), ZeekLog::http);  // names for conn lines (issue 14)
  EXPECT_EQ(zeek_log_kind("files.log"), std::nullopt);
  EXPECT_EQ(zeek_log_kind("conn.txt"), std::nullopt);
}

TEST(ZeekLayout, DaySubdirectoriesGzipAndSkippedLogs) {
  Tmp t;
  // A beacon every 300 s across two days and 4 hourly rotated gzip files, plus a plain file
  // that starts with a tab before #separator (as one real Slips log does).
  const double t0 = 1713484800;  // 2024-04-19 00:00
  int hour_file = 0;
  for (const char* day : {"2024-04-19", "2024-04-20"}) {
    fs::create_directories(t.dir / day);
    for (int h = 0; h < 2; ++h, ++hour_file) {
      std::string text = kHeader;
      for (int i = 0; i < 12; ++i) text += line(t0 + hour_file * 3600 + i * 300, "10.1.1.5", "203.0.113.9", 443, 0.3);
      char name[64];
      std::snprintf(name, sizeof name, "conn.%02d:00:00-%02d:00:00.log.gz", h, h + 1);
      write_gz(t.dir / day / name, text);
    }
    write_gz(t.dir / day / "conn-summary.00:00:00-01:00:00.log.gz", "not a conn log at all\n");
    std::ofstream(t.dir / day / "files.00:00:00-01:00:00.log") << "#fields\tts\n";
  }
  std::ofstream(t.dir / "conn.log") << "\t" << kHeader << line(t0 + 10, "10.1.1.6", "198.51.100.1", 80, 1);
  HuntConfig cfg;
  Analyzer a(cfg);
  std::vector<std::string> skipped;
  EXPECT_EQ(read_zeek_path(t.dir.string(), a, &skipped), 4u * 12 + 1);
  EXPECT_EQ(skipped.size(), 4u);
  const auto beacons = of_type(a.findings(), "beacon");
  ASSERT_EQ(beacons.size(), 1u);
  EXPECT_EQ(beacons[0].fields["dst"], "203.0.113.9");
  EXPECT_EQ(beacons[0].evidence["callbacks"], 48);
}

TEST(ZeekLayout, DamagedGzipNamesFileAndOffset) {
  Tmp t;
  std::string text = kHeader;
  for (int i = 0; i < 2000; ++i) text += line(1713484800 + i, "10.1.1.5", "203.0.113.9", 443, 0.3);
  write_gz(t.dir / "conn.log.gz", text);
  std::string bytes;
  {
    std::ifstream in(t.dir / "conn.log.gz", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(t.dir / "conn.log.gz", std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  HuntConfig cfg;
  Analyzer a(cfg);
  try {
    read_zeek_path(t.dir.string(), a);
    FAIL() << "a truncated gzip log was read without an error";
  } catch (const sg::core::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("conn.log.gz"), std::string::npos) << what;
    EXPECT_NE(what.find("gzip"), std::string::npos) << what;
    EXPECT_NE(what.find("compressed byte"), std::string::npos) << what;
  }
  EXPECT_GT(a.stats().conns, 100u);  // what came before the damage was read
}

TEST(ZeekLayout, OpenConnFeedsLongConnectionOnce) {
  Tmp t;
  // The same still-open connection in two rotations (1.0 h, then 2.0 h): one finding, 2 h.
  write_gz(t.dir / "open_conn.17:00:00-18:00:00.log.gz", std::string(kHeader) + line(1706736833, "10.0.0.238", "104.131.28.214", 8443, 3700));
  write_gz(t.dir / "open_conn.18:00:00-19:00:00.log.gz", std::string(kHeader) + line(1706736833, "10.0.0.238", "104.131.28.214", 8443, 7300));
  HuntConfig cfg;
  Analyzer a(cfg);
  read_zeek_path(t.dir.string(), a);
  const auto lc = of_type(a.findings(), "long_connection");
  ASSERT_EQ(lc.size(), 1u);
  EXPECT_NEAR(lc[0].evidence["duration_s"].get<double>(), 7300, 1);
  EXPECT_EQ(a.stats().pairs, 0u);  // still-open views are not extra connections
}

TEST(ZeekLayout, LocalOrigLocalRespHonouredUnlessInternalNetGiven) {
  // A sensor on a public address (as in RITA's data): Zeek says the 64.x host is local.
  std::string text = kHeader;
  for (int i = 0; i < 20; ++i) text += line(1713484800 + i * 600, "64.225.56.201", "104.19.174.68", 443, 0.5, "T", "F");
  {
    HuntConfig cfg;
    Analyzer a(cfg);
    std::istringstream in(text);
    read_zeek_log(in, ZeekLog::conn, "conn.log", a);
    EXPECT_EQ(of_type(a.findings(), "beacon").size(), 1u);
  }
  {
    HuntConfig cfg;  // --internal-net 10.0.0.0/8: the sensor's flags are overridden
    cfg.internal = NetSet();
    cfg.internal.add(*parse_cidr("10.0.0.0/8"));
    cfg.internal_given = true;
    Analyzer a(cfg);
    std::istringstream in(text);
    read_zeek_log(in, ZeekLog::conn, "conn.log", a);
    EXPECT_TRUE(a.findings().empty());
  }
}

// ---- real directories -------------------------------------------------------------------

const fs::path kReal = fs::path(SG_SOURCE_DIR) / ".." / "shared" / "real" / "zeek";

TEST(ZeekReal, RitaRotatedGzipDay) {
  const fs::path d = kReal / "rita-missing-host";
  if (!fs::exists(d)) GTEST_SKIP() << "real Zeek data absent: " << d;
  HuntConfig cfg;
  Analyzer a(cfg);
  std::vector<std::string> skipped;
  const auto n = read_zeek_path(d.string(), a, &skipped);
  EXPECT_GT(n, 30000u);  // 24 hourly conn.*.log.gz + dns
  EXPECT_GT(a.stats().dns, 1000u);
  bool summary_skipped = false;
  for (const auto& s : skipped) summary_skipped |= s.find("conn-summary") != std::string::npos;
  EXPECT_TRUE(summary_skipped);
  const auto fs_ = a.findings();
  // The day holds an SSH session open all day: long_connection comes from open_conn / conn.
  int medium_plus_noise = 0;
  for (const auto& f : fs_) {
    const std::string dst = f.fields.value("dst", "");
    EXPECT_EQ(not_a_destination(*parse_ip(dst.empty() ? "1.1.1.1" : dst), IpAddr{}, 17), NotDestination::no)
        << f.subject;
    if (f.severity >= sg::core::Severity::medium && f.fields.value("proto", "") == "icmp") ++medium_plus_noise;
  }
  EXPECT_EQ(medium_plus_noise, 0) << "ICMP errors are replies, not callbacks";
}

TEST(ZeekReal, EveryDirectoryReadsOrFailsWithALine) {
  if (!fs::exists(kReal)) GTEST_SKIP() << "real Zeek data absent: " << kReal;
  for (const auto& e : fs::directory_iterator(kReal)) {
    if (!e.is_directory()) continue;
    HuntConfig cfg;
    Analyzer a(cfg);
    try {
      read_zeek_path(e.path().string(), a);
    } catch (const sg::core::InputError& err) {
      // rita-truncated is cut mid-line on purpose; that must be a named line, never a crash.
      EXPECT_TRUE(err.where().line.has_value()) << err.what();
    }
    EXPECT_GT(a.stats().conns + a.stats().dns, 0u) << e.path();
    int medium_plus = 0;
    for (const auto& f : a.findings()) medium_plus += f.severity >= sg::core::Severity::medium;
    EXPECT_LE(medium_plus, 6) << e.path() << ": benign data should give at most a handful of medium+ findings";
  }
}

}  // namespace
