#pragma once
// Zeek logs: conn.log, open_conn.log and dns.log, in Zeek's TSV form (#separator/#fields
// header) or its JSON form (one object per line), plain or gzip (read through zlib). Missing
// values ('-', '(empty)', absent or null keys) are tolerated except for the fields that identify a
// connection. local_orig/local_resp are passed on (ConnRecord).
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

// open_conn: connections still open when the log rotated (Zeek's open_conn.log); they feed
// long_connection only.
enum class ZeekLog { conn, dns, open_conn };

// The kind of a log from its file name (conn.log, conn.00:00:00-01:00:00.log.gz, conn_json.log,
// open_conn.log, dns.log, ...); nullopt for any other log (conn-summary, http, ssl, ...).
std::optional<ZeekLog> zeek_log_kind(const std::string& file_name);

// Reads one log stream, plain or gzip (by its magic); `source` names it in errors (InputError
// with the 1-based line; for gzip damage also the compressed byte offset).
// Returns the number of records delivered.
std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink);

// A directory tree (day subdirectories, rotated and gzip names): reads every conn, open_conn and
// dns log in it (dns first, so names are known; each file's kind comes from its name). Other
// logs (conn-summary, http, ...) are listed in `skipped` when given, not an error. A single file
// path is read by its name too. Throws InputError when nothing usable is found.
std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink, std::vector<std::string>* skipped = nullptr);

}  // namespace sg::hunt
