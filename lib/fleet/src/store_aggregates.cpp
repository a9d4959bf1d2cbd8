#include "store_aggregates.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "store_schema.hpp"

namespace sg::fleet {
namespace {

db::Value opt_int(const std::optional<core::Micros>& t) { return t ? db::Value(std::to_string(*t)) : std::nullopt; }

}  // namespace

std::vector<db::Value> key_params(const KeyAggregate& k) {
  return {k.key,
          std::to_string(k.findings),
          k.worst ? db::Value(std::to_string(int(*k.worst))) : std::nullopt,
          std::to_string(k.medium),
          std::to_string(k.high),
          std::to_string(k.critical),
          std::to_string(k.high_planes),
          k.model_hint,
          opt_int(k.latest),
          k.latest_id,
          k.critical_type,
          std::string(core::to_string(k.critical_plane)),
          k.critical_ids.text(),
          k.high_ids.text(),
          k.medium_ids.text()};
}

void copy_field(std::string& out, const db::Value& v) {
  if (!v) {
    out += "\\N";
    return;
  }
  for (char ch : *v) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += ch;
    }
  }
}

void copy_row(std::string& out, const std::vector<db::Value>& row) {
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i) out += '\t';
    copy_field(out, row[i]);
  }
  out += '\n';
}

void copy_all(db::Connection& c, const std::string& sql, const std::string& data) {
  bool sent = false;
  c.copy_in(sql, [&](std::string& out) {
    if (sent) return false;
    out += data;
    sent = true;
    return true;
  });
}


