#pragma once
// The store's schema, its version, and how an older store is brought up to it. One schema on
// both backends except where PostgreSQL does more (time partitions of `findings`).
#include <string>
#include <utility>
#include <vector>

#include "db.hpp"

namespace sg::fleet {

// 1: findings, finding_bodies, hosts, addresses, snapshots, ingested_files (no store_meta).
// 2: + findings.attr, the aggregate tables agg_* kept at ingest, indexes for host pages and
//    correlation members, store_meta.
// 3: the body inline in `findings` (no finding_bodies: one table and one id index fewer per
//    finding), correlation members indexed by a 64-bit hash of the correlation key (corr_hash)
//    and agg_corr keyed by it; PostgreSQL: `findings` partitioned by day (see kUndatedDay).
// 4: addresses indexed by (host, origin): an inventory replaces each host's address list with
//    a DELETE by host, which scanned the whole table per host (3.3 s for 10^4 hosts, minutes
//    for 10^5), and a host page lists the host's addresses the same way.
// 5: agg_hosts, the aggregates per host that verdicts read (store_hosts.hpp), and
//    agg_corr.attrs, the attribution keys a correlation key was seen from (store_corr.hpp);
//    built from agg_keys, the address records and the multi keys' findings when a version 3 or
//    4 store is opened for writing.
inline constexpr int kSchemaVersion = 5;

// PostgreSQL partitions `findings` by `day` = floor(coalesce(last_seen, first_seen) / 1 day);
// undated findings get this day, which only the partition findings_undated holds. The day comes
// from the finding's content, as its id does, so one id always lands in one partition and the
// primary key (id, day) keeps ingest idempotent.
inline constexpr long long kUndatedDay = -2147483648LL;
inline constexpr long long kDayMicros = 86'400'000'000LL;  // microseconds

// The SQL expression of a row's day (PostgreSQL), over columns first_seen / last_seen.
std::string day_expression(const std::string& prefix = "");

// PostgreSQL: makes sure `findings` has a partition for each of `days` (created as a table and
// attached: ATTACH takes a lock that lets readers and the table's other writers go on, where
// CREATE TABLE ... PARTITION OF would block every reader of `findings` until commit).
void ensure_partitions(db::Connection& c, const std::vector<long long>& days);
// PostgreSQL: the day partitions present (not the undated one), by day.
std::vector<std::pair<long long, std::string>> day_partitions(db::Connection& c);

// 64-bit FNV-1a of the correlation kind and key, as stored in corr_hash (0 when kind is 0).
long long correlation_hash(int corr_kind, const std::string& corr_key);

// Creates or migrates the schema in one transaction (PostgreSQL: under an advisory lock, so
// several writers opening a new database at once do not race). With read_only, checks only.
// Throws std::runtime_error with a message naming the versions when the store cannot be used.
void prepare_schema(db::Connection& c, bool read_only);

// Rebuilds every agg_* table from the findings table (migration, prune).
void rebuild_aggregates(db::Connection& c);

}  // namespace sg::fleet
