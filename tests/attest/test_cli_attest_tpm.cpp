// enroll / snapshot --tpm / verify --ak-registry end to end against swtpm, and a critical quote
// finding carried by fleet into a "compromised" verdict.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../tools/run.hpp"
#include "swtpm_util.hpp"

using sg::test::run;
using sg::test::supplyguard;
using sg::test::supplyguard_gen;

namespace {

std::vector<nlohmann::json> lines_of(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(nlohmann::json::parse(l));
  return v;
}

}  // namespace

TEST(AttestCliTpm, EnrollSnapshotVerifyAndFleetVerdict) {
  sg::test::SwTpm tpm;
  if (!tpm.running()) GTEST_SKIP() << "swtpm cannot run here: " << tpm.why();
  sg::test::TempDir d;
  const std::string root = d.str() + "/db-01", reg = d.str() + "/aks", tcti = "'" + tpm.tcti() + "'";
  auto g = run(supplyguard_gen() + " host --model B --seed 4 --hostname db-01 --address 10.0.2.1 --ima --tpm " + tcti + " -o " + root);
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_NE(g.err.find("measurements"), std::string::npos) << g.err;
  auto e = run(supplyguard() + " enroll --tpm " + tcti + " --root " + root + " --ak-registry " + reg);
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.err.find("enrolled db-01"), std::string::npos) << e.err;

  const std::string nonce = "00112233445566778899aabbccddeeff";
  auto s = run(supplyguard() + " snapshot --root " + root + " --tpm " + tcti + " --nonce " + nonce + " -o " + d.str() + "/db-01.json");
  ASSERT_EQ(s.code, 0) << s.err;
  auto b = run(supplyguard() + " baseline create " + d.str() + "/db-01.json -o " + d.str() + "/golden.json");
  ASSERT_EQ(b.code, 0) << b.err;
  const std::string verify = supplyguard() + " verify " + d.str() + "/db-01.json --baseline " + d.str() + "/golden.json --ak-registry " + reg;
  auto ok = run(verify + " --nonce " + nonce + " --fail-on low");
  EXPECT_EQ(ok.code, 0) << ok.err << ok.out;
  EXPECT_EQ(ok.out, "");
  auto stale = run(verify + " --nonce 0badc0de --fail-on high");
  EXPECT_EQ(stale.code, 3) << stale.err;
  ASSERT_EQ(lines_of(stale.out).size(), 1u) << stale.out;
  EXPECT_EQ(lines_of(stale.out)[0]["type"], "quote_stale");

  // A bootkit's extend of PCR 4 that the log does not show (tpm2-tools, outside supplyguard).
  auto x = run("TPM2TOOLS_TCTI=" + tcti + " tpm2_pcrextend 4:sha256=" + std::string(64, 'b'));
  ASSERT_EQ(x.code, 0) << x.err;
  ASSERT_EQ(run(supplyguard() + " snapshot --root " + root + " --tpm " + tcti + " --nonce " + nonce + " -o " + d.str() + "/db-01b.json").code, 0);
  auto bad = run(supplyguard() + " verify " + d.str() + "/db-01b.json --baseline " + d.str() + "/golden.json --ak-registry " + reg + " --nonce " + nonce);
  ASSERT_EQ(bad.code, 0) << bad.err;
  const auto fs = lines_of(bad.out);
  ASSERT_EQ(fs.size(), 1u) << bad.out;
  EXPECT_EQ(fs[0]["type"], "quote_pcr_mismatch");
  EXPECT_EQ(fs[0]["subject"], "pcr:4");
  EXPECT_EQ(fs[0]["severity"], "critical");
  {
    std::ofstream(d.str() + "/findings.jsonl") << bad.out;
  }
  const std::string db = " --db sqlite:" + d.str() + "/fleet.db";
  auto in = run(supplyguard() + " fleet ingest " + d.str() + "/findings.jsonl" + db);
  ASSERT_EQ(in.code, 0) << in.err;
  auto v = run(supplyguard() + " fleet verdict" + db);
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.out.find("compromised"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("quote_pcr_mismatch"), std::string::npos) << v.out;
}
