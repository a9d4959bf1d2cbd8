#pragma once
// The store's schema, its version, and how an older store is brought up to it. One schema on
// both backends except where PostgreSQL does more (time partitions of `findings`).
#include <string>

#include "db.hpp"

namespace sg::fleet {

// 1: findings, finding_bodies, hosts, addresses, snapshots, ingested_files (no store_meta).
// 2: + findings.attr, the aggregate tables agg_* kept at ingest, indexes for host pages and
//    correlation members, store_meta.
inline constexpr int kSchemaVersion = 2;

// Creates or migrates the schema in one transaction (PostgreSQL: under an advisory lock, so
// several writers opening a new database at once do not race). With read_only, checks only.
// Throws std::runtime_error with a message naming the versions when the store cannot be used.
void prepare_schema(db::Connection& c, bool read_only);

// Rebuilds every agg_* table from the findings table (migration, prune).
void rebuild_aggregates(db::Connection& c);

}  // namespace sg::fleet
