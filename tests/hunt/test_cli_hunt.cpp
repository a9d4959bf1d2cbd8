// The CLI end to end, the way a pipeline runs it: exit codes 0/2/3, JSON lines, errors on stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../tools/run.hpp"
#include "scenario_util.hpp"

using sg::test::run;
using sg::test::supplyguard;
using sg::test::supplyguard_gen;

namespace {

struct Capture {
  std::string dir;
  Capture() {
    char tmpl[] = "/tmp/sg-hunt-cli-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~Capture() { std::system(("rm -rf " + dir).c_str()); }
};

}  // namespace

TEST(HuntCli, GeneratedCaptureFindsImplantAndFailOnExits3) {
  Capture c;
  auto gen = run(supplyguard_gen() + " traffic --seed 5 --hosts 6 --hours 1.2 -o " + c.dir + "/cap.pcap --truth " +
                 c.dir + "/truth.json");
  ASSERT_EQ(gen.code, 0) << gen.err;
  auto r = run(supplyguard() + " hunt -r " + c.dir + "/cap.pcap --mgmt-net 10.99.0.0/16");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"type\":\"mgmt_egress\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\":\"beacon\""), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress noise when stderr is not a TTY
  auto gate = run(supplyguard() + " hunt -r " + c.dir + "/cap.pcap --mgmt-net 10.99.0.0/16 --fail-on high");
  EXPECT_EQ(gate.code, 3);
  auto table = run(supplyguard() + " --format table hunt -r " + c.dir + "/cap.pcap --mgmt-net 10.99.0.0/16");
  EXPECT_EQ(table.code, 0);
  EXPECT_EQ(table.out.rfind("SEVERITY", 0), 0u);
}

TEST(HuntCli, NoInputIsAUsageError) {
  auto r = run(supplyguard() + " hunt");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("-r FILE"), std::string::npos) << r.err;
}

TEST(HuntCli, NonCaptureFileExits2NamingFileAndOffset) {
  Capture c;
  std::ofstream(c.dir + "/notes.txt") << "this is not a capture\n";
  auto r = run(supplyguard() + " hunt -r " + c.dir + "/notes.txt");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(c.dir + "/notes.txt: byte 0: not a pcap or pcapng file"), std::string::npos) << r.err;
}

TEST(HuntCli, TruncatedCaptureReportsFindingsThenExits2WithOffset) {
  Capture c;
  auto gen = run(supplyguard_gen() + " traffic --seed 9 --hosts 6 --hours 1.2 --format pcapng -o " + c.dir + "/cap.pcapng");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const auto size = std::filesystem::file_size(c.dir + "/cap.pcapng");
  std::filesystem::resize_file(c.dir + "/cap.pcapng", size - size / 20);
  auto r = run(supplyguard() + " hunt -r " + c.dir + "/cap.pcapng --mgmt-net 10.99.0.0/16 --fail-on low");
  EXPECT_EQ(r.code, 2);  // bad input wins over --fail-on
  EXPECT_NE(r.err.find(c.dir + "/cap.pcapng: byte "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"type\":\"mgmt_egress\""), std::string::npos) << "findings before the break are kept";
}

TEST(HuntCli, SeveralFilesInOneRunAndBadFlagsExit2) {
  Capture c;
  for (const char* lt : {"sll", "raw"})
    ASSERT_EQ(run(supplyguard_gen() + " traffic --seed 2 --hosts 3 --hours 0.2 --linktype " + lt + " -o " + c.dir +
                  "/" + lt + ".pcap")
                  .code,
              0);
  auto r = run(supplyguard() + " hunt -r " + c.dir + "/sll.pcap -r " + c.dir + "/raw.pcap --mgmt-net 10.99.0.0/16 --stats");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("hunt: "), std::string::npos);  // counters on stderr, not stdout
  EXPECT_EQ(r.out.find("hunt: "), std::string::npos);
  auto bad_net = run(supplyguard() + " hunt -r " + c.dir + "/sll.pcap --mgmt-net 10.99.0.0/40");
  EXPECT_EQ(bad_net.code, 2);
  EXPECT_NE(bad_net.err.find("--mgmt-net"), std::string::npos) << bad_net.err;
  auto bad_score = run(supplyguard() + " hunt -r " + c.dir + "/sll.pcap --min-score 7");
  EXPECT_EQ(bad_score.code, 2);
  auto filter_without_iface = run(supplyguard() + " hunt -r " + c.dir + "/sll.pcap --filter 'port 53'");
  EXPECT_EQ(filter_without_iface.code, 2);
  auto gen_bad = run(supplyguard_gen() + " traffic --linktype sll --vlan 5 -o " + c.dir + "/x.pcap");
  EXPECT_EQ(gen_bad.code, 2);
  EXPECT_NE(gen_bad.err.find("en10mb"), std::string::npos) << gen_bad.err;
}

