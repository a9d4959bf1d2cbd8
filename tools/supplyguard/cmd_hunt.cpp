// supplyguard hunt: parsing and wiring only; capability lives in lib/hunt.
#include <malloc.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "command.hpp"
#include "hunt_db.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/capture.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/hunt/pipe.hpp"
#include "supplyguard/hunt/sensor.hpp"
#include "supplyguard/hunt/zeek.hpp"

namespace sg::cli {
namespace {

struct HuntOptions {
  std::vector<std::string> reads, zeek, internal, mgmt, servers;
  std::string iface, filter, allow;
  double min_score = 0.5;
  double live_seconds = 0;
  double long_conn_s = 3600;
  std::size_t max_flows = 1 << 19;
  std::size_t state_mb = 640, max_pairs = 0;
  bool progress = false, stats = false, no_names = false;
  unsigned threads = 0;  // 0: 2 where 2+ CPUs are available
  // Sensor (issue 14)
  double report_every = 0;
  std::string state_dir, state_max_age = "7d", db, spool;
};

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int sig) {
  // A second signal while the last report is being written: the default action (a user who
  // presses Ctrl-C twice means it).
  if (g_stop.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// Without SA_RESTART: a signal also ends the capture's wait at once.
void install_stop_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

hunt::NetSet parse_nets(const std::vector<std::string>& list, const char* flag) {
  hunt::NetSet s;
  for (const auto& text : list) {
    auto c = hunt::parse_cidr(text);
    if (!c) throw core::InputError::in(flag, "not a CIDR or address: \"" + text + "\"");
    s.add(*c);
  }
  return s;
}

// One status line on stderr, rewritten in place: never mixed into stdout.
class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on), t0_(std::chrono::steady_clock::now()) {}
  void update(const hunt::ReadProgress& p) {
    if (!on_) return;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double mbs = secs > 0 ? double(p.bytes) / 1e6 / secs : 0;
    if (p.total_bytes)
      std::fprintf(stderr, "\r%s: %.0f/%.0f MB (%.0f%%), %llu packets, %.0f MB/s   ", p.source.c_str(),
                   double(p.bytes) / 1e6, double(p.total_bytes) / 1e6, 100.0 * double(p.bytes) / double(p.total_bytes),
                   static_cast<unsigned long long>(p.packets), mbs);
    else
      std::fprintf(stderr, "\r%s: %.0f MB, %llu packets, %.0f MB/s   ", p.source.c_str(), double(p.bytes) / 1e6,
                   static_cast<unsigned long long>(p.packets), mbs);
    dirty_ = true;
  }
  void end_line() {
    if (dirty_) std::fputc('\n', stderr);
    dirty_ = false;
    t0_ = std::chrono::steady_clock::now();
  }

 private:
  bool on_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point t0_;
};

// CPUs this process may run on (taskset, cgroup cpusets), not the machine's count.
unsigned usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return unsigned(std::max(1, CPU_COUNT(&set)));
}

