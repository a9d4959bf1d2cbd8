#include "store_hosts.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "store_aggregates.hpp"

namespace sg::fleet {
namespace {


std::vector<db::Value> host_params(const HostAggregate& h) {
  std::vector<db::Value> p = key_params(h.agg);
  p[0] = h.hint_attr;
  p.insert(p.begin(), h.host);
  return p;
}

// Every column but the key is replaced: the caller merged the stored row in already.
constexpr const char* kReplaceHost =
    " ON CONFLICT (host) DO UPDATE SET hint_attr = excluded.hint_attr, findings = excluded.findings,"
    " worst = excluded.worst, medium = excluded.medium, high = excluded.high, critical = excluded.critical,"
    " high_planes = excluded.high_planes, model_hint = excluded.model_hint, latest = excluded.latest,"
    " latest_id = excluded.latest_id, critical_type = excluded.critical_type,"
    " critical_plane = excluded.critical_plane, critical_ids = excluded.critical_ids, high_ids = excluded.high_ids,"
    " medium_ids = excluded.medium_ids";

bool starts(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const char* const kAggHostColumns =
    "host, hint_attr, findings, worst, medium, high, critical, high_planes, model_hint, latest, latest_id,"
    " critical_type, critical_plane, critical_ids, high_ids, medium_ids";

void HostAggregate::merge(const KeyAggregate& k, const std::string& attr) {
  std::string hint = std::move(agg.model_hint);
  agg.merge(k);
  agg.model_hint = std::move(hint);
  if (!k.model_hint.empty() && (hint_attr.empty() || attr < hint_attr)) {
    agg.model_hint = k.model_hint;
    hint_attr = attr;
  }
  agg.drop_ids_below_critical();
  agg.key.clear();
}

HostAggregate host_aggregate_from_row(const db::Row& row) {
  HostAggregate h;
  h.host = row[0].value_or("");
  h.agg = key_aggregate_from_row(row, 1, h.host);
  h.hint_attr = std::move(h.agg.key);
  h.agg.key.clear();
  return h;
}

HostStatements prepare_host_statements(db::Connection& c) {
  HostStatements s{};
  s.select_owner = c.prepare(std::string("SELECT host FROM addresses WHERE address = $1") + kOwnerOrder);
  s.select_owned = c.prepare("SELECT address FROM addresses WHERE host = $1");
  s.select_key = c.prepare(std::string("SELECT ") + kAggKeyColumns + " FROM agg_keys WHERE attr = $1");
  s.select_host = c.prepare(std::string("SELECT ") + kAggHostColumns + " FROM agg_hosts WHERE host = $1");
  s.delete_host = c.prepare("DELETE FROM agg_hosts WHERE host = $1");
  if (c.dialect() == "postgresql") {
    // The bulk statements read session temp tables, which must exist to be prepared.
    c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_key_names (attr TEXT) ON COMMIT DELETE ROWS");
    c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_host_names (host TEXT) ON COMMIT DELETE ROWS");
    c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_hosts (host TEXT, hint_attr TEXT, findings BIGINT, worst INTEGER,"
           " medium BIGINT, high BIGINT, critical BIGINT, high_planes INTEGER, model_hint TEXT, latest BIGINT,"
           " latest_id TEXT, critical_type TEXT, critical_plane TEXT, critical_ids TEXT, high_ids TEXT,"
           " medium_ids TEXT) ON COMMIT DELETE ROWS");
    s.select_hosts_in = c.prepare(std::string("SELECT ") + kAggHostColumns +
                                  " FROM agg_hosts WHERE host IN (SELECT host FROM sg_host_names)");
    s.select_owners_in = c.prepare(
        "SELECT n.attr, (SELECT a.host FROM addresses a WHERE a.address = substr(n.attr, 3)" + std::string(kOwnerOrder) +
        ") FROM sg_key_names n WHERE n.attr LIKE 'a:%'");
  }
  std::string values;
  for (int i = 1; i <= 16; ++i) values += (i > 1 ? ",$" : "$") + std::to_string(i);
  s.insert_host = c.prepare(std::string("INSERT INTO agg_hosts (") + kAggHostColumns + ") VALUES (" + values + ")" +
                            kReplaceHost);
  return s;
}

std::string owner_of(db::Connection& c, int select_owner, const std::string& address) {
  std::string owner;
  c.query(select_owner, {address}, [&](const db::Row& r) { owner = r[0].value_or(""); });
  return owner;
}

std::string host_of_key(db::Connection& c, int select_owner, const std::string& attr) {
  if (starts(attr, "h:")) return attr.substr(2);
  if (!starts(attr, "a:")) return kUnattributed;
  std::string owner = owner_of(c, select_owner, attr.substr(2));
  return owner.empty() ? attr.substr(2) : owner;
}

void merge_host_aggregates(db::Connection& c, const HostStatements& s, std::vector<HostAggregate> deltas) {
  if (deltas.empty()) return;
  // Host order: concurrent writers would lock rows in one order (they also hold the writers'
  // lock), and SQLite walks its B-tree front to back.
  std::sort(deltas.begin(), deltas.end(), [](const auto& a, const auto& b) { return a.host < b.host; });
  if (c.dialect() != "postgresql") {
    for (auto& d : deltas) {
      c.query(s.select_host, {d.host}, [&](const db::Row& row) {
        HostAggregate stored = host_aggregate_from_row(row);
        stored.merge(d);
        d = std::move(stored);
      });
      c.run(s.insert_host, host_params(d));
    }
    return;
  }
  // PostgreSQL: a batch touches up to tens of thousands of hosts; one round trip each made the
  // 10 000-finding batch take seconds. The stored rows are read once, merged here, and written
  // back by COPY and one upsert.
  c.exec("TRUNCATE sg_host_names, sg_hosts");
  std::string data;
  for (const auto& d : deltas) {
    copy_field(data, d.host);
    data += '\n';
  }
  copy_all(c, "COPY sg_host_names FROM STDIN", data);
  std::unordered_map<std::string, std::size_t> at;
  at.reserve(deltas.size());
  for (std::size_t i = 0; i < deltas.size(); ++i) at.emplace(deltas[i].host, i);
  c.scan(s.select_hosts_in, {}, [&](const db::Row& row) {
           HostAggregate stored = host_aggregate_from_row(row);
           auto it = at.find(stored.host);
           if (it == at.end()) return;
           stored.merge(deltas[it->second]);
           deltas[it->second] = std::move(stored);
         });
  data.clear();
  for (const auto& d : deltas) copy_row(data, host_params(d));
  copy_all(c, "COPY sg_hosts FROM STDIN", data);
  c.exec(std::string("INSERT INTO agg_hosts (") + kAggHostColumns + ") SELECT " + kAggHostColumns +
         " FROM sg_hosts ORDER BY host" + kReplaceHost);
}

void recompute_host_aggregates(db::Connection& c, const HostStatements& s, const std::set<std::string>& hosts) {
  for (const auto& host : hosts) {
    // The keys that resolve to `host` now (Assessor::resolve_key, inverted).
    std::set<std::string> keys{"h:" + host};
    if (host == kUnattributed) keys.insert("u:");
    if (owner_of(c, s.select_owner, host).empty()) keys.insert("a:" + host);  // an address nobody owns
    std::vector<std::string> named;
    c.query(s.select_owned, {host}, [&](const db::Row& r) { named.push_back(r[0].value_or("")); });
    for (const auto& a : named)
      if (owner_of(c, s.select_owner, a) == host) keys.insert("a:" + a);  // not one the inventory gives another
    HostAggregate h;
    h.host = host;
    bool any = false;
    for (const auto& key : keys)
      c.query(s.select_key, {key}, [&](const db::Row& row) {
        h.merge(key_aggregate_from_row(row), key);
        any = true;
      });
    c.run(s.delete_host, {host});
    if (any) c.run(s.insert_host, host_params(h));
  }
}

void rebuild_host_aggregates(db::Connection& c) {
  c.exec("DELETE FROM agg_hosts");
  std::unordered_map<std::string, std::string> owner;  // address -> host, the inventory's first
  std::vector<std::tuple<std::string, std::string, std::string>> records;
  c.scan(c.prepare("SELECT address, origin, host FROM addresses"), {}, [&](const db::Row& r) {
    records.emplace_back(r[0].value_or(""), r[1].value_or(""), r[2].value_or(""));
  });
  for (const bool inventory : {true, false})
    for (const auto& [address, origin, host] : records)
      if ((origin == "inventory") == inventory) owner.emplace(address, host);
  records.clear();
  records.shrink_to_fit();
  // Every host's row in memory at once: one agg_keys pass. At 10^5 hosts that is the verdict's
  // own peak, and this runs only on migration, prune and inventories of many hosts.
  std::unordered_map<std::string, HostAggregate> hosts;
  c.scan(c.prepare(std::string("SELECT ") + kAggKeyColumns + " FROM agg_keys"), {}, [&](const db::Row& row) {
    KeyAggregate k = key_aggregate_from_row(row);
    std::string host;
    if (starts(k.key, "h:")) host = k.key.substr(2);
    else if (!starts(k.key, "a:")) host = kUnattributed;
    else if (auto it = owner.find(k.key.substr(2)); it != owner.end()) host = it->second;
    else host = k.key.substr(2);
    auto& h = hosts[host];
    h.host = host;
    h.merge(k, k.key);
  });
  std::vector<HostAggregate> all;
  all.reserve(hosts.size());
  for (auto& [name, h] : hosts) all.push_back(std::move(h));
  hosts.clear();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.host < b.host; });
  if (c.dialect() == "postgresql") {
    std::string data;
    for (const auto& h : all) copy_row(data, host_params(h));
    copy_all(c, std::string("COPY agg_hosts (") + kAggHostColumns + ") FROM STDIN", data);
    return;
  }
  const HostStatements s = prepare_host_statements(c);
  for (const auto& h : all) c.run(s.insert_host, host_params(h));
}

}  // namespace sg::fleet
