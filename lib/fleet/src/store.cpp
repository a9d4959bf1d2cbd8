// Store: one schema on SQLite or PostgreSQL. Findings are keyed by core::Finding::id(), so a
// re-ingest inserts nothing; attribution (which host a finding belongs to) is resolved when
// reading, from the address records current at that time, so an inventory loaded after the
// findings still attributes them.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "assess.hpp"
#include "db.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS hosts ("
    " host TEXT NOT NULL, origin TEXT NOT NULL, model TEXT NOT NULL, batch TEXT NOT NULL,"
    " PRIMARY KEY (host, origin))",
    "CREATE TABLE IF NOT EXISTS addresses ("
    " address TEXT NOT NULL, origin TEXT NOT NULL, host TEXT NOT NULL, PRIMARY KEY (address, origin))",
    "CREATE TABLE IF NOT EXISTS findings ("
    " id TEXT PRIMARY KEY, named_host TEXT NOT NULL, address TEXT NOT NULL, plane TEXT NOT NULL,"
    " type TEXT NOT NULL, severity INTEGER NOT NULL, first_seen BIGINT, last_seen BIGINT,"
    " corr_kind INTEGER NOT NULL, corr_key TEXT NOT NULL, model_hint TEXT NOT NULL,"
    " source TEXT NOT NULL)",
    // Bodies apart from the light columns: verdicts scan `findings` without paging through JSON.
    "CREATE TABLE IF NOT EXISTS finding_bodies (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " host TEXT NOT NULL, source TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (host, source))",
    "CREATE TABLE IF NOT EXISTS ingested_files ("
    " source TEXT NOT NULL, ingested_at TEXT NOT NULL, findings_added BIGINT NOT NULL,"
    " findings_present BIGINT NOT NULL, snapshots BIGINT NOT NULL, hosts BIGINT NOT NULL)",
};

const char* origin_name(Origin o) { return o == Origin::inventory ? "inventory" : "snapshot"; }
Origin parse_origin(const std::string& s) { return s == "inventory" ? Origin::inventory : Origin::snapshot; }

db::Value opt_time(const std::optional<core::Micros>& t) {
  return t ? db::Value(std::to_string(*t)) : std::nullopt;
}
std::optional<core::Micros> parse_time(const db::Value& v) {
  return v ? std::optional<core::Micros>(std::strtoll(v->c_str(), nullptr, 10)) : std::nullopt;
}

