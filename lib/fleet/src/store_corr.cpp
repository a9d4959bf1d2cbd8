#include "store_corr.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "store_aggregates.hpp"

namespace sg::fleet {
namespace {

void add_other(CorrAggregate& c, std::uint64_t h) {
  auto it = std::lower_bound(c.others.begin(), c.others.end(), h);
  if (it != c.others.end() && *it == h) return;
  if (c.others.size() >= kCorrAttrCap) {
    c.saturated = true;
    return;
  }
  c.others.insert(it, h);
}

const char* kCorrColumns = "corr_hash, corr_kind, first_attr, attrs, multi, n";
// The caller merged the stored row in: every column is replaced.
const char* kReplaceCorr =
    " ON CONFLICT (corr_hash) DO UPDATE SET corr_kind = excluded.corr_kind, first_attr = excluded.first_attr,"
    " attrs = excluded.attrs, multi = excluded.multi, n = excluded.n";

std::vector<db::Value> corr_params(long long hash, const CorrAggregate& c) {
  return {std::to_string(hash), std::to_string(c.kind), c.first_attr, c.attrs_text(),
          c.others.empty() && !c.saturated ? "0" : "1", std::to_string(c.n)};
}

// A stored row (kCorrColumns order from `first` on: kind, first_attr, attrs, multi, n).
CorrAggregate corr_from_row(const db::Row& r, std::size_t first) {
  CorrAggregate c;
  c.kind = std::atoi(r[first].value_or("0").c_str());
  c.first_attr = r[first + 1].value_or("");
  parse_corr_attrs(r[first + 2].value_or(""), c);
  c.n = std::strtoll(r[first + 4].value_or("0").c_str(), nullptr, 10);
  return c;
}

}  // namespace

std::uint64_t attr_hash(const std::string& attr) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char ch : attr) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return h;
}

void CorrAggregate::add(const std::string& attr) {
  if (n++ == 0) first_attr = attr;
  else if (attr != first_attr) add_other(*this, attr_hash(attr));
}

void CorrAggregate::merge(const CorrAggregate& o) {
  if (n == 0) {
    *this = o;
    return;
  }
  n += o.n;
  const std::uint64_t mine = attr_hash(first_attr);
  if (o.first_attr != first_attr) add_other(*this, attr_hash(o.first_attr));
  for (const auto h : o.others)
    if (h != mine) add_other(*this, h);
  saturated |= o.saturated;
}

std::string CorrAggregate::attrs_text() const {
  std::string out;
  char buf[17];
  for (const auto h : others) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    if (!out.empty()) out += ' ';
    out += buf;
  }
  if (saturated) out += out.empty() ? "+" : " +";
  return out;
}

void parse_corr_attrs(const std::string& text, CorrAggregate& c) {
  c.others.clear();
  c.saturated = false;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find(' ', at), text.size());
    if (text.compare(at, end - at, "+") == 0) c.saturated = true;
    else if (end > at) c.others.push_back(std::strtoull(text.substr(at, end - at).c_str(), nullptr, 16));
    at = end + 1;
  }
  std::sort(c.others.begin(), c.others.end());
}

CorrStatements prepare_corr_statements(db::Connection& c) {
  CorrStatements s;
  const std::string values = ") VALUES ($1,$2,$3,$4,$5,$6)";
  s.insert = c.prepare(std::string("INSERT INTO agg_corr (") + kCorrColumns + values + " ON CONFLICT (corr_hash) DO NOTHING");
  s.select = c.prepare(std::string("SELECT ") + kCorrColumns + " FROM agg_corr WHERE corr_hash = $1");
  s.upsert = c.prepare(std::string("INSERT INTO agg_corr (") + kCorrColumns + values + kReplaceCorr);
  if (c.dialect() == "postgresql") {
    c.exec("CREATE TEMP TABLE IF NOT EXISTS sg_corr (corr_hash BIGINT, corr_kind INTEGER, first_attr TEXT,"
           " attrs TEXT, multi INTEGER, n BIGINT) ON COMMIT DELETE ROWS");
    s.select_in = c.prepare(std::string("SELECT ") + kCorrColumns +
                            " FROM agg_corr WHERE corr_hash IN (SELECT corr_hash FROM sg_corr)");
  }
  return s;
}

