#pragma once
// JSON of the snapshot's `ima` and `quote` sections (kept apart from snapshot_json.cpp, which calls
// these). Reading is strict: snapshots come from hosts we do not trust.
#include "supplyguard/attest/ima.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest::detail {

Json ima_to_json(const ImaEvidence& e);
Json quote_to_json(const QuoteEvidence& q);
// Instantiated for nlohmann::json and nlohmann::ordered_json; `path` is the JSON path for errors.
template <class J>
ImaEvidence ima_from_json(const J& j, const std::string& path, const std::string& source);
template <class J>
QuoteEvidence quote_from_json(const J& j, const std::string& path, const std::string& source);

}  // namespace sg::attest::detail