std::string now_iso() {
  using namespace std::chrono;
  return core::format_iso8601(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<db::Connection> c, ViewOptions options) : c_(std::move(c)), options_(options) {
    for (const char* sql : kSchema) c_->exec(sql);
    insert_finding_ = c_->prepare(
        "INSERT INTO findings (id, named_host, address, plane, type, severity, first_seen, last_seen, corr_kind,"
        " corr_key, model_hint, source) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (id) DO NOTHING");
    upsert_host_ = c_->prepare(
        "INSERT INTO hosts (host, origin, model, batch) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (host, origin) DO UPDATE SET model = excluded.model, batch = excluded.batch");
    drop_addresses_ = c_->prepare("DELETE FROM addresses WHERE host = $1 AND origin = $2");
    upsert_address_ = c_->prepare(
        "INSERT INTO addresses (address, origin, host) VALUES ($1,$2,$3)"
        " ON CONFLICT (address, origin) DO UPDATE SET host = excluded.host");
    upsert_snapshot_ = c_->prepare(
        "INSERT INTO snapshots (host, source, ingested_at) VALUES ($1,$2,$3)"
        " ON CONFLICT (host, source) DO UPDATE SET ingested_at = excluded.ingested_at");
    log_file_ = c_->prepare(
        "INSERT INTO ingested_files (source, ingested_at, findings_added, findings_present, snapshots, hosts)"
        " VALUES ($1,$2,$3,$4,$5,$6)");
    select_hosts_ = c_->prepare("SELECT host, origin, model, batch FROM hosts ORDER BY host, origin");
    select_addresses_ = c_->prepare("SELECT address, origin, host FROM addresses ORDER BY address, origin");
    select_light_ = c_->prepare(
        "SELECT id, named_host, address, plane, type, severity, first_seen, last_seen, corr_kind, corr_key,"
        " model_hint FROM findings");
    insert_body_ = c_->prepare("INSERT INTO finding_bodies (id, body) VALUES ($1,$2) ON CONFLICT (id) DO NOTHING");
    select_full_ = c_->prepare(
        "SELECT id, named_host, address, plane, type, severity, first_seen, last_seen, corr_kind, corr_key,"
        " model_hint, b.body FROM findings f JOIN finding_bodies b USING (id) ORDER BY id");
  }

  IngestStats store(const IngestBatch& batch) override {
    IngestStats st;
    db::Transaction tx(*c_);
    auto put_host = [&](const HostInfo& h, Origin origin) {
      const char* o = origin_name(origin);
      c_->run(upsert_host_, {h.host, o, h.model, h.batch});
      // A newer record of the same origin replaces the host's address list.
      c_->run(drop_addresses_, {h.host, o});
      for (const auto& a : h.addresses) c_->run(upsert_address_, {a, o, h.host});
    };
    for (const auto& h : batch.inventory_hosts) put_host(h, Origin::inventory);
    for (const auto& h : batch.snapshot_hosts) {
      put_host(h, Origin::snapshot);
      c_->run(upsert_snapshot_, {h.host, batch.source, now_iso()});
    }
    st.inventory_hosts = batch.inventory_hosts.size();
    st.snapshots = batch.snapshots;
    std::vector<db::Value> p(12);
    for (const auto& f : batch.findings) {
      Prepared pf = prepare(f);
      insert(pf, batch.source, p, st);
    }
    c_->run(log_file_, {batch.source, now_iso(), std::to_string(st.findings_added),
                        std::to_string(st.findings_already_present), std::to_string(st.snapshots),
                        std::to_string(batch.inventory_hosts.size() + batch.snapshot_hosts.size())});
    tx.commit();
    st.files = 1;
    return st;
  }

  IngestStats store_findings(const std::string& source,
                             const std::function<bool(std::vector<Prepared>&)>& next) override {
    IngestStats st;
    db::Transaction tx(*c_);
    std::vector<db::Value> p(12);
    std::vector<Prepared> chunk;
    while (next(chunk))
      for (auto& f : chunk) insert(f, source, p, st);
    c_->run(log_file_, {source, now_iso(), std::to_string(st.findings_added),
                        std::to_string(st.findings_already_present), "0", "0"});
    tx.commit();
    st.files = 1;
    return st;
  }

  Assessment assess() override {
    Assessor a = assessor();
    FindingRow r;  // reused: its strings keep their buffers from row to row
    c_->query(select_light_, {}, [&](const db::Row& row) {
      light_row(row, r);
      a.add(r);
    });
    return a.finish();
  }

  FleetView load_view() override {
    Assessor a = assessor();
    FleetView v;
    c_->query(select_full_, {}, [&](const db::Row& row) {
      FindingRow r;
      light_row(row, r);
      a.add(r);
      auto j = core::Json::parse(*row[11], nullptr, false);
      // A body that no longer parses means the database was edited by hand: say so loudly.
      if (j.is_discarded()) throw std::runtime_error("store: finding " + r.id + " has a corrupt body");
      StoredFinding sf{r.id, a.resolve(r), core::finding_from_json(j, "store", 0)};
      v.findings.push_back(std::move(sf));
    });
    v.hosts = a.host_infos();
    Assessment as = a.finish();
    v.verdicts = std::move(as.verdicts);
    for (const auto& c : as.correlations) v.findings.push_back({c.id(), kFleetHost, c});
    v.correlations = std::move(as.correlations);
    return v;
  }

 private:
  Assessor assessor() {
    std::vector<HostRecord> hosts;
    std::vector<AddressRecord> addresses;
    c_->query(select_hosts_, {}, [&](const db::Row& r) {
      hosts.push_back({r[0].value_or(""), parse_origin(r[1].value_or("")), r[2].value_or(""), r[3].value_or("")});
    });
    c_->query(select_addresses_, {}, [&](const db::Row& r) {
      addresses.push_back({r[0].value_or(""), parse_origin(r[1].value_or("")), r[2].value_or("")});
    });
    return Assessor(hosts, addresses, options_);
  }

  void insert(Prepared& f, const std::string& source, std::vector<db::Value>& p, IngestStats& st) {
    FindingRow r = describe(f.finding, f.id);
    p[0] = std::move(f.id);
    p[1] = std::move(r.named_host);
    p[2] = std::move(r.address);
    p[3] = std::string(core::to_string(r.plane));
    p[4] = std::move(r.type);
    p[5] = std::to_string(int(r.severity));
    p[6] = opt_time(r.first_seen);
    p[7] = opt_time(r.last_seen);
    p[8] = std::to_string(int(r.corr_kind));
    p[9] = std::move(r.corr_key);
    p[10] = std::move(r.model_hint);
    p[11] = source;
    if (c_->run(insert_finding_, p) > 0) {
      c_->run(insert_body_, {p[0], std::move(f.line)});
      ++st.findings_added;
    }
    else
      ++st.findings_already_present;
  }

  static void light_row(const db::Row& row, FindingRow& r) {
    static const std::string empty;
    auto text = [&](std::size_t i) -> const std::string& { return row[i] ? *row[i] : empty; };
    r.id = text(0);
    r.named_host = text(1);
    r.address = text(2);
    r.plane = core::parse_plane(text(3)).value_or(core::Plane::hunt);
    r.type = text(4);
    r.severity = core::Severity(std::clamp(std::atoi(text(5).c_str()), 0, int(core::Severity::critical)));
    r.first_seen = parse_time(row[6]);
    r.last_seen = parse_time(row[7]);
    r.corr_kind = CorrKind(std::clamp(std::atoi(text(8).c_str()), 0, int(CorrKind::component)));
    r.corr_key = text(9);
    r.model_hint = text(10);
  }

  std::unique_ptr<db::Connection> c_;
  ViewOptions options_;
  int insert_finding_, insert_body_, upsert_host_, drop_addresses_, upsert_address_, upsert_snapshot_, log_file_;
  int select_hosts_, select_addresses_, select_light_, select_full_;
};

}  // namespace

Store::Prepared Store::prepare(core::Finding f) {
  Prepared p;
  p.line = core::to_json_line(f);
  // to_json_line starts {"id":"<16 hex digits>": take it rather than serialize a third time.
  if (p.line.size() > 24 && p.line.compare(0, 7, "{\"id\":\"") == 0 && p.line[23] == '"')
    p.id = p.line.substr(7, 16);
  else
    p.id = f.id();
  p.finding = std::move(f);
  return p;
}

std::unique_ptr<Store> Store::open(const std::string& url, ViewOptions options) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return std::make_unique<SqlStore>(db::open_postgres(url), options);
  std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
  if (path.empty()) throw std::runtime_error("store: empty database path in \"" + url + "\"");
  return std::make_unique<SqlStore>(db::open_sqlite(path), options);
}

}  // namespace sg::fleet
