// The store at scale, on both backends: verdicts from the aggregates kept at ingest equal the
// verdicts recomputed from every finding; version 1 and 2 stores are migrated, a newer one refused;
// pages and host lookups; retention; and many writers at once while the dashboard is read.
#include <gtest/gtest.h>
#include <httplib.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "db.hpp"
#include "fleet_test_util.hpp"
#include "run.hpp"
#include "store_corr.hpp"
#include "store_schema.hpp"

extern char** environ;

using namespace sg;
using namespace sg::fleet;
using core::Severity;

namespace {

class FleetScale : public test::StoreTest {};

std::string inventory(int hosts) {
  std::string csv = "host,model,batch,addresses\n";
  for (int h = 0; h < hosts; ++h)
    csv += "n" + std::to_string(h) + "," + (h % 2 ? "A" : "B") + ",lot-" + std::to_string(h % 3) + ",\"10.1.0." +
           std::to_string(h + 1) + "; 10.99.0." + std::to_string(h + 1) + "\"\n";
  return csv;
}

// A mixed fleet: beacons (some to a shared C2), attest changes (some shared), inspect parts,
// every severity, some findings on addresses nobody owns and some with no host at all.
std::vector<core::Finding> fleet_findings(int hosts, int n, unsigned seed) {
  std::mt19937 rng(seed);
  const Severity sev[] = {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical};
  std::vector<core::Finding> out;
  for (int i = 0; i < n; ++i) {
    const int h = int(rng() % unsigned(hosts));
    const Severity s = sev[rng() % 5];
    const auto r = rng() % 10;
    core::Finding f;
    if (r < 4) {
      const std::string src = (r < 2 ? "10.99.0." : "10.1.0.") + std::to_string(h + 1);
      const std::string dst = rng() % 3 == 0 ? "203.0.113.66" : "198.51.100." + std::to_string(rng() % 40);
      f = test::egress(src, dst, s, r < 2 ? "mgmt_egress" : "beacon");
    } else if (r < 7) {
      f = test::attest_change("n" + std::to_string(h), h % 2 ? "A" : "B", "i2c:3-00" + std::to_string(50 + rng() % 4),
                              "component_added", s);
    } else if (r < 8) {
      f = test::make_finding(core::Plane::inspect, "extra_part", s, "n" + std::to_string(h), "U" + std::to_string(i));
    } else if (r < 9) {
      f = test::egress("10.77.0." + std::to_string(rng() % 5), "198.51.100.9", s);  // unowned address
    } else {
      f = test::make_finding(core::Plane::hunt, "dns_tunnel", s, "", "q" + std::to_string(i));
    }
    f.summary += " #" + std::to_string(i);  // distinct ids
    f.first_seen = 1793606400'000'000 + std::int64_t(i) * 60'000'000;
    f.last_seen = *f.first_seen + 600'000'000;
    out.push_back(std::move(f));
  }
  return out;
}

void expect_same(const Assessment& a, const FleetView& v) {
  ASSERT_EQ(a.verdicts.size(), v.verdicts.size());
  for (std::size_t i = 0; i < a.verdicts.size(); ++i) {
    const auto &x = a.verdicts[i], &y = v.verdicts[i];
    EXPECT_EQ(x.host, y.host);
    EXPECT_EQ(x.model, y.model) << x.host;
    EXPECT_EQ(x.batch, y.batch) << x.host;
    EXPECT_EQ(x.verdict, y.verdict) << x.host;
    EXPECT_EQ(x.worst, y.worst) << x.host;
    EXPECT_EQ(x.findings, y.findings) << x.host;
    EXPECT_EQ(x.reasons, y.reasons) << x.host;
    EXPECT_EQ(x.why, y.why) << x.host;
  }
  ASSERT_EQ(a.correlations.size(), v.correlations.size());
  for (std::size_t i = 0; i < a.correlations.size(); ++i) EXPECT_EQ(a.correlations[i].id(), v.correlations[i].id());
}

}  // namespace

