#pragma once
// Verification: what changed on a host against the golden state of its model. Findings (plane
// attest): component_added / _removed / _changed, module_changed, module_unknown,
// firmware_changed, eventlog_changed, eventlog_replay_mismatch, model_mismatch, and
// evidence_unreadable when the snapshot could not see what the baseline pins.
//
// Every finding has subject = fields.component = the component identity and fields.model; a
// planted change on many hosts of one model yields the same (type, subject, fields.after), which
// is what fleet correlates on. Nothing host-specific (serials, MACs) is ever compared.
#include <string>
#include <vector>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/snapshot.hpp"
#include "supplyguard/core/finding.hpp"

namespace sg::attest {

struct VerifyContext {
  std::string baseline_label;  // e.g. the baseline file, or "consensus of 12 hosts"
  std::string signer;          // key id, "" when unsigned
};

// Diff against the baseline of the snapshot's model (model_mismatch when the models differ).
std::vector<core::Finding> verify_snapshot(const Snapshot& s, const Baseline& b, const VerifyContext& ctx = {});

// The snapshot's own consistency: does the event log replay to the TPM's PCR values?
// Recomputed here from the logged digests, not taken from the snapshot's "replayed" claim.
std::vector<core::Finding> check_replay(const Snapshot& s);

// Picks, among baselines, the one for each snapshot's model; model_mismatch when there is none.
class Verifier {
 public:
  void add_baseline(Baseline b, VerifyContext ctx);
  std::vector<core::Finding> verify(const Snapshot& s) const;

 private:
  std::vector<std::pair<Baseline, VerifyContext>> baselines_;
};

// No golden: hosts grouped by model, each against its group's strict majority.
std::vector<core::Finding> verify_consensus(const std::vector<Snapshot>& snapshots);

}  // namespace sg::attest
