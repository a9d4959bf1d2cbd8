#pragma once
// The baseline's runtime policy (from golden IMA lists) and the checks against it: shared by
// baseline creation/serialisation and verification, kept out of baseline.cpp and verify.cpp.
#include <set>
#include <vector>

#include "json_in.hpp"
#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/core/finding.hpp"

namespace sg::attest::detail {

// Adds the snapshot's measured files to b.runtime_policy (union of digests per path).
void add_runtime_policy(const Snapshot& s, Baseline& b);
void runtime_policy_to_json(const Baseline& b, Json& j);

template <class J>
void runtime_policy_from_json(const JsonIn<J>& top, Baseline& b) {
  if (const J* q = top.find("quote_required")) {
    if (!q->is_boolean()) top.fail("quote_required: expected true or false");
    b.quote_required = q->template get<bool>();
  }
  const J* p = top.find("runtime_policy");
  if (!p) return;
  JsonIn<J> in(*p, "runtime_policy", top.source());
  for (auto it = p->begin(); it != p->end(); ++it) {
    if (!it.value().is_array()) in.fail(it.key() + ": expected an array of digests");
    std::vector<std::string> digests;
    for (const auto& d : it.value()) {
      if (!d.is_string()) in.fail(it.key() + ": a digest is not a string");
      digests.push_back(d.template get<std::string>());
    }
    b.runtime_policy[it.key()] = std::move(digests);
  }
}

// runtime_file_changed / runtime_file_unknown against the policy, and quote_missing when the
// golden hosts were quoted and this snapshot is not.
std::vector<core::Finding> check_runtime(const Snapshot& s, const Baseline& b);

}  // namespace sg::attest::detail
