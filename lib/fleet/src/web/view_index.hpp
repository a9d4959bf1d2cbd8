#pragma once
// Lookups over one FleetView, built once per render or per request: the view holds flat lists
// (what the store reads in one pass), the pages need "everything about host X".
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet::web {

class ViewIndex {
 public:
  explicit ViewIndex(const FleetView& view);

  const FleetView& view() const { return view_; }
  const HostVerdict* verdict(std::string_view host) const;
  const HostInfo* info(std::string_view host) const;
  // The host's findings, most severe first (then first seen, then id: deterministic).
  const std::vector<const StoredFinding*>& findings_of(std::string_view host) const;
  // Hosts in page order: verdicts as the store ranked them (worst first), then hosts known only
  // from the inventory or from findings, by name.
  const std::vector<std::string>& hosts() const { return order_; }
  bool known(std::string_view host) const;
  // Position of a host in hosts(), or hosts().size() when unknown (page cursors).
  std::size_t position(std::string_view host) const;
  // The model a host belongs to ("" when unknown).
  std::string_view model_of(std::string_view host) const;

 private:
  // One sorted array of every known host, viewing the view's own strings: at 10^5 hosts three
  // ordered maps of copied names (verdict, record, position) were ~25 MB of every snapshot.
  struct Entry {
    std::string_view host;
    const HostVerdict* verdict = nullptr;
    const HostInfo* info = nullptr;
    std::size_t position = 0;
  };
  const Entry* entry(std::string_view host) const;

  const FleetView& view_;
  std::vector<Entry> entries_;  // by host
  std::map<std::string, std::vector<const StoredFinding*>, std::less<>> findings_;
  std::vector<std::string> order_;
};

// Most severe first, then earliest, then id.
bool finding_order(const StoredFinding* a, const StoredFinding* b);

// The hosts a correlation finding names: its "hosts" field, else evidence.hosts (strings only).
std::vector<std::string> correlation_hosts(const core::Finding& f);

}  // namespace sg::fleet::web
