// The store on both backends: the same tests, parameterized by "sqlite" / "postgresql".
#include <gtest/gtest.h>

#include <algorithm>

#include "fleet_test_util.hpp"
#include "supplyguard/core/error.hpp"

using namespace sg;
using namespace sg::fleet;
using core::Severity;

namespace {

class FleetStore : public test::StoreTest {};

const HostVerdict* find_verdict(const std::vector<HostVerdict>& vs, const std::string& host) {
  auto it = std::find_if(vs.begin(), vs.end(), [&](const auto& v) { return v.host == host; });
  return it == vs.end() ? nullptr : &*it;
}

const char* kInventory =
    "host,model,batch,addresses\n"
    "a1,A,lot-1,\"10.1.0.11; 10.99.1.11\"\n"
    "a2,A,lot-1,\"10.1.0.12; 10.99.1.12\"\n"
    "a3,A,lot-2,\"10.1.0.13; 10.99.1.13\"\n"
    "b1,B,lot-3,\"10.1.0.21; 10.99.1.21\"\n";

}  // namespace

TEST_P(FleetStore, IngestIsIdempotentAndCounts) {
  const auto f = file("hunt.jsonl", test::lines({test::egress("10.99.1.11", "203.0.113.66", Severity::critical, "mgmt_egress"),
                                                 test::egress("10.99.1.12", "203.0.113.66", Severity::critical, "mgmt_egress"),
                                                 test::egress("10.1.0.21", "198.51.100.2", Severity::medium)}));
  auto o = options();
  o.inventory = file("hosts.csv", kInventory);
  const auto first = ingest(url(), {f}, o);
  EXPECT_EQ(first.files, 1u);
  EXPECT_EQ(first.findings_added, 3u);
  EXPECT_EQ(first.findings_already_present, 0u);
  EXPECT_EQ(first.inventory_hosts, 4u);
  EXPECT_TRUE(first.warning.empty());
  const auto again = ingest(url(), {f}, o);
  EXPECT_EQ(again.findings_added, 0u);
  EXPECT_EQ(again.findings_already_present, 3u);
  const auto view = Store::open(url())->load_view();
  EXPECT_EQ(view.findings.size(), 3u);  // below K: no correlation
  EXPECT_EQ(view.verdicts.size(), 4u);
}

TEST_P(FleetStore, BadLineRollsBackItsWholeFileEarlierFilesStay) {
  const auto good = file("good.jsonl", test::lines({test::egress("10.1.0.11", "203.0.113.1")}));
  // Enough lines that several chunks are inserted before the parser reaches the bad one.
  std::vector<core::Finding> many;
  for (int i = 0; i < 5000; ++i) many.push_back(test::egress("10.1.0." + std::to_string(i % 200), "203.0.113." + std::to_string(i % 250), core::Severity::low));
  const auto bad = file("bad.jsonl", test::lines(many) + "{\"plane\":\n");
  try {
    ingest(url(), {good, bad}, options());
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.where().source, bad);
    EXPECT_EQ(e.where().line, 5001u) << e.what();
  }
  // One transaction per file: good.jsonl is stored, nothing of bad.jsonl.
  const auto view = Store::open(url())->load_view();
  ASSERT_EQ(view.findings.size(), 1u);
  EXPECT_EQ(view.findings[0].finding.subject, "10.1.0.11 -> 203.0.113.1:443/tcp");
}

