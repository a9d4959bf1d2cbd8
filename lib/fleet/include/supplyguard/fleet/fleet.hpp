#pragma once
// sg_fleet: one store for every plane's findings, one verdict per host, correlation across a
// model or batch, and the read model (FleetView) that the HTML report and the dashboard render.
//
// Data flows one way: findings (JSON lines) + snapshots + inventory -> Store -> FleetView ->
// report/dashboard. The renderers only ever see a FleetView, never the database.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <string>
#include <vector>

#include "supplyguard/core/finding.hpp"

namespace sg::fleet {

// A host as the inventory (CMDB export) or a snapshot describes it.
struct HostInfo {
  std::string host;
  std::string model;
  std::string batch;
  std::vector<std::string> addresses;  // every address it owns, the BMC's too
};

// A finding as stored: the original, plus the host it was attributed to at ingest.
struct StoredFinding {
  std::string id;           // core::Finding::id()
  std::string host;         // resolved host ("" never: unowned addresses become their own host)
  core::Finding finding;
};

enum class Verdict { clean, suspect, compromised };
std::string_view to_string(Verdict v);

// Finding ids packed in one string, space-separated: a verdict's reasons, an aggregate's id
// lists (stored the same way). At 10^5 hosts a vector of strings cost ~64 B and an allocation per
// 16-character id (one byte past the small-string limit); this holds 17 B per id.
class IdList {
 public:
  IdList() = default;
  IdList(std::initializer_list<std::string_view> ids);
  IdList(const std::vector<std::string>& ids);  // NOLINT: implicit, a list of ids is one
  static IdList from_text(std::string_view text);  // "id id ..." as stored; extra spaces dropped

  void push_back(std::string_view id);  // an id holds no space (finding ids are hex)
  // Keeps the list sorted, without repeats, at most `cap` ids (the smallest): true if it changed.
  bool insert_sorted(std::string_view id, std::size_t cap);
  void clear() { text_.clear(), n_ = 0; }
  bool empty() const { return n_ == 0; }
  std::size_t size() const { return n_; }
  std::string_view front() const;
  bool contains(std::string_view id) const;
  const std::string& text() const { return text_; }
  std::vector<std::string> to_vector() const;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string_view*;
    using reference = std::string_view;
    const_iterator() = default;
    const_iterator(const std::string* text, std::size_t at) : text_(text), at_(at) {}
    std::string_view operator*() const;
    const_iterator& operator++();
    const_iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const { return at_ == o.at_; }

   private:
    const std::string* text_ = nullptr;
    std::size_t at_ = 0;
  };
  const_iterator begin() const { return {&text_, 0}; }
  const_iterator end() const { return {&text_, text_.size() + (text_.empty() ? 0 : 1)}; }

  friend bool operator==(const IdList& a, const IdList& b) { return a.text_ == b.text_; }
  friend bool operator==(const IdList& a, const std::vector<std::string>& b) { return a.to_vector() == b; }

 private:
  std::string text_;
  std::size_t n_ = 0;
};
void to_json(core::Json& j, const IdList& ids);  // an array of strings
std::ostream& operator<<(std::ostream& out, const IdList& ids);

struct HostVerdict {
  std::string host;
  std::string model;
  std::string batch;
  Verdict verdict = Verdict::clean;
  std::optional<core::Severity> worst;   // most severe finding on the host
  std::size_t findings = 0;              // how many findings the host has
  IdList reasons;                        // ids of the findings (incl. correlations) behind the verdict
  std::string why;                       // one human sentence
};

// Findings per hour and severity (the dashboard's chart at scale, from aggregates).
struct TimeCount {
  core::Micros hour = 0;  // start of the hour
  core::Severity severity = core::Severity::info;
  std::size_t count = 0;
};

// Everything the report and the dashboard show, computed from one consistent read of the store.
struct FleetView {
  std::vector<HostVerdict> verdicts;     // one per host, worst first
  std::vector<StoredFinding> findings;   // every stored finding (plane findings and correlations)
  std::vector<core::Finding> correlations;  // plane `fleet` findings (shared_destination, ...)
  std::vector<HostInfo> hosts;           // inventory + snapshot-derived host records
  // Set by Store::overview(), which reads aggregates only: `findings` then holds the correlations
  // alone and this is how many findings the store holds; pages fetch findings per request.
  std::optional<std::size_t> stored_findings;
  std::vector<TimeCount> timeline;       // overview(): the stored findings per hour and severity
};

