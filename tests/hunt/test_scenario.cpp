// End to end over generated scenarios: every planted behaviour is found with the right type,
// and a scenario without plants yields nothing of medium severity or above.
#include <gtest/gtest.h>

#include "scenario_util.hpp"

using namespace sg::hunt;
using namespace sg::hunt::test;

namespace {

bool found(const std::vector<sg::core::Finding>& fs, const Plant& p) {
  for (const auto& f : fs) {
    if (f.type != p.type || f.fields.value("src", "") != p.src) continue;
    const std::string dst = f.fields.value("dst", ""), name = f.fields.value("dst_name", "");
    if (dst == p.dst || (!p.dst_name.empty() && name == p.dst_name)) return true;
  }
  return false;
}

}  // namespace

TEST(HuntScenario, EveryPlantFoundWithItsType) {
  ScenarioConfig cfg;
  cfg.seed = 11;
  cfg.hosts = 8;
  cfg.hours = 1.5;
  Generated g;
  generate(cfg, g);
  ASSERT_GE(g.truth.plants.size(), 6u);
  const auto findings = analyze_file(g.path);
  for (const auto& p : g.truth.plants) EXPECT_TRUE(found(findings, p)) << p.type << " " << p.src << " -> " << p.dst;
  // The BMC is the worst thing in the capture.
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings.front().type, "mgmt_egress");
  EXPECT_EQ(findings.front().severity, sg::core::Severity::critical);
}

TEST(HuntScenario, NoPlantsNoMediumFindings) {
  for (std::uint64_t seed : {3u, 4u}) {
    ScenarioConfig cfg;
    cfg.seed = seed;
    cfg.hosts = 10;
    cfg.hours = 1.5;
    cfg.plants = false;
    Generated g;
    generate(cfg, g);
    for (const auto& f : analyze_file(g.path))
      EXPECT_LT(f.severity, sg::core::Severity::medium) << sg::core::to_json_line(f);
  }
}

// Fleet scenarios: BMCs polled internally stay quiet; the implanted BMCs are each found calling
// the one shared C2, and no other BMC is accused.
TEST(HuntScenario, ImplantedBmcsAcrossAFleet) {
  ScenarioConfig cfg;
  cfg.seed = 21;
  cfg.hosts = 12;
  cfg.hours = 1.0;
  cfg.plants = false;
  cfg.bmcs = true;
  cfg.implant_bmcs = {1, 4, 7, 10};
  Generated g;
  generate(cfg, g);
  ASSERT_EQ(g.truth.plants.size(), 4u);
  const auto findings = analyze_file(g.path);
  for (const auto& p : g.truth.plants) EXPECT_TRUE(found(findings, p)) << p.src;
  for (const auto& f : findings) {
    if (f.type != "mgmt_egress") continue;
    const std::string src = f.fields.value("src", "");
    EXPECT_TRUE(src == bmc_address(1) || src == bmc_address(4) || src == bmc_address(7) || src == bmc_address(10))
        << src;
    EXPECT_EQ(f.fields.value("dst", ""), cfg.implant_c2);
  }
  for (const auto& f : findings) {
    if (f.type == "mgmt_egress" || f.type == "beacon") continue;
    EXPECT_LT(f.severity, sg::core::Severity::medium) << sg::core::to_json_line(f);
  }
}

TEST(HuntScenario, AddressPlan) {
  EXPECT_EQ(host_address(0), "10.1.0.10");
  EXPECT_EQ(host_address(201), "10.1.1.11");
  EXPECT_EQ(bmc_address(0), "10.99.1.10");
  EXPECT_EQ(bmc_address(201), "10.99.2.11");
}
