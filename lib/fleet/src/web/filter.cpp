// filter_findings: what /api/findings serves. Plain scan over the view: the dashboard asks for a
// page of findings at a time, and a scan of a million findings is a few milliseconds.
#include <set>

#include "supplyguard/fleet/fleet.hpp"
#include "web/view_index.hpp"

namespace sg::fleet {

std::vector<StoredFinding> filter_findings(const FleetView& view, const FindingFilter& filter) {
  std::vector<StoredFinding> out;
  if (filter.limit == 0) return out;
  // The model filter means "findings on hosts of that model", plus correlations that name the
  // model themselves (a shared_destination across a model has no single host).
  std::set<std::string, std::less<>> model_hosts;
  if (filter.model) {
    for (const auto& v : view.verdicts)
      if (v.model == *filter.model) model_hosts.insert(v.host);
    for (const auto& h : view.hosts)
      if (h.model == *filter.model) model_hosts.insert(h.host);
  }
  // The cursor is a position: resume after the finding with that id (the view's order).
  bool resumed = filter.after.empty();
  for (const auto& sf : view.findings) {
    if (!resumed) {
      resumed = sf.id == filter.after;
      continue;
    }
    const auto& f = sf.finding;
    if (filter.host && sf.host != *filter.host) continue;
    if (filter.plane && core::to_string(f.plane) != *filter.plane) continue;
    if (filter.type && f.type != *filter.type) continue;
    if (filter.min_severity && f.severity < *filter.min_severity) continue;
    if (filter.model && !model_hosts.count(sf.host)) {
      const bool names_model = f.fields.is_object() && f.fields.contains("model") &&
                               f.fields["model"].is_string() && f.fields["model"] == *filter.model;
      if (!names_model) continue;
    }
    out.push_back(sf);
    if (out.size() >= filter.limit) break;
  }
  return out;
}

}  // namespace sg::fleet
