// The CLI end to end, the way a pipeline runs it: exit codes 0/2/3, JSON lines, errors on stderr.
#include <gtest/gtest.h>

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