TEST_P(FleetScale, AggregatesGiveTheVerdictsOfAFullScan) {
  auto o = options();
  o.inventory = file("hosts.csv", inventory(30));
  const auto all = fleet_findings(30, 1500, 7);
  // Several files, overlapping: aggregates must count each finding once.
  const auto f1 = file("a.jsonl", test::lines({all.begin(), all.begin() + 900}));
  const auto f2 = file("b.jsonl", test::lines({all.begin() + 600, all.end()}));
  ingest(url(), {f1, f2, f1}, o);
  auto store = Store::open(url());
  const Assessment a = store->assess();
  const FleetView full = store->load_view();
  EXPECT_EQ(full.findings.size(), 1500u + full.correlations.size());
  expect_same(a, full);
  EXPECT_GE(a.correlations.size(), 1u);
  std::size_t sum = 0;
  for (const auto& v : a.verdicts) sum += v.findings;
  EXPECT_EQ(sum, 1500u);
  const FleetView over = store->overview();
  EXPECT_EQ(over.stored_findings, std::optional<std::size_t>(1500));
  EXPECT_EQ(over.verdicts.size(), a.verdicts.size());
  std::size_t charted = 0;
  for (const auto& t : over.timeline) charted += t.count;
  EXPECT_EQ(charted, 1500u);
  // K = 1 and K = 5 too (the candidate filter differs).
  for (std::size_t k : {1u, 5u}) {
    auto s = Store::open(url(), {k});
    expect_same(s->assess(), s->load_view());
  }
}

// agg_hosts follows the address records: findings stored before any record, then a snapshot,
// inventories that move, drop and take over addresses (a few records: recomputed per moved
// address; many: rebuilt), then more findings. After every step the verdicts read from agg_hosts
// are those of a full scan, model hints from two keys of one host included.
TEST_P(FleetScale, HostAggregatesFollowTheAddressRecords) {
  auto store = Store::open(url());
  auto step = [&](const char* what) {
    SCOPED_TRACE(what);
    expect_same(store->assess(), store->load_view());
  };
  IngestBatch findings;
  findings.source = "a.jsonl";
  findings.findings = fleet_findings(40, 800, 11);
  auto hinted = test::egress("10.55.0.1", "198.51.100.200", Severity::medium);
  hinted.fields["model"] = "Y";  // key a:10.55.0.1 hints Y, key h:m1 hints X: the smaller key's wins
  findings.findings.push_back(hinted);
  findings.findings.push_back(test::attest_change("m1", "X", "i2c:1-0050", "component_added", Severity::low));
  store->store(findings);
  step("no records");

  IngestBatch snap;
  snap.source = "snap.json";
  snap.snapshots = 2;
  snap.snapshot_hosts = {HostInfo{"s1", "", "", {"10.1.0.1", "10.77.0.2"}}, HostInfo{"m1", "", "", {"10.55.0.1"}}};
  store->store(snap);
  step("a snapshot takes an owned-by-nobody address");

  auto inventory_of = [](int hosts, int shift, const std::string& source) {
    IngestBatch b;
    b.source = source;
    for (int h = 0; h < hosts; ++h) {
      const int o = (h + shift) % hosts;  // host h owns what host h+shift owned at shift 0
      std::vector<std::string> addresses;
      if (h != 9) addresses = {"10.1.0." + std::to_string(o % 250 + 1), "10.99.0." + std::to_string(o % 250 + 1)};
      b.inventory_hosts.push_back(HostInfo{"n" + std::to_string(h), h % 2 ? "A" : "B", "lot-1", addresses});
    }
    return b;
  };
  store->store(inventory_of(40, 0, "hosts.csv"));
  step("an inventory (few records): overrides the snapshot's 10.1.0.1, n9 owns nothing");
  store->store(inventory_of(40, 3, "hosts2.csv"));
  step("an inventory that moves every address to another host");
  store->store(inventory_of(300, 5, "hosts3.csv"));
  step("an inventory of many records (rebuilt)");
  IngestBatch more;
  more.source = "b.jsonl";
  more.findings = fleet_findings(40, 300, 12);
  store->store(more);
  step("findings after the records");
  // Its two keys' hints: a:10.55.0.1 (Y) sorts before h:m1 (X).
  for (const auto& v : store->assess().verdicts) {
    if (v.host == "m1") {
      EXPECT_EQ(v.model, "Y");
    }
  }
}

