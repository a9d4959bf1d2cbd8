#include "web/view_index.hpp"

#include <algorithm>

namespace sg::fleet::web {

bool finding_order(const StoredFinding* a, const StoredFinding* b) {
  if (a->finding.severity != b->finding.severity) return a->finding.severity > b->finding.severity;
  const auto ta = a->finding.first_seen.value_or(INT64_MAX), tb = b->finding.first_seen.value_or(INT64_MAX);
  if (ta != tb) return ta < tb;
  return a->id < b->id;
}

ViewIndex::ViewIndex(const FleetView& view) : view_(view) {
  for (const auto& f : view.findings) findings_[f.host].push_back(&f);
  for (auto& [host, list] : findings_) std::sort(list.begin(), list.end(), finding_order);
  entries_.reserve(view.verdicts.size() + view.hosts.size() / 8 + findings_.size());
  for (const auto& v : view.verdicts) entries_.push_back({v.host, &v, nullptr, 0});
  const std::size_t ranked = entries_.size();  // in the store's order, worst first
  for (const auto& h : view.hosts) entries_.push_back({h.host, nullptr, &h, 0});
  // Findings with no host (correlations across a model) are shown with the correlations.
  for (const auto& [host, list] : findings_)
    if (!host.empty()) entries_.push_back({host, nullptr, nullptr, 0});
  // Page order: verdicts as ranked, then hosts known only from records or findings, by name.
  // Stable, so a host's first entry is its verdict (if any), and the first verdict wins.
  for (std::size_t i = 0; i < entries_.size(); ++i) entries_[i].position = i;  // the order seen
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.host < b.host; });
  std::vector<Entry> merged;
  merged.reserve(entries_.size());
  for (const auto& e : entries_) {
    if (merged.empty() || merged.back().host != e.host) {
      merged.push_back(e);
      continue;
    }
    auto& m = merged.back();
    if (!m.verdict) m.verdict = e.verdict;
    if (!m.info) m.info = e.info;
  }
  entries_ = std::move(merged);
  entries_.shrink_to_fit();
  std::vector<const Entry*> ranked_hosts, rest;
  for (const auto& e : entries_) (e.position < ranked ? ranked_hosts : rest).push_back(&e);
  std::sort(ranked_hosts.begin(), ranked_hosts.end(), [](const Entry* a, const Entry* b) { return a->position < b->position; });
  order_.reserve(entries_.size());
  for (const auto* e : ranked_hosts) order_.emplace_back(e->host);
  for (const auto* e : rest) order_.emplace_back(e->host);  // already by name
  for (std::size_t i = 0; i < order_.size(); ++i)
    std::lower_bound(entries_.begin(), entries_.end(), std::string_view(order_[i]),
                     [](const Entry& e, std::string_view h) { return e.host < h; })->position = i;
}

const ViewIndex::Entry* ViewIndex::entry(std::string_view host) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), host,
                             [](const Entry& e, std::string_view h) { return e.host < h; });
  return it != entries_.end() && it->host == host ? &*it : nullptr;
}

std::size_t ViewIndex::position(std::string_view host) const {
  const Entry* e = entry(host);
  return e ? e->position : order_.size();
}

const HostVerdict* ViewIndex::verdict(std::string_view host) const {
  const Entry* e = entry(host);
  return e ? e->verdict : nullptr;
}

const HostInfo* ViewIndex::info(std::string_view host) const {
  const Entry* e = entry(host);
  return e ? e->info : nullptr;
}

const std::vector<const StoredFinding*>& ViewIndex::findings_of(std::string_view host) const {
  static const std::vector<const StoredFinding*> kNone;
  auto it = findings_.find(host);
  return it == findings_.end() ? kNone : it->second;
}

bool ViewIndex::known(std::string_view host) const { return !host.empty() && entry(host) != nullptr; }

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
