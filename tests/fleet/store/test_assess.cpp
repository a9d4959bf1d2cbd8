// Verdict rules and correlations, without a database (assess.hpp is what both backends feed).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "assess.hpp"
#include "fleet_test_util.hpp"

using namespace sg;
using namespace sg::fleet;
using core::Severity;

namespace {

struct Fleet {
  std::vector<HostRecord> hosts;
  std::vector<AddressRecord> addresses;
  std::vector<core::Finding> findings;

  void host(const std::string& name, const std::string& model, const std::string& batch, const std::string& addr) {
    hosts.push_back({name, Origin::inventory, model, batch});
    if (!addr.empty()) addresses.push_back({addr, Origin::inventory, name});
  }
  Assessment assess(std::size_t k = 3) const {
    Assessor a(hosts, addresses, ViewOptions{k});
    for (const auto& f : findings) a.add(describe(f, f.id()));
    return a.finish();
  }
};

const HostVerdict& verdict_of(const Assessment& a, const std::string& host) {
  auto it = std::find_if(a.verdicts.begin(), a.verdicts.end(), [&](const auto& v) { return v.host == host; });
  if (it == a.verdicts.end()) throw std::runtime_error("no verdict for " + host);
  return *it;
}

bool has(const IdList& v, const std::string& x) { return v.contains(x); }

}  // namespace

// IdList: the packed id lists of aggregates and verdicts.
TEST(FleetIdList, SortedCappedInsertIterationTextAndJson) {
  IdList ids;
  for (const char* id : {"c", "a", "e", "b", "a", "d"}) ids.insert_sorted(id, 3);
  EXPECT_EQ(ids.text(), "a b c");  // the three smallest, no repeat
  EXPECT_FALSE(ids.insert_sorted("z", 3));  // larger than all of a full list
  EXPECT_TRUE(ids.insert_sorted("0", 3));
  EXPECT_EQ(ids, (std::vector<std::string>{"0", "a", "b"}));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.front(), "0");
  EXPECT_TRUE(ids.contains("a"));
  EXPECT_FALSE(ids.contains("c"));
  const IdList parsed = IdList::from_text("  x  y z ");
  EXPECT_EQ(parsed.text(), "x y z");
  EXPECT_EQ(parsed.size(), 3u);
  std::vector<std::string> seen;
  for (const auto id : parsed) seen.emplace_back(id);
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(core::Json(parsed).dump(), R"(["x","y","z"])");
  EXPECT_EQ(core::Json(IdList()).dump(), "[]");
  EXPECT_TRUE(IdList::from_text("   ").empty());
  EXPECT_EQ(IdList::from_text("").begin(), IdList::from_text("").end());
}

TEST(FleetVerdict, SeverityRules) {
  Fleet f;
  for (const char* h : {"crit", "high1", "high2planes", "med", "low", "none"}) f.host(h, "M", "", "");
  auto c = test::make_finding(core::Plane::inspect, "extra_part", Severity::critical, "crit", "U7");
  auto h1 = test::make_finding(core::Plane::hunt, "exfil", Severity::high, "high1", "x");
  auto h2a = test::make_finding(core::Plane::hunt, "exfil", Severity::high, "high2planes", "x");
  auto h2b = test::make_finding(core::Plane::attest, "module_changed", Severity::high, "high2planes", "module:ipmi_si");
  auto m = test::make_finding(core::Plane::hunt, "long_connection", Severity::medium, "med", "y");
  auto l = test::make_finding(core::Plane::hunt, "new_destination", Severity::low, "low", "z");
  f.findings = {c, h1, h2a, h2b, m, l};
  const auto a = f.assess();

  EXPECT_EQ(verdict_of(a, "crit").verdict, Verdict::compromised);
  EXPECT_EQ(verdict_of(a, "crit").reasons, std::vector<std::string>{c.id()});
  EXPECT_EQ(verdict_of(a, "high1").verdict, Verdict::suspect);
  EXPECT_EQ(verdict_of(a, "high1").reasons, std::vector<std::string>{h1.id()});
  EXPECT_EQ(verdict_of(a, "high2planes").verdict, Verdict::compromised);
  EXPECT_TRUE(has(verdict_of(a, "high2planes").reasons, h2a.id()));
  EXPECT_TRUE(has(verdict_of(a, "high2planes").reasons, h2b.id()));
  EXPECT_NE(verdict_of(a, "high2planes").why.find("2 planes"), std::string::npos);
  EXPECT_EQ(verdict_of(a, "med").verdict, Verdict::suspect);
  EXPECT_EQ(verdict_of(a, "low").verdict, Verdict::clean);
  EXPECT_EQ(verdict_of(a, "low").worst, Severity::low);
  EXPECT_EQ(verdict_of(a, "low").findings, 1u);
  EXPECT_TRUE(verdict_of(a, "low").reasons.empty());
  EXPECT_EQ(verdict_of(a, "none").verdict, Verdict::clean);
  EXPECT_FALSE(verdict_of(a, "none").worst.has_value());
  // Worst first: both compromised hosts before the suspects, the clean ones last.
  EXPECT_EQ(a.verdicts.front().verdict, Verdict::compromised);
  EXPECT_EQ(a.verdicts.back().verdict, Verdict::clean);
}

