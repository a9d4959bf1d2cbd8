#pragma once
// Per correlation key (agg_corr): how many attribution keys it was seen from, up to a cap. A
// correlation needs K hosts, and a key seen from fewer than K attribution keys cannot reach K
// hosts (each key belongs to one host), so verdicts read no members for it. Before, every key
// seen from two keys was read: at 10^7 findings 2 406 keys, all but two of them chance pairs of
// random destinations, cost ~2 s of the verdict in member queries over ~100 day partitions.
//
// Stored as `first_attr` (the first key) plus `attrs`: the 64-bit hashes (hex) of the other
// distinct keys, at most kCorrAttrCap, then "+" when there were more. `multi` = attrs not empty.
// A store from before schema 5 has no such list: its multi keys get theirs from the findings
// when it is migrated (fill_corr_attrs); a key seen from one key needs none.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "db.hpp"

namespace sg::fleet {

inline constexpr std::size_t kCorrAttrCap = 15;  // 16 distinct keys in all: K above that reads them

struct CorrAggregate {
  int kind = 0;
  std::string first_attr;
  std::vector<std::uint64_t> others;  // hashes of the other distinct keys, sorted
  bool saturated = false;             // more than kCorrAttrCap others
  long long n = 0;

  void add(const std::string& attr);    // one finding from `attr`
  void merge(const CorrAggregate& o);   // o came later
  // At least this many distinct attribution keys (exact below the cap).
  std::size_t keys() const { return 1 + others.size() + (saturated ? 1 : 0); }
  // Whether its findings could come from k hosts: past the cap, always.
  bool may_reach(std::size_t k) const { return saturated || keys() >= k; }
  std::string attrs_text() const;
};
// "0123456789abcdef 0123..." [+] -> others, saturated.
void parse_corr_attrs(const std::string& text, CorrAggregate& c);
std::uint64_t attr_hash(const std::string& attr);  // 64-bit FNV-1a

struct CorrStatements {
  int insert = -1, select = -1, upsert = -1;
  int select_in = -1;  // PostgreSQL: the stored rows of the keys in the temp table sg_corr
};
CorrStatements prepare_corr_statements(db::Connection& c);
// Merges these deltas (by correlation hash) into agg_corr, in hash order.
void flush_corr(db::Connection& c, const CorrStatements& s, const std::unordered_map<long long, CorrAggregate>& deltas);
// Computes `attrs` of every multi key from the findings (migration, rebuild).
void fill_corr_attrs(db::Connection& c);

}  // namespace sg::fleet
