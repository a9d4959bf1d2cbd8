// Verification over generated hosts: every planted change found with the right type, nothing
// on unchanged copies, correlatable findings across hosts, consensus mode.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/verify.hpp"
#include "tree_util.hpp"

using namespace sg::attest;
using sg::core::Finding;
using sg::test::TempDir;

namespace {

using Pair = std::pair<std::string, std::string>;  // (type, subject)

std::set<Pair> pairs(const std::vector<Finding>& fs) {
  std::set<Pair> out;
  for (const auto& f : fs) out.insert({f.type, f.subject});
  return out;
}

std::set<Pair> expected(const HostTreeTruth& t) {
  std::set<Pair> out;
  for (const auto& e : t.expected) out.insert({e.type, e.subject});
  return out;
}

Baseline golden(const TempDir& d, const std::string& model) {
  BaselineOptions o;
  o.created_at = "2026-11-23T00:00:00Z";
  auto cfg = sg::test::host_config(model, 1000);
  cfg.hostname = "golden-" + model;
  return create_baseline({sg::test::snapshot_of(d, cfg)}, o);
}

}  // namespace

TEST(AttestVerify, UnchangedHostsOfTheModelHaveNoFindings) {
  TempDir d;
  for (const std::string model : {"A", "B"}) {
    const auto b = golden(d, model);
    for (std::uint64_t seed : {1, 2, 77}) {
      const auto fs = verify_snapshot(sg::test::snapshot_of(d, sg::test::host_config(model, seed)), b);
      EXPECT_TRUE(fs.empty()) << model << seed << ": " << (fs.empty() ? "" : sg::core::to_json_line(fs.front()));
    }
  }
}

TEST(AttestVerify, EachPlantAloneIsFoundWithTheRightTypeAndNothingElse) {
  TempDir d;
  for (const std::string model : {"A", "B"}) {
    const auto b = golden(d, model);
    std::uint64_t seed = 10;
    for (const Plant p : all_plants()) {
      HostTreeTruth truth;
      const auto s = sg::test::snapshot_of(d, sg::test::host_config(model, seed++, {p}), &truth);
      const auto fs = verify_snapshot(s, b);
      ASSERT_FALSE(truth.expected.empty());
      EXPECT_EQ(pairs(fs), expected(truth)) << model << " " << to_string(p);
      for (const auto& f : fs) {
        EXPECT_EQ(f.plane, sg::core::Plane::attest);
        EXPECT_EQ(f.host, s.host.hostname);
        EXPECT_EQ(f.fields.at("model"), s.host.model);
        EXPECT_EQ(f.fields.at("component"), f.subject);
      }
    }
  }
}

TEST(AttestVerify, AllPlantsAtOnceAndTheirSeverities) {
  TempDir d;
  const auto b = golden(d, "A");
  HostTreeTruth truth;
  const auto s = sg::test::snapshot_of(d, sg::test::host_config("A", 5, all_plants()), &truth);
  const auto fs = verify_snapshot(s, b);
  EXPECT_EQ(pairs(fs), expected(truth));
  for (const auto& f : fs) {
    if (f.subject == "pci:0000:b3:00.0" || f.subject == "i2c:3-0066" || f.type == "module_changed") {
      EXPECT_EQ(f.severity, sg::core::Severity::critical) << f.subject;
    }
    if (f.type == "component_changed") {
      EXPECT_EQ(f.fields.at("before").size(), 1u);  // only the option ROM hash differs
      EXPECT_TRUE(f.fields.at("after").contains("rom_sha256"));
      EXPECT_TRUE(f.evidence.contains("rom_sha256_expected"));
    }
    if (f.type == "eventlog_changed") {
      EXPECT_EQ(f.fields.at("after").at("type"), "EV_EFI_PLATFORM_FIRMWARE_BLOB");
      EXPECT_NE(f.summary.find("PCR 0"), std::string::npos);
    }
  }
}

TEST(AttestVerify, SamePlantOnManyHostsGivesIdenticalCorrelationKeys) {
  TempDir d;
  const auto b = golden(d, "B");
  std::set<std::string> keys;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const auto fs = verify_snapshot(
        sg::test::snapshot_of(d, sg::test::host_config("B", seed, {Plant::usb_added, Plant::module_changed})), b);
    ASSERT_EQ(fs.size(), 2u);
    for (const auto& f : fs) keys.insert(f.type + "|" + f.subject + "|" + f.fields.at("after").dump());
  }
  EXPECT_EQ(keys.size(), 2u);  // USB serials differ per unit, but serials are never in "after"
}

