#pragma once
// Time as integer microseconds since the Unix epoch (UTC): what pcap, Zeek and the TCG log give
// us without loss, and cheap to compare on hot paths.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg::core {

using Micros = std::int64_t;

// "2026-11-22T18:34:30.123456Z" (always microsecond precision, always UTC).
std::string format_iso8601(Micros t);
// Accepts the form above, with 0-9 fraction digits, and an optional trailing 'Z' or "+00:00".
std::optional<Micros> parse_iso8601(std::string_view text);

}  // namespace sg::core