// hunt's tables (flow slab and index, pair/name/domain tables, the detectors' scratch) are tens
// of MB touched at random: with 4 KB pages that is one page fault per page (~12 000 on the
// 156 MB edge capture, several us each on a VM) and a TLB miss on most lookups. The heap is
// grown in one 256 MB step of address space (no memory until touched) and marked for
// transparent huge pages (honoured where THP is "madvise" or "always"), and large blocks come
// from that heap instead of separate mmaps. What glibc.malloc.hugetlb=1 does, for this command
// only, and only for -r / --zeek (runs that end); a failed madvise (THP off) changes nothing.
void heap_on_huge_pages() {
  constexpr std::size_t kPad = std::size_t(256) << 20;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, int(kPad));
  // One arena: the detector state is built on the RecordPipe's thread, which would otherwise get
  // an arena of its own, mmapped without huge pages (7 400 page faults instead of 900 on the edge
  // capture). The reading thread allocates little (records go into reused batches), so the
  // shared arena's lock is not contended.
  mallopt(M_ARENA_MAX, 1);
  auto* const before = static_cast<char*>(sbrk(0));
  void* volatile grow = std::malloc(1 << 20);  // grows the heap by the pad now (volatile: not elided)
  std::free(grow);
  auto* const after = static_cast<char*>(sbrk(0));
  if (before == reinterpret_cast<char*>(-1) || after <= before) return;
  const std::uintptr_t page = 2 << 20;
  const std::uintptr_t lo = (reinterpret_cast<std::uintptr_t>(before) + page - 1) & ~(page - 1);
  const std::uintptr_t hi = reinterpret_cast<std::uintptr_t>(after) & ~(page - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

int run_hunt(const HuntOptions& o, Output& out) {
  if (o.reads.empty() && o.zeek.empty() && o.iface.empty())
    throw core::InputError::in("hunt", "nothing to read: give -r FILE, -i IFACE or --zeek DIR");
  if (!o.filter.empty() && o.iface.empty())
    throw core::InputError::in("--filter", "applies to live capture only (-i IFACE)");
  if (o.report_every > 0 && o.iface.empty())
    throw core::InputError::in("--report-every", "applies to live capture only (-i IFACE); -r and --zeek report once at the end");
  if (!o.db.empty() && o.db.rfind("sqlite:", 0) != 0 && o.db.rfind("postgresql://", 0) != 0 &&
      o.db.rfind("postgres://", 0) != 0)
    throw core::InputError::in("--db", "expected sqlite:PATH or postgresql://...: \"" + o.db + "\"");
  hunt::StateOptions sopt;
  sopt.max_age = parse_age(o.state_max_age, "--state-max-age");
  // Offline reads only: a live sensor runs for weeks and should give freed memory back.
  if (o.iface.empty()) heap_on_huge_pages();

  hunt::HuntConfig cfg;
  if (!o.internal.empty()) {
    cfg.internal = parse_nets(o.internal, "--internal-net");
    cfg.internal_given = true;  // overrides Zeek's local_orig/local_resp
  }
  cfg.mgmt = parse_nets(o.mgmt, "--mgmt-net");
  cfg.servers = parse_nets(o.servers, "--server-net");
  // Management ranges are ours: a BMC talking to another BMC is not egress.
  for (const auto& c : cfg.mgmt.nets()) cfg.internal.add(c);
  if (!o.allow.empty()) {
    cfg.allow = hunt::Allowlist::load(o.allow);
    cfg.have_allow = true;
  }
  cfg.min_score = o.min_score;
  cfg.long_connection = hunt::Micros(o.long_conn_s * 1e6);
  cfg.memory_budget = o.state_mb << 20;
  if (o.max_pairs) cfg.max_pairs = o.max_pairs;

  hunt::Analyzer analyzer(cfg);
  hunt::FlowConfig fcfg;
  fcfg.max_flows = o.max_flows;
  fcfg.names = !o.no_names;
  // Reading (decode, flow assembly, Zeek parsing) on this thread, the detector state on a second
  // one when the machine has a second CPU: see supplyguard/hunt/pipe.hpp.
  std::optional<hunt::RecordPipe> pipe;
  if ((o.threads ? o.threads : std::min(2u, usable_cpus())) > 1) pipe.emplace(analyzer);
  hunt::RecordSink& sink = pipe ? static_cast<hunt::RecordSink&>(*pipe) : analyzer;
  hunt::PacketProcessor proc(fcfg, sink);
  ProgressLine line(o.progress || isatty(STDERR_FILENO));
  const hunt::ProgressFn progress = [&line](const hunt::ReadProgress& p) { line.update(p); };

  // A live sensor (--report-every) writes what is new or got worse since its last report (also
  // across restarts: what it reported is part of --state). A run that reports once (-r, --zeek,
  // -i without --report-every) writes every finding, over the state carried in with --state.
  const bool sensor = o.report_every > 0;
  const bool ages = sensor || !o.state_dir.empty();
  hunt::ReportMemory memory;
  if (!o.state_dir.empty()) {
    const auto ld = hunt::load_state(o.state_dir, analyzer, memory, sopt);
    std::fprintf(stderr, "hunt: %s%s\n", ld.status == hunt::StateLoad::Status::set_aside ? "warning: state: " : "state: ",
                 ld.message.c_str());
  }
  std::unique_ptr<HuntDb> db;
  if (!o.db.empty()) db = std::make_unique<HuntDb>(o.db, o.spool);
  std::unique_ptr<hunt::LiveCapture> live;
  unsigned reports = 0;

  auto pcap_note = [&]() -> std::string {
    if (!live) return "";
    const auto ls = live->stats();
    char b[200];
    if (!ls.available) return "; pcap counters unavailable";
    std::snprintf(b, sizeof b, "; pcap: %llu received, %llu dropped (buffer), %llu dropped by the interface",
                  (unsigned long long)ls.received, (unsigned long long)ls.dropped, (unsigned long long)ls.if_dropped);
    return b;
  };

  // One report: the detectors over everything so far, news only for a sensor, then --db, then
  // the checkpoint (after the output, so a crash in between repeats a line rather than loses it).
  // A periodic report leaves open flows open (they count when they end: splitting them would
  // turn one connection into two); the final one ends them.
  auto report = [&](bool final) {
    if (final) proc.finish();
    if (pipe) pipe->drain();  // every record read so far is in the analyzer before it is read
    line.end_line();
    std::uint64_t aged = 0;
    if (ages) aged = hunt::age_out(analyzer, memory, sopt);
    const auto all = analyzer.findings();
    const auto news = sensor ? memory.news(all) : all;
    out.emit_report(news);
    std::string note;
    if (db) note += "; " + db->store(news, o.iface.empty() ? "hunt" : "hunt -i " + o.iface);
    if (!o.state_dir.empty()) {
      const auto sum = hunt::save_state(o.state_dir, analyzer, memory);
      note += "; state saved (" + std::to_string(sum.pairs + sum.mgmt_pairs) + " series, " +
              std::to_string(sum.domains) + " domains, " + std::to_string(sum.bytes / 1024) + " kB)";
    }
    if (aged) note += "; " + std::to_string(aged) + " entries older than --state-max-age dropped";
    if (sensor || (ages && final)) {
      std::fprintf(stderr, "hunt: %s %u: %zu new or worse of %zu findings; %llu packets%s; %zu flows open%s%s\n",
                   final ? "final report" : "report", ++reports, news.size(), all.size(),
                   (unsigned long long)proc.stats().packets, pcap_note().c_str(), proc.flows().live(),
                   final ? " (ended for this report)" : " (counted when they end)", note.c_str());
      std::fflush(stderr);
    }
    if (!final) return;
    if (const auto bad = proc.stats().bad_timestamps; bad > 0)
      std::fprintf(stderr,
                   "hunt: warning: %llu packets had an out-of-range timestamp (broken clock or corrupt file); "
                   "they were kept at the last good time\n",
                   (unsigned long long)bad);
    if (o.stats || o.progress) {
      const auto& cs = proc.stats();
      const auto& fs = proc.flows().stats();
      const auto as = analyzer.stats();
      const auto& d = as.drops;
      rusage ru{};
      getrusage(RUSAGE_SELF, &ru);
      std::fprintf(stderr,
                   "hunt: %llu packets (%llu not IP, %llu undecodable, %llu on an unsupported pcapng interface, %llu with an out-of-range timestamp, %llu "
                   "going backwards), %llu flows (max %llu live, %llu forced evictions at the cap), %llu connection "
                   "records, %llu DNS records, %llu to multicast/broadcast/link-local (not destinations); peak RSS "
                   "%ld MB\n",
                   (unsigned long long)cs.packets, (unsigned long long)cs.not_ip, (unsigned long long)cs.undecodable, (unsigned long long)cs.unsupported_link,
                   (unsigned long long)cs.bad_timestamps, (unsigned long long)cs.backwards_timestamps,
                   (unsigned long long)fs.flows, (unsigned long long)fs.max_live,
                   (unsigned long long)fs.forced_evictions, (unsigned long long)as.conns,
                   (unsigned long long)as.dns, (unsigned long long)as.not_destination, ru.ru_maxrss / 1024);
      std::fprintf(stderr,
                   "hunt: state %llu pairs, %llu management pairs, %llu domains, ~%llu MB of %llu MB budget; made room "
                   "by evicting %llu single-connection and %llu idle pairs, %llu lookup-only domains; evidence "
                   "dropped: %llu series, %llu callbacks, %llu management series, %llu domains, %llu long "
                   "connections, %llu name labels\n",
                   (unsigned long long)as.pairs, (unsigned long long)as.mgmt_pairs, (unsigned long long)as.domains,
                   (unsigned long long)(as.state_bytes >> 20), (unsigned long long)(cfg.memory_budget >> 20),
                   (unsigned long long)d.singleton_pairs_evicted, (unsigned long long)d.idle_pairs_evicted,
                   (unsigned long long)d.domains_evicted, (unsigned long long)d.pairs_evicted_at_budget,
                   (unsigned long long)d.callbacks_not_kept, (unsigned long long)d.mgmt_pairs_untracked,
                   (unsigned long long)d.domains_untracked, (unsigned long long)d.long_conns_untracked,
                   (unsigned long long)d.names_untracked);
      const auto& ps = proc.flows().payload_stats();
      std::fprintf(stderr,
                   "hunt: names: %llu TLS ClientHellos (%llu over 2+ segments, %llu malformed), %llu HTTP requests "
                   "(%llu malformed), %llu DNS-over-TCP messages (%llu malformed); %llu given up at the segment/byte "
                   "budget, %llu at a sequence gap, %llu flows not named (caps); %llu named connection records, "
                   "%llu SNI/Host series, %llu TLS fingerprints; dropped: %llu series, %llu connection names, %llu "
                   "fingerprints%s%s\n",
                   (unsigned long long)ps.tls_hellos, (unsigned long long)ps.tls_split, (unsigned long long)ps.tls_errors,
                   (unsigned long long)ps.http_requests, (unsigned long long)ps.http_errors,
                   (unsigned long long)ps.dns_tcp_messages, (unsigned long long)ps.dns_tcp_errors,
                   (unsigned long long)ps.gave_up, (unsigned long long)ps.out_of_order,
                   (unsigned long long)ps.flows_untracked, (unsigned long long)as.named_conns,
                   (unsigned long long)as.name_series, (unsigned long long)as.tls_fps,
                   (unsigned long long)d.name_series_untracked, (unsigned long long)d.conn_names_untracked,
                   (unsigned long long)d.tls_fps_untracked, ps.last_error.empty() ? "" : "; last parse error: ",
                   ps.last_error.c_str());
      if (live) std::fprintf(stderr, "hunt: live capture on %s%s\n", o.iface.c_str(), pcap_note().c_str());
    }
  };
  try {
    for (const auto& z : o.zeek) {
      std::vector<std::string> skipped;
      hunt::ZeekNames names;
      hunt::read_zeek_path(z, sink, &skipped, &names);
      if (o.stats || o.progress)
        std::fprintf(stderr,
                     "hunt: %s: %llu connections named from ssl/http logs (joined by uid), %llu ssl/http names "
                     "without a conn line, %llu not kept (cap)\n",
                     z.c_str(), (unsigned long long)names.joined, (unsigned long long)(names.unmatched + names.size()),
                     (unsigned long long)names.dropped);
      if (!skipped.empty())
        std::fprintf(stderr, "hunt: note: %s: skipped %zu other Zeek logs (hunt reads conn, open_conn, dns, ssl and http): %s%s\n",
                     z.c_str(), skipped.size(), skipped.front().c_str(), skipped.size() > 1 ? ", ..." : "");
    }
    for (const auto& r : o.reads) {
      hunt::read_capture_file(r, proc, progress);
      line.end_line();
    }
    if (!o.iface.empty()) {
      install_stop_handlers();
      live = std::make_unique<hunt::LiveCapture>(o.iface, o.filter);
      using clock = std::chrono::steady_clock;
      const auto t0 = clock::now();
      const auto every = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.report_every));
      auto next_report = t0 + every;
      const auto end = t0 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.live_seconds));
      while (!g_stop.load()) {
        const auto now = clock::now();
        if (o.live_seconds > 0 && now >= end) break;
        if (o.report_every > 0 && now >= next_report) {
          report(false);
          while (next_report <= clock::now()) next_report += every;
          continue;
        }
        // Wake at the next deadline at the latest (and every 200 ms to see a stop).
        auto wake = now + std::chrono::milliseconds(200);
        if (o.report_every > 0) wake = std::min(wake, next_report);
        if (o.live_seconds > 0) wake = std::min(wake, end);
        const int ms = int(std::max<long long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count()));
        if (live->poll(proc, ms)) {
          hunt::ReadProgress p;
          p.source = o.iface;
          p.bytes = live->bytes();
          p.packets = live->packets();
          if (o.progress) line.update(p);
        }
      }
    }
  } catch (const core::InputError&) {
    report(true);  // findings up to the break still count; main() then prints the error, exit 2
    throw;
  }
  report(true);
  return core::kExitOk;
}

}  // namespace