// Ingest reads a findings file in 1 MB blocks: lines that straddle blocks and a last line with
// no newline go in whole; a line over 16 MB is an error naming it, and nothing of its file is stored.
TEST_P(FleetStore, StreamedFileLinesAcrossBlocksAndOverlongLine) {
  std::vector<core::Finding> many;
  for (int i = 0; i < 9000; ++i) {  // ~3 MB: several blocks, several chunks
    auto f = test::egress("10.1.0." + std::to_string(i % 200), "203.0.113." + std::to_string(i % 250), core::Severity::low);
    f.summary = "finding " + std::to_string(i) + " " + std::string(std::size_t(i % 300), 'x');
    many.push_back(f);
  }
  std::string text = test::lines(many);
  ASSERT_EQ(text.back(), '\n');
  text.pop_back();  // the last line ends the file without a newline
  const auto st = ingest(url(), {file("many.jsonl", text)}, options());
  EXPECT_EQ(st.findings_added, 9000u);
  EXPECT_EQ(Store::open(url())->overview().stored_findings, std::optional<std::size_t>(9000));

  auto huge = test::egress("10.1.0.9", "203.0.113.9");
  huge.summary = std::string(17u << 20, 'y');
  const auto bad = file("huge.jsonl", test::lines({test::egress("10.1.0.7", "203.0.113.7"),
                                                   test::egress("10.1.0.8", "203.0.113.8"), huge}));
  try {
    ingest(url(), {bad}, options());
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.where().source, bad);
    EXPECT_EQ(e.where().line, 3u) << e.what();
    EXPECT_NE(std::string(e.what()).find("longer than 16 MB"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Store::open(url())->overview().stored_findings, std::optional<std::size_t>(9000));
}

TEST_P(FleetStore, AttributionThroughInventoryAndSnapshotsLateInventoryReattributes) {
  auto store = Store::open(url());
  IngestBatch findings;
  findings.source = "hunt.jsonl";
  findings.findings = {test::egress("10.99.1.11", "203.0.113.66"),            // BMC of a1 (inventory)
                       test::egress("10.1.0.77", "203.0.113.66"),             // owned by a snapshot
                       test::egress("10.9.9.9", "203.0.113.66"),              // nobody's
                       test::make_finding(core::Plane::inspect, "extra_part", Severity::low, "named", "U3")};
  store->store(findings);
  // Before any inventory: addresses are their own hosts.
  auto v = store->assess().verdicts;
  EXPECT_NE(find_verdict(v, "10.99.1.11"), nullptr);
  EXPECT_EQ(find_verdict(v, "10.99.1.11")->model, "unknown");

  IngestBatch snap;
  snap.source = "snap.json";
  snap.snapshots = 1;
  snap.snapshot_hosts = {HostInfo{"s1", "Acme / S1", "", {"10.1.0.77"}}};
  store->store(snap);
  IngestBatch inv;
  inv.source = "hosts.csv";
  inv.inventory_hosts = parse_inventory(kInventory, "hosts.csv");
  store->store(inv);

  const auto view = store->load_view();
  std::map<std::string, std::string> host_of;
  for (const auto& sf : view.findings) host_of[sf.finding.subject] = sf.host;
  EXPECT_EQ(host_of["10.99.1.11 -> 203.0.113.66:443/tcp"], "a1");
  EXPECT_EQ(host_of["10.1.0.77 -> 203.0.113.66:443/tcp"], "s1");
  EXPECT_EQ(host_of["10.9.9.9 -> 203.0.113.66:443/tcp"], "10.9.9.9");
  EXPECT_EQ(host_of["U3"], "named");
  // The original finding keeps the address hunt gave it.
  for (const auto& sf : view.findings) {
    if (sf.host == "a1") {
      EXPECT_EQ(sf.finding.host, "10.99.1.11");
    }
  }
  ASSERT_NE(find_verdict(view.verdicts, "s1"), nullptr);
  EXPECT_EQ(find_verdict(view.verdicts, "s1")->model, "Acme / S1");
  EXPECT_EQ(find_verdict(view.verdicts, "a1")->batch, "lot-1");
  EXPECT_EQ(find_verdict(view.verdicts, "10.9.9.9")->model, "unknown");
  auto hosts = view.hosts;
  auto a1 = std::find_if(hosts.begin(), hosts.end(), [](const auto& h) { return h.host == "a1"; });
  ASSERT_NE(a1, hosts.end());
  EXPECT_EQ(a1->addresses, (std::vector<std::string>{"10.1.0.11", "10.99.1.11"}));
}

TEST_P(FleetStore, InventoryReingestReplacesRecords) {
  auto store = Store::open(url());
  IngestBatch inv;
  inv.inventory_hosts = {HostInfo{"h", "Old", "b0", {"10.0.0.1"}}};
  store->store(inv);
  inv.inventory_hosts = {HostInfo{"h", "New", "b1", {"10.0.0.2"}}};
  store->store(inv);
  const auto view = store->load_view();
  ASSERT_EQ(view.hosts.size(), 1u);
  EXPECT_EQ(view.hosts[0].model, "New");
  EXPECT_EQ(view.hosts[0].addresses, std::vector<std::string>{"10.0.0.2"});
}

TEST_P(FleetStore, CorrelationsAndVerdictsThroughTheStore) {
  std::vector<core::Finding> fs;
  for (const char* bmc : {"10.99.1.11", "10.99.1.12", "10.99.1.13"})
    fs.push_back(test::egress(bmc, "203.0.113.66", Severity::critical, "mgmt_egress"));
  for (const char* h : {"a1", "a2", "a3"}) fs.push_back(test::attest_change(h, "A", "i2c:3-0050"));
  fs.push_back(test::make_finding(core::Plane::hunt, "exfil", Severity::medium, "b1", "x"));
  auto o = options();
  o.inventory = file("hosts.csv", kInventory);
  ingest(url(), {file("all.jsonl", test::lines(fs))}, o);

  const auto a = Store::open(url())->assess();
  std::map<std::string, core::Finding> by_type;
  for (const auto& c : a.correlations) by_type[c.type] = c;
  ASSERT_TRUE(by_type.count("shared_destination"));
  ASSERT_TRUE(by_type.count("shared_component_change"));
  EXPECT_EQ(by_type["shared_destination"].fields["model"], "A");
  EXPECT_EQ(by_type["shared_destination"].fields["hosts"], (core::Json{"a1", "a2", "a3"}));
  EXPECT_EQ(by_type["shared_component_change"].fields["model"], "A");
  EXPECT_EQ(by_type["shared_component_change"].fields["component"], "i2c:3-0050");
  for (const char* h : {"a1", "a2", "a3"}) EXPECT_EQ(find_verdict(a.verdicts, h)->verdict, Verdict::compromised) << h;
  EXPECT_EQ(find_verdict(a.verdicts, "b1")->verdict, Verdict::suspect);

  // load_view carries the same verdicts plus the correlations among the findings.
  const auto view = Store::open(url())->load_view();
  EXPECT_EQ(view.correlations.size(), a.correlations.size());
  EXPECT_EQ(view.findings.size(), fs.size() + a.correlations.size());
  for (std::size_t i = 0; i < view.verdicts.size(); ++i) EXPECT_EQ(view.verdicts[i].host, a.verdicts[i].host);
}

// The spool: an unreachable PostgreSQL (nothing listens on loopback port 1), then a live store.
TEST_P(FleetStore, UnreachableDatabaseSpoolsAndTheNextIngestReplays) {
  const auto o = options();
  const auto f1 = file("one.jsonl", test::lines({test::egress("10.1.0.11", "203.0.113.5"), test::egress("10.1.0.12", "203.0.113.5")}));
  auto with_inv = o;
  with_inv.inventory = file("hosts.csv", kInventory);
  const auto down = ingest("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=3", {f1}, with_inv);
  EXPECT_EQ(down.spooled, 2u);
  EXPECT_EQ(down.findings_added, 0u);
  EXPECT_NE(down.warning.find("cannot connect"), std::string::npos) << down.warning;
  EXPECT_NE(down.warning.find(o.spool), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(o.spool));
  EXPECT_GT(std::filesystem::file_size(o.spool), 0u);

  const auto f2 = file("two.jsonl", test::lines({test::egress("10.1.0.13", "203.0.113.5")}));
  const auto up = ingest(url(), {f2}, o);
  EXPECT_EQ(up.replayed, 2u);
  EXPECT_EQ(up.findings_added, 3u);
  EXPECT_EQ(up.spooled, 0u);
  EXPECT_TRUE(up.warning.empty());
  EXPECT_EQ(std::filesystem::file_size(o.spool), 0u);
  // Nothing lost, and the spooled inventory attributes the spooled findings.
  const auto a = Store::open(url())->assess();
  for (const char* h : {"a1", "a2", "a3"}) {
    auto v = find_verdict(a.verdicts, h);
    ASSERT_NE(v, nullptr) << h;
    EXPECT_EQ(v->findings, 1u) << h;
  }
  ASSERT_EQ(a.correlations.size(), 1u);
  EXPECT_EQ(a.correlations[0].fields["hosts"], (core::Json{"a1", "a2", "a3"}));
  // A third ingest has nothing to replay.
  EXPECT_EQ(ingest(url(), {f2}, o).replayed, 0u);
}

TEST_P(FleetStore, CorruptSpoolIsReportedAndKept) {
  const auto o = options();
  test::write_text(o.spool, "{\"spool\":\"batch\",\"source\":\"x\",\"snapshots\":0}\n{\"plane\":\"hunt\",\"ty");
  const auto f = file("f.jsonl", test::lines({test::egress("10.1.0.11", "203.0.113.5")}));
  try {
    ingest(url(), {f}, o);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.where().source, o.spool);
    EXPECT_EQ(e.where().line, 2u);
  }
  EXPECT_GT(std::filesystem::file_size(o.spool), 0u);  // not truncated: nothing lost
}

INSTANTIATE_TEST_SUITE_P(Backends, FleetStore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(FleetStoreUrl, BadUrlsAreClearErrors) {
  EXPECT_THROW(Store::open("sqlite:"), std::runtime_error);
  EXPECT_THROW(Store::open("sqlite:/nonexistent-dir/x/y.db"), std::runtime_error);
  EXPECT_THROW(Store::open("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"), Unreachable);
}
