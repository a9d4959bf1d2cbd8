#include "web/view_index.hpp"

#include <algorithm>
#include <set>

namespace sg::fleet::web {

bool finding_order(const StoredFinding* a, const StoredFinding* b) {
  if (a->finding.severity != b->finding.severity) return a->finding.severity > b->finding.severity;
  const auto ta = a->finding.first_seen.value_or(INT64_MAX), tb = b->finding.first_seen.value_or(INT64_MAX);
  if (ta != tb) return ta < tb;
  return a->id < b->id;
}

ViewIndex::ViewIndex(const FleetView& view) : view_(view) {
  for (const auto& v : view.verdicts) verdicts_.emplace(v.host, &v);
  for (const auto& h : view.hosts) infos_.emplace(h.host, &h);
  for (const auto& f : view.findings) findings_[f.host].push_back(&f);
  for (auto& [host, list] : findings_) std::sort(list.begin(), list.end(), finding_order);

  std::set<std::string, std::less<>> seen;
  for (const auto& v : view.verdicts)
    if (seen.insert(v.host).second) order_.push_back(v.host);
  std::set<std::string> rest;
  for (const auto& h : view.hosts)
    if (!seen.count(h.host)) rest.insert(h.host);
  // Findings with no host (correlations across a model) are shown with the correlations.
  for (const auto& [host, list] : findings_)
    if (!host.empty() && !seen.count(host)) rest.insert(host);
  order_.insert(order_.end(), rest.begin(), rest.end());
  for (std::size_t i = 0; i < order_.size(); ++i) position_.emplace(order_[i], i);
}

std::size_t ViewIndex::position(std::string_view host) const {
  auto it = position_.find(host);
  return it == position_.end() ? order_.size() : it->second;
}

const HostVerdict* ViewIndex::verdict(std::string_view host) const {
  auto it = verdicts_.find(host);
  return it == verdicts_.end() ? nullptr : it->second;
}

const HostInfo* ViewIndex::info(std::string_view host) const {
  auto it = infos_.find(host);
  return it == infos_.end() ? nullptr : it->second;
}

const std::vector<const StoredFinding*>& ViewIndex::findings_of(std::string_view host) const {
  static const std::vector<const StoredFinding*> kNone;
  auto it = findings_.find(host);
  return it == findings_.end() ? kNone : it->second;
}

bool ViewIndex::known(std::string_view host) const {
  if (host.empty()) return false;
  return verdicts_.count(host) || infos_.count(host) || findings_.count(host);
}

std::string_view ViewIndex::model_of(std::string_view host) const {
  if (auto* v = verdict(host); v && !v->model.empty()) return v->model;
  if (auto* i = info(host)) return i->model;
  return {};
}

std::vector<std::string> correlation_hosts(const core::Finding& f) {
  const core::Json* list = nullptr;
  if (f.fields.is_object() && f.fields.contains("hosts") && f.fields["hosts"].is_array())
    list = &f.fields["hosts"];
  else if (f.evidence.is_object() && f.evidence.contains("hosts") && f.evidence["hosts"].is_array())
    list = &f.evidence["hosts"];
  std::vector<std::string> out;
  if (list)
    for (const auto& h : *list)
      if (h.is_string()) out.push_back(h.get<std::string>());
  return out;
}

}  // namespace sg::fleet::web