void add_hunt(CLI::App& app, Action& action) {
  auto opts = std::make_shared<HuntOptions>();
  auto* sub = app.add_subcommand("hunt", "Find implant traffic (beacons, BMC egress, exfil, DNS tunnels)");
  sub->add_option("-r,--read", opts->reads, "Read a pcap or pcapng file (repeatable; read in order)");
  sub->add_option("-i,--interface", opts->iface, "Capture live on this interface (until Ctrl-C or --duration)");
  sub->add_option("--filter", opts->filter, "BPF filter for live capture, tcpdump syntax");
  sub->add_option("--duration", opts->live_seconds, "Stop live capture after this many seconds");
  sub->add_option("--zeek", opts->zeek, "Zeek log directory tree (conn, open_conn, dns, ssl, http logs; TSV or JSON; plain or .gz; day subdirectories) or one log file");
  sub->add_option("--internal-net", opts->internal,
                  "Internal network CIDR (repeatable; default RFC 1918 + ULA + loopback/link-local)");
  sub->add_option("--mgmt-net", opts->mgmt, "Management (BMC/IPMI) network CIDR (repeatable)");
  sub->add_option("--server-net", opts->servers,
                  "Server network CIDR (repeatable): a TLS client fingerprint used only by one of these "
                  "(or a --mgmt-net address) is reported as rare_tls_client");
  sub->add_option("--allow", opts->allow,
                  "File of allowed destinations: CIDR, address, host name or .suffix, each with optional :port");
  sub->add_option("--min-score", opts->min_score, "Report findings scoring at least this (0-1, default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--long-conn", opts->long_conn_s, "Seconds after which a connection is 'long' (default 3600)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--max-flows", opts->max_flows,
                  "Flow table cap (default 524288); at the cap the oldest flows are ended early")
      ->check(CLI::Range(std::size_t(16), std::size_t(1) << 28));
  sub->add_option("--state-mb", opts->state_mb,
                  "Memory budget of the detector state in MB (default 640); beyond it what cannot become a "
                  "finding is evicted first, and any evidence dropped is reported")
      ->check(CLI::Range(std::size_t(16), std::size_t(1) << 20));
  sub->add_option("--max-pairs", opts->max_pairs, "Cap on tracked outbound (src, dst, port) series (default 1048576)")
      ->check(CLI::Range(std::size_t(64), std::size_t(1) << 30));
  sub->add_flag("--no-names", opts->no_names,
                "Do not read the first bytes of TCP flows (TLS ClientHello, HTTP request, DNS over TCP): names "
                "then come from DNS over UDP only");
  sub->add_option("--threads", opts->threads,
                  "1: read and analyse on one thread; 2 (default where 2+ CPUs are usable): read packets or Zeek "
                  "logs on one while the detector state is kept on the other")
      ->check(CLI::Range(1u, 2u));
  sub->add_flag("--progress", opts->progress, "Progress line on stderr (default: only when stderr is a TTY)");
  sub->add_flag("--stats", opts->stats, "Print packet/flow counters (and libpcap's drop counters live) on stderr at the end");
  sub->add_option("--report-every", opts->report_every,
                  "With -i: every SECONDS run the detectors over everything so far and write the findings that are new "
                  "or got worse (flushed at once); SIGTERM/SIGINT write a last report and exit 0 (3 with --fail-on)")
      ->check(CLI::Range(0.05, 86400.0 * 7));
  sub->add_option("--state", opts->state_dir,
                  "Directory for the detector state (hunt.state): loaded at start, saved atomically at each report "
                  "and at the end, so callbacks spanning a restart (or yesterday's Zeek logs) still count")
      ->type_name("DIR");
  sub->add_option("--state-max-age", opts->state_max_age,
                  "Evidence idle longer than this (data time) ages out of the state: 7d (default), 36h, 90m, seconds");
  sub->add_option("--db", opts->db, "Also store findings in the fleet store: sqlite:PATH or postgresql://... "
                                    "(spooled while unreachable, replayed later, like fleet ingest)");
  sub->add_option("--spool", opts->spool,
                  "Spool file for --db when the database is unreachable (default $XDG_STATE_HOME/supplyguard/spool.jsonl)");
  sub->footer(
      "Findings: beacon, mgmt_egress, new_destination (with --allow), exfil, long_connection, dns_tunnel,\n"
      "rare_tls_client. Names come from DNS, TLS SNI, HTTP Host (and Zeek ssl.log/http.log).\n"
      "Example:\n"
      "  supplyguard hunt -r capture.pcap --mgmt-net 10.99.0.0/16 --format table\n"
      "  supplyguard hunt --zeek /opt/zeek/logs/current --allow allowed.txt --fail-on high\n"
      "  sudo supplyguard hunt -i eth0 --filter 'not port 22' --duration 600 --mgmt-net 10.99.0.0/16\n"
      "  supplyguard hunt -i eth0 --report-every 60 --state /var/lib/supplyguard-hunt --db sqlite:/var/lib/sg/fleet.db\n"
      "  supplyguard hunt --zeek /opt/zeek/logs/2026-11-03 --state /var/lib/sg-hunt-zeek   (nightly, rolling)");
  sub->callback([&action, opts] { action = [opts](Output& out) { return run_hunt(*opts, out); }; });
}

}  // namespace sg::cli
