#include "store_aggregates.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace sg::fleet {
namespace {

db::Value opt_int(const std::optional<core::Micros>& t) { return t ? db::Value(std::to_string(*t)) : std::nullopt; }

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
          join_ids(k.critical_ids),
          join_ids(k.high_ids),
          join_ids(k.medium_ids)};
}

}  // namespace

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
  s.upsert_corr = c.prepare(
      "INSERT INTO agg_corr (corr_kind, corr_key, first_attr, multi, n) VALUES ($1,$2,$3,$4,$5)"
      " ON CONFLICT (corr_kind, corr_key) DO UPDATE SET n = agg_corr.n + excluded.n,"
      " multi = CASE WHEN agg_corr.multi = 1 OR excluded.multi = 1 OR agg_corr.first_attr <> excluded.first_attr"
      " THEN 1 ELSE 0 END");
  s.upsert_time = c.prepare(
      "INSERT INTO agg_time (bucket, severity, n) VALUES ($1,$2,$3)"
      " ON CONFLICT (bucket, severity) DO UPDATE SET n = agg_time.n + excluded.n");
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

KeyAggregate key_aggregate_from_row(const db::Row& row) {
  static const std::string empty;
  auto text = [&](std::size_t i) -> const std::string& { return row[i] ? *row[i] : empty; };
  auto num = [&](std::size_t i) { return std::strtoull(text(i).c_str(), nullptr, 10); };
  KeyAggregate k;
  k.key = text(0);
  k.findings = num(1);
  if (row[2]) k.worst = core::Severity(std::clamp(std::atoi(row[2]->c_str()), 0, int(core::Severity::critical)));
  k.medium = num(3);
  k.high = num(4);
  k.critical = num(5);
  k.high_planes = unsigned(num(6));
  k.model_hint = text(7);
  if (row[8]) k.latest = std::strtoll(row[8]->c_str(), nullptr, 10);
  k.latest_id = text(9);
  k.critical_type = text(10);
  k.critical_plane = core::parse_plane(text(11)).value_or(core::Plane::hunt);
  k.critical_ids = split_ids(text(12));
  k.high_ids = split_ids(text(13));
  k.medium_ids = split_ids(text(14));
  return k;
}

void AggregateDelta::add(const FindingRow& r) {
  const std::string attr = attribution_key(r);
  auto& k = keys_[attr];
  k.key = attr;
  k.add(r);
  ++types_[{attr, std::string(core::to_string(r.plane)), r.type}];
  if (r.corr_kind != CorrKind::none) {
    auto& c = corr_[{int(r.corr_kind), r.corr_key}];
    if (c.n == 0) c.first_attr = attr;
    else if (c.first_attr != attr) c.multi = true;
    ++c.n;
  }
  if (const auto t = r.first_seen ? r.first_seen : r.last_seen) {
    core::Micros b = *t / kHour * kHour;
    if (*t < 0 && b != *t) b -= kHour;  // floor, not truncation, before 1970
    ++time_[{b, int(r.severity)}];
  }
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

void AggregateDelta::flush(db::Connection& c, const AggregateStatements& s) {
  for (const auto& [attr, k] : keys_) insert_key_aggregate(c, s, k);
  for (const auto& [key, n] : types_)
    c.run(s.upsert_type, {std::get<0>(key), std::get<1>(key), std::get<2>(key), std::to_string(n)});
  for (const auto& [key, v] : corr_)
    c.run(s.upsert_corr, {std::to_string(key.first), key.second, v.first_attr, v.multi ? "1" : "0", std::to_string(v.n)});
  for (const auto& [key, n] : time_) c.run(s.upsert_time, {std::to_string(key.first), std::to_string(key.second), std::to_string(n)});
  clear();
}

}  // namespace sg::fleet
