// Schema creation, version check and migration. A store says which version wrote it
// (store_meta.schema_version); version 1 stores (no store_meta) are migrated by adding the
// attribution column and building the aggregates from the findings once.
#include "store_schema.hpp"

#include <map>
#include <stdexcept>

#include "store_aggregates.hpp"

namespace sg::fleet {
namespace {

constexpr const char* kTables[] = {
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS hosts ("
    " host TEXT NOT NULL, origin TEXT NOT NULL, model TEXT NOT NULL, batch TEXT NOT NULL,"
    " PRIMARY KEY (host, origin))",
    "CREATE TABLE IF NOT EXISTS addresses ("
    " address TEXT NOT NULL, origin TEXT NOT NULL, host TEXT NOT NULL, PRIMARY KEY (address, origin))",
    // attr: the attribution key (attribution_key()), what host pages and aggregates go by.
    "CREATE TABLE IF NOT EXISTS findings ("
    " id TEXT PRIMARY KEY, named_host TEXT NOT NULL, address TEXT NOT NULL, plane TEXT NOT NULL,"
    " type TEXT NOT NULL, severity INTEGER NOT NULL, first_seen BIGINT, last_seen BIGINT,"
    " corr_kind INTEGER NOT NULL, corr_key TEXT NOT NULL, model_hint TEXT NOT NULL,"
    " source TEXT NOT NULL, attr TEXT NOT NULL DEFAULT '')",
    // Bodies apart from the light columns: verdicts scan `findings` without paging through JSON.
    "CREATE TABLE IF NOT EXISTS finding_bodies (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " host TEXT NOT NULL, source TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (host, source))",
    "CREATE TABLE IF NOT EXISTS ingested_files ("
    " source TEXT NOT NULL, ingested_at TEXT NOT NULL, findings_added BIGINT NOT NULL,"
    " findings_present BIGINT NOT NULL, snapshots BIGINT NOT NULL, hosts BIGINT NOT NULL)",
};

constexpr const char* kVersion2[] = {
    "CREATE TABLE IF NOT EXISTS agg_keys ("
    " attr TEXT PRIMARY KEY, findings BIGINT NOT NULL, worst INTEGER, medium BIGINT NOT NULL,"
    " high BIGINT NOT NULL, critical BIGINT NOT NULL, high_planes INTEGER NOT NULL, model_hint TEXT NOT NULL,"
    " latest BIGINT, latest_id TEXT NOT NULL, critical_type TEXT NOT NULL, critical_plane TEXT NOT NULL,"
    " critical_ids TEXT NOT NULL, high_ids TEXT NOT NULL, medium_ids TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS agg_types ("
    " attr TEXT NOT NULL, plane TEXT NOT NULL, type TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (attr, plane, type))",
    // multi: the key was seen from more than one attribution key, so it may reach K >= 2 hosts.
    "CREATE TABLE IF NOT EXISTS agg_corr ("
    " corr_kind INTEGER NOT NULL, corr_key TEXT NOT NULL, first_attr TEXT NOT NULL, multi INTEGER NOT NULL,"
    " n BIGINT NOT NULL, PRIMARY KEY (corr_kind, corr_key))",
    "CREATE TABLE IF NOT EXISTS agg_time ("
    " bucket BIGINT NOT NULL, severity INTEGER NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (bucket, severity))",
    "CREATE INDEX IF NOT EXISTS agg_corr_multi ON agg_corr (multi) WHERE multi = 1",
    "CREATE INDEX IF NOT EXISTS findings_attr ON findings (attr)",
    "CREATE INDEX IF NOT EXISTS findings_corr ON findings (corr_key) WHERE corr_kind > 0",
};

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

}  // namespace

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
  for (const char* sql : kTables) c.exec(sql);
  if (v == 1) {  // a version 1 store: add the attribution column, fill it from the light columns
    c.exec("ALTER TABLE findings ADD COLUMN attr TEXT NOT NULL DEFAULT ''");
    c.exec("UPDATE findings SET attr = CASE WHEN named_host <> '' THEN 'h:' || named_host"
           " WHEN address <> '' THEN 'a:' || address ELSE 'u:' END");
  }
  // SQLite: the small aggregate rows live in their primary key's B-tree (WITHOUT ROWID), one
  // B-tree write per upsert instead of two. Same columns and statements either way, so a store
  // created before keeps working as it is.
  for (const char* sql : kVersion2) {
    std::string text = sql;
    if (c.dialect() == "sqlite" && text.rfind("CREATE TABLE IF NOT EXISTS agg_keys", 0) != 0 &&
        text.rfind("CREATE TABLE", 0) == 0)
      text += " WITHOUT ROWID";
    c.exec(text);
  }
  if (v == 1) rebuild_aggregates(c);
  c.exec("INSERT INTO store_meta (key, value) VALUES ('schema_version', '" + std::to_string(kSchemaVersion) +
         "') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  tx.commit();
}

void rebuild_aggregates(db::Connection& c) {
  for (const char* t : {"agg_keys", "agg_types", "agg_corr", "agg_time"}) c.exec(std::string("DELETE FROM ") + t);
  c.exec("INSERT INTO agg_types (attr, plane, type, n) SELECT attr, plane, type, count(*) FROM findings"
         " GROUP BY attr, plane, type");
  c.exec("INSERT INTO agg_corr (corr_kind, corr_key, first_attr, multi, n)"
         " SELECT corr_kind, corr_key, min(attr), CASE WHEN count(DISTINCT attr) > 1 THEN 1 ELSE 0 END, count(*)"
         " FROM findings WHERE corr_kind > 0 GROUP BY corr_kind, corr_key");
  const std::string h = std::to_string(kHour), t = "coalesce(first_seen, last_seen)";
  c.exec("INSERT INTO agg_time (bucket, severity, n) SELECT b, severity, count(*) FROM (SELECT CASE WHEN " + t +
         " >= 0 THEN " + t + " / " + h + " * " + h + " ELSE (" + t + " - " + h + " + 1) / " + h + " * " + h +
         " END AS b, severity FROM findings WHERE " + t + " IS NOT NULL) x GROUP BY b, severity");
  // Per key in C++ (the reason id lists): one pass, memory per key, not per finding.
  std::map<std::string, KeyAggregate> keys;
  FindingRow r;
  c.query(c.prepare(std::string("SELECT ") + kLightColumns + ", attr FROM findings"), {}, [&](const db::Row& row) {
    light_row(row, r);
    auto& k = keys[row[11].value_or("")];
    k.key = row[11].value_or("");
    k.add(r);
  });
  const AggregateStatements s = prepare_aggregates(c);
  for (const auto& [attr, k] : keys) insert_key_aggregate(c, s, k);
}

}  // namespace sg::fleet
