// supplyguard fleet: ingest | verdict | correlate | report. Parsing and wiring only; the store,
// the verdict rules and the correlations live in lib/fleet.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

#include "command.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::cli {
namespace {

constexpr const char* kDefaultDb = "sqlite:supplyguard.db";

struct FleetOptions {
  std::string db = kDefaultDb;
  std::vector<std::string> files;
  std::string inventory, spool, out_file, fail_on_verdict, older_than;
  std::size_t min_hosts = 3;
  bool quiet = false;
};

// The global --fail-on, read back from the parent app: `fleet verdict` prints verdicts, not
// findings, so it applies the threshold to each host's worst severity itself.
std::optional<core::Severity> global_fail_on(CLI::App& app) {
  auto* opt = app.get_option_no_throw("--fail-on");
  if (!opt || opt->count() == 0) return std::nullopt;
  return core::parse_severity(opt->as<std::string>());
}

int run_ingest(const FleetOptions& o) {
  if (o.files.empty() && o.inventory.empty())
    throw core::InputError::in("fleet ingest", "nothing to ingest: give FILE... and/or --inventory hosts.csv");
  fleet::IngestOptions io;
  io.inventory = o.inventory;
  io.spool = o.spool;
  io.view.min_hosts = o.min_hosts;
  const auto st = fleet::ingest(o.db, o.files, io);
  if (!st.warning.empty()) std::cerr << "supplyguard fleet ingest: warning: " << st.warning << "\n";
  if (!o.quiet) {
    std::cerr << "ingested " << st.files << " file(s): " << st.findings_added << " findings added, "
              << st.findings_already_present << " already present, " << st.snapshots << " snapshot(s), "
              << st.inventory_hosts << " inventory host(s)";
    if (st.replayed) std::cerr << ", " << st.replayed << " replayed from the spool";
    if (st.spooled) std::cerr << ", " << st.spooled << " spooled";
    std::cerr << "\n";
  }
  return core::kExitOk;
}

core::Json verdict_json(const fleet::HostVerdict& v) {
  core::Json j = core::Json::object();
  j["host"] = v.host;
  j["model"] = v.model;
  j["batch"] = v.batch;
  j["verdict"] = fleet::to_string(v.verdict);
  j["worst"] = v.worst ? core::Json(core::to_string(*v.worst)) : core::Json();
  j["findings"] = v.findings;
  j["reasons"] = v.reasons;
  j["why"] = v.why;
  return j;
}

void write_verdict_table(const std::vector<fleet::HostVerdict>& verdicts, std::ostream& out) {
  const std::vector<std::string> head = {"HOST", "MODEL", "BATCH", "VERDICT", "WORST", "FINDINGS", "WHY"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : verdicts)
    rows.push_back({v.host, v.model, v.batch.empty() ? "-" : v.batch, std::string(fleet::to_string(v.verdict)),
                    v.worst ? std::string(core::to_string(*v.worst)) : "-", std::to_string(v.findings), v.why});
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      out << r[c];
      if (c + 1 < r.size()) out << std::string(width[c] - r[c].size() + 2, ' ');
    }
    out << "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
}

int run_verdict(const FleetOptions& o, Output& out, std::optional<core::Severity> fail_on) {
  auto store = fleet::Store::open(o.db, {o.min_hosts});
  const auto a = store->assess();
  out.discard();  // verdicts, not findings: no findings table after ours
  if (out.format() == core::Format::table)
    write_verdict_table(a.verdicts, std::cout);
  else
    for (const auto& v : a.verdicts)
      std::cout << verdict_json(v).dump(-1, ' ', false, core::Json::error_handler_t::replace) << "\n";
  std::cout.flush();
  bool fail = false;
  if (!o.fail_on_verdict.empty()) {
    const auto level = o.fail_on_verdict == "suspect" ? fleet::Verdict::suspect : fleet::Verdict::compromised;
    fail |= std::any_of(a.verdicts.begin(), a.verdicts.end(), [&](const auto& v) { return v.verdict >= level; });
  }
  if (fail_on)
    fail |= std::any_of(a.verdicts.begin(), a.verdicts.end(), [&](const auto& v) { return v.worst && *v.worst >= *fail_on; });
  return fail ? core::kExitFailOn : core::kExitOk;
}

int run_correlate(const FleetOptions& o, Output& out) {
  auto store = fleet::Store::open(o.db, {o.min_hosts});
  for (const auto& c : store->assess().correlations) out.emit(c);
  return core::kExitOk;
}

int run_report(const FleetOptions& o) {
  auto store = fleet::Store::open(o.db, {o.min_hosts});
  const std::string html = fleet::render_report_html(store->load_view());
  std::ofstream f(o.out_file, std::ios::binary | std::ios::trunc);
  if (!f) throw core::InputError::in(o.out_file, "cannot write the report");
  f << html;
  f.close();
  if (!f) throw core::InputError::in(o.out_file, "write failed");
  std::cerr << "wrote " << o.out_file << " (" << html.size() << " bytes)\n";
  return core::kExitOk;
}

int run_prune(const FleetOptions& o) {
  const core::Micros age = parse_age(o.older_than, "--older-than");
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto store = fleet::Store::open(o.db, {o.min_hosts});
  const std::size_t n = store->prune(now - age);
  if (!o.quiet)
    std::cerr << "pruned " << n << " finding(s) last seen before " << core::format_iso8601(now - age) << "\n";
  return core::kExitOk;
}