TEST(FleetVerdict, HighFindingInACorrelationIsCompromisedBelowKItIsSuspect) {
  Fleet f;
  for (int i = 0; i < 5; ++i) f.host("a" + std::to_string(i), "A", "", "10.1.0." + std::to_string(10 + i));
  f.host("b0", "B", "", "10.1.0.50");
  f.host("b1", "B", "", "10.1.0.51");
  for (int i = 0; i < 4; ++i) f.findings.push_back(test::egress("10.1.0." + std::to_string(10 + i), "203.0.113.66"));
  // Model B: two hosts share a destination, below K=3.
  f.findings.push_back(test::egress("10.1.0.50", "198.51.100.9"));
  f.findings.push_back(test::egress("10.1.0.51", "198.51.100.9"));
  const auto a = f.assess(3);

  ASSERT_EQ(a.correlations.size(), 1u);
  const auto& c = a.correlations[0];
  EXPECT_EQ(c.plane, core::Plane::fleet);
  EXPECT_EQ(c.type, "shared_destination");
  EXPECT_EQ(c.severity, Severity::critical);
  EXPECT_EQ(c.fields["model"], "A");
  EXPECT_EQ(c.fields["destination"], "203.0.113.66");
  EXPECT_EQ(c.fields["hosts"], (core::Json{"a0", "a1", "a2", "a3"}));
  EXPECT_EQ(c.fields["count"], 4);
  for (int i = 0; i < 4; ++i) {
    const auto& v = verdict_of(a, "a" + std::to_string(i));
    EXPECT_EQ(v.verdict, Verdict::compromised) << v.host;
    EXPECT_TRUE(has(v.reasons, c.id())) << "reasons name the correlation";
  }
  EXPECT_EQ(verdict_of(a, "a4").verdict, Verdict::clean);
  EXPECT_EQ(verdict_of(a, "b0").verdict, Verdict::suspect);
  EXPECT_EQ(verdict_of(a, "b1").verdict, Verdict::suspect);

  // K=2 makes model B's pair a correlation too.
  const auto a2 = f.assess(2);
  EXPECT_EQ(a2.correlations.size(), 2u);
  EXPECT_EQ(verdict_of(a2, "b0").verdict, Verdict::compromised);
}

TEST(FleetVerdict, MediumBeaconsInACorrelationStaySuspect) {
  Fleet f;
  for (int i = 0; i < 3; ++i) {
    f.host("a" + std::to_string(i), "A", "", "10.1.0." + std::to_string(10 + i));
    f.findings.push_back(test::egress("10.1.0." + std::to_string(10 + i), "c2.example", Severity::medium));
  }
  const auto a = f.assess();
  ASSERT_EQ(a.correlations.size(), 1u);  // still reported for the analyst
  EXPECT_EQ(verdict_of(a, "a0").verdict, Verdict::suspect);
}

TEST(FleetCorrelation, DestinationPrefersTheDnsNameAndGroupsByModel) {
  Fleet f;
  for (int i = 0; i < 3; ++i) {
    f.host("a" + std::to_string(i), "A", "", "10.1.0." + std::to_string(10 + i));
    auto e = test::egress("10.1.0." + std::to_string(10 + i), "192.0.2." + std::to_string(i + 1));
    e.fields["dst_name"] = "update.c2.example";  // fast-flux: same name, different addresses
    f.findings.push_back(e);
  }
  // Three hosts of different models reaching one address: not a model pattern.
  f.host("x", "X", "", "10.2.0.1");
  f.host("y", "Y", "", "10.2.0.2");
  f.host("z", "Z", "", "10.2.0.3");
  for (const char* a : {"10.2.0.1", "10.2.0.2", "10.2.0.3"}) f.findings.push_back(test::egress(a, "198.51.100.1"));
  const auto a = f.assess();
  ASSERT_EQ(a.correlations.size(), 1u);
  EXPECT_EQ(a.correlations[0].fields["destination"], "update.c2.example");
}