// agg_corr counts the attribution keys a correlation key was seen from, across transactions, up
// to a cap; verdicts read members only for keys seen from at least K keys, and find exactly the
// correlations of a full scan at K = 3, 4 and 18 (a saturated key is always read).
TEST_P(FleetScale, CorrelationKeysCountTheirAttributionKeys) {
  CorrAggregate a;
  for (const char* attr : {"a:1", "a:2", "a:1", "a:3"}) a.add(attr);
  EXPECT_EQ(a.keys(), 3u);
  EXPECT_EQ(a.n, 4);
  CorrAggregate b;
  b.add("a:3");
  b.add("a:4");
  a.merge(b);
  EXPECT_EQ(a.keys(), 4u);
  CorrAggregate parsed;
  parse_corr_attrs(a.attrs_text(), parsed);
  EXPECT_EQ(parsed.others, a.others);
  for (int i = 0; i < 40; ++i) a.add("h:x" + std::to_string(i));
  EXPECT_TRUE(a.saturated);
  EXPECT_EQ(a.keys(), kCorrAttrCap + 2);
  EXPECT_TRUE(a.may_reach(1000));
  parse_corr_attrs(a.attrs_text(), parsed);
  EXPECT_TRUE(parsed.saturated);
  EXPECT_FALSE(b.may_reach(3));
  EXPECT_TRUE(b.may_reach(2));

  auto o = options();
  o.inventory = file("hosts.csv", inventory(40));  // even hosts are model B
  ingest(url(), {}, o);
  auto store = Store::open(url());
  // 203.0.113.99 from three hosts of model B, one transaction each (and n0 twice); 203.0.113.98
  // from two; 203.0.113.97 from twenty hosts of model B over two transactions (past the cap).
  int i = 0;
  auto batch = [&](std::vector<std::pair<int, const char*>> calls) {
    IngestBatch b;
    b.source = "b" + std::to_string(i) + ".jsonl";
    for (const auto& [h, dst] : calls) {
      auto f = test::egress("10.1.0." + std::to_string(h + 1), dst, Severity::high);
      f.summary += " #" + std::to_string(i++);
      b.findings.push_back(f);
    }
    store->store(b);
  };
  batch({{0, "203.0.113.99"}, {0, "203.0.113.98"}});
  batch({{2, "203.0.113.99"}, {2, "203.0.113.98"}});
  batch({{4, "203.0.113.99"}, {0, "203.0.113.99"}});
  std::vector<std::pair<int, const char*>> many;
  for (int h = 0; h < 40; h += 2) many.emplace_back(h, "203.0.113.97");
  batch({many.begin(), many.begin() + 7});
  batch({many.begin() + 7, many.end()});
  for (std::size_t k : {3u, 4u, 18u}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    auto s = Store::open(url(), {k});
    const Assessment got = s->assess();
    expect_same(got, s->load_view());
    std::set<std::string> destinations;
    for (const auto& c : got.correlations) {
      if (c.type == "shared_destination") destinations.insert(c.fields.value("destination", ""));
    }
    std::set<std::string> want{"203.0.113.97"};
    if (k == 3) want.insert("203.0.113.99");
    EXPECT_EQ(destinations, want);
  }
}

// A host aggregate edited by hand into a negative count or an unknown severity is an error
// naming the row, not a verdict built on it.
TEST_P(FleetScale, CorruptAggregateRowIsAnErrorNotAVerdict) {
  auto store = Store::open(url());
  IngestBatch b;
  b.source = "a.jsonl";
  b.findings = {test::egress("10.1.0.1", "203.0.113.9", Severity::high)};
  store->store(b);
  EXPECT_EQ(store->assess().verdicts.size(), 1u);
  for (const char* edit : {"UPDATE agg_hosts SET findings = -5", "UPDATE agg_hosts SET worst = 9"}) {
    SCOPED_TRACE(edit);
    {
      auto c = GetParam() == "postgresql" ? db::open_postgres(url()) : db::open_sqlite(url().substr(7));
      c->exec("UPDATE agg_hosts SET findings = 1, worst = 3");
      c->exec(edit);
    }
    try {
      Store::open(url())->assess();
      ADD_FAILURE() << "a corrupt aggregate row was read";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("aggregate row \"10.1.0.1\" is corrupt"), std::string::npos) << e.what();
    }
  }
}

