// bench_fleet_store [--findings N] [--hosts H] [--dir DIR] [--db URL] [--serve SUPPLYGUARD] [--readers R]
//                   [--serve-only] [--verdict-only] [--help]
// writes an inventory of H hosts and a findings file of N lines (a realistic mix: hunt findings
// naming an address, attest findings naming a host, some inspect), then times
//   ingest   fleet::ingest(URL, {file}, inventory)                 parse + attribute + store + aggregates
//   batch    a further 10 000 new findings ingested, then Store::assess() (verdicts + correlations
//            from the aggregates: what `fleet verdict` runs) and Store::overview() (the dashboard's)
//   serve    with --serve: `supplyguard serve` over the store, R readers (default 20) fetching the
//            dashboard page and /api/hosts in a loop: p50/p95 per route, bytes, and serve's peak RSS
// URL defaults to sqlite:DIR/bench.db; a postgresql:// URL benchmarks PostgreSQL (bench/fleet/run.sh
// starts a throwaway cluster). Targets: 10^6 ingested <= 30 s (SQLite); verdicts after a batch
// <= 1 s; page and API p95 <= 200 ms; serve RSS <= 500 MB.
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>
#include <algorithm>
#include <mutex>
#include <string>

#include "supplyguard/fleet/fleet.hpp"

extern char** environ;

using namespace sg;
using Clock = std::chrono::steady_clock;