TEST(FleetCorrelation, SharedComponentChangeByModelAndByBatch) {
  Fleet f;
  // Model A: 3 hosts with the same added I2C device. Batch "lot-7" spans models A and B.
  f.host("a0", "A", "lot-7", "");
  f.host("a1", "A", "lot-7", "");
  f.host("a2", "A", "lot-8", "");
  f.host("b0", "B", "lot-7", "");
  f.host("b1", "B", "lot-9", "");
  for (const char* h : {"a0", "a1", "a2"}) f.findings.push_back(test::attest_change(h, "A", "i2c:3-0050"));
  f.findings.push_back(test::attest_change("b0", "B", "i2c:3-0050"));
  // A different "after" is a different change: no correlation with the others.
  auto other = test::attest_change("b1", "B", "i2c:3-0050");
  other.fields["after"] = {{"name", "other"}};
  f.findings.push_back(other);
  const auto a = f.assess(3);

  std::vector<core::Finding> by_model, by_batch;
  for (const auto& c : a.correlations) {
    EXPECT_EQ(c.type, "shared_component_change");
    (c.fields.contains("batch") ? by_batch : by_model).push_back(c);
  }
  ASSERT_EQ(by_model.size(), 1u);
  EXPECT_EQ(by_model[0].fields["model"], "A");
  EXPECT_EQ(by_model[0].fields["component"], "i2c:3-0050");
  EXPECT_EQ(by_model[0].fields["hosts"], (core::Json{"a0", "a1", "a2"}));
  ASSERT_EQ(by_batch.size(), 1u);
  EXPECT_EQ(by_batch[0].fields["batch"], "lot-7");
  EXPECT_EQ(by_batch[0].fields["model"], "mixed");
  EXPECT_EQ(by_batch[0].fields["hosts"], (core::Json{"a0", "a1", "b0"}));
  EXPECT_EQ(verdict_of(a, "b0").verdict, Verdict::compromised);  // high + in the batch correlation
  EXPECT_EQ(verdict_of(a, "b1").verdict, Verdict::suspect);
}

TEST(FleetCorrelation, IdsAreDeterministicWhateverTheOrder) {
  Fleet f;
  for (int i = 0; i < 6; ++i) {
    f.host("h" + std::to_string(i), "A", "lot", "10.1.0." + std::to_string(10 + i));
    f.findings.push_back(test::egress("10.1.0." + std::to_string(10 + i), "203.0.113.66", Severity::critical, "mgmt_egress"));
    f.findings.push_back(test::attest_change("h" + std::to_string(i), "A", "pci:0000:05:00.0"));
  }
  const auto first = f.assess();
  std::mt19937 rng(42);
  std::shuffle(f.findings.begin(), f.findings.end(), rng);
  std::shuffle(f.hosts.begin(), f.hosts.end(), rng);
  const auto second = f.assess();
  ASSERT_EQ(first.correlations.size(), 2u);  // batch group == model group: reported once
  ASSERT_EQ(second.correlations.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(first.correlations[i].id(), second.correlations[i].id());
  for (std::size_t i = 0; i < first.verdicts.size(); ++i) {
    EXPECT_EQ(first.verdicts[i].host, second.verdicts[i].host);
    EXPECT_EQ(first.verdicts[i].reasons, second.verdicts[i].reasons);
  }
}

TEST(FleetAttribution, AddressesResolveThroughRecordsInventoryFirst) {
  Fleet f;
  f.hosts.push_back({"cmdb-name", Origin::inventory, "R650", "b1"});
  f.hosts.push_back({"snap-name", Origin::snapshot, "Acme / S1", ""});
  f.addresses.push_back({"10.1.0.10", Origin::snapshot, "snap-name"});
  f.addresses.push_back({"10.1.0.10", Origin::inventory, "cmdb-name"});
  f.addresses.push_back({"10.1.0.11", Origin::snapshot, "snap-name"});
  Assessor a(f.hosts, f.addresses, {});
  EXPECT_EQ(a.resolve(describe(test::egress("10.1.0.10", "x"), "1")), "cmdb-name");
  EXPECT_EQ(a.resolve(describe(test::egress("10.1.0.11", "x"), "2")), "snap-name");
  EXPECT_EQ(a.resolve(describe(test::egress("10.9.9.9", "x"), "3")), "10.9.9.9");  // unowned: its own host
  auto named = test::egress("10.1.0.10", "x");
  named.host = "named-host";  // a finding that names its host keeps it
  EXPECT_EQ(a.resolve(describe(named, "4")), "named-host");
  auto nothing = test::make_finding(core::Plane::inspect, "extra_part", Severity::low, "", "U1");
  EXPECT_EQ(a.resolve(describe(nothing, "5")), kUnattributed);
  auto src_only = test::egress("10.1.0.11", "x");
  src_only.host = "";
  EXPECT_EQ(a.resolve(describe(src_only, "6")), "snap-name");
}