TEST(HuntCli, AllowFileErrorsNameTheLine) {
  Capture c;
  std::ofstream(c.dir + "/allow.txt") << "203.0.113.0/24\nnot/a/thing\n";
  std::ofstream(c.dir + "/conn.log") << "{\"ts\":1.0,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"8.8.8.8\","
                                        "\"id.resp_p\":53,\"proto\":\"udp\"}\n";
  auto r = run(supplyguard() + " hunt --zeek " + c.dir + "/conn.log --allow " + c.dir + "/allow.txt");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(c.dir + "/allow.txt:2: "), std::string::npos) << r.err;
}

TEST(HuntCli, SmallStateBudgetReportsDroppedEvidenceInStatsAndOneInfoFinding) {
  Capture c;
  // A conn.log of 3 000 repeating pairs against --max-pairs 64: series must be dropped, and said so.
  {
    std::ofstream f(c.dir + "/conn.log");
    f << "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\t"
         "resp_bytes\n";
    for (int i = 0; i < 3000; ++i)
      for (int r = 0; r < 2; ++r)  // each pair twice in a row: not an evictable singleton
        f << 1780000000 + i * 2 + r << ".0\tC\t10.0.0." << (i % 200) << "\t40000\t45.0." << (i / 250) << "."
          << (i % 250) << "\t443\ttcp\t0.1\t100\t200\n";
  }
  auto r = run(supplyguard() + " hunt --zeek " + c.dir + " --max-pairs 64 --stats --min-score 0.99");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("hunt: state "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("evidence dropped: 0 series"), std::string::npos) << r.err;
  std::size_t n = 0;
  for (std::size_t at = 0; (at = r.out.find("\"type\":\"dropped_evidence\"", at)) != std::string::npos; ++at) ++n;
  EXPECT_EQ(n, 1u) << r.out;
  EXPECT_NE(r.out.find("\"severity\":\"info\""), std::string::npos);
}

// --threads 2 (the default on a machine with two CPUs) reads on one thread and keeps the detector
// state on another (supplyguard/hunt/pipe.hpp): it must change nothing a user sees. Compared
// with --threads 1 on a generated capture, on a truncated one (findings up to the break, exit 2),
// on a small state budget (eviction order), and on every real capture and Zeek directory of
// ../shared/real (the tcpdump robustness corpus apart: it has its own test).
TEST(HuntCli, TwoThreadsChangeNothingAUserSees) {
  namespace fs = std::filesystem;
  Capture c;
  ASSERT_EQ(run(supplyguard_gen() + " traffic --seed 11 --hosts 8 --hours 1.5 -o " + c.dir + "/cap.pcap").code, 0);
  {
    std::ifstream in(c.dir + "/cap.pcap", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(c.dir + "/cut.pcap", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3 + 5);
  }
  std::vector<std::string> inputs = {"-r " + c.dir + "/cap.pcap", "-r " + c.dir + "/cut.pcap",
                                     "-r " + c.dir + "/cap.pcap --max-pairs 64 --state-mb 16"};
  const fs::path real = fs::path(SG_SOURCE_DIR) / ".." / "shared" / "real";
  std::size_t real_inputs = 0;
  if (fs::exists(real / "pcap")) {
    for (const auto& e : fs::recursive_directory_iterator(real / "pcap")) {
      const auto p = e.path().string();
      if (!e.is_regular_file() || p.find("/tcpdump-tests/") != std::string::npos) continue;
      const auto ext = e.path().extension();
      if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
      inputs.push_back("-r '" + p + "'");
      ++real_inputs;
    }
  }
  if (fs::exists(real / "zeek"))
    for (const auto& e : fs::directory_iterator(real / "zeek"))
      if (e.is_directory()) {
        inputs.push_back("--zeek '" + e.path().string() + "'");
        ++real_inputs;
      }
  for (const auto& in : inputs) {
    const std::string cmd = supplyguard() + " hunt " + in + " --mgmt-net 10.99.0.0/16 --min-score 0 --stats";
    const auto one = run(cmd + " --threads 1");
    const auto two = run(cmd + " --threads 2");
    EXPECT_EQ(one.code, two.code) << in;
    EXPECT_EQ(one.out, two.out) << in;
    // --stats ends with the peak RSS, which differs: compare the rest.
    auto strip = [](std::string s) {
      const auto at = s.find("; peak RSS");
      return at == std::string::npos ? s : s.substr(0, at) + s.substr(s.find('\n', at));
    };
    EXPECT_EQ(strip(one.err), strip(two.err)) << in;
  }
  EXPECT_NE(run(supplyguard() + " hunt -r " + c.dir + "/cut.pcap --threads 2").code, 0);
  if (real_inputs == 0) std::printf("note: real data absent (../shared/real, see SOURCES.md): generated captures only\n");
  else std::printf("compared %zu real captures and Zeek directories\n", real_inputs);
  EXPECT_EQ(run(supplyguard() + " hunt -r " + c.dir + "/cap.pcap --threads 3").code, 2);
}