TEST(AttestVerify, OtherModelIsAModelMismatchNotAFloodOfChanges) {
  TempDir d;
  const auto b = golden(d, "A");
  const auto fs = verify_snapshot(sg::test::snapshot_of(d, sg::test::host_config("B", 3)), b);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, "model_mismatch");
  Verifier v;
  v.add_baseline(b, {"a.json", ""});
  v.add_baseline(golden(d, "B"), {"b.json", ""});
  EXPECT_TRUE(v.verify(sg::test::snapshot_of(d, sg::test::host_config("B", 4))).empty());
}

TEST(AttestVerify, TpmValuesThatDoNotMatchTheLogAreAReplayMismatch) {
  TempDir d;
  const auto cfg = sg::test::host_config("A", 6);
  const auto root = d.path / cfg.hostname;
  write_host_tree(cfg, root);
  std::ofstream(root / "sys/class/tpm/tpm0/pcr-sha256/7") << std::string(64, 'A') << "\n";
  CollectOptions o;
  o.root = root;
  const auto s = collect_snapshot(o);
  const auto fs = check_replay(s);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, "eventlog_replay_mismatch");
  EXPECT_EQ(fs[0].subject, "pcr:7");
  EXPECT_EQ(pairs(verify_snapshot(s, golden(d, "A"))), (std::set<Pair>{{"eventlog_replay_mismatch", "pcr:7"}}));
}

TEST(AttestVerify, ForgedEventsInTheSnapshotAreCaughtByReplay) {
  // A snapshot edited to show golden digests while the TPM values stay: replay is recomputed.
  TempDir d;
  auto s = sg::test::snapshot_of(d, sg::test::host_config("A", 8, {Plant::eventlog_altered}));
  const auto clean = sg::test::snapshot_of(d, sg::test::host_config("A", 9));
  s.eventlog.events = clean.eventlog.events;
  s.eventlog.replayed = clean.eventlog.replayed;
  const auto fs = verify_snapshot(s, golden(d, "A"));
  EXPECT_EQ(pairs(fs), (std::set<Pair>{{"eventlog_replay_mismatch", "pcr:0"}}));
}

TEST(AttestVerify, BusesTheSnapshotCouldNotReadAreReportedOnceNotAsRemovals) {
  TempDir d;
  const auto cfg = sg::test::host_config("A", 12);
  const auto root = d.path / cfg.hostname;
  write_host_tree(cfg, root);
  std::filesystem::remove_all(root / "sys/bus/pci");
  std::filesystem::remove_all(root / "lib/firmware");
  CollectOptions o;
  o.root = root;
  const auto fs = verify_snapshot(collect_snapshot(o), golden(d, "A"));
  EXPECT_EQ(pairs(fs), (std::set<Pair>{{"evidence_unreadable", "pci"}, {"evidence_unreadable", "firmware"}}));
}

TEST(AttestConsensus, FindsTheOneOddHostAmongMany) {
  TempDir d;
  std::vector<Snapshot> snaps;
  for (std::uint64_t seed = 1; seed <= 12; ++seed)
    snaps.push_back(sg::test::snapshot_of(
        d, sg::test::host_config("A", seed, seed == 7 ? std::vector<Plant>{Plant::extra_i2c, Plant::module_changed}
                                                      : std::vector<Plant>{})));
  for (std::uint64_t seed = 1; seed <= 5; ++seed)
    snaps.push_back(sg::test::snapshot_of(
        d, sg::test::host_config("B", seed, seed == 2 ? std::vector<Plant>{Plant::option_rom_changed}
                                                      : std::vector<Plant>{})));
  const auto fs = verify_consensus(snaps);
  std::set<std::string> hosts;
  for (const auto& f : fs) hosts.insert(f.host);
  EXPECT_EQ(hosts, (std::set<std::string>{"host-A7", "host-B2"}));
  EXPECT_EQ(pairs(fs), (std::set<Pair>{{"component_added", "i2c:3-0066"},
                                       {"module_changed", "module:ipmi_si"},
                                       {"component_changed", "pci:0000:04:00.0"}}));
  for (const auto& f : fs) EXPECT_TRUE(f.evidence.contains("group_size"));
}
