#pragma once
// Aggregates kept at ingest, in the transaction that stores the findings: per attribution key
// (agg_keys: counts, worst severity, latest finding, the first reason ids), per key and
// plane/type (agg_types), per correlation key (agg_corr: seen from more than one key?) and per
// hour and severity (agg_time, the dashboard's chart). Verdicts and the dashboard read these,
// never the whole findings table.
#include <map>
#include <string>
#include <tuple>

#include "assess.hpp"
#include "db.hpp"

namespace sg::fleet {

constexpr core::Micros kHour = 3'600'000'000;

struct AggregateStatements {
  int insert_key, select_key, update_key, upsert_type, upsert_corr, upsert_time;
};
AggregateStatements prepare_aggregates(db::Connection& c);

// What one transaction adds; written in key order (so concurrent PostgreSQL writers lock rows
// in the same order and cannot deadlock on them).
class AggregateDelta {
 public:
  void add(const FindingRow& r);  // a finding that was newly stored
  bool empty() const { return keys_.empty(); }
  void flush(db::Connection& c, const AggregateStatements& s);  // merges into the agg_* tables; clears
  void clear();

 private:
  struct Corr {
    std::string first_attr;
    bool multi = false;
    long long n = 0;
  };
  std::map<std::string, KeyAggregate> keys_;
  std::map<std::tuple<std::string, std::string, std::string>, long long> types_;  // attr, plane, type
  std::map<std::pair<int, std::string>, Corr> corr_;
  std::map<std::pair<core::Micros, int>, long long> time_;  // hour, severity
};

// The light columns of `findings` (no body), in the order light_row() reads them.
extern const char* const kLightColumns;
void light_row(const db::Row& row, FindingRow& r);

// agg_keys row <-> KeyAggregate (columns in kAggKeyColumns order).
extern const char* const kAggKeyColumns;
KeyAggregate key_aggregate_from_row(const db::Row& row);
// Inserts a key's aggregate, or merges it into the stored one (row locked on PostgreSQL).
void insert_key_aggregate(db::Connection& c, const AggregateStatements& s, const KeyAggregate& k);

}  // namespace sg::fleet
