#include <gtest/gtest.h>

#include "supplyguard/core/error.hpp"
#include "supplyguard/core/finding.hpp"

using namespace sg::core;

namespace {
Finding known() {
  Finding f;
  f.plane = Plane::hunt;
  f.type = "beacon";
  f.severity = Severity::high;
  f.score = 0.91234;
  f.host = "web-17";
  f.subject = "10.1.2.3 -> 203.0.113.9:443/tcp";
  f.summary = "10.1.2.3 calls 203.0.113.9:443 every 60 s";
  f.first_seen = 1700000000000000;  // 2023-11-14T22:13:20Z
  f.last_seen = 1700003600500000;
  f.fields["src"] = "10.1.2.3";
  f.fields["dst"] = "203.0.113.9";
  f.fields["dst_port"] = 443;
  f.evidence["callbacks"] = 60;
  f.evidence["median_interval_s"] = 60.0;
  return f;
}
}  // namespace

TEST(Finding, JsonLineHasStableKeyOrderAndExactContent) {
  const Finding f = known();
  const std::string line = to_json_line(f);
  const std::string expected_tail =
      R"("plane":"hunt","type":"beacon","severity":"high","score":0.912,"host":"web-17",)"
      R"("subject":"10.1.2.3 -> 203.0.113.9:443/tcp","src":"10.1.2.3","dst":"203.0.113.9","dst_port":443,)"
      R"("first_seen":"2023-11-14T22:13:20.000000Z","last_seen":"2023-11-14T23:13:20.500000Z",)"
      R"("summary":"10.1.2.3 calls 203.0.113.9:443 every 60 s",)"
      R"("evidence":{"callbacks":60,"median_interval_s":60.0}})";
  EXPECT_EQ(line, R"({"id":")" + f.id() + R"(",)" + expected_tail);
  EXPECT_EQ(f.id().size(), 16u);
}

TEST(Finding, IdIsDeterministicAndContentSensitive) {
  Finding a = known(), b = known();
  EXPECT_EQ(a.id(), b.id());
  b.host = "web-18";
  EXPECT_NE(a.id(), b.id());
}

TEST(Finding, ScoreIsClampedAndRounded) {
  Finding f = known();
  f.score = 7.0;
  EXPECT_EQ(to_json(f)["score"], 1.0);
  f.score = -1.0;
  EXPECT_EQ(to_json(f)["score"], 0.0);
  f.score = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(to_json(f)["score"], 0.0);
}

TEST(Finding, RoundTripsThroughJsonLine) {
  const Finding f = known();
  const Finding g = finding_from_json_line(to_json_line(f), "x.jsonl", 1);
  EXPECT_EQ(to_json_line(g), to_json_line(f));
  EXPECT_EQ(g.fields["dst_port"], 443);
  EXPECT_EQ(*g.first_seen, *f.first_seen);
}

TEST(Finding, FieldsCannotOverrideCoreKeys) {
  Finding f = known();
  f.fields["severity"] = "info";
  EXPECT_EQ(to_json(f)["severity"], "high");
}

TEST(Finding, InvalidUtf8IsReplacedNotThrown) {
  Finding f = known();
  f.subject = std::string("bad\xff\xfe");
  EXPECT_NO_THROW(to_json_line(f));
}

TEST(Finding, BadLinesNameSourceAndLine) {
  try {
    finding_from_json_line("{not json", "findings.jsonl", 42);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "findings.jsonl:42: not valid JSON");
    EXPECT_EQ(*e.where().line, 42u);
  }
  EXPECT_THROW(finding_from_json_line(R"({"plane":"mars","type":"x","severity":"low"})", "f", 1), InputError);
  EXPECT_THROW(finding_from_json_line(R"({"plane":"hunt","type":"x","severity":"dire"})", "f", 1), InputError);
  EXPECT_THROW(finding_from_json_line(R"({"plane":"hunt","severity":"low"})", "f", 1), InputError);
  EXPECT_THROW(finding_from_json_line(R"({"plane":"hunt","type":"x","severity":"low","score":2})", "f", 1),
               InputError);
  EXPECT_THROW(finding_from_json_line(R"({"plane":"hunt","type":"x","severity":"low","first_seen":"yesterday"})",
                                      "f", 1),
               InputError);
  EXPECT_THROW(finding_from_json_line(R"([1,2])", "f", 1), InputError);
}

TEST(Severity, OrderingAndParsing) {
  EXPECT_LT(Severity::info, Severity::low);
  EXPECT_LT(Severity::low, Severity::medium);
  EXPECT_LT(Severity::medium, Severity::high);
  EXPECT_LT(Severity::high, Severity::critical);
  EXPECT_EQ(parse_severity("CRITICAL"), Severity::critical);
  EXPECT_EQ(parse_severity("Medium"), Severity::medium);
  EXPECT_FALSE(parse_severity("severe"));
  for (auto s : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical})
    EXPECT_EQ(parse_severity(to_string(s)), s);
  EXPECT_EQ(parse_plane("inspect"), Plane::inspect);
}

TEST(InputErrorTest, RendersOffsetAndLine) {
  EXPECT_EQ(std::string(InputError::at_offset("cap.pcap", 1048576, "truncated packet record").what()),
            "cap.pcap: byte 1048576: truncated packet record");
  EXPECT_EQ(std::string(InputError::at_line("conn.log", 7, "bad field").what()), "conn.log:7: bad field");
  EXPECT_EQ(std::string(InputError::in("x", "empty").what()), "x: empty");
}