TEST_P(FleetScale, PagesAndHostFindingsByIndex) {
  auto o = options();
  o.inventory = file("hosts.csv", inventory(10));
  const auto all = fleet_findings(10, 300, 3);
  ingest(url(), {file("a.jsonl", test::lines(all))}, o);
  auto store = Store::open(url());
  const FleetView full = store->load_view();
  // Pages of 7 in id order cover every stored finding once.
  std::vector<std::string> seen;
  FindingFilter f;
  f.limit = 7;
  for (int guard = 0; guard < 1000; ++guard) {
    const FindingPage page = store->find(f, {});
    for (const auto& sf : page.findings) seen.push_back(sf.id);
    if (page.next_after.empty()) break;
    f.after = page.next_after;
  }
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 300u);
  // A host's findings: through its name and both of its addresses, exactly the full scan's.
  for (const auto& h : full.hosts) {
    std::size_t expected = 0;
    for (const auto& sf : full.findings) expected += sf.host == h.host;
    const auto got = store->host_findings(h.host, h.addresses, 100000);
    EXPECT_EQ(got.size(), expected) << h.host;
    for (const auto& sf : got) EXPECT_EQ(sf.host, h.host);
    for (std::size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].finding.severity, got[i].finding.severity);
    FindingFilter by_host;
    by_host.host = h.host;
    by_host.limit = 100000;
    EXPECT_EQ(store->find(by_host, {}).findings.size(), expected) << h.host;
  }
  // Model filter: every finding of model A's hosts.
  std::map<std::string, std::string> model;
  for (const auto& v : full.verdicts) model[v.host] = v.model;
  FindingFilter by_model;
  by_model.model = "A";
  by_model.limit = 100000;
  std::size_t expected = 0;
  for (const auto& sf : full.findings) expected += sf.finding.plane != core::Plane::fleet && model[sf.host] == "A";
  EXPECT_EQ(store->find(by_model, [&](const std::string& h) { return model[h]; }).findings.size(), expected);
}

// tests/fleet/store/data/fleet-v2.db is the demo fleet's store (demo/fleet.sh: 60 hosts, 36
// findings, 60 snapshots) as schema version 2 wrote it, fleet-v2.sql its dump (loaded into
// PostgreSQL), and fleet-v2.{verdict,correlate}.jsonl what `fleet verdict` / `fleet correlate`
// printed over it then. A version 1 store is that store without what version 2 added; a version
// 3 store is it migrated, without what versions 4 and 5 added; a version 4 store without what 5
// added (agg_hosts).
void load_v2_fixture(const std::string& backend, const std::string& url, int version) {
  const std::string data = std::string(SG_SOURCE_DIR) + "/tests/fleet/store/data/";
  const bool pg = backend == "postgresql";
  if (!pg) std::filesystem::copy_file(data + "fleet-v2.db", url.substr(7), std::filesystem::copy_options::overwrite_existing);
  auto c = pg ? db::open_postgres(url) : db::open_sqlite(url.substr(7));
  if (pg) c->exec(test::slurp(data + "fleet-v2.sql"));
  if (version == 3 || version == 4) {
    c.reset();
    Store::open(url);  // migrated to the current version
    c = pg ? db::open_postgres(url) : db::open_sqlite(url.substr(7));
    if (version == 3) c->exec("DROP INDEX addresses_host");
    c->exec("DROP TABLE agg_hosts");
    c->exec("ALTER TABLE agg_corr DROP COLUMN attrs");
    c->exec("UPDATE store_meta SET value = '" + std::to_string(version) + "' WHERE key = 'schema_version'");
  }
  if (version == 1) {  // what version 1 wrote: no store_meta, no aggregates, no attr column
    for (const char* t : {"store_meta", "agg_keys", "agg_types", "agg_corr", "agg_time"})
      c->exec(std::string("DROP TABLE ") + t);
    c->exec("DROP INDEX findings_attr");
    c->exec("DROP INDEX findings_corr");
    c->exec("ALTER TABLE findings DROP COLUMN attr");
  }
}

