// A component's attributes as a JSON object: written into snapshots and into the
// before/after fields of attest findings, so both print attributes the same way.
#pragma once

#include "supplyguard/attest/snapshot.hpp"
#include "supplyguard/core/finding.hpp"

namespace sg::attest::detail {

inline core::Json attrs_json(const Attrs& a) {
  core::Json j = core::Json::object();
  for (const auto& [k, v] : a) j[k] = v;
  return j;
}

}  // namespace sg::attest::detail