AggregateStatements prepare_aggregates(db::Connection& c) {
  const bool pg = c.dialect() == "postgresql";
  AggregateStatements s{};
  s.insert_key = c.prepare(std::string("INSERT INTO agg_keys (") + kAggKeyColumns +
                           ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (attr) DO NOTHING");
  // PostgreSQL: lock the row for the read-modify-write (SQLite's writer already holds the file).
  s.select_key = c.prepare(std::string("SELECT ") + kAggKeyColumns + " FROM agg_keys WHERE attr = $1" +
                           (pg ? " FOR UPDATE" : ""));
  s.update_key = c.prepare(
      "UPDATE agg_keys SET findings=$2, worst=$3, medium=$4, high=$5, critical=$6, high_planes=$7, model_hint=$8,"
      " latest=$9, latest_id=$10, critical_type=$11, critical_plane=$12, critical_ids=$13, high_ids=$14,"
      " medium_ids=$15 WHERE attr=$1");
  s.upsert_type = c.prepare(
      "INSERT INTO agg_types (attr, plane, type, n) VALUES ($1,$2,$3,$4)"
      " ON CONFLICT (attr, plane, type) DO UPDATE SET n = agg_types.n + excluded.n");
  s.upsert_time = c.prepare(
      "INSERT INTO agg_time (bucket, severity, n) VALUES ($1,$2,$3)"
      " ON CONFLICT (bucket, severity) DO UPDATE SET n = agg_time.n + excluded.n");
  s.hosts = prepare_host_statements(c);
  s.corr = prepare_corr_statements(c);
  return s;
}

const char* const kLightColumns =
    "id, named_host, address, plane, type, severity, first_seen, last_seen, corr_kind, corr_key, model_hint";

void light_row(const db::Row& row, FindingRow& r) {
  static const std::string empty;
  auto text = [&](std::size_t i) -> const std::string& { return row[i] ? *row[i] : empty; };
  auto time = [&](std::size_t i) {
    return row[i] ? std::optional<core::Micros>(std::strtoll(row[i]->c_str(), nullptr, 10)) : std::nullopt;
  };
  r.id = text(0);
  r.named_host = text(1);
  r.address = text(2);
  r.plane = core::parse_plane(text(3)).value_or(core::Plane::hunt);
  r.type = text(4);
  r.severity = core::Severity(std::clamp(std::atoi(text(5).c_str()), 0, int(core::Severity::critical)));
  r.first_seen = time(6);
  r.last_seen = time(7);
  r.corr_kind = CorrKind(std::clamp(std::atoi(text(8).c_str()), 0, int(CorrKind::component)));
  r.corr_key = text(9);
  r.model_hint = text(10);
}

const char* const kAggKeyColumns =
    "attr, findings, worst, medium, high, critical, high_planes, model_hint, latest, latest_id, critical_type,"
    " critical_plane, critical_ids, high_ids, medium_ids";

KeyAggregate key_aggregate_from_row(const db::Row& full, std::size_t first, const std::string& name) {
  static const std::string empty;
  struct Shifted {  // row[i] is full[first + i]
    const db::Row& r;
    std::size_t first;
    const db::Value& operator[](std::size_t i) const { return r[first + i]; }
  } row{full, first};
  auto text = [&](std::size_t i) -> const std::string& { return row[i] ? *row[i] : empty; };
  // Counts and the worst severity are what verdicts are made of: a row edited by hand into
  // something else is an error naming the row, as a corrupt finding body is, never a verdict
  // built on a wrapped-around count.
  auto bad = [&](std::size_t i, const char* what) {
    return std::runtime_error("store: aggregate row \"" + (name.empty() ? text(0) : name) + "\" is corrupt: " + what +
                              " \"" + text(i) + "\"");
  };
  auto num = [&](std::size_t i) {
    const std::string& t = text(i);
    if (t.empty() || t.size() > 19 || t.find_first_not_of("0123456789") != std::string::npos) throw bad(i, "count");
    return std::strtoull(t.c_str(), nullptr, 10);
  };
  KeyAggregate k;
  k.key = text(0);
  k.findings = num(1);
  if (row[2]) {
    const std::string& w = *row[2];
    if (w.size() != 1 || w[0] < '0' || w[0] > '0' + int(core::Severity::critical)) throw bad(2, "severity");
    k.worst = core::Severity(w[0] - '0');
  }
  k.medium = num(3);
  k.high = num(4);
  k.critical = num(5);
  k.high_planes = unsigned(num(6));
  k.model_hint = text(7);
  if (row[8]) k.latest = std::strtoll(row[8]->c_str(), nullptr, 10);
  k.latest_id = text(9);
  k.critical_type = text(10);
  k.critical_plane = core::parse_plane(text(11)).value_or(core::Plane::hunt);
  k.critical_ids = IdList::from_text(text(12));
  k.high_ids = IdList::from_text(text(13));
  k.medium_ids = IdList::from_text(text(14));
  return k;
}

AggregateKeys aggregate_keys(const FindingRow& r) {
  AggregateKeys k;
  k.attr = attribution_key(r);
  k.type_key = k.attr;
  k.type_key += '\0';
  k.type_key += core::to_string(r.plane);
  k.type_key += '\0';
  k.type_key += r.type;
  k.corr_hash = correlation_hash(int(r.corr_kind), r.corr_key);
  return k;
}

void AggregateDelta::add(const FindingRow& r, const AggregateKeys& k) {
  const std::string& attr = k.attr;
  ++types_[k.type_key];
  if (r.corr_kind != CorrKind::none) {
    auto& c = corr_[k.corr_hash];
    c.kind = int(r.corr_kind);
    c.add(attr);
  }
  if (const auto t = r.first_seen ? r.first_seen : r.last_seen) {
    core::Micros b = *t / kHour * kHour;
    if (*t < 0 && b != *t) b -= kHour;  // floor, not truncation, before 1970
    ++time_[{b, int(r.severity)}];
  }
  auto [it, fresh] = keys_.try_emplace(attr);
  if (fresh) it->second.key = it->first;
  it->second.add(r);
}

void AggregateDelta::clear() {
  keys_.clear();
  types_.clear();
  corr_.clear();
  time_.clear();
}

void insert_key_aggregate(db::Connection& c, const AggregateStatements& s, const KeyAggregate& k) {
  if (c.run(s.insert_key, key_params(k)) > 0) return;
  KeyAggregate merged;
  bool found = false;
  c.query(s.select_key, {k.key}, [&](const db::Row& row) {
    merged = key_aggregate_from_row(row);
    found = true;
  });
  if (!found) throw std::runtime_error("store: aggregate row for " + k.key + " vanished");
  merged.merge(k);
  c.run(s.update_key, key_params(merged));
}

std::vector<HostAggregate> AggregateDelta::host_deltas(db::Connection& c, const AggregateStatements& s) const {
  std::unordered_map<std::string, std::string> owners;  // "a:" key -> the owner of its address
  if (c.dialect() == "postgresql") {  // sg_key_names holds keys_: one query, not one per key
    c.scan(s.hosts.select_owners_in, {}, [&](const db::Row& r) {
      if (r[1]) owners.emplace(r[0].value_or(""), *r[1]);
    });
  }
  std::unordered_map<std::string, HostAggregate> hosts;
  for (const auto& [attr, k] : keys_) {
    std::string host;
    if (c.dialect() != "postgresql") {
      host = host_of_key(c, s.hosts.select_owner, attr);
    } else if (attr.rfind("a:", 0) == 0) {
      auto it = owners.find(attr);
      host = it != owners.end() ? it->second : attr.substr(2);
    } else {
      host = attr.rfind("h:", 0) == 0 ? attr.substr(2) : std::string(kUnattributed);
    }
    auto& h = hosts[host];
    h.host = host;
    h.merge(k, attr);
  }
  std::vector<HostAggregate> out;
  out.reserve(hosts.size());
  for (auto& [host, h] : hosts) out.push_back(std::move(h));
  return out;
}

// PostgreSQL: the deltas go in by COPY and are merged by one statement per table, not one
// round trip per key (which made PostgreSQL ingest 6x slower than SQLite). The caller holds the
// writers' advisory lock (kWriterLock) since the transaction began, so the agg_keys rows read here
// are every earlier writer's committed state and nobody else changes them before this commits.
void AggregateDelta::flush_postgres(db::Connection& c, const AggregateStatements& s) {
  c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_key_names (attr TEXT) ON COMMIT DELETE ROWS");
  c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_keys (attr TEXT, findings BIGINT, worst INTEGER, medium BIGINT,"
         " high BIGINT, critical BIGINT, high_planes INTEGER, model_hint TEXT, latest BIGINT, latest_id TEXT,"
         " critical_type TEXT, critical_plane TEXT, critical_ids TEXT, high_ids TEXT, medium_ids TEXT)"
         " ON COMMIT DELETE ROWS");
  c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_types (attr TEXT, plane TEXT, type TEXT, n BIGINT) ON COMMIT DELETE ROWS");
  c.exec("TRUNCATE sg_key_names, sg_keys, sg_types");
  std::string data;
  std::vector<HostAggregate> hosts;
  if (!keys_.empty()) {
    for (const auto& [attr, k] : keys_) {
      copy_field(data, attr);
      data += '\n';
    }
    copy_all(c, "COPY sg_key_names FROM STDIN", data);
    hosts = host_deltas(c, s);  // keys_ are still this transaction's deltas here
    // The stored rows these keys merge into, read once.
    if (select_keys_in_ < 0)  // prepared once the temp table exists (per connection)
      select_keys_in_ = c.prepare(std::string("SELECT ") + kAggKeyColumns +
                                  " FROM agg_keys WHERE attr IN (SELECT attr FROM sg_key_names)");
    c.query(select_keys_in_, {}, [&](const db::Row& row) {
      KeyAggregate stored = key_aggregate_from_row(row);
      auto it = keys_.find(stored.key);
      if (it == keys_.end()) return;
      stored.merge(it->second);
      it->second = std::move(stored);
    });
    data.clear();
    for (const auto& [attr, k] : keys_) copy_row(data, key_params(k));
    copy_all(c, "COPY sg_keys FROM STDIN", data);
    c.exec(std::string("INSERT INTO agg_keys (") + kAggKeyColumns + ") SELECT " + kAggKeyColumns +
           " FROM sg_keys ORDER BY attr ON CONFLICT (attr) DO UPDATE SET findings = excluded.findings,"
           " worst = excluded.worst, medium = excluded.medium, high = excluded.high, critical = excluded.critical,"
           " high_planes = excluded.high_planes, model_hint = excluded.model_hint, latest = excluded.latest,"
           " latest_id = excluded.latest_id, critical_type = excluded.critical_type,"
           " critical_plane = excluded.critical_plane, critical_ids = excluded.critical_ids,"
           " high_ids = excluded.high_ids, medium_ids = excluded.medium_ids");
    merge_host_aggregates(c, s.hosts, std::move(hosts));
  }
  if (!types_.empty()) {
    data.clear();
    for (const auto& [k, n] : types_) {
      const auto b = k.rfind('\0'), a = k.rfind('\0', b - 1);  // plane and type hold no NUL
      copy_row(data, {k.substr(0, a), k.substr(a + 1, b - a - 1), k.substr(b + 1), std::to_string(n)});
    }
    copy_all(c, "COPY sg_types FROM STDIN", data);
    c.exec("INSERT INTO agg_types (attr, plane, type, n) SELECT attr, plane, type, n FROM sg_types"
           " ORDER BY attr, plane, type ON CONFLICT (attr, plane, type) DO UPDATE SET n = agg_types.n + excluded.n");
  }
  flush_corr(c, s.corr, corr_);
  for (const auto& [key, n] : time_) c.run(s.upsert_time, {std::to_string(key.first), std::to_string(key.second), std::to_string(n)});
  clear();
}

void AggregateDelta::flush(db::Connection& c, const AggregateStatements& s) {
  if (c.dialect() == "postgresql") return flush_postgres(c, s);
  // Key order: concurrent PostgreSQL writers lock rows in the same order (no deadlock), and
  // SQLite's B-trees are walked front to back.
  auto sorted = [](const auto& m) {
    std::vector<const typename std::decay_t<decltype(m)>::value_type*> out;
    out.reserve(m.size());
    for (const auto& e : m) out.push_back(&e);
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    return out;
  };
  merge_host_aggregates(c, s.hosts, host_deltas(c, s));
  for (const auto* e : sorted(keys_)) insert_key_aggregate(c, s, e->second);
  for (const auto* e : sorted(types_)) {
    const std::string& k = e->first;
    const auto b = k.rfind('\0'), a = k.rfind('\0', b - 1);  // plane and type hold no NUL
    c.run(s.upsert_type, {k.substr(0, a), k.substr(a + 1, b - a - 1), k.substr(b + 1), std::to_string(e->second)});
  }
  flush_corr(c, s.corr, corr_);
  for (const auto& [key, n] : time_) c.run(s.upsert_time, {std::to_string(key.first), std::to_string(key.second), std::to_string(n)});
  clear();
}

}  // namespace sg::fleet