TEST_P(FleetScale, OlderStoresAreMigratedNewerRefused) {
  const std::string data = std::string(SG_SOURCE_DIR) + "/tests/fleet/store/data/";
  const bool pg = GetParam() == "postgresql";
  for (const int version : {4, 3, 2, 1}) {
    SCOPED_TRACE("version " + std::to_string(version));
    if (pg) {  // a fresh schema for each round
      auto c = db::open_postgres(url());
      c->exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    load_v2_fixture(GetParam(), url(), version);
    try {
      Store::open(url(), {}, /*read_only=*/true);
      ADD_FAILURE() << "an old store opened read-only";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("schema version " + std::to_string(version)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("open it once for writing"), std::string::npos) << e.what();
    }
    // Opened for writing: migrated, and the verdicts and correlations are what version 2 printed.
    const auto v = test::run(test::supplyguard() + " fleet verdict --db '" + url() + "'");
    EXPECT_EQ(v.code, 0) << v.err;
    EXPECT_EQ(v.out, test::slurp(data + "fleet-v2.verdict.jsonl"));
    const auto c = test::run(test::supplyguard() + " fleet correlate --db '" + url() + "'");
    EXPECT_EQ(c.code, 0) << c.err;
    EXPECT_EQ(c.out, test::slurp(data + "fleet-v2.correlate.jsonl"));
    auto store = Store::open(url(), {}, /*read_only=*/true);  // now the current version
    {
      auto c = pg ? db::open_postgres(url()) : db::open_sqlite(url().substr(7));
      std::string v;
      c->query(c->prepare("SELECT value FROM store_meta WHERE key = 'schema_version'"), {},
               [&](const db::Row& r) { v = r[0].value_or(""); });
      EXPECT_EQ(v, std::to_string(kSchemaVersion));
      int indexed = 0;  // version 4's index on addresses (host, origin) is there
      c->query(c->prepare(pg ? "SELECT count(*) FROM pg_indexes WHERE indexname = 'addresses_host'"
                             : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'addresses_host'"),
               {}, [&](const db::Row& r) { indexed = std::atoi(r[0].value_or("0").c_str()); });
      EXPECT_EQ(indexed, 1);
    }
    const FleetView all = store->load_view();
    EXPECT_EQ(all.findings.size() - all.correlations.size(), 36u);
    expect_same(store->assess(), all);
    // Re-ingesting what is stored adds nothing: the ids survived the migration.
    std::vector<core::Finding> stored;
    for (const auto& sf : all.findings)
      if (sf.finding.plane != core::Plane::fleet) stored.push_back(sf.finding);
    const auto st = ingest(url(), {file("again.jsonl", test::lines(stored))}, options());
    EXPECT_EQ(st.findings_added, 0u);
    EXPECT_EQ(st.findings_already_present, 36u);
  }
  {
    auto c = pg ? db::open_postgres(url()) : db::open_sqlite(url().substr(7));
    c->exec("UPDATE store_meta SET value = '9' WHERE key = 'schema_version'");
  }
  try {
    Store::open(url());
    ADD_FAILURE() << "a version 9 store was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 9 was written by a newer supplyguard"), std::string::npos)
        << e.what();
  }
}

// scan() hands rows over as they arrive (libpq single-row mode): every row, in order, the same
// as query(); a callback that throws stops it and the connection stays usable; a failing
// statement is an error, not an empty result.
TEST_P(FleetScale, ScanStreamsEveryRowAndLeavesTheConnectionUsable) {
  const bool pg = GetParam() == "postgresql";
  auto c = pg ? db::open_postgres(url()) : db::open_sqlite(url().substr(7));
  c->exec("CREATE TABLE scan_t (n INTEGER, s TEXT)");
  const int ins = c->prepare("INSERT INTO scan_t (n, s) VALUES ($1, $2)");
  c->begin();
  for (int i = 0; i < 5000; ++i)
    c->run(ins, {std::to_string(i), i % 7 == 0 ? db::Value() : db::Value(std::string(std::size_t(i % 50), 'x'))});
  c->commit();
  const int sel = c->prepare("SELECT n, s FROM scan_t WHERE n >= $1 ORDER BY n");
  std::vector<std::string> scanned, queried;
  auto text = [](const db::Row& r) { return *r[0] + "|" + (r[1] ? *r[1] : std::string("NULL")); };
  c->scan(sel, {"10"}, [&](const db::Row& r) { scanned.push_back(text(r)); });
  c->query(sel, {"10"}, [&](const db::Row& r) { queried.push_back(text(r)); });
  ASSERT_EQ(scanned.size(), 4990u);
  EXPECT_EQ(scanned, queried);
  EXPECT_EQ(scanned[4], "14|NULL");  // a NULL after non-NULL rows stays NULL in the reused row
  int seen = 0;
  EXPECT_THROW(c->scan(sel, {"0"}, [&](const db::Row&) {
    if (++seen == 3) throw std::runtime_error("stop");
  }), std::runtime_error);
  EXPECT_EQ(seen, 3);
  std::size_t n = 0;
  c->scan(c->prepare("SELECT count(*) FROM scan_t"), {}, [&](const db::Row& r) { n = std::stoul(*r[0]); });
  EXPECT_EQ(n, 5000u);
  if (pg) {  // fails after 4 000 rows were sent (SQLite's division by zero is NULL, not an error)
    const int bad = c->prepare("SELECT 1 / (n - 4000) FROM scan_t ORDER BY n");
    EXPECT_THROW(c->scan(bad, {}, [](const db::Row&) {}), std::exception);
  }
  n = 0;
  c->scan(c->prepare("SELECT count(*) FROM scan_t"), {}, [&](const db::Row& r) { n = std::stoul(*r[0]); });
  EXPECT_EQ(n, 5000u);
}

