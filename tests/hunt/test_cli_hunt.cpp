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
