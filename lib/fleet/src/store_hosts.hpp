#pragma once
// Per-host aggregates (table agg_hosts, schema 5): for each host, the merge of every attribution
// key that resolves to it under the address records of the moment. `fleet verdict` and the
// dashboard read one row a host; before, they read every key (three a host), every address
// record and every host record, and resolved and merged them on each read: 5 s at 10^5 hosts.
//
// Kept in the transaction that changes what they derive from: new findings merge into their
// host's row (AggregateDelta::flush), and an address record that moves an address to another
// owner recomputes the hosts it moved between from agg_keys (recompute_host_aggregates). Which
// host owns an address is still decided by the records, not by the findings: an inventory loaded
// after the findings re-attributes them, as before.
#include <set>
#include <string>
#include <vector>

#include "assess.hpp"
#include "db.hpp"

namespace sg::fleet {

struct HostAggregate {
  std::string host;
  std::string hint_attr;  // the smallest key with a model hint; agg.model_hint is that key's
  KeyAggregate agg;       // agg.key unused
  // Merges one key's aggregate (or a delta of it). The hint of the smallest key wins, as when
  // the keys were folded in key order; a host with a critical finding keeps no high or medium
  // ids (its verdict never lists them, see Assessor::fold).
  void merge(const KeyAggregate& k, const std::string& attr);
  void merge(const HostAggregate& o) { merge(o.agg, o.hint_attr); }
};

// agg_hosts columns: host, hint_attr, then kAggKeyColumns without attr.
extern const char* const kAggHostColumns;
HostAggregate host_aggregate_from_row(const db::Row& row);

// Appended to a query of `addresses` by address: the owner an inventory names before a snapshot's.
inline constexpr const char* kOwnerOrder = " ORDER BY CASE origin WHEN 'inventory' THEN 0 ELSE 1 END LIMIT 1";

struct HostStatements {
  int select_owner, select_owned, select_key, select_host, delete_host, insert_host;
  int select_hosts_in = -1, select_owners_in = -1;  // PostgreSQL: by the temp tables sg_host_names, sg_key_names
};
HostStatements prepare_host_statements(db::Connection& c);

// The host an attribution key resolves to now: Assessor::resolve_key over the addresses table.
std::string host_of_key(db::Connection& c, int select_owner, const std::string& attr);
// The owner of one address, "" when no record names it.
std::string owner_of(db::Connection& c, int select_owner, const std::string& address);

// Merges host deltas into their stored rows (the caller holds the writers' lock).
void merge_host_aggregates(db::Connection& c, const HostStatements& s, std::vector<HostAggregate> deltas);
// Recomputes these hosts' rows from agg_keys (after address records moved between them).
void recompute_host_aggregates(db::Connection& c, const HostStatements& s, const std::set<std::string>& hosts);
// Rebuilds the whole table from agg_keys and the addresses (migration, prune, a large inventory).
void rebuild_host_aggregates(db::Connection& c);

}  // namespace sg::fleet
