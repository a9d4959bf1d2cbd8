// bench_fleet_store [--findings N] [--hosts H] [--dir DIR]: writes an inventory of H hosts and a
// findings file of N lines (a realistic mix: hunt findings naming an address, attest findings
// naming a host, some inspect), then times
//   ingest   fleet::ingest(sqlite:DIR/bench.db, {file}, inventory)   parse + attribute + store
//   verdict  Store::assess()                                         verdicts + correlations
//   view     Store::load_view()                                      every finding body (report/dashboard)
// Prints one line per figure; the targets are ingest 1 000 000 < 30 s, verdicts 10 000 hosts < 5 s.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "supplyguard/fleet/fleet.hpp"

using namespace sg;
using Clock = std::chrono::steady_clock;

namespace {

std::string addr(int host, bool bmc) {
  return (bmc ? "10.99." : "10.1.") + std::to_string(host / 250) + "." + std::to_string(host % 250 + 1);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  int hosts = 10'000;
  std::string dir;
  bool verdict_only = false;  // --verdict-only DIR: reuse DIR/bench.db from an earlier run (for profiling)
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--verdict-only")) verdict_only = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--findings")) n = std::stoul(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--hosts")) hosts = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/sg-bench-fleet-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  const std::string inv = dir + "/inventory.csv", file = dir + "/findings.jsonl", db = dir + "/bench.db";
  if (verdict_only) {
    auto t0 = Clock::now();
    const auto a = fleet::Store::open("sqlite:" + db)->assess();
    std::printf("verdict  %zu hosts: %.2f s (%zu correlations)\n", a.verdicts.size(), seconds_since(t0), a.correlations.size());
    return 0;
  }
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");

  {  // inventory: two models, four batches
    std::ofstream f(inv);
    f << "host,model,batch,addresses\n";
    for (int h = 0; h < hosts; ++h)
      f << "node-" << h << "," << (h % 2 ? "A" : "B") << ",lot-" << h % 4 << ",\"" << addr(h, false) << ";"
        << addr(h, true) << "\"\n";
  }
  {  // findings: distinct content per line (so each is a new id), ~70% hunt, 25% attest, 5% inspect
    std::mt19937_64 rng(1);
    std::ofstream f(file);
    const char* sev[] = {"info", "low", "low", "medium", "medium", "high", "critical"};
    for (std::size_t i = 0; i < n; ++i) {
      const int h = int(rng() % std::uint64_t(hosts));
      const auto r = rng() % 100;
      core::Finding x;
      x.score = double(rng() % 1000) / 1000.0;
      x.first_seen = 1793606400'000'000 + std::int64_t(i) * 1'000'000;
      x.last_seen = *x.first_seen + 600'000'000;
      x.severity = *core::parse_severity(sev[rng() % 7]);
      if (r < 70) {
        const bool bmc = r < 10;
        // Destinations from a /8-sized space (coincidences are rare), except a planted C2 that
        // the BMCs of 40 hosts call: the correlation the verdict has to find.
        const std::string src = addr(h, bmc),
                          dst = (bmc && h < 40) ? std::string("203.0.113.66")
                                                : std::to_string(11 + rng() % 200) + "." + std::to_string(rng() % 256) +
                                                      "." + std::to_string(rng() % 256) + "." + std::to_string(1 + rng() % 254);
        x.plane = core::Plane::hunt;
        x.type = bmc ? "mgmt_egress" : (r < 40 ? "beacon" : "long_connection");
        x.host = src;
        x.subject = src + " -> " + dst + ":443/tcp";
        x.fields["src"] = src;
        x.fields["dst"] = dst;
        x.fields["dst_port"] = 443;
        x.fields["proto"] = "tcp";
        x.fields["count"] = int(rng() % 500);
        x.summary = src + " calls " + dst + ":443 every " + std::to_string(30 + rng() % 600) + " s";
        x.evidence = {{"callbacks", int(rng() % 500)}, {"median_interval_s", double(rng() % 600)}};
      } else if (r < 95) {
        x.plane = core::Plane::attest;
        x.type = "component_changed";
        x.host = "node-" + std::to_string(h);
        x.subject = "pci:0000:" + std::to_string(rng() % 64) + ":00.0";
        x.fields["model"] = h % 2 ? "A" : "B";
        x.fields["component"] = x.subject;
        x.fields["before"] = {{"rom_sha256", std::to_string(rng())}};
        x.fields["after"] = {{"rom_sha256", std::to_string(rng())}};
        x.summary = "option ROM of " + x.subject + " changed";
      } else {
        x.plane = core::Plane::inspect;
        x.type = "extra_part";
        x.host = "node-" + std::to_string(h);
        x.subject = "board region " + std::to_string(i);
        x.fields["bbox"] = {int(rng() % 4000), int(rng() % 3000), 40, 30};
        x.summary = "a part not in the golden board";
      }
      f << core::to_json_line(x) << "\n";
    }
  }
  const auto bytes = std::filesystem::file_size(file);

  fleet::IngestOptions o;
  o.inventory = inv;
  o.spool = dir + "/spool.jsonl";
  auto t0 = Clock::now();
  const auto st = fleet::ingest("sqlite:" + db, {file}, o);
  const double t_ingest = seconds_since(t0);
  std::printf("ingest   %zu findings (%.0f MB) + %d inventory hosts into SQLite: %.2f s (%.0f findings/s), "
              "%zu added\n",
              n, double(bytes) / 1e6, hosts, t_ingest, double(n) / t_ingest, st.findings_added);

  auto store = fleet::Store::open("sqlite:" + db);
  if (std::getenv("SG_BENCH_BREAKDOWN")) {  // where ingest's time goes, into a second database
    t0 = Clock::now();
    auto batch = fleet::read_input(file);
    const double t_parse = seconds_since(t0);
    auto other = fleet::Store::open("sqlite:" + db + ".2");
    t0 = Clock::now();
    other->store(batch);
    std::printf("  breakdown: parse %.2f s, store %.2f s\n", t_parse, seconds_since(t0));
    std::filesystem::remove(db + ".2");
  }
  t0 = Clock::now();
  const auto a = store->assess();
  const double t_verdict = seconds_since(t0);
  std::size_t compromised = 0;
  for (const auto& v : a.verdicts) compromised += v.verdict == fleet::Verdict::compromised;
  std::printf("verdict  %zu hosts over %zu findings: %.2f s (%zu compromised, %zu correlations)\n", a.verdicts.size(),
              n, t_verdict, compromised, a.correlations.size());

  t0 = Clock::now();
  const auto view = store->load_view();
  std::printf("view     load_view of %zu findings: %.2f s\n", view.findings.size(), seconds_since(t0));
  std::printf("peak RSS %ld MB; database %.0f MB\n", peak_rss_mb(), double(std::filesystem::file_size(db)) / 1e6);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
