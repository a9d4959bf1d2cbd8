// End to end through the real binaries, on SQLite and PostgreSQL: a generated fleet of two
// models (model A implanted on many hosts) -> supplyguard hunt on its capture -> fleet ingest
// with the inventory -> fleet verdict / correlate.
#include <gtest/gtest.h>

#include <set>

#include "fleet_test_util.hpp"
#include "run.hpp"

using namespace sg;

namespace {

struct Scenario {
  test::TempDir dir;
  std::set<std::string> implanted, model_a, model_b;
  std::string hunt_jsonl, inventory;
  std::string error;
};

Scenario* g_scenario = nullptr;

class FleetCli : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    g_scenario = new Scenario;
    auto& s = *g_scenario;
    auto gen = test::run(test::supplyguard_gen() + " fleet --seed 11 --hosts 56 -o " + s.dir.path.string());
    if (gen.code != 0) {
      s.error = "gen fleet failed: " + gen.err;
      return;
    }
    s.hunt_jsonl = s.dir / "hunt.jsonl";
    s.inventory = s.dir / "inventory.csv";
    auto hunt = test::run(test::supplyguard() + " hunt -r " + (s.dir / "traffic.pcap") + " --mgmt-net 10.99.0.0/16");
    test::write_text(s.hunt_jsonl, hunt.out);
    std::filesystem::remove(s.dir / "traffic.pcap");  // ~100 MB, read once
    if (hunt.code != 0) {
      s.error = "hunt failed: " + hunt.err;
      return;
    }
    const auto truth = core::Json::parse(test::slurp(s.dir / "truth.json"));
    for (const auto& h : truth["implanted"]) s.implanted.insert(h.get<std::string>());
    for (const auto& h : truth["hosts"])
      (h["model"] == "A" ? s.model_a : s.model_b).insert(h["host"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete g_scenario;
    g_scenario = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(g_scenario->error.empty()) << g_scenario->error;
    std::string why;
    if (!backend_.setup(GetParam(), why)) {
      if (!why.empty()) GTEST_SKIP() << why;
      FAIL() << "backend " << GetParam() << " unavailable";
    }
  }
  std::string sg(const std::string& args) const {
    return test::supplyguard() + " " + args + " --db '" + backend_.url() + "'";
  }
  test::Backend backend_;
};

}  // namespace

TEST_P(FleetCli, ImplantedHostsCompromisedCleanModelCleanSharedDestinationNamesModelA) {
  const auto& s = *g_scenario;
  ASSERT_GE(s.model_a.size() + s.model_b.size(), 50u);
  ASSERT_GE(s.implanted.size(), 3u);
  const std::string spool = backend_.dir() / "spool.jsonl";

  auto in = test::run(sg("fleet ingest " + s.hunt_jsonl + " --inventory " + s.inventory + " --spool " + spool));
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_NE(in.err.find("findings added"), std::string::npos) << in.err;

  auto v = test::run(sg("fleet verdict"));
  ASSERT_EQ(v.code, 0) << v.err;
  std::map<std::string, core::Json> verdict;
  std::istringstream lines(v.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = core::Json::parse(line);
    verdict[j["host"].get<std::string>()] = j;
  }
  EXPECT_EQ(verdict.size(), s.model_a.size() + s.model_b.size()) << "every host once, no stray address hosts";
  for (const auto& h : s.model_a) {
    ASSERT_TRUE(verdict.count(h)) << h;
    EXPECT_EQ(verdict[h]["model"], "A");
    EXPECT_EQ(verdict[h]["verdict"].get<std::string>(), s.implanted.count(h) ? "compromised" : "clean") << h << ": " << verdict[h].dump();
  }
  for (const auto& h : s.model_b) {
    ASSERT_TRUE(verdict.count(h)) << h;
    EXPECT_EQ(verdict[h]["verdict"], "clean") << h << ": " << verdict[h].dump();
  }

  auto c = test::run(sg("fleet correlate"));
  ASSERT_EQ(c.code, 0) << c.err;
  bool found = false;
  std::istringstream cl(c.out);
  for (std::string line; std::getline(cl, line);) {
    auto j = core::Json::parse(line);
    if (j["type"] != "shared_destination") continue;
    found = true;
    EXPECT_EQ(j["model"], "A");
    EXPECT_EQ(j["destination"], "203.0.113.66");
    EXPECT_EQ(j["severity"], "critical");
    std::set<std::string> hosts(j["hosts"].begin(), j["hosts"].end());
    EXPECT_EQ(hosts, s.implanted);
  }
  EXPECT_TRUE(found) << c.out;

  // Re-ingest adds nothing; --fail-on-verdict gates a pipeline.
  auto again = test::run(sg("fleet ingest " + s.hunt_jsonl + " --spool " + spool));
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.err.find(": 0 findings added"), std::string::npos) << again.err;
  EXPECT_EQ(test::run(sg("fleet verdict --fail-on-verdict compromised")).code, 3);
  EXPECT_EQ(test::run(sg("fleet verdict --fail-on critical")).code, 3);
  auto table = test::run(sg("fleet verdict --format table"));
  EXPECT_EQ(table.code, 0);
  EXPECT_EQ(table.out.rfind("HOST", 0), 0u) << table.out;
  EXPECT_EQ(table.out.find("(no findings)"), std::string::npos);
}

TEST_P(FleetCli, BadInputExitsTwoNamingFileAndLineAndStoresNothing) {
  const std::string bad = backend_.dir() / "bad.jsonl";
  test::write_text(bad, test::slurp(g_scenario->hunt_jsonl) + "{\"plane\":\"hunt\",\"type\":\n");
  const std::string text = test::slurp(bad);
  const std::size_t bad_line = std::size_t(std::count(text.begin(), text.end(), '\n'));
  auto r = test::run(sg("fleet ingest " + bad + " --spool " + (backend_.dir() / "spool.jsonl")));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(bad + ":" + std::to_string(bad_line) + ": not valid JSON"), std::string::npos) << r.err;
  auto v = test::run(sg("fleet verdict"));
  EXPECT_EQ(v.code, 0);
  EXPECT_TRUE(v.out.empty()) << v.out;
  auto inv = backend_.dir() / "hosts.csv";
  test::write_text(inv, "host,model\n\"unterminated,A\n");
  auto ri = test::run(sg("fleet ingest --inventory " + inv + " --spool " + (backend_.dir() / "spool.jsonl")));
  EXPECT_EQ(ri.code, 2);
  EXPECT_NE(ri.err.find(inv + ":2: unterminated quoted field"), std::string::npos) << ri.err;
  EXPECT_EQ(test::run(sg("fleet ingest")).code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, FleetCli, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