TEST_P(FleetScale, PruneDeletesOldFindingsAndRebuildsAggregates) {
  auto o = options();
  o.inventory = file("hosts.csv", inventory(8));
  auto all = fleet_findings(8, 200, 9);
  all[0].first_seen.reset();  // undated: kept
  all[0].last_seen.reset();
  ingest(url(), {file("a.jsonl", test::lines(all))}, o);
  auto store = Store::open(url());
  const core::Micros cut = *all[100].last_seen;  // findings 0..99 end before it (one a minute)
  const std::size_t pruned = store->prune(cut);
  EXPECT_EQ(pruned, 99u);  // 1..99; 0 is undated
  const FleetView v = store->load_view();
  EXPECT_EQ(v.findings.size() - v.correlations.size(), 101u);
  expect_same(store->assess(), v);
  EXPECT_EQ(store->overview().stored_findings, std::optional<std::size_t>(101));
}

// Findings spread over five whole days from midnight UTC (one every 30 min), every 40th undated.
std::vector<core::Finding> dated_findings(unsigned seed, core::Micros midnight) {
  auto all = fleet_findings(8, 240, seed);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 40 == 0) {
      all[i].first_seen.reset();
      all[i].last_seen.reset();
      continue;
    }
    all[i].first_seen = midnight + core::Micros(i) * 1'800'000'000;
    all[i].last_seen = *all[i].first_seen + 600'000'000;
  }
  return all;
}

constexpr core::Micros kMidnight = 1793577600'000'000;  // 2026-11-02T00:00:00Z
constexpr core::Micros kDayUs = 86'400'000'000;

long long count_of(db::Connection& c, const std::string& sql) {
  long long n = -1;
  c.query(c.prepare(sql), {}, [&](const db::Row& r) { n = std::atoll(r[0].value_or("-1").c_str()); });
  return n;
}

std::vector<std::string> partitions(db::Connection& c) {
  std::vector<std::string> out;
  c.query(c.prepare("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'findings'::regclass ORDER BY 1"),
          {}, [&](const db::Row& r) { out.push_back(r[0].value_or("")); });
  return out;
}

