#pragma once
// Zeek logs: conn.log and dns.log, in Zeek's TSV form (#separator/#fields header) or its JSON
// form (one object per line), plain text (not gzip). Missing values ('-', '(empty)', absent or
// null keys) are tolerated except for the fields that identify a connection.
#include <istream>
#include <string>

#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

enum class ZeekLog { conn, dns };

// Reads one log stream; `source` names it in errors (InputError with the 1-based line).
// Returns the number of records delivered.
std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink);

// A directory: reads every conn*.log and dns*.log in it (dns first, so names are known; each
// file's kind comes from its name). A single file path is read by its name too. Throws
// InputError when nothing usable is found.
std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink);

}  // namespace sg::hunt