void add_db(CLI::App* sub, FleetOptions& o) {
  sub->add_option("--db", o.db, "Store: sqlite:PATH (default sqlite:supplyguard.db), a bare path, or postgresql://...");
}
void add_min_hosts(CLI::App* sub, FleetOptions& o) {
  sub->add_option("--min-hosts", o.min_hosts, "K: a destination or component change shared by >= K hosts of a "
                                              "model (or batch) is a correlation (default 3)")
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 30));
}

}  // namespace

void add_fleet(CLI::App& app, Action& action) {
  auto* fleet = app.add_subcommand("fleet", "Store findings, one verdict per host, correlate across models");
  fleet->require_subcommand(1);
  fleet->footer(
      "Example:\n"
      "  supplyguard fleet ingest hunt.jsonl snapshots/*.json --inventory hosts.csv --db sqlite:fleet.db\n"
      "  supplyguard fleet verdict --db sqlite:fleet.db --format table\n"
      "  supplyguard fleet correlate --db sqlite:fleet.db\n"
      "  supplyguard fleet report --db sqlite:fleet.db -o report.html");

  auto o = std::make_shared<FleetOptions>();

  auto* ingest = fleet->add_subcommand("ingest", "Store findings (JSON lines of any plane) and attest snapshots");
  ingest->add_option("files", o->files, "Findings files (JSON lines) and snapshot files, detected by content");
  add_db(ingest, *o);
  ingest->add_option("--inventory", o->inventory, "Inventory CSV: host,model,batch,addresses (BMC addresses too)");
  ingest->add_option("--spool", o->spool,
                     "Spool file used when PostgreSQL is unreachable (default $XDG_STATE_HOME/supplyguard/spool.jsonl)");
  ingest->add_flag("-q,--quiet", o->quiet, "No summary line on stderr");
  ingest->footer(
      "Ingest is idempotent (findings are keyed by their content id) and transactional (one transaction\n"
      "per file; a bad line stores nothing from that file and exits 2 naming file:line). When PostgreSQL\n"
      "cannot be reached, the parsed input is appended to the spool (warning on stderr, exit 0) and\n"
      "replayed by the next ingest that reaches the database.\n"
      "Example:\n"
      "  supplyguard hunt -r cap.pcap --mgmt-net 10.99.0.0/16 > hunt.jsonl\n"
      "  supplyguard fleet ingest hunt.jsonl snap-*.json --inventory hosts.csv --db postgresql://sg@db/fleet");
  ingest->callback([&action, o] { action = [o](Output&) { return run_ingest(*o); }; });

  auto* verdict = fleet->add_subcommand("verdict", "One verdict per host: clean, suspect or compromised, with reasons");
  add_db(verdict, *o);
  add_min_hosts(verdict, *o);
  verdict->add_option("--fail-on-verdict", o->fail_on_verdict, "Exit 3 when any host's verdict reaches this")
      ->check(CLI::IsMember({"suspect", "compromised"}));
  verdict->footer(
      "Rules: compromised = a critical finding, or a high finding that is part of a fleet correlation,\n"
      "or high findings on two planes; suspect = any high or medium finding; else clean.\n"
      "Output: one JSON line per host {host,model,batch,verdict,worst,findings,reasons,why}, worst first,\n"
      "or a table with --format table. --fail-on SEVERITY exits 3 when a host's worst finding reaches it;\n"
      "--fail-on-verdict compromised exits 3 when any host is compromised.\n"
      "Example:\n"
      "  supplyguard fleet verdict --db sqlite:fleet.db --format table --fail-on-verdict compromised");
  verdict->callback([&action, &app, o] {
    action = [&app, o](Output& out) { return run_verdict(*o, out, global_fail_on(app)); };
  });

  auto* correlate = fleet->add_subcommand("correlate", "Fleet correlations as findings (shared_destination, "
                                                       "shared_component_change)");
  add_db(correlate, *o);
  add_min_hosts(correlate, *o);
  correlate->footer(
      "shared_destination: one destination beaconed or reached from the management network by >= K hosts of\n"
      "a model. shared_component_change: the same added/changed component (type, subject, after) on >= K\n"
      "hosts of a model or batch. Both critical, with the hosts listed.\n"
      "Example:\n"
      "  supplyguard fleet correlate --db sqlite:fleet.db --min-hosts 5 --format table");
  correlate->callback([&action, o] { action = [o](Output& out) { return run_correlate(*o, out); }; });

  auto* prune = fleet->add_subcommand("prune", "Delete findings last seen longer ago than --older-than (retention)");
  add_db(prune, *o);
  prune->add_option("--older-than", o->older_than, "Age: 90d, 36h, 2w, 90m or seconds")->required();
  prune->add_flag("-q,--quiet", o->quiet, "No summary line on stderr");
  prune->footer(
      "A finding goes when its last_seen (else first_seen) is older; undated findings stay. The\n"
      "aggregates behind verdicts and the dashboard are rebuilt in the same transaction.\n"
      "Example:\n"
      "  supplyguard fleet prune --older-than 90d --db postgresql://sg@db/fleet");
  prune->callback([&action, o] { action = [o](Output&) { return run_prune(*o); }; });

  auto* report = fleet->add_subcommand("report", "Self-contained HTML report (verdicts, correlations, findings)");
  add_db(report, *o);
  add_min_hosts(report, *o);
  report->add_option("-o,--output", o->out_file, "HTML file to write")->required();
  report->footer("Example:\n  supplyguard fleet report --db sqlite:fleet.db -o report.html");
  report->callback([&action, o] { action = [o](Output&) { return run_report(*o); }; });
}

}  // namespace sg::cli
