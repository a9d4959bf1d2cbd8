// Input files: findings (JSON lines) and attest snapshots, told apart by content.
#include <gtest/gtest.h>

#include "fleet_test_util.hpp"
#include "supplyguard/core/error.hpp"

using namespace sg;
using sg::core::InputError;
using sg::fleet::parse_input;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_input(text, "in.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kSnapshot = R"({
  "schema": "supplyguard.snapshot/1",
  "host": {"hostname": "srv-a-001", "model": "Acme / S1 / MB-1", "system_vendor": "Acme",
           "product": "S1", "baseboard": "MB-1", "addresses": ["10.1.0.10", "fd00::0010"]},
  "collected_at": "2026-11-02T08:00:00.000000Z",
  "components": []
})";

}  // namespace

TEST(FleetInput, FindingLinesAreParsedBlankLinesSkipped) {
  auto a = test::egress("10.1.0.10", "203.0.113.66");
  auto b = test::attest_change("srv-a-001", "A", "i2c:3-0050");
  const auto batch = parse_input(core::to_json_line(a) + "\n\n" + core::to_json_line(b) + "\n", "f.jsonl");
  ASSERT_EQ(batch.findings.size(), 2u);
  EXPECT_EQ(batch.findings[0].id(), a.id());
  EXPECT_EQ(batch.findings[1].id(), b.id());
  EXPECT_EQ(batch.snapshots, 0u);
}

TEST(FleetInput, SnapshotPrettyOrCompactIsRecognisedByContent) {
  for (std::string text : {std::string(kSnapshot), core::Json::parse(kSnapshot).dump()}) {
    const auto batch = parse_input(text, "snap.json");
    ASSERT_EQ(batch.snapshots, 1u);
    ASSERT_EQ(batch.snapshot_hosts.size(), 1u);
    EXPECT_EQ(batch.snapshot_hosts[0].host, "srv-a-001");
    EXPECT_EQ(batch.snapshot_hosts[0].model, "Acme / S1 / MB-1");
    EXPECT_EQ(batch.snapshot_hosts[0].addresses, (std::vector<std::string>{"10.1.0.10", "fd00::10"}));
    EXPECT_TRUE(batch.findings.empty());
  }
}

TEST(FleetInput, BadFindingLineNamesFileAndLine) {
  const std::string good = core::to_json_line(test::egress("10.1.0.10", "203.0.113.66"));
  EXPECT_NE(error_of(good + "\n" + good + "\n{\"plane\":\"hunt\"\n").find("in.json:3: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(good + "\n{\"plane\":\"nope\",\"type\":\"x\",\"severity\":\"low\"}\n").find("in.json:2: unknown plane"),
            std::string::npos);
  EXPECT_NE(error_of("[1,2]\n").find("in.json:1: finding is not a JSON object"), std::string::npos);
  EXPECT_NE(error_of("{\"plane\":\"hunt\",\"type\":\"x\",\"severity\":\"low\",\"host\":\"a\\u0000b\"}\n").find("NUL"),
            std::string::npos);
}

TEST(FleetInput, TruncatedOrWrongSnapshotNamesFileAndOffset) {
  const std::string s = kSnapshot;
  const std::string cut = s.substr(0, 120);
  const std::string err = error_of(cut);
  EXPECT_NE(err.find("in.json: byte "), std::string::npos) << err;
  EXPECT_NE(err.find("snapshot is not valid JSON"), std::string::npos) << err;
  EXPECT_NE(error_of(R"({"schema":"supplyguard.snapshot/9","host":{"hostname":"x"}})").find("unsupported schema"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"schema":"supplyguard.snapshot/1"})").find("lacks \"host\""), std::string::npos);
  EXPECT_NE(error_of(R"({"schema":"supplyguard.snapshot/1","host":{"hostname":"x","addresses":["nope"]}})")
                .find("not an IP address"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"schema":"supplyguard.snapshot/1","host":{"hostname":7}})").find("hostname is not a string"),
            std::string::npos);
}

// fuzz_ingest: a number too large for a double is well-formed JSON that nlohmann refuses with
// out_of_range, not parse_error; it escaped as a bare nlohmann exception instead of an InputError.
TEST(FleetInput, SnapshotWithANumberTooLargeNamesTheFile) {
  const std::string err =
      error_of(R"({"schema":"supplyguard.snapshot/1","host":{"hostname":"x"},"n":1e999999})");
  EXPECT_NE(err.find("in.json: snapshot is not valid JSON"), std::string::npos) << err;
  EXPECT_NE(err.find("number overflow"), std::string::npos) << err;
}

TEST(FleetInput, EmptyFileIsAnEmptyBatch) {
  const auto b = parse_input("", "empty.jsonl");
  EXPECT_TRUE(b.findings.empty());
  EXPECT_EQ(b.snapshots, 0u);
}
