#pragma once
// Private to sg_attest: what the AK registry (quote_registry.cpp) and the per-host quote-state
// files beside it (quote_clock.cpp) share. Both are small JSON files the verifier trusts, so both
// are written the same way: whole, then renamed into place.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "json_in.hpp"
#include "supplyguard/attest/quote.hpp"

namespace sg::attest {
namespace detail {
std::string read_whole_file(const std::string& path);
}

nlohmann::ordered_json clock_to_json(const ClockInfo& c);
ClockInfo clock_from_json(const detail::JsonIn<nlohmann::json>& in);

// Writes `j` (indented, one trailing newline) to PATH.tmp and renames it onto `path`: a reader
// never sees half a record.
void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& j);

}  // namespace sg::attest
