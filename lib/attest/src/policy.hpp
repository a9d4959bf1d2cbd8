#pragma once
// Shared between baseline creation and verification: how events are compared.
#include <map>
#include <vector>

#include "supplyguard/attest/baseline.hpp"

namespace sg::attest::detail {

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
