// The attest CLI end to end: generator -> snapshot -> keygen -> signed baseline -> verify, with
// the exit codes and messages a pipeline relies on.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "../tools/run.hpp"
#include "tree_util.hpp"

using sg::test::run;
using sg::test::supplyguard;
using sg::test::supplyguard_gen;
using sg::test::TempDir;

namespace {

std::string gen_and_snapshot(const TempDir& d, const std::string& name, const std::string& args) {
  const std::string root = d.str() + "/" + name;
  auto g = run(supplyguard_gen() + " host --hostname " + name + " -o " + root + " " + args);
  EXPECT_EQ(g.code, 0) << g.err;
  const std::string snap = d.str() + "/" + name + ".json";
  auto s = run(supplyguard() + " snapshot --root " + root + " -o " + snap);
  EXPECT_EQ(s.code, 0) << s.err;
  // A generated tree is complete; without --address only "no own address" is missing.
  if (args.find("--address") != std::string::npos) {
    EXPECT_NE(s.err.find("0 unreadable paths"), std::string::npos) << s.err;
  }
  return snap;
}

}  // namespace

TEST(AttestCli, SignedBaselineVerifyFindsPlantsAndGatesOnSeverity) {
  TempDir d;
  const auto golden = gen_and_snapshot(d, "gold", "--seed 1 --model A --address 10.0.1.10");
  const auto good = gen_and_snapshot(d, "web-1", "--seed 2 --model A --address 10.0.1.11");
  const auto bad = gen_and_snapshot(d, "web-2", "--seed 3 --model A --address 10.0.1.12 --plant extra_i2c "
                                                "--plant module_changed --truth " + d.str() + "/truth.json");
  ASSERT_EQ(run(supplyguard() + " baseline keygen -o " + d.str() + "/g.key").code, 0);
  auto c = run(supplyguard() + " baseline create " + golden + " -o " + d.str() + "/golden.json --key " + d.str() + "/g.key");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("signed with key"), std::string::npos);

  const std::string verify = supplyguard() + " verify --baseline " + d.str() + "/golden.json --pubkey " + d.str() + "/g.key.pub ";
  auto ok = run(verify + good + " --fail-on low");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "");
  auto r = run(verify + good + " " + bad + " --fail-on high");
  EXPECT_EQ(r.code, 3) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["plane"], "attest");
    EXPECT_EQ(j["host"], "web-2");
    seen.insert(j["type"].get<std::string>() + " " + j["subject"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"component_added i2c:3-0066", "module_changed module:ipmi_si"}));
  const auto truth = nlohmann::json::parse(sg::test::slurp(d.str() + "/truth.json"));
  EXPECT_EQ(truth["expected"].size(), 2u);
}

TEST(AttestCli, TamperedOrUnsignedBaselinesAreRefusedWithExit2) {
  TempDir d;
  const auto snap = gen_and_snapshot(d, "h", "--seed 1 --model B");
  ASSERT_EQ(run(supplyguard() + " baseline keygen -o " + d.str() + "/k").code, 0);
  ASSERT_EQ(run(supplyguard() + " baseline create " + snap + " -o " + d.str() + "/signed.json --key " + d.str() + "/k").code, 0);
  ASSERT_EQ(run(supplyguard() + " baseline create " + snap + " -o " + d.str() + "/unsigned.json").code, 0);
  // An attacker blesses the implant: remove one golden hash.
  auto j = nlohmann::ordered_json::parse(sg::test::slurp(d.str() + "/signed.json"));
  j["modules"][2]["sha256"] = "";
  std::ofstream(d.str() + "/tampered.json") << j.dump(2);

  auto t = run(supplyguard() + " verify " + snap + " --baseline " + d.str() + "/tampered.json");
  EXPECT_EQ(t.code, 2);
  EXPECT_NE(t.err.find("tampered.json: baseline refused: signature does not verify"), std::string::npos) << t.err;
  auto u = run(supplyguard() + " verify " + snap + " --baseline " + d.str() + "/unsigned.json --pubkey " + d.str() + "/k.pub");
  EXPECT_EQ(u.code, 2);
  EXPECT_NE(u.err.find("baseline refused: unsigned"), std::string::npos) << u.err;
  auto w = run(supplyguard() + " verify " + snap + " --baseline " + d.str() + "/unsigned.json");
  EXPECT_EQ(w.code, 0);
  EXPECT_NE(w.err.find("warning"), std::string::npos);
  auto k = run(supplyguard() + " verify " + snap + " --baseline " + d.str() + "/signed.json --pubkey " + d.str() + "/k");
  EXPECT_EQ(k.code, 2);  // the secret key file is not a public key
  EXPECT_NE(k.err.find("not a supplyguard Ed25519 public key"), std::string::npos) << k.err;
}