void flush_corr(db::Connection& c, const CorrStatements& s, const std::unordered_map<long long, CorrAggregate>& deltas) {
  if (deltas.empty()) return;
  std::vector<std::pair<long long, CorrAggregate>> rows(deltas.begin(), deltas.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (c.dialect() != "postgresql") {
    // Most keys are new: one insert each; only a key already stored is read, merged, replaced.
    for (auto& [hash, delta] : rows) {
      if (c.run(s.insert, corr_params(hash, delta)) > 0) continue;
      CorrAggregate stored;
      c.query(s.select, {std::to_string(hash)}, [&](const db::Row& r) { stored = corr_from_row(r, 1); });
      stored.merge(delta);
      c.run(s.upsert, corr_params(hash, stored));
    }
    return;
  }
  // PostgreSQL: the deltas go in by COPY, the stored rows among them are read in one query,
  // merged here, and everything is written back by one upsert.
  c.exec("TRUNCATE sg_corr");
  std::string data;
  for (const auto& [hash, delta] : rows) copy_row(data, corr_params(hash, delta));
  copy_all(c, "COPY sg_corr FROM STDIN", data);
  std::unordered_map<long long, std::size_t> at;
  at.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) at.emplace(rows[i].first, i);
  bool any = false;
  c.scan(s.select_in, {}, [&](const db::Row& r) {
           auto it = at.find(std::strtoll(r[0].value_or("0").c_str(), nullptr, 10));
           if (it == at.end()) return;
           CorrAggregate stored = corr_from_row(r, 1);
           stored.merge(rows[it->second].second);
           rows[it->second].second = std::move(stored);
           any = true;
         });
  if (any) {
    c.exec("TRUNCATE sg_corr");
    data.clear();
    for (const auto& [hash, merged] : rows) copy_row(data, corr_params(hash, merged));
    copy_all(c, "COPY sg_corr FROM STDIN", data);
  }
  c.exec(std::string("INSERT INTO agg_corr (") + kCorrColumns + ") SELECT " + kCorrColumns +
         " FROM sg_corr ORDER BY corr_hash" + kReplaceCorr);
}

void fill_corr_attrs(db::Connection& c) {
  // The multi keys (few: seen from two or more keys), their distinct keys from the findings.
  std::map<long long, CorrAggregate> multi;
  c.scan(c.prepare(std::string("SELECT ") + kCorrColumns + " FROM agg_corr WHERE multi = 1"), {},
         [&](const db::Row& r) {
           CorrAggregate k = corr_from_row(r, 1);
           k.others.clear();
           k.saturated = false;
           multi.emplace(std::strtoll(r[0].value_or("0").c_str(), nullptr, 10), std::move(k));
         });
  if (multi.empty()) return;
  c.scan(c.prepare("SELECT corr_hash, attr FROM findings WHERE corr_kind > 0 AND corr_hash IN"
                   " (SELECT corr_hash FROM agg_corr WHERE multi = 1) GROUP BY corr_hash, attr"),
         {}, [&](const db::Row& r) {
           auto it = multi.find(std::strtoll(r[0].value_or("0").c_str(), nullptr, 10));
           const std::string attr = r[1].value_or("");
           if (it != multi.end() && attr != it->second.first_attr) add_other(it->second, attr_hash(attr));
         });
  const int update = c.prepare("UPDATE agg_corr SET attrs = $2, multi = $3 WHERE corr_hash = $1");
  for (const auto& [hash, k] : multi)
    c.run(update, {std::to_string(hash), k.attrs_text(), k.others.empty() && !k.saturated ? "0" : "1"});
}

}  // namespace sg::fleet
