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

// enroll --ek-ca against a TPM manufactured by swtpm_setup (RSA EK certificate from a local CA),
// then model A (StartupLocality 3) booted twice by supplyguard-gen: the second verify reports the
// reboot, and the first snapshot offered again is a rollback.
TEST(AttestCliTpm, EkCaChainAndRebootHistoryOnModelA) {
  sg::test::SwTpmOptions opts;
  opts.ek_certificates = true;
  sg::test::SwTpm tpm(opts);
  if (!tpm.running()) GTEST_SKIP() << "swtpm with EK certificates cannot run here: " << tpm.why();
  sg::test::TempDir d;
  const std::string root = d.str() + "/web-01", reg = d.str() + "/aks", tcti = "'" + tpm.tcti() + "'";
  auto g = run(supplyguard_gen() + " host --model A --seed 2 --hostname web-01 --ima --tpm " + tcti + " -o " + root);
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_NE(g.err.find("Startup at locality 3"), std::string::npos) << g.err;
  {
    std::ofstream bundle(d.str() + "/vendor-ca.pem");
    for (const char* f : {"/swtpm-localca-rootca-cert.pem", "/issuercert.pem"})
      bundle << std::ifstream(tpm.ca_dir().string() + f).rdbuf();
  }
  ASSERT_EQ(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-vendor -keyout " +
                d.str() + "/other.key -out " + d.str() + "/other-ca.pem").code,
            0);
  const std::string enroll = supplyguard() + " enroll --tpm " + tcti + " --root " + root + " --ak-registry " + reg;
  auto wrong = run(enroll + " --ek-ca " + d.str() + "/other-ca.pem");
  EXPECT_EQ(wrong.code, 2) << wrong.err;
  EXPECT_NE(wrong.err.find("other-ca.pem: EK refused: EK certificate"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("does not chain to other-ca.pem: unable to get local issuer certificate"), std::string::npos) << wrong.err;
  auto good = run(enroll + " --ek-ca " + d.str() + "/vendor-ca.pem");
  ASSERT_EQ(good.code, 0) << good.err;
  EXPECT_NE(good.err.find("EK certificate: RSA 2048 EK certificate (template L-1) at NV 0x01c00002 verified against vendor-ca.pem"),
            std::string::npos)
      << good.err;
  EXPECT_NE(good.err.find("warning: the ECC NIST P-384 EK certificate (template H-3) at NV 0x01c00016 is not used"), std::string::npos)
      << good.err;

  const std::string n1 = "0101010101010101", n2 = "0202020202020202";
  auto snap = [&](const std::string& nonce, const std::string& out) {
    return run(supplyguard() + " snapshot --root " + root + " --tpm " + tcti + " --nonce " + nonce + " -o " + d.str() + "/" + out);
  };
  ASSERT_EQ(snap(n1, "s1.json").code, 0);
  ASSERT_EQ(run(supplyguard() + " baseline create " + d.str() + "/s1.json -o " + d.str() + "/golden.json").code, 0);
  const std::string verify = supplyguard() + " verify --baseline " + d.str() + "/golden.json --ak-registry " + reg + " ";
  auto v1 = run(verify + d.str() + "/s1.json --nonce " + n1 + " --fail-on info");
  EXPECT_EQ(v1.code, 0) << v1.err << v1.out;  // model A's PCR 0 replays from locality 3; same boot as enrolment
  EXPECT_TRUE(std::filesystem::exists(reg + "/quote-state/web-01.json"));

  // The host reboots (supplyguard-gen boots the TPM with the same log again).
  std::filesystem::remove_all(root + "-again");
  ASSERT_EQ(run(supplyguard_gen() + " host --model A --seed 2 --hostname web-01 --ima --tpm " + tcti + " -o " + root + "-again").code, 0);
  ASSERT_EQ(snap(n2, "s2.json").code, 0);
  auto v2 = run(verify + d.str() + "/s2.json --nonce " + n2);
  ASSERT_EQ(v2.code, 0) << v2.err;
  auto f2 = lines_of(v2.out);
  ASSERT_EQ(f2.size(), 1u) << v2.out;
  EXPECT_EQ(f2[0]["type"], "tpm_reboot");
  EXPECT_EQ(f2[0]["severity"], "info");
  // The first snapshot again, in a later run (the history is in the registry): a rollback.
  auto v3 = run(verify + d.str() + "/s1.json --fail-on high");
  EXPECT_EQ(v3.code, 3) << v3.err;
  auto f3 = lines_of(v3.out);
  ASSERT_EQ(f3.size(), 1u) << v3.out;
  EXPECT_EQ(f3[0]["type"], "tpm_clock_rollback");
  EXPECT_EQ(f3[0]["severity"], "high");
}