TEST(AttestCli, ConsensusTableNamesTheOddHost) {
  TempDir d;
  std::filesystem::create_directories(d.path / "snaps");
  for (int i = 1; i <= 5; ++i) {
    const auto s = gen_and_snapshot(d, "n" + std::to_string(i),
                                    "--seed " + std::to_string(i) + (i == 3 ? " --plant extra_pci" : ""));
    std::filesystem::rename(s, d.path / "snaps" / ("n" + std::to_string(i) + ".json"));
  }
  auto r = run(supplyguard() + " --format table verify --consensus " + d.str() + "/snaps");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("SEVERITY", 0), 0u);
  EXPECT_NE(r.out.find("n3"), std::string::npos);
  EXPECT_NE(r.out.find("pci:0000:b3:00.0"), std::string::npos);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);  // header + one finding
}

TEST(AttestCli, BadInputsExit2NamingTheFile) {
  TempDir d;
  std::ofstream(d.str() + "/cut.json") << "{\"schema\":\"supplyguard.snapshot/1\",\"host\":{";
  auto r = run(supplyguard() + " verify --consensus " + d.str() + "/cut.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(d.str() + "/cut.json: byte"), std::string::npos) << r.err;
  auto n = run(supplyguard() + " verify " + d.str() + "/missing.json --consensus");
  EXPECT_EQ(n.code, 2);
  EXPECT_NE(n.err.find("missing.json: cannot open"), std::string::npos) << n.err;
  auto nb = run(supplyguard() + " verify " + d.str() + "/cut.json");
  EXPECT_EQ(nb.code, 2);
  EXPECT_NE(nb.err.find("--baseline"), std::string::npos) << nb.err;
  auto root = run(supplyguard() + " snapshot --root " + d.str() + "/nope");
  EXPECT_EQ(root.code, 2);
  auto plant = run(supplyguard_gen() + " host --plant nonsense -o " + d.str() + "/x");
  EXPECT_EQ(plant.code, 2);
  EXPECT_NE(plant.err.find("unknown --plant"), std::string::npos);
}

TEST(AttestCli, SnapshotOfThisMachinesLiveRoot) {
  auto r = run(supplyguard() + " snapshot");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "supplyguard.snapshot/1");
  EXPECT_EQ(j["root"], "/");
  EXPECT_TRUE(j["unreadable"].is_array());
}

TEST(AttestCli, FindingsBeforeABadSnapshotAreStillWrittenThenExit2) {
  TempDir d;
  const auto gold = gen_and_snapshot(d, "g", "--seed 1 --model B --address 10.0.0.1");
  const auto bad = gen_and_snapshot(d, "b", "--seed 2 --model B --address 10.0.0.2 --plant usb_added");
  ASSERT_EQ(run(supplyguard() + " baseline create " + gold + " -o " + d.str() + "/golden.json").code, 0);
  std::ofstream(d.str() + "/z-cut.json") << "{\"schema\":";
  // Files are read in parallel; output and the stop still follow the argument order.
  auto r = run(supplyguard() + " verify " + bad + " " + d.str() + "/z-cut.json " + gold + " --baseline " + d.str() +
               "/golden.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("\"subject\":\"usb:1-4\""), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_NE(r.err.find("z-cut.json: byte"), std::string::npos) << r.err;
}
