// Analyzer: aggregates records into per-pair series and per-domain DNS statistics (bounded),
// then runs each detector at the end.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "detectors.hpp"
#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

std::string registered_domain(const std::string& name) {
  // Only the last three dots matter: found from the end, with no list of dots and no copies of
  // the labels (this runs once per DNS query).
  const std::string_view n(name);
  const std::size_t last = n.rfind('.');
  if (last == std::string_view::npos) return name;
  const std::size_t second = last == 0 ? std::string_view::npos : n.rfind('.', last - 1);
  std::size_t labels = 2;
  // Two-letter country TLDs with a generic second level (co.uk, com.au, ...) keep three labels.
  const std::string_view tld = n.substr(last + 1);
  if (tld.size() == 2 && second != std::string_view::npos) {
    const std::string_view sld = n.substr(second + 1, last - second - 1);
    static constexpr std::string_view generic[] = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"};
    for (const auto g : generic)
      if (sld == g) labels = 3;
  }
  if (second == std::string_view::npos) return name;
  if (labels == 2) return name.substr(second + 1);
  const std::size_t third = second == 0 ? std::string_view::npos : n.rfind('.', second - 1);
  if (third == std::string_view::npos) return name;
  return name.substr(third + 1);
}

Analyzer::Analyzer(HuntConfig cfg) : cfg_(std::move(cfg)), state_(std::make_unique<HuntState>(cfg_)) {}
Analyzer::~Analyzer() = default;

void Analyzer::on_conn(const ConnRecord& c) {
  ++conns_;
  state_->add_conn(c);
}

void Analyzer::on_dns(const DnsRecord& d) {
  ++dns_;
  state_->add_dns(d);
}

AnalyzerStats Analyzer::stats() const {
  AnalyzerStats s;
  s.conns = conns_;
  s.dns = dns_;
  s.not_destination = state_->not_destination();
  s.pairs = state_->pairs().size();
  s.mgmt_pairs = state_->mgmt_pairs().size();
  s.domains = state_->domains().size();
  s.named_conns = state_->named_conns();
  s.name_series = state_->name_series().size();
  s.tls_fps = state_->tls_clients().size();
  s.state_bytes = state_->approx_bytes();
  s.drops = state_->drops();
  return s;
}

std::vector<core::Finding> Analyzer::findings() const {
  std::vector<core::Finding> out;
  const Context ctx{cfg_, *state_};
  detect_beacons(ctx, out);
  detect_mgmt_egress(ctx, out);
  detect_exfil(ctx, out);
  detect_long_connections(ctx, out);
  detect_dns_tunnels(ctx, out);
  detect_rare_tls_clients(ctx, out);
  if (cfg_.have_allow) detect_new_destinations(ctx, out);
  std::vector<core::Finding> kept;
  for (auto& f : out)
    if (f.score >= cfg_.min_score) kept.push_back(std::move(f));
  std::stable_sort(kept.begin(), kept.end(), [](const core::Finding& a, const core::Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.score != b.score) return a.score > b.score;
    return a.subject < b.subject;
  });
  // Last, and never filtered by --min-score: what the run could not keep.
  report_dropped_evidence(ctx, kept);
  return kept;
}

}  // namespace sg::hunt