// One page of findings in id order; `next_after` is the id to pass as `after` for the next page
// ("" when there is none).
struct FindingPage {
  std::vector<StoredFinding> findings;
  std::string next_after;
};

struct FindingFilter {
  std::optional<std::string> host;
  std::optional<std::string> plane;
  std::optional<std::string> type;
  std::optional<std::string> model;
  std::optional<core::Severity> min_severity;
  std::size_t limit = 1000;
  std::string after;  // page cursor: only findings whose id sorts after it
};
// Applies a filter to a view's findings (what the JSON API's /api/findings serves).
std::vector<StoredFinding> filter_findings(const FleetView& view, const FindingFilter& filter);

// ---- report and dashboard (render from a FleetView only) -----------------------------------

// A self-contained HTML page (no external assets): verdict table, per-host findings,
// correlations, a chart of findings over time. Every string from a finding is escaped.
std::string render_report_html(const FleetView& view);

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string token;                       // required on every request
  std::function<FleetView()> load;         // called per request (or cached briefly)
  // Over a store at scale (all three set by `serve`): load() returns Store::overview() (no plane
  // findings); host pages and /api/findings query the store per request; the overview is reloaded
  // in the background, and only when generation() changed.
  std::function<FindingPage(const FindingFilter&, const std::function<std::string(const std::string&)>& model_of)> find;
  std::function<std::vector<StoredFinding>(const std::string& host, const std::vector<std::string>& addresses,
                                           std::size_t limit)>
      host_findings;
  std::function<std::string()> generation;
  std::function<void(const std::string&)> log;  // access log sink; may be empty
  bool allow_remote = false;               // a non-loopback listen address must be asked for
  std::function<void(const std::string&)> ready;  // called once bound, with "host:port" (port 0 resolved)
};
// Serves the dashboard (HTML) and the JSON API (/api/hosts, /api/hosts/<host>, /api/findings,
// /api/correlations) until stop_serving() or a signal. Throws on a bad listen address.
void serve(const ServeOptions& options);
void stop_serving();
// The checks serve() starts with (token present, listen well-formed and loopback unless
// allow_remote), without binding: lets a CLI refuse bad flags before it opens a database.
void check_serve_options(const ServeOptions& options);

// ---- store ----------------------------------------------------------------------------------

struct IngestStats {
  std::size_t files = 0;
  std::size_t findings_added = 0;
  std::size_t findings_already_present = 0;
  std::size_t snapshots = 0;
  std::size_t spooled = 0;    // written to the local spool because the database was unreachable
  std::size_t replayed = 0;   // replayed from the spool into the database
  std::size_t inventory_hosts = 0;  // hosts read from --inventory
  std::string warning;        // non-empty when the database was unreachable (says why, where spooled)
};

// How verdicts and correlations are computed from what is stored.
struct ViewOptions {
  std::size_t min_hosts = 3;  // K: a destination/component change on >= K hosts is a correlation
};

// The light result of `fleet verdict` / `fleet correlate`: no finding bodies are loaded.
struct Assessment {
  std::vector<HostVerdict> verdicts;        // one per host, worst first
  std::vector<core::Finding> correlations;  // plane `fleet`, deterministic ids, sorted by id
};

// Parsed, not yet stored: what one input file (findings or a snapshot) or the spool carries.
struct IngestBatch {
  std::string source;                       // file name, for messages
  std::vector<core::Finding> findings;
  std::vector<HostInfo> snapshot_hosts;     // host records from snapshots (model, addresses)
  std::vector<HostInfo> inventory_hosts;    // host records from an inventory
  std::size_t snapshots = 0;
};

