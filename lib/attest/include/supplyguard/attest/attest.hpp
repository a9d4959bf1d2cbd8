#pragma once
// The attest plane's front door: is this server still its model's original design?
//   collect_snapshot   evidence from a root tree (live "/" or a captured copy)  snapshot.hpp
//   create_baseline    golden state of a model, quorum over hosts, Ed25519      baseline.hpp
//   verify_snapshot    findings: what changed against the golden state          verify.hpp
//   verify_consensus   no golden: each host against its model group's majority  verify.hpp
// Parsers of outside input (SMBIOS, TCG event log, snapshot/baseline JSON) raise
// core::InputError naming the file and byte offset or JSON path.
#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/keys.hpp"
#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/attest/snapshot.hpp"
#include "supplyguard/attest/verify.hpp"
