// supplyguard hunt: parsing and wiring only; capability lives in lib/hunt.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/capture.hpp"
#include "supplyguard/hunt/hunt.hpp"
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
};

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

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

int run_hunt(const HuntOptions& o, Output& out) {
  if (o.reads.empty() && o.zeek.empty() && o.iface.empty())
    throw core::InputError::in("hunt", "nothing to read: give -r FILE, -i IFACE or --zeek DIR");
  if (!o.filter.empty() && o.iface.empty())
    throw core::InputError::in("--filter", "applies to live capture only (-i IFACE)");

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
  hunt::PacketProcessor proc(fcfg, analyzer);
  ProgressLine line(o.progress || isatty(STDERR_FILENO));
  const hunt::ProgressFn progress = [&line](const hunt::ReadProgress& p) { line.update(p); };

  auto report = [&] {
    proc.finish();
    line.end_line();
    for (const auto& f : analyzer.findings()) out.emit(f);
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
    }
  };
  try {
    for (const auto& z : o.zeek) {
      std::vector<std::string> skipped;
      hunt::ZeekNames names;
      hunt::read_zeek_path(z, analyzer, &skipped, &names);
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
      std::signal(SIGINT, on_signal);
      std::signal(SIGTERM, on_signal);
      std::atomic<bool> timer_stop{false};
      if (o.live_seconds > 0) alarm(unsigned(o.live_seconds));
      std::signal(SIGALRM, on_signal);
      hunt::capture_live(o.iface, o.filter, proc, g_stop, progress);
    }
  } catch (const core::InputError&) {
    report();  // findings up to the break still count; main() then prints the error, exit 2
    throw;
  }
  report();
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
  sub->add_flag("--progress", opts->progress, "Progress line on stderr (default: only when stderr is a TTY)");
  sub->add_flag("--stats", opts->stats, "Print packet/flow counters on stderr at the end");
  sub->footer(
      "Findings: beacon, mgmt_egress, new_destination (with --allow), exfil, long_connection, dns_tunnel,\n"
      "rare_tls_client. Names come from DNS, TLS SNI, HTTP Host (and Zeek ssl.log/http.log).\n"
      "Example:\n"
      "  supplyguard hunt -r capture.pcap --mgmt-net 10.99.0.0/16 --format table\n"
      "  supplyguard hunt --zeek /opt/zeek/logs/current --allow allowed.txt --fail-on high\n"
      "  sudo supplyguard hunt -i eth0 --filter 'not port 22' --duration 600 --mgmt-net 10.99.0.0/16");
  sub->callback([&action, opts] { action = [opts](Output& out) { return run_hunt(*opts, out); }; });
}

}  // namespace sg::cli