namespace {

// 62 500 hosts per /16 (10.1/16 for hosts, 10.99/16 for BMCs, then 10.2, 10.100, ...): the 10^5-host
// run went past 10.1.255.x. Below 62 500 hosts the addresses are what they always were.
std::string addr(int host, bool bmc) {
  return "10." + std::to_string((bmc ? 99 : 1) + host / 62500) + "." + std::to_string(host / 250 % 250) + "." +
         std::to_string(host % 250 + 1);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// VmHWM of another process, in MB (its peak resident set).
long peak_rss_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  return -1;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}

// CPU time of this process (user + system, every thread): the machine is shared, so wall time
// alone says more about the other tenants than about the code.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double loadavg1() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

long peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each phase's line reaches a log file as it is measured
  std::size_t n = 1'000'000;
  int hosts = 10'000;
  std::string dir, url, serve_bin;
  int readers = 20;
  bool verdict_only = false;  // --verdict-only DIR: reuse DIR/bench.db from an earlier run (for profiling)
  bool serve_only = false;    // --serve-only --dir DIR --serve BIN: only the serve phase, over DIR's store
  bool keep_input = false;    // --keep-input: leave the findings file in DIR (to profile `fleet ingest` on it)
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--verdict-only")) verdict_only = true;
    if (!std::strcmp(argv[i], "--keep-input")) keep_input = true;
    if (!std::strcmp(argv[i], "--serve-only")) serve_only = true;
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::printf(
          "bench_fleet_store [--findings N] [--hosts H] [--dir DIR] [--db URL] [--serve SUPPLYGUARD] [--readers R]\n"
          "  defaults: N=1000000, H=10000, DIR a fresh /tmp/sg-bench-fleet-*, URL sqlite:DIR/bench.db, R=20\n"
          "  generates an inventory and N findings, times ingest, a batch of 10 000 more, verdicts and the\n"
          "  overview, then (with --serve) `SUPPLYGUARD serve` under R concurrent readers\n"
          "  (SG_BENCH_REQUESTS requests each, default 10): p50/p95/max per route and serve's peak RSS.\n"
          "  --verdict-only --dir DIR [--db URL]   only time assess() over an existing store\n"
          "  --serve-only --dir DIR --serve BIN    only the serve phase over an existing store (DIR is kept)\n"
          "  --keep-input                          keep the generated findings file in DIR\n");
      return 0;
    }
  }
  for (int i = 1; i < argc; ++i) {  // flags (above) take no value; the options below take one
    if (i + 1 >= argc) break;
    if (!std::strcmp(argv[i], "--findings")) n = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--hosts")) hosts = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--db")) url = argv[++i];
    else if (!std::strcmp(argv[i], "--serve")) serve_bin = argv[++i];
    else if (!std::strcmp(argv[i], "--readers")) readers = std::stoi(argv[++i]);
  }
  bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/sg-bench-fleet-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  const std::string inv = dir + "/inventory.csv", file = dir + "/findings.jsonl", db = dir + "/bench.db";
  if (url.empty()) url = "sqlite:" + db;
  const std::string backend = url.rfind("sqlite:", 0) == 0 ? "SQLite" : "PostgreSQL";
  if (serve_only && (own_dir || serve_bin.empty())) {
    std::fprintf(stderr, "--serve-only needs --dir DIR (an earlier run's store) and --serve SUPPLYGUARD\n");
    return 2;
  }
  if (verdict_only) {  // timed as the batch phase times it: the store is open already
    auto t0 = Clock::now();
    auto store = fleet::Store::open(url);
    const double t_open = seconds_since(t0);
    t0 = Clock::now();
    const double c0 = cpu_seconds();
    const auto a = store->assess();
    std::printf("verdict  %zu hosts: %.2f s (cpu %.2f s; %zu correlations); open %.3f s\n", a.verdicts.size(),
                seconds_since(t0), cpu_seconds() - c0, a.correlations.size(), t_open);
    return 0;
  }
  if (!serve_only) {
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
    // findings: distinct content per line (so each is a new id), ~70% hunt, 25% attest, 5% inspect
    auto write_findings = [&](const std::string& path, std::size_t n, std::size_t first, std::uint64_t seed) {
      std::mt19937_64 rng(seed);
      std::ofstream f(path);
      const char* sev[] = {"info", "low", "low", "medium", "medium", "high", "critical"};
      for (std::size_t i = first; i < first + n; ++i) {
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
    };
    write_findings(file, n, 0, 1);
    const auto bytes = std::filesystem::file_size(file);

    fleet::IngestOptions o;
    o.inventory = inv;
    o.spool = dir + "/spool.jsonl";
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    const auto st = fleet::ingest(url, {file}, o);
    const double t_ingest = seconds_since(t0), c_ingest = cpu_seconds() - c0;
    std::printf("ingest   %zu findings (%.0f MB) + %d inventory hosts into %s: %.2f s (%.0f findings/s), cpu %.2f s, "
                "load %.1f, %zu added\n",
                n, double(bytes) / 1e6, hosts, backend.c_str(), t_ingest, double(n) / t_ingest, c_ingest, loadavg1(),
                st.findings_added);
    if (!keep_input) std::filesystem::remove(file);

    // A sensor's batch: 10 000 new findings into the populated store, then verdicts.
    const std::string batch = dir + "/batch.jsonl";
    write_findings(batch, 10000, n, 2);
    fleet::IngestOptions ob;
    ob.spool = o.spool;
    t0 = Clock::now();
    c0 = cpu_seconds();
    fleet::ingest(url, {batch}, ob);
    const double t_batch = seconds_since(t0), c_batch = cpu_seconds() - c0;
    auto store = fleet::Store::open(url);
    t0 = Clock::now();
    c0 = cpu_seconds();
    const auto a = store->assess();
    const double t_verdict = seconds_since(t0), c_verdict = cpu_seconds() - c0;
    t0 = Clock::now();
    const auto over = store->overview();
    const double t_over = seconds_since(t0);
    std::size_t compromised = 0;
    for (const auto& v : a.verdicts) compromised += v.verdict == fleet::Verdict::compromised;
    std::printf("batch    10000 more findings ingested: %.2f s (cpu %.2f s); then verdicts for %zu hosts over %zu findings: "
                "%.2f s (cpu %.2f s; %zu compromised, %zu correlations); dashboard overview %.2f s; load %.1f\n",
                t_batch, c_batch, a.verdicts.size(), over.stored_findings.value_or(0), t_verdict, c_verdict, compromised,
                a.correlations.size(), t_over, loadavg1());
    if (std::getenv("SG_BENCH_VIEW")) {  // the report's full read, for comparison
      t0 = Clock::now();
      const auto view = store->load_view();
      std::printf("view     load_view of %zu findings: %.2f s\n", view.findings.size(), seconds_since(t0));
    }
    std::printf("bench    peak RSS %ld MB", peak_rss_mb());
    if (backend == "SQLite") std::printf("; database %.0f MB", double(std::filesystem::file_size(db)) / 1e6);
    std::printf("\n");
    store.reset();

  }
  if (!serve_bin.empty()) {
    const std::string token = "00112233445566778899aabbccddeeff", log = dir + "/serve.log";
    { std::ofstream(dir + "/token") << token << "\n"; }
    const std::string cmd = "exec " + serve_bin + " serve --db '" + url + "' --listen 127.0.0.1:0 --quiet --token-file " +
                            dir + "/token 2> " + log;
    const char* args[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(args), environ) != 0) return 2;
    int port = 0;
    auto t0 = Clock::now();
    while (!port && seconds_since(t0) < 600) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::ifstream f(log);
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (auto at = text.find("listening on http://127.0.0.1:"); at != std::string::npos) port = std::atoi(text.c_str() + at + 30);
    }
    const double t_start = seconds_since(t0);
    if (!port) {
      std::printf("serve    did not start\n");
      kill(pid, SIGTERM);
      return 2;
    }
    const char* routes[] = {"/", "/api/hosts", "/host/node-7", "/api/findings?host=node-7&limit=100"};
    std::vector<double> lat[4];
    std::size_t bytes_of[4] = {0, 0, 0, 0}, failures = 0;
    std::mutex mu;
    std::vector<std::thread> pool;
    const int per_reader = std::getenv("SG_BENCH_REQUESTS") ? std::atoi(std::getenv("SG_BENCH_REQUESTS")) : 10;
    t0 = Clock::now();
    for (int r = 0; r < readers; ++r)
      pool.emplace_back([&, r] {
        httplib::Client cli("127.0.0.1", port);
        cli.set_bearer_token_auth(token);
        cli.set_read_timeout(120, 0);
        for (int k = 0; k < per_reader; ++k) {
          const int route = (r + k) % 4;
          const auto q0 = Clock::now();
          auto res = cli.Get(routes[route]);
          const double ms = seconds_since(q0) * 1000;
          std::lock_guard lock(mu);
          if (!res || res->status != 200) {
            ++failures;
            continue;
          }
          lat[route].push_back(ms);
          bytes_of[route] = std::max(bytes_of[route], res->body.size());
        }
      });
    for (auto& t : pool) t.join();
    const double t_load = seconds_since(t0);
    std::printf("serve    started in %.2f s; %d readers x %d requests in %.2f s, %zu failed\n", t_start, readers,
                per_reader, t_load, failures);
    for (int i = 0; i < 4; ++i)
      std::printf("serve    %-36s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  %zu bytes\n", routes[i],
                  percentile(lat[i], 0.5), percentile(lat[i], 0.95), percentile(lat[i], 1.0), bytes_of[i]);
    std::printf("serve    peak RSS %ld MB; load %.1f\n", peak_rss_of(pid), loadavg1());
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