// PostgreSQL keeps one partition of `findings` per day, undated findings in findings_undated;
// prune drops the partitions of whole days before the cut and deletes rows only from the day the
// cut falls in. On SQLite the same prune deletes rows; the outcome is the same on both.
TEST_P(FleetScale, PruneDropsWholeDaysKeepsUndatedAndTheCutDay) {
  const auto all = dated_findings(13, kMidnight);
  auto o = options();
  o.inventory = file("hosts.csv", inventory(8));
  ingest(url(), {file("a.jsonl", test::lines(all))}, o);
  const bool pg = GetParam() == "postgresql";
  if (pg) {
    auto c = db::open_postgres(url());
    EXPECT_EQ(partitions(*c), (std::vector<std::string>{"findings_20261102", "findings_20261103", "findings_20261104",
                                                         "findings_20261105", "findings_20261106", "findings_undated"}));
    EXPECT_EQ(count_of(*c, "SELECT count(*) FROM findings_undated"), 6);
  }
  const core::Micros cut = kMidnight + 2 * kDayUs + 12 * 3'600'000'000LL;  // noon of the third day
  std::size_t older = 0;
  for (const auto& f : all) older += f.last_seen && *f.last_seen < cut;
  auto store = Store::open(url());
  EXPECT_EQ(store->prune(cut), older);
  const FleetView v = store->load_view();
  EXPECT_EQ(v.findings.size() - v.correlations.size(), all.size() - older);
  for (const auto& sf : v.findings)
    if (sf.finding.plane != core::Plane::fleet && sf.finding.last_seen) {
      EXPECT_GE(*sf.finding.last_seen, cut);
    }
  expect_same(store->assess(), v);
  EXPECT_EQ(store->overview().stored_findings, std::optional<std::size_t>(all.size() - older));
  if (pg) {
    auto c = db::open_postgres(url());
    EXPECT_EQ(partitions(*c), (std::vector<std::string>{"findings_20261104", "findings_20261105", "findings_20261106",
                                                         "findings_undated"}));
    EXPECT_EQ(count_of(*c, "SELECT count(*) FROM findings_undated"), 6);
  }
  // Findings of a pruned day come back if ingested again (their partition is made anew).
  const auto st = ingest(url(), {file("a.jsonl", test::lines(all))}, options());
  EXPECT_EQ(st.findings_added, older);
  EXPECT_EQ(st.findings_already_present, all.size() - older);
}

// Two sensors writing overlapping findings (over several days, some undated) at once, then again:
// every finding is stored once, in its day's partition on PostgreSQL.
TEST_P(FleetScale, SameFindingsFromTwoSensorsAreStoredOnce) {
  const auto all = dated_findings(17, kMidnight);
  std::vector<core::Finding> a(all.begin(), all.begin() + 160), b(all.begin() + 80, all.end());
  std::shuffle(a.begin(), a.end(), std::mt19937(1));
  std::shuffle(b.begin(), b.end(), std::mt19937(2));
  const std::string fa = file("a.jsonl", test::lines(a)), fb = file("b.jsonl", test::lines(b));
  auto o = options();
  o.inventory = file("hosts.csv", inventory(8));
  ingest(url(), {}, o);
  for (int round = 0; round < 2; ++round) {
    IngestStats sa, sb;
    auto oa = options(), ob = options();
    oa.spool = path("spool-a.jsonl");
    ob.spool = path("spool-b.jsonl");
    std::thread ta([&] { sa = ingest(url(), {fa}, oa); });
    std::thread tb([&] { sb = ingest(url(), {fb}, ob); });
    ta.join();
    tb.join();
    EXPECT_EQ(sa.spooled + sb.spooled, 0u);
    EXPECT_EQ(sa.findings_added + sb.findings_added, round == 0 ? all.size() : 0u);
    EXPECT_EQ(sa.findings_added + sa.findings_already_present, a.size());
    EXPECT_EQ(sb.findings_added + sb.findings_already_present, b.size());
  }
  auto store = Store::open(url());
  const FleetView v = store->load_view();
  EXPECT_EQ(v.findings.size() - v.correlations.size(), all.size());
  expect_same(store->assess(), v);
  if (GetParam() == "postgresql") {
    auto c = db::open_postgres(url());
    EXPECT_EQ(count_of(*c, "SELECT count(DISTINCT id) FROM findings"), static_cast<long long>(all.size()));
    EXPECT_EQ(count_of(*c, "SELECT count(*) FROM findings"), static_cast<long long>(all.size()));
    EXPECT_EQ(count_of(*c, "SELECT count(*) FROM findings_undated"), 6);
    EXPECT_EQ(count_of(*c, "SELECT count(*) FROM findings_20261103"), 47);  // 48 a day, one undated
  }
}

