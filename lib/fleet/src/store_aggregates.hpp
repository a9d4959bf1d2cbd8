#pragma once
// Aggregates kept at ingest, in the transaction that stores the findings: per attribution key
// (agg_keys: counts, worst severity, latest finding, the first reason ids), per key and
// plane/type (agg_types), per correlation key (agg_corr: seen from more than one key?) and per
// hour and severity (agg_time, the dashboard's chart). Verdicts and the dashboard read these,
// never the whole findings table.
#include <map>
#include <string>
#include <vector>
#include <tuple>
#include <unordered_map>

#include "assess.hpp"
#include "db.hpp"
#include "store_corr.hpp"
#include "store_hosts.hpp"

namespace sg::fleet {

constexpr core::Micros kHour = 3'600'000'000;

// PostgreSQL writers take turns per transaction under this transaction-scoped advisory lock (as
// SQLite writers do under BEGIN IMMEDIATE): the aggregates are merged in bulk from what the
// transaction read, which is exact only if no other writer merges meanwhile. A lock taken only
// for the merge could deadlock with a finding insert waiting on the other writer's uncommitted row.
inline constexpr const char* kWriterLock = "SELECT pg_advisory_xact_lock(7431018)";

struct AggregateStatements {
  int insert_key, select_key, update_key, upsert_type, upsert_time;
  HostStatements hosts;
  CorrStatements corr;
};
AggregateStatements prepare_aggregates(db::Connection& c);

// The keys a finding is aggregated under (derived off the writer's thread at ingest).
struct AggregateKeys {
  std::string attr;      // attribution_key()
  std::string type_key;  // attr NUL plane NUL type (NUL is refused in findings)
  long long corr_hash = 0;  // correlation_hash(), 0 without a correlation key
};
AggregateKeys aggregate_keys(const FindingRow& r);

// What one transaction adds; written in key order (so concurrent PostgreSQL writers lock rows
// in the same order and cannot deadlock on them).
class AggregateDelta {
 public:
  void add(const FindingRow& r) { add(r, aggregate_keys(r)); }  // a finding that was newly stored
  void add(const FindingRow& r, const AggregateKeys& k);
  bool empty() const { return keys_.empty(); }
  // Time to merge into the tables (bounded memory). Bounded by distinct keys, not rows: every
  // merge reads and rewrites each touched agg_keys row, and with 10^4 hosts a merge every 50 000
  // findings rewrote nearly all of them twenty times in a 10^6 ingest.
  bool large() const { return keys_.size() >= 32768 || types_.size() + corr_.size() >= 262144; }
  void flush(db::Connection& c, const AggregateStatements& s);  // merges into the agg_* tables; clears
  void clear();

 private:
  void flush_postgres(db::Connection& c, const AggregateStatements& s);
  // The per-host deltas of keys_ (before it is merged with the stored rows); PostgreSQL resolves
  // the owners of the keys in sg_key_names in one query.
  std::vector<HostAggregate> host_deltas(db::Connection& c, const AggregateStatements& s) const;
  // Hash maps while adding (a std::map walk per finding was most of the store thread's time at
  // 10^5 findings: tens of thousands of distinct correlation keys); sorted when flushed.
  std::unordered_map<std::string, KeyAggregate> keys_;
  std::unordered_map<std::string, long long> types_;  // attr NUL plane NUL type (NUL is refused in findings)
  std::unordered_map<long long, CorrAggregate> corr_;  // by correlation_hash()
  std::map<std::pair<core::Micros, int>, long long> time_;  // hour, severity (few: an ordered map is fine)
  int select_keys_in_ = -1;  // PostgreSQL: prepared at the first flush
};

// Appends a value in COPY text format (backslash, tab, newline, CR escaped; NULL is \N), or a row.
void copy_field(std::string& out, const db::Value& v);
void copy_row(std::string& out, const std::vector<db::Value>& row);
// Sends `data` (COPY text rows) in one COPY.
void copy_all(db::Connection& c, const std::string& sql, const std::string& data);

// The light columns of `findings` (no body), in the order light_row() reads them.
extern const char* const kLightColumns;
void light_row(const db::Row& row, FindingRow& r);

// agg_keys row <-> KeyAggregate (columns in kAggKeyColumns order). agg_hosts rows hold the same
// columns after two of their own: from_row reads them from `first` on.
extern const char* const kAggKeyColumns;
// A count or severity that is not one throws std::runtime_error naming the row (`name`, else the key).
KeyAggregate key_aggregate_from_row(const db::Row& row, std::size_t first = 0, const std::string& name = "");
std::vector<db::Value> key_params(const KeyAggregate& k);  // kAggKeyColumns, k.key first
// Inserts a key's aggregate, or merges it into the stored one (row locked on PostgreSQL).
void insert_key_aggregate(db::Connection& c, const AggregateStatements& s, const KeyAggregate& k);

}  // namespace sg::fleet