class Store {
 public:
  // "sqlite:PATH" (default form; a bare path means sqlite too) or "postgresql://..." (libpq).
  // Creates the schema when missing. Throws Unreachable when a PostgreSQL server cannot be
  // reached, std::runtime_error on other database errors.
  // read_only: create and migrate nothing (a replica); a store without the current schema is
  // refused. A store written by an older version is migrated when opened for writing; one
  // written by a newer version is refused, naming both versions.
  static std::unique_ptr<Store> open(const std::string& url, ViewOptions options = {}, bool read_only = false);
  virtual ~Store() = default;
  // Every finding body (the report). Use overview() for anything that must scale.
  virtual FleetView load_view() = 0;
  // Verdicts and correlations from the aggregates kept at ingest (never the findings table,
  // except the members of correlation candidates, by index).
  virtual Assessment assess() = 0;
  // assess() + host records + the number of stored findings: what the dashboard shows.
  virtual FleetView overview() = 0;
  // Findings in id order after filter.after, up to filter.limit. `model_of` maps a host to its
  // model for filter.model (such a scan stops after a bounded number of rows and says where to
  // go on in next_after).
  virtual FindingPage find(const FindingFilter& filter, const std::function<std::string(const std::string&)>& model_of) = 0;
  // One host's findings, most severe first, by index: its name and the addresses it owns.
  virtual std::vector<StoredFinding> host_findings(const std::string& host, const std::vector<std::string>& addresses,
                                                   std::size_t limit) = 0;
  // Changes whenever an ingest commits (a cheap check before reloading an overview).
  virtual std::string generation() = 0;
  // Deletes findings whose last time (last_seen, else first_seen) is before `before` and
  // rebuilds the aggregates; returns how many were deleted. Undated findings are kept.
  virtual std::size_t prune(core::Micros before) = 0;
  // Stores one batch in one transaction: all of it or none of it. Findings already present
  // (same id) are counted, not duplicated; host records from an inventory replace older ones.
  virtual IngestStats store(const IngestBatch& batch) = 0;
  // A finding ready to insert, computed off the store's thread (parse workers): its id, its
  // canonical JSON line, and the columns and aggregate keys derived from it. The single writer
  // then only binds and steps; deriving them there was a fifth of its time.
  struct Row;  // the derived columns (store internals)
  struct Prepared {
    std::string id;
    std::string line;
    std::unique_ptr<Row> row;
    Prepared();
    ~Prepared();
    Prepared(Prepared&&) noexcept;
    Prepared& operator=(Prepared&&) noexcept;
  };
  static Prepared prepare(core::Finding f);
  // Stores a stream of findings from one file in one transaction: `next` replaces its argument
  // with the next chunk and returns false at the end; an exception from it rolls all back.
  virtual IngestStats store_findings(const std::string& source,
                                     const std::function<bool(std::vector<Prepared>&)>& next) = 0;
};

// The database could not be reached (connection refused, timeout, server gone mid-ingest).
class Unreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- input files ------------------------------------------------------------------------------

// Inventory CSV (a CMDB export): header `host,model,batch,addresses` (any column order, extra
// columns ignored), RFC 4180 quoting, addresses separated by spaces or ';'. Throws
// core::InputError naming `source` and the line.
std::vector<HostInfo> parse_inventory(std::string_view text, const std::string& source);
std::vector<HostInfo> read_inventory(const std::string& path);

// A findings file (JSON lines from any plane) or an attest snapshot (a JSON object whose
// "schema" is "supplyguard.snapshot/1"), detected by content. Throws core::InputError with the
// file and line (findings) or byte offset (snapshot JSON).
IngestBatch parse_input(std::string_view text, const std::string& source);
IngestBatch read_input(const std::string& path);

// ---- ingest with spool ------------------------------------------------------------------------

struct IngestOptions {
  std::string inventory;  // CSV path, may be empty
  std::string spool;      // spool file; empty = default_spool_path()
  ViewOptions view;
};
// $XDG_STATE_HOME/supplyguard/spool.jsonl, else ~/.local/state/supplyguard/spool.jsonl.
std::string default_spool_path();

// Replays the spool (if any), then stores the inventory and each file in its own transaction
// (findings files are parsed in chunks while the previous chunk is stored). A bad line throws
// core::InputError and rolls back that file; files before it stay stored. When the database is
// unreachable, the parsed inputs go to the spool instead and IngestStats.warning says so.
IngestStats ingest(const std::string& url, const std::vector<std::string>& files, const IngestOptions& options);

// Findings made in this process (`hunt --db`): replays the spool, then stores `batch` in one
// transaction; when the database is unreachable the batch goes to the spool instead (warning
// set), with the same guarantee as ingest(). Throws std::runtime_error when even the spool
// cannot be written.
IngestStats ingest_batch(const std::string& url, const IngestBatch& batch, const IngestOptions& options);

}  // namespace sg::fleet
