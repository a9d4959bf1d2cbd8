#pragma once
// Zeek logs: conn.log, open_conn.log, dns.log, ssl.log and http.log, in Zeek's TSV form (#separator/#fields
// header) or its JSON form (one object per line), plain or gzip (read through zlib). Missing
// values ('-', '(empty)', absent or null keys) are tolerated except for the fields that identify a
// connection. local_orig/local_resp are passed on (ConnRecord).
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

// open_conn: connections still open when the log rotated (Zeek's open_conn.log); they feed
// long_connection only. ssl and http (and their open_ variants) name connections: their
// server_name / ja4 / ja3 and host / user_agent are joined to the conn.log line of the same uid
// (ZeekNames) and land in ConnRecord's name fields.
enum class ZeekLog { conn, dns, open_conn, ssl, http };

// ssl.log / http.log names waiting for their conn.log line, by uid. Bounded: at most
// `max_entries` uids (beyond: counted in `dropped`); read_zeek_path ages out entries not
// claimed by the end of the next rotation window (`unmatched`).
class ZeekNames {
 public:
  explicit ZeekNames(std::size_t max_entries = 1 << 18);
  ~ZeekNames();
  ZeekNames(const ZeekNames&) = delete;
  ZeekNames& operator=(const ZeekNames&) = delete;
  // A new rotation window starts: entries older than the previous window are dropped.
  void next_window();
  std::size_t size() const;
  std::uint64_t added = 0, joined = 0, unmatched = 0, dropped = 0;

 private:
  friend struct ZeekNamesAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The kind of a log from its file name (conn.log, conn.00:00:00-01:00:00.log.gz, conn_json.log,
// open_conn.log, dns.log, ...); nullopt for any other log (conn-summary, http, ssl, ...).
std::optional<ZeekLog> zeek_log_kind(const std::string& file_name);

// Reads one log stream, plain or gzip (by its magic); `source` names it in errors (InputError
// with the 1-based line; for gzip damage also the compressed byte offset).
// Returns the number of records delivered.
// ssl/http logs deliver to `names` (nothing without it); conn/open_conn lines take their
// names from it when given.
std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink,
                            ZeekNames* names = nullptr);

// A directory tree (day subdirectories, rotated and gzip names): reads every conn, open_conn,
// dns, ssl and http log in it (each file's kind comes from its name). Order: dns first, so
// names are known; then per rotation window (the end time in conn.15:00:00-16:00:00.log.gz)
// ssl, http, then conn, so each conn line finds its names; open_* last. Other logs
// (conn-summary, files, ...) are listed in `skipped` when given, not an error. A single file
// path is read by its name too. Throws InputError when nothing usable is found. `names`, when
// given, reports the join (otherwise a local one is used).
std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink, std::vector<std::string>* skipped = nullptr,
                             ZeekNames* names = nullptr);

}  // namespace sg::hunt
