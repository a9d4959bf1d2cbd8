// End to end through the real binaries, on SQLite and PostgreSQL: a generated fleet of two
// models (model A implanted on many hosts) -> supplyguard hunt on its capture, supplyguard
// snapshot of every host tree, supplyguard verify --consensus -> fleet ingest of all of it with
// the inventory -> fleet verdict / correlate.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include <set>

#include "fleet_test_util.hpp"
#include "run.hpp"

using namespace sg;

namespace {

struct Scenario {
  std::filesystem::path dir;
  std::set<std::string> implanted, model_a, model_b;
  std::string hunt_jsonl, attest_jsonl, inventory, snapshots;
  std::string error;
};

Scenario* g_scenario = nullptr;

// Builds the evidence once per build tree (gen + hunt + 56 snapshots + verify take ~15 s); the
// test processes CTest runs in parallel share it under a lock.
// Rebuilt when either binary changes (a new generator or reader must not meet stale evidence).
std::string binaries_stamp() {
  std::string stamp;
  for (const auto& b : {test::supplyguard(), test::supplyguard_gen()})
    stamp += std::to_string(std::filesystem::last_write_time(b).time_since_epoch().count()) + ";";
  return stamp;
}

std::string build_scenario(const std::filesystem::path& dir) {
  const std::string stamp = binaries_stamp();
  if (std::filesystem::exists(dir / "done") && test::slurp((dir / "done").string()) == stamp) return "";
  std::filesystem::remove_all(dir);
  auto gen = test::run(test::supplyguard_gen() + " fleet --seed 11 --hosts 56 -o " + dir.string());
  if (gen.code != 0) return "gen fleet failed: " + gen.err;
  auto hunt = test::run(test::supplyguard() + " hunt -r " + (dir / "traffic.pcap").string() + " --mgmt-net 10.99.0.0/16");
  if (hunt.code != 0) return "hunt failed: " + hunt.err;
  test::write_text(dir / "hunt.jsonl", hunt.out);
  std::filesystem::remove(dir / "traffic.pcap");  // ~100 MB, read once
  std::filesystem::create_directories(dir / "snapshots");
  for (const auto& e : std::filesystem::directory_iterator(dir / "hosts")) {
    auto snap = test::run(test::supplyguard() + " snapshot --root " + e.path().string() + " -o " +
                          (dir / "snapshots" / (e.path().filename().string() + ".json")).string());
    if (snap.code != 0) return "snapshot " + e.path().string() + " failed: " + snap.err;
  }
  std::filesystem::remove_all(dir / "hosts");
  auto verify = test::run(test::supplyguard() + " verify --consensus " + (dir / "snapshots").string());
  if (verify.code != 0) return "verify failed: " + verify.err;
  test::write_text(dir / "attest.jsonl", verify.out);
  test::write_text(dir / "done", stamp);
  return "";
}

class FleetCli : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    g_scenario = new Scenario;
    auto& s = *g_scenario;
    s.dir = std::filesystem::path(SG_BINARY_DIR) / "tests" / "fleet" / "e2e-seed11";
    std::filesystem::create_directories(s.dir.parent_path());
    const std::string lock = (s.dir.parent_path() / "e2e-seed11.lock").string();
    const int fd = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    ::flock(fd, LOCK_EX);
    s.error = build_scenario(s.dir);
    ::close(fd);
    if (!s.error.empty()) return;
    s.hunt_jsonl = (s.dir / "hunt.jsonl").string();
    s.attest_jsonl = (s.dir / "attest.jsonl").string();
    s.inventory = (s.dir / "inventory.csv").string();
    s.snapshots = (s.dir / "snapshots").string() + "/*.json";
    const auto truth = core::Json::parse(test::slurp((s.dir / "truth.json").string()));
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

  auto in = test::run(sg("fleet ingest " + s.hunt_jsonl + " " + s.attest_jsonl + " " + s.snapshots + " --inventory " +
                          s.inventory + " --spool " + spool));
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_NE(in.err.find("56 snapshot(s), 56 inventory host(s)"), std::string::npos) << in.err;

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
  bool destination = false, component = false;
  std::istringstream cl(c.out);
  for (std::string line; std::getline(cl, line);) {
    auto j = core::Json::parse(line);
    EXPECT_EQ(j["severity"], "critical");
    EXPECT_EQ(j["model"], "A") << "nothing correlates on clean model B: " << line;
    std::set<std::string> hosts(j["hosts"].begin(), j["hosts"].end());
    if (j["type"] == "shared_destination") {
      destination = true;
      EXPECT_EQ(j["destination"], "203.0.113.66");
      EXPECT_EQ(hosts, s.implanted);
    } else if (j["type"] == "shared_component_change" && !j.contains("batch")) {
      component = true;  // the extra I2C device, by model (batch groups are subsets)
      EXPECT_EQ(j["component"].get<std::string>().rfind("i2c:", 0), 0u) << line;
      EXPECT_EQ(j["change"], "component_added");
      EXPECT_EQ(hosts, s.implanted);
    }
  }
  EXPECT_TRUE(destination) << c.out;
  EXPECT_TRUE(component) << c.out;

  // The report renders the same store (render_report_html is fleet-web's; this checks the wiring).
  const std::string html = backend_.dir() / "report.html";
  auto rep = test::run(sg("fleet report -o " + html));
  ASSERT_EQ(rep.code, 0) << rep.err;
  const std::string page = test::slurp(html);
  EXPECT_NE(page.find(*s.implanted.begin()), std::string::npos);
  EXPECT_NE(page.find("shared_destination"), std::string::npos);

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
