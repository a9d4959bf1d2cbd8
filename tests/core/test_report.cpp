#include <gtest/gtest.h>

#include <sstream>

#include "supplyguard/core/report.hpp"

using namespace sg::core;

namespace {
Finding make(Severity s, const std::string& type, double score, const std::string& host) {
  Finding f;
  f.plane = Plane::attest;
  f.type = type;
  f.severity = s;
  f.score = score;
  f.host = host;
  f.subject = "pci 0000:03:00.0";
  f.summary = type + " on " + host;
  return f;
}
}  // namespace

TEST(Report, JsonLinesWriterWritesOneLinePerFinding) {
  std::ostringstream out;
  auto w = make_writer(Format::jsonl, out);
  w->write(make(Severity::low, "a", 0.1, "h1"));
  w->write(make(Severity::high, "b", 0.9, "h2"));
  w->finish();
  const std::string s = out.str();
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 2);
  EXPECT_EQ(s.substr(0, s.find('\n')), to_json_line(make(Severity::low, "a", 0.1, "h1")));
}

TEST(Report, TableIsAlignedAndMostSevereFirst) {
  std::ostringstream out;
  auto w = make_writer(Format::table, out);
  w->write(make(Severity::low, "component_changed", 0.25, "h1"));
  w->write(make(Severity::critical, "component_added", 1.0, "long-host-name"));
  w->finish();
  const std::string expected =
      "SEVERITY  SCORE  PLANE   TYPE               HOST            SUBJECT           SUMMARY\n"
      "critical  1.00   attest  component_added    long-host-name  pci 0000:03:00.0  component_added on long-host-name\n"
      "low       0.25   attest  component_changed  h1              pci 0000:03:00.0  component_changed on h1\n";
  EXPECT_EQ(out.str(), expected);
}

TEST(Report, EmptyTableSaysSo) {
  std::ostringstream out;
  write_table({}, out);
  EXPECT_NE(out.str().find("(no findings)"), std::string::npos);
}

TEST(Report, FailGateTriggersAtThresholdOnly) {
  FailGate none(std::nullopt);
  none.observe(make(Severity::critical, "x", 1, "h"));
  EXPECT_FALSE(none.triggered());

  FailGate high(Severity::high);
  high.observe(make(Severity::medium, "x", 1, "h"));
  EXPECT_FALSE(high.triggered());
  high.observe(make(Severity::high, "x", 1, "h"));
  EXPECT_TRUE(high.triggered());
  EXPECT_EQ(high.worst(), Severity::high);
}

TEST(Report, ParseFormat) {
  EXPECT_EQ(parse_format("jsonl"), Format::jsonl);
  EXPECT_EQ(parse_format("table"), Format::table);
  EXPECT_FALSE(parse_format("xml"));
}
