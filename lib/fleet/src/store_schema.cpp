// Schema creation, version check and migration. A store says which version wrote it
// (store_meta.schema_version; version 1 stores have none). Versions 1 and 2 are migrated when
// opened for writing, in one transaction: the findings and their bodies are copied into one
// version 3 `findings` table (the attribution key computed for version 1), and the aggregates
// are built from it once.
#include "store_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "store_aggregates.hpp"
#include "store_corr.hpp"
#include "store_hosts.hpp"
#include "supplyguard/core/time.hpp"

namespace sg::fleet {
namespace {

constexpr const char* kTables[] = {
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS hosts ("
    " host TEXT NOT NULL, origin TEXT NOT NULL, model TEXT NOT NULL, batch TEXT NOT NULL,"
    " PRIMARY KEY (host, origin))",
    "CREATE TABLE IF NOT EXISTS addresses ("
    " address TEXT NOT NULL, origin TEXT NOT NULL, host TEXT NOT NULL, PRIMARY KEY (address, origin))",
    "CREATE INDEX IF NOT EXISTS addresses_host ON addresses (host, origin)",  // version 4
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " host TEXT NOT NULL, source TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (host, source))",
    "CREATE TABLE IF NOT EXISTS ingested_files ("
    " source TEXT NOT NULL, ingested_at TEXT NOT NULL, findings_added BIGINT NOT NULL,"
    " findings_present BIGINT NOT NULL, snapshots BIGINT NOT NULL, hosts BIGINT NOT NULL)",
};

// attr: the attribution key (attribution_key()), what host pages and aggregates go by.
constexpr const char* kFindingColumns =
    " id TEXT NOT NULL, named_host TEXT NOT NULL, address TEXT NOT NULL, plane TEXT NOT NULL,"
    " type TEXT NOT NULL, severity INTEGER NOT NULL, first_seen BIGINT, last_seen BIGINT,"
    " corr_kind INTEGER NOT NULL, corr_key TEXT NOT NULL, corr_hash BIGINT NOT NULL, model_hint TEXT NOT NULL,"
    " source TEXT NOT NULL, attr TEXT NOT NULL, body TEXT NOT NULL";

// The aggregates (version 2 on, agg_corr keyed by corr_hash since 3) and the findings indexes.
constexpr const char* kAggregates[] = {
    "CREATE TABLE IF NOT EXISTS agg_keys ("
    " attr TEXT PRIMARY KEY, findings BIGINT NOT NULL, worst INTEGER, medium BIGINT NOT NULL,"
    " high BIGINT NOT NULL, critical BIGINT NOT NULL, high_planes INTEGER NOT NULL, model_hint TEXT NOT NULL,"
    " latest BIGINT, latest_id TEXT NOT NULL, critical_type TEXT NOT NULL, critical_plane TEXT NOT NULL,"
    " critical_ids TEXT NOT NULL, high_ids TEXT NOT NULL, medium_ids TEXT NOT NULL)",
    // Version 5: per host, what verdicts read (store_hosts.hpp). hint_attr: the key of model_hint.
    "CREATE TABLE IF NOT EXISTS agg_hosts ("
    " host TEXT PRIMARY KEY, hint_attr TEXT NOT NULL, findings BIGINT NOT NULL, worst INTEGER,"
    " medium BIGINT NOT NULL, high BIGINT NOT NULL, critical BIGINT NOT NULL, high_planes INTEGER NOT NULL,"
    " model_hint TEXT NOT NULL, latest BIGINT, latest_id TEXT NOT NULL, critical_type TEXT NOT NULL,"
    " critical_plane TEXT NOT NULL, critical_ids TEXT NOT NULL, high_ids TEXT NOT NULL, medium_ids TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS agg_types ("
    " attr TEXT NOT NULL, plane TEXT NOT NULL, type TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (attr, plane, type))",
    // multi: the key was seen from more than one attribution key, so it may reach K >= 2 hosts.
    // Keyed by the hash: an 8-byte key instead of a destination or a JSON change description.
    // attrs (version 5): the other attribution keys it was seen from (store_corr.hpp).
    "CREATE TABLE IF NOT EXISTS agg_corr ("
    " corr_hash BIGINT NOT NULL, corr_kind INTEGER NOT NULL, first_attr TEXT NOT NULL, multi INTEGER NOT NULL,"
    " n BIGINT NOT NULL, attrs TEXT NOT NULL DEFAULT '', PRIMARY KEY (corr_hash))",
    "CREATE TABLE IF NOT EXISTS agg_time ("
    " bucket BIGINT NOT NULL, severity INTEGER NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (bucket, severity))",
    "CREATE INDEX IF NOT EXISTS agg_corr_multi ON agg_corr (multi) WHERE multi = 1",
    "CREATE INDEX IF NOT EXISTS findings_attr ON findings (attr)",
    // Correlation members by hash (members are filtered by kind and key when read).
    "CREATE INDEX IF NOT EXISTS findings_corr ON findings (corr_hash) WHERE corr_kind > 0",
};

void create_findings(db::Connection& c) {
  if (c.dialect() == "postgresql") {
    c.exec(std::string("CREATE TABLE IF NOT EXISTS findings (") + kFindingColumns +
           ", day INTEGER NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)");
    c.exec("CREATE TABLE IF NOT EXISTS findings_undated PARTITION OF findings FOR VALUES FROM (MINVALUE) TO (" +
           std::to_string(kUndatedDay + 1) + ")");
  } else {
    // The id index is the primary key's; the rows go in rowid order, i.e. as inserted.
    c.exec(std::string("CREATE TABLE IF NOT EXISTS findings (") + kFindingColumns + ", PRIMARY KEY (id))");
  }
}

void create_aggregates(db::Connection& c) {
  // SQLite: the small aggregate rows live in their primary key's B-tree (WITHOUT ROWID), one
  // B-tree write per upsert instead of two. Not agg_keys and agg_hosts: their id lists make rows
  // too large for that.
  for (const char* sql : kAggregates) {
    std::string text = sql;
    if (c.dialect() == "sqlite" && text.rfind("CREATE TABLE IF NOT EXISTS agg_keys", 0) != 0 &&
        text.rfind("CREATE TABLE IF NOT EXISTS agg_hosts", 0) != 0 && text.rfind("CREATE TABLE", 0) == 0)
      text += " WITHOUT ROWID";
    c.exec(text);
  }
}

bool table_exists(db::Connection& c, const std::string& table) {
  const int q = c.prepare(c.dialect() == "postgresql"
                              ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
                                " AND tablename = $1"
                              : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1");
  bool found = false;
  c.query(q, {table}, [&](const db::Row& r) { found = r[0] && *r[0] != "0"; });
  return found;
}

int stored_version(db::Connection& c) {
  if (table_exists(c, "store_meta")) {
    int v = 0;
    c.query(c.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'"), {},
            [&](const db::Row& r) { v = r[0] ? std::atoi(r[0]->c_str()) : 0; });
    if (v > 0) return v;
  }
  return table_exists(c, "findings") ? 1 : 0;
}

long long day_of(const std::optional<std::string>& first_seen, const std::optional<std::string>& last_seen) {
  const auto& t = last_seen ? last_seen : first_seen;
  if (!t) return kUndatedDay;
  const long long us = std::strtoll(t->c_str(), nullptr, 10);
  return us >= 0 ? us / kDayMicros : -((-us + kDayMicros - 1) / kDayMicros);  // floor
}

// Version 1 or 2 -> 3: `findings` and `finding_bodies` become one `findings` (with corr_hash;
// partitioned on PostgreSQL), copied row by row (the hash is computed here, not in SQL).
void migrate_findings(db::Connection& c, int from) {
  const bool pg = c.dialect() == "postgresql";
  c.exec("DROP INDEX IF EXISTS findings_attr");
  c.exec("DROP INDEX IF EXISTS findings_corr");
  c.exec("ALTER TABLE findings RENAME TO findings_old");
  if (pg) c.exec("ALTER TABLE findings_old RENAME CONSTRAINT findings_pkey TO findings_old_pkey");
  c.exec("DROP TABLE IF EXISTS agg_corr");  // rebuilt, keyed by hash
  create_findings(c);
  const std::string attr = from == 1 ? "CASE WHEN f.named_host <> '' THEN 'h:' || f.named_host"
                                       " WHEN f.address <> '' THEN 'a:' || f.address ELSE 'u:' END"
                                     : "f.attr";
  const int select = c.prepare(
      "SELECT f.id, f.named_host, f.address, f.plane, f.type, f.severity, f.first_seen, f.last_seen, f.corr_kind,"
      " f.corr_key, f.model_hint, f.source, " + attr + ", b.body FROM findings_old f JOIN finding_bodies b ON b.id = f.id");
  std::string cols = "id, named_host, address, plane, type, severity, first_seen, last_seen, corr_kind, corr_key,"
                     " model_hint, source, attr, body, corr_hash";
  std::string values = "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15";
  if (pg) {
    cols += ", day";
    values += ",$16";
  }
  const int insert = c.prepare("INSERT INTO findings (" + cols + ") VALUES (" + values + ")");
  std::vector<db::Row> rows;  // PostgreSQL returns the whole result anyway; SQLite reads as it goes
  std::vector<long long> days;
  auto put = [&](db::Row row) {
    const int kind = std::atoi(row[8].value_or("0").c_str());
    row.push_back(std::to_string(correlation_hash(kind, row[9].value_or(""))));
    if (pg) {
      const long long d = day_of(row[6], row[7]);
      if (std::find(days.begin(), days.end(), d) == days.end()) {
        ensure_partitions(c, {d});
        days.push_back(d);
      }
      row.push_back(std::to_string(d));
    }
    c.run(insert, row);
  };
  if (pg) {
    c.query(select, {}, [&](const db::Row& r) { rows.push_back(r); });
    for (auto& r : rows) put(std::move(r));
  } else {
    c.query(select, {}, [&](const db::Row& r) { put(r); });
  }
  c.exec("DROP TABLE findings_old");
  c.exec("DROP TABLE finding_bodies");
}

}  // namespace

std::string day_expression(const std::string& prefix) {
  const std::string t = "coalesce(" + prefix + "last_seen, " + prefix + "first_seen)";
  return "CASE WHEN " + t + " IS NULL THEN " + std::to_string(kUndatedDay) + " ELSE floor(" + t + " / " +
         std::to_string(kDayMicros) + ".0)::integer END";
}

std::vector<std::pair<long long, std::string>> day_partitions(db::Connection& c) {
  std::vector<std::pair<long long, std::string>> out;
  // The bound is read back from the catalog: the partitions' names are for people.
  c.query(c.prepare("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
                    " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'findings'::regclass"),
          {}, [&](const db::Row& r) {
            const std::string bound = r[1].value_or("");  // FOR VALUES FROM (20425) TO (20426)
            const auto at = bound.find("FROM (");
            if (at == std::string::npos || bound.compare(at + 6, 8, "MINVALUE") == 0) return;
            out.emplace_back(std::strtoll(bound.c_str() + at + 6, nullptr, 10), r[0].value_or(""));
          });
  std::sort(out.begin(), out.end());
  return out;
}

void ensure_partitions(db::Connection& c, const std::vector<long long>& days) {
  std::vector<long long> have;
  for (const auto& p : day_partitions(c)) have.push_back(p.first);
  for (const long long d : days) {
    if (d == kUndatedDay || std::find(have.begin(), have.end(), d) != have.end()) continue;
    std::string name = "findings_";
    if (d >= 0) {
      const std::string iso = core::format_iso8601(d * kDayMicros);  // 2026-12-03T00:00:00Z
      for (char ch : iso.substr(0, 10))
        if (ch != '-') name += ch;
    } else {
      name += "m" + std::to_string(-d);
    }
    c.exec("CREATE TABLE IF NOT EXISTS " + name + " (LIKE findings INCLUDING DEFAULTS)");
    c.exec("ALTER TABLE findings ATTACH PARTITION " + name + " FOR VALUES FROM (" + std::to_string(d) + ") TO (" +
           std::to_string(d + 1) + ")");
    have.push_back(d);
  }
}

long long correlation_hash(int corr_kind, const std::string& corr_key) {
  if (corr_kind == 0) return 0;
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](unsigned char ch) {
    h ^= ch;
    h *= 1099511628211ull;
  };
  mix(static_cast<unsigned char>('0' + corr_kind));
  for (const char ch : corr_key) mix(static_cast<unsigned char>(ch));
  return static_cast<long long>(h);
}

void prepare_schema(db::Connection& c, bool read_only) {
  if (read_only) {
    const int v = stored_version(c);
    if (v == 0) throw std::runtime_error("store: no supplyguard store here (no findings table)");
    if (v != kSchemaVersion)
      throw std::runtime_error("store: schema version " + std::to_string(v) + ", this supplyguard reads version " +
                               std::to_string(kSchemaVersion) +
                               (v < kSchemaVersion ? " (open it once for writing, e.g. `fleet ingest`, to migrate it)"
                                                   : " (written by a newer supplyguard: upgrade this one)"));
    return;
  }
  db::Transaction tx(c);
  // Several writers opening a new database at once: CREATE TABLE IF NOT EXISTS is not safe
  // against itself on PostgreSQL, so the schema is set up under a transaction-scoped lock.
  if (c.dialect() == "postgresql") c.exec("SELECT pg_advisory_xact_lock(7431017)");
  const int v = stored_version(c);
  if (v > kSchemaVersion)
    throw std::runtime_error("store: schema version " + std::to_string(v) +
                             " was written by a newer supplyguard; this one reads version " +
                             std::to_string(kSchemaVersion) + " and will not touch it");
  if (v == kSchemaVersion) return tx.commit();
  for (const char* sql : kTables) c.exec(sql);  // IF NOT EXISTS: also what version 4 added to a 3
  if (v == 0) create_findings(c);
  else if (v < 3) migrate_findings(c, v);  // 1 or 2: one findings table with the bodies, in one transaction
  create_aggregates(c);
  if (v != 0 && v < 3) rebuild_aggregates(c);
  else if (v == 3 || v == 4) {  // agg_keys are current: agg_hosts and agg_corr.attrs are new
    c.exec("ALTER TABLE agg_corr ADD COLUMN attrs TEXT NOT NULL DEFAULT ''");
    fill_corr_attrs(c);
    rebuild_host_aggregates(c);
  }
  // Version 5 reads host records only: a host that only an address record names gets an empty
  // snapshot record, as an ingest writes one with every address record (the same host, model
  // "unknown", no batch, to the verdict and the dashboard).
  if (v != 0 && v < 5)
    c.exec("INSERT INTO hosts (host, origin, model, batch) SELECT DISTINCT a.host, 'snapshot', '', '' FROM addresses a"
           " WHERE NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = a.host)");
  c.exec("INSERT INTO store_meta (key, value) VALUES ('schema_version', '" + std::to_string(kSchemaVersion) +
         "') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  tx.commit();
}

void rebuild_aggregates(db::Connection& c) {
  for (const char* t : {"agg_keys", "agg_hosts", "agg_types", "agg_corr", "agg_time"})
    c.exec(std::string("DELETE FROM ") + t);
  c.exec("INSERT INTO agg_types (attr, plane, type, n) SELECT attr, plane, type, count(*) FROM findings"
         " GROUP BY attr, plane, type");
  c.exec("INSERT INTO agg_corr (corr_hash, corr_kind, first_attr, multi, n)"
         " SELECT corr_hash, min(corr_kind), min(attr), CASE WHEN count(DISTINCT attr) > 1 THEN 1 ELSE 0 END, count(*)"
         " FROM findings WHERE corr_kind > 0 GROUP BY corr_hash");
  const std::string h = std::to_string(kHour), t = "coalesce(first_seen, last_seen)";
  c.exec("INSERT INTO agg_time (bucket, severity, n) SELECT b, severity, count(*) FROM (SELECT CASE WHEN " + t +
         " >= 0 THEN " + t + " / " + h + " * " + h + " ELSE (" + t + " - " + h + " + 1) / " + h + " * " + h +
         " END AS b, severity FROM findings WHERE " + t + " IS NOT NULL) x GROUP BY b, severity");
  // Per key in C++ (the reason id lists): one pass, memory per key, not per finding.
  std::map<std::string, KeyAggregate> keys;
  FindingRow r;
  c.scan(c.prepare(std::string("SELECT ") + kLightColumns + ", attr FROM findings"), {}, [&](const db::Row& row) {
    light_row(row, r);
    auto& k = keys[row[11].value_or("")];
    k.key = row[11].value_or("");
    k.add(r);
  });
  const AggregateStatements s = prepare_aggregates(c);
  for (const auto& [attr, k] : keys) insert_key_aggregate(c, s, k);
  keys.clear();
  rebuild_host_aggregates(c);
  fill_corr_attrs(c);
}

}  // namespace sg::fleet