// 8 `fleet ingest` processes write overlapping batches at once while `supplyguard serve` is read
// in a loop: nothing lost or doubled, no writer fails, every response complete.
TEST_P(FleetScale, ConcurrentWritersWhileTheDashboardIsRead) {
  constexpr int kWriters = 8, kHosts = 40;
  const auto all = fleet_findings(kHosts, 1600, 11);
  // Batch b: findings [b*100, b*100 + 300) mod 1600; each finding is in three batches.
  std::vector<std::string> batches;
  for (int b = 0; b < 16; ++b) {
    std::vector<core::Finding> part;
    for (int i = 0; i < 300; ++i) part.push_back(all[std::size_t((b * 100 + i) % 1600)]);
    std::shuffle(part.begin(), part.end(), std::mt19937(unsigned(b)));
    batches.push_back(file("batch" + std::to_string(b) + ".jsonl", test::lines(part)));
  }
  auto o = options();
  o.inventory = file("hosts.csv", inventory(kHosts));
  ingest(url(), {}, o);  // the store and its inventory exist before the dashboard starts

  const std::string token = "0123456789abcdef0123456789abcdef";
  test::write_text(path("token"), token + "\n");
  const std::string log = path("serve.log");
  pid_t server = 0;
  {
    const std::string cmd = "exec " + test::supplyguard() + " serve --db '" + url() + "' --listen 127.0.0.1:0 --token-file " +
                            path("token") + " --quiet 2> " + log;
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    ASSERT_EQ(posix_spawn(&server, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  }
  int port = 0;
  for (int i = 0; i < 300 && !port; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string text = std::filesystem::exists(log) ? test::read_text(log) : "";
    if (auto at = text.find("listening on http://127.0.0.1:"); at != std::string::npos)
      port = std::atoi(text.c_str() + at + 30);
  }
  ASSERT_GT(port, 0) << test::read_text(log);

  std::atomic<bool> done{false};
  std::atomic<int> responses{0};
  std::vector<std::string> problems;
  std::thread reader([&] {
    httplib::Client cli("127.0.0.1", port);
    cli.set_bearer_token_auth(token);
    std::size_t last_total = 0;
    while (!done) {
      auto hosts = cli.Get("/api/hosts?limit=2000");
      auto page = cli.Get("/");
      if (!hosts || hosts->status != 200 || !page || page->status != 200) {
        problems.push_back("request failed");
        continue;
      }
      const auto j = core::Json::parse(hosts->body, nullptr, false);
      if (j.is_discarded() || !j.contains("hosts") || j["count"] != j["hosts"].size() || j["total"] != j["count"]) {
        problems.push_back("incomplete /api/hosts: " + hosts->body.substr(0, 200));
        continue;
      }
      std::size_t total = 0;
      for (const auto& h : j["hosts"])  // "fleet" lists the correlations, not stored findings
        if (h["host"] != "fleet") total += h["findings"].get<std::size_t>();
      // A snapshot is one committed state: counts never go back and never exceed the distinct findings.
      if (total < last_total || total > 1600) problems.push_back("inconsistent total " + std::to_string(total));
      last_total = total;
      if (page->body.find("</html>") == std::string::npos) problems.push_back("truncated page");
      ++responses;
    }
  });

  std::vector<pid_t> writers;
  for (int w = 0; w < kWriters; ++w) {
    std::string cmd = "exec " + test::supplyguard() + " fleet ingest -q --db '" + url() + "' --spool " +
                      path("spool" + std::to_string(w) + ".jsonl");
    for (int b = 0; b < 16; ++b)
      if (b % kWriters == w || (b + 3) % kWriters == w) cmd += " " + batches[std::size_t(b)];
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    writers.push_back(pid);
  }
  for (pid_t pid : writers) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed: status " << status;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // one more background reload
  done = true;
  reader.join();
  kill(server, SIGTERM);
  int status = 0;
  waitpid(server, &status, 0);

  EXPECT_TRUE(problems.empty()) << problems.size() << " problem(s), first: " << (problems.empty() ? "" : problems[0]);
  EXPECT_GT(responses.load(), 0);
  for (int w = 0; w < kWriters; ++w)  // nothing spooled: every writer reached the store
    EXPECT_FALSE(std::filesystem::exists(path("spool" + std::to_string(w) + ".jsonl")) &&
                 std::filesystem::file_size(path("spool" + std::to_string(w) + ".jsonl")) > 0);
  auto store = Store::open(url());
  const FleetView v = store->load_view();
  EXPECT_EQ(v.findings.size() - v.correlations.size(), 1600u);
  EXPECT_EQ(store->overview().stored_findings, std::optional<std::size_t>(1600));
  expect_same(store->assess(), v);
}

INSTANTIATE_TEST_SUITE_P(Backends, FleetScale, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
