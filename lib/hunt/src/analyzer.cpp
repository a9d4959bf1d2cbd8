// Analyzer: aggregates records into per-pair series and per-domain DNS statistics (bounded),
// then runs each detector at the end.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "detectors.hpp"
#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

std::string registered_domain(const std::string& name) {
  std::vector<std::size_t> dots;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (name[i] == '.') dots.push_back(i);
  if (dots.empty()) return name;
  std::size_t labels = 2;
  // Two-letter country TLDs with a generic second level (co.uk, com.au, ...) keep three labels.
  const std::string tld = name.substr(dots.back() + 1);
  if (tld.size() == 2 && dots.size() >= 2) {
    const std::string sld = name.substr(dots[dots.size() - 2] + 1, dots.back() - dots[dots.size() - 2] - 1);
    static const char* generic[] = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"};
    for (const char* g : generic)
      if (sld == g) labels = 3;
  }
  if (dots.size() < labels) return name;
  return name.substr(dots[dots.size() - labels] + 1);
}

Analyzer::Analyzer(HuntConfig cfg) : cfg_(std::move(cfg)), impl_(std::make_unique<Impl>()) {}
Analyzer::~Analyzer() = default;

void Analyzer::on_conn(const ConnRecord& c) {
  ++stats_.conns;
  const bool from_mgmt = cfg_.mgmt.contains(c.orig);
  const bool outbound = cfg_.internal.contains(c.orig) && !cfg_.internal.contains(c.resp);
  const bool mgmt_out = from_mgmt && !cfg_.mgmt.contains(c.resp);
  if (!outbound && !mgmt_out) return;
  PairKey key{c.orig, c.resp, c.resp_port, c.proto};
  auto it = impl_->pairs.find(key);
  if (it == impl_->pairs.end()) {
    if (impl_->pairs.size() >= cfg_.max_pairs) {
      ++stats_.untracked_pairs;
      return;
    }
    it = impl_->pairs.emplace(key, PairStats{}).first;
    it->second.first = c.ts;
    it->second.outbound = outbound;
    it->second.from_mgmt = from_mgmt;
  }
  PairStats& p = it->second;
  p.first = std::min(p.first, c.ts);
  p.last = std::max(p.last, c.ts + c.duration);
  ++p.conns;
  p.out_bytes += c.orig_bytes;
  p.in_bytes += c.resp_bytes;
  if (p.calls.size() < cfg_.max_calls_per_pair) p.calls.push_back({c.ts, c.orig_bytes + c.resp_bytes});
  else ++p.calls_dropped;
  if (c.duration >= cfg_.long_connection && impl_->long_conns.size() < 100000) impl_->long_conns.push_back(c);
}

void Analyzer::on_dns(const DnsRecord& d) {
  ++stats_.dns;
  if (d.query.empty()) return;
  for (const auto& a : d.answers) {
    auto it = impl_->names.find(a);
    if (it != impl_->names.end()) it->second = d.query;
    else if (impl_->names.size() < cfg_.max_names) impl_->names.emplace(a, d.query);
  }
  if (d.response_only) return;
  const std::string reg = registered_domain(d.query);
  auto it = impl_->domains.find(reg);
  if (it == impl_->domains.end()) {
    if (impl_->domains.size() >= cfg_.max_domains) return;
    it = impl_->domains.emplace(reg, DomainStats{}).first;
    it->second.first = d.ts;
    it->second.client = d.client;
  }
  it->second.observe(d, reg);
}

std::vector<core::Finding> Analyzer::findings() const {
  std::vector<core::Finding> out;
  const Context ctx{cfg_, *impl_};
  detect_beacons(ctx, out);
  detect_mgmt_egress(ctx, out);
  detect_exfil(ctx, out);
  detect_long_connections(ctx, out);
  detect_dns_tunnels(ctx, out);
  if (cfg_.have_allow) detect_new_destinations(ctx, out);
  std::vector<core::Finding> kept;
  for (auto& f : out)
    if (f.score >= cfg_.min_score) kept.push_back(std::move(f));
  std::stable_sort(kept.begin(), kept.end(), [](const core::Finding& a, const core::Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.score != b.score) return a.score > b.score;
    return a.subject < b.subject;
  });
  return kept;
}

}  // namespace sg::hunt
