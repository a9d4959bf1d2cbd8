#pragma once
// Shared between baseline creation and verification: how events are compared.
#include <map>
#include <string>
#include <vector>

#include "supplyguard/attest/baseline.hpp"

namespace sg::attest::detail {

// A USB root hub is the kernel's own device (vendor 1d6b, the Linux Foundation): its
// "manufacturer" is "Linux <release> <hcd>" and its bcdDevice the kernel version.
inline bool usb_root_hub(const Attrs& attrs) {
  auto v = attrs.find("idVendor");
  return v != attrs.end() && v->second == "1d6b";
}

// Attributes that follow the running kernel or run-time state, not the hardware design. The
// collectors record them under Component::runtime; verification also skips them in baselines
// written before that split, so a kernel update raises nothing. docs/attest.md lists them.
inline bool runtime_attribute(const std::string& bus, const Attrs& attrs, const std::string& key) {
  if (bus == "usb") return (key == "manufacturer" || key == "bcdDevice") && usb_root_hub(attrs);
  static const char* const kRuntime[] = {"irq", "numa_node", "local_cpulist", "current_link_speed",
                                         "current_link_width", "enable", "power_state", "driver_version",
                                         "operstate", "carrier", "speed", "duplex", "mtu"};
  for (const char* k : kRuntime)
    if (key == k) return true;
  return false;
}

// The strongest digest an event carries: what a measured-boot policy pins (Keylime-style).
inline std::pair<std::string, std::string> pinned_digest(const MeasuredEvent& e) {
  for (const char* alg : {"sha256", "sha384", "sha512", "sm3_256", "sha1"})
    if (auto it = e.digests.find(alg); it != e.digests.end()) return {alg, it->second};
  if (!e.digests.empty()) return *e.digests.begin();
  return {"", ""};
}

// Events that extend each PCR, in log order (EV_NO_ACTION changes no PCR, so it is not pinned).
inline std::map<std::uint32_t, std::vector<PinnedEvent>> extended_events(const EventLogEvidence& ev) {
  std::map<std::uint32_t, std::vector<PinnedEvent>> out;
  for (const auto& e : ev.events) {
    if (e.type == "EV_NO_ACTION") continue;
    auto [alg, digest] = pinned_digest(e);
    out[e.pcr].push_back({e.index, e.type, alg, digest, e.hint});
  }
  return out;
}

inline bool same_event(const PinnedEvent& a, const PinnedEvent& b) {
  return a.type == b.type && a.alg == b.alg && a.digest == b.digest;
}

}  // namespace sg::attest::detail

namespace sg::attest::detail {

// What one snapshot could not read, by category: missing evidence is not a change. A category
// with a gap in its own source (the raw SMBIOS table, a bus directory) was read partly or not at
// all: only what the snapshot has is compared. A gap in one attribute of one component (a PCI
// "rom") makes that attribute unknown.
struct EvidenceGaps {
  std::map<std::string, std::string> category;  // category -> "path: why" of its first source gap
  std::map<std::string, std::string> attribute;  // "component\nattribute" -> "path: why"

  bool partial(const std::string& cat) const { return category.count(cat) > 0; }
  bool unknown(const std::string& component, const std::string& attr) const {
    return attribute.count(component + "\n" + attr) > 0;
  }
  std::string why(const std::string& cat) const {
    auto it = category.find(cat);
    return it == category.end() ? "" : it->second;
  }
};

inline EvidenceGaps gaps_of(const Snapshot& s) {
  EvidenceGaps g;
  for (const auto& u : s.unreadable) {
    const std::string cat = u.category.empty() ? evidence_category(u.path) : u.category;
    if (cat.empty() || cat == "host") continue;
    if (!u.component.empty()) g.attribute.emplace(u.component + "\n" + u.attribute, u.path + ": " + u.why);
    else g.category.emplace(cat, u.path + ": " + u.why);
  }
  return g;
}

}  // namespace sg::attest::detail
