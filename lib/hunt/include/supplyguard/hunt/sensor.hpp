#pragma once
// Hunt as a continuous sensor (issue 14): which findings are news to a sensor that reports every
// few seconds, and the state file that carries the detectors' evidence across restarts.
//
// State file format (little-endian throughout; docs/hunt.md "State file"):
//   header   8 bytes magic "SGHUNTST", u32 kStateFileVersion, u32 section count
//   section  u32 tag (four ASCII letters), u32 flags (bit 0: required), u64 payload length,
//            u32 zlib crc32 of the payload, then the payload
// Sections of this version: META (required: data time, counters), DROP, PAIR (outbound series),
// MGMT (management series), NAME (address -> DNS name), DOMN (per-domain DNS statistics), LONG
// (long connections), RPTD (what was reported: identity, severity, last seen).
// Adding a table later (e.g. TLS client fingerprints) = a new tag: older builds skip a section
// they do not know unless it is marked required, and a build that misses a section starts that
// table empty. Only a change to an existing section's layout bumps kStateFileVersion (and a
// file of another version is set aside, never half-read).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "supplyguard/core/finding.hpp"
#include "supplyguard/hunt/hunt.hpp"

namespace sg::hunt {

inline constexpr std::uint32_t kStateFileVersion = 1;
inline constexpr char kStateFileName[] = "hunt.state";

// A finding's identity across reports: plane, type, host and subject. Its id hashes the whole
// content, so a beacon with one more callback has a new id but the same identity.
std::string finding_identity(const core::Finding& f);

// What a sensor has already reported, by identity: the severity and the finding's last_seen.
class ReportMemory {
 public:
  struct Entry {
    core::Severity severity = core::Severity::info;
    Micros last_seen = 0;
  };
  // The findings of `all` that are new or more severe than when last reported (a finding that
  // got weaker is not repeated); remembers them.
  std::vector<core::Finding> news(const std::vector<core::Finding>& all);
  // Forgets identities last seen before `cutoff` (reported again if they come back).
  void age_out(Micros cutoff);
  const std::unordered_map<std::string, Entry>& entries() const { return entries_; }
  void put(std::string key, Entry e) { entries_[std::move(key)] = e; }
  void clear() { entries_.clear(); }

  static constexpr std::size_t kMaxEntries = 1 << 20;  // oldest forgotten first beyond this

 private:
  std::unordered_map<std::string, Entry> entries_;
};

struct StateOptions {
  // Evidence (series, callbacks, domains, long connections, reported identities) whose last
  // time is older than this before the newest record seen is dropped at every checkpoint and
  // load. Data time, not wall time, so replaying old captures day by day works.
  Micros max_age = 7 * 24 * 3600'000'000LL;
};

// What a save or a load found, for the stderr line.
struct StateSummary {
  std::uint64_t pairs = 0, mgmt_pairs = 0, names = 0, domains = 0, long_conns = 0, reported = 0;
  std::uint64_t bytes = 0;
  std::uint64_t aged_out = 0;      // entries older than max_age dropped
  std::uint64_t over_caps = 0;     // entries beyond the HuntConfig caps dropped on load
  std::uint64_t unknown_sections = 0;
};

// Drops evidence older than options.max_age before the analyzer's newest record (call at each
// checkpoint, so a sensor that never restarts ages out the same way as one that does).
std::uint64_t age_out(Analyzer& analyzer, ReportMemory& memory, const StateOptions& options = {});

// Serialises the analyzer's detector state and the report memory (the format above).
std::string encode_state(const Analyzer& analyzer, const ReportMemory& memory);

// Replaces the analyzer's detector state and the memory with what `bytes` holds, with the
// analyzer's caps applied. Throws core::InputError naming `name` and the byte offset for a bad
// file; then the analyzer and memory are left as they were.
StateSummary decode_state(std::string_view bytes, const std::string& name, Analyzer& analyzer,
                          ReportMemory& memory, const StateOptions& options = {});

// Writes `dir`/hunt.state atomically: a temporary file in `dir`, fsync, rename over the old one,
// fsync of the directory. Throws std::runtime_error on an I/O error (the old file stays intact).
StateSummary save_state(const std::string& dir, const Analyzer& analyzer, const ReportMemory& memory);

struct StateLoad {
  enum class Status { fresh, loaded, set_aside } status = Status::fresh;
  std::string message;  // for stderr: what was loaded, or why the file was set aside and where
  StateSummary summary;
};
// Loads `dir`/hunt.state if present (creating `dir` if missing). A corrupt, truncated,
// foreign-version or wrong-magic file is renamed to hunt.state.bad-<unix time> (kept for a
// look), the message names the file and byte offset, and the analyzer starts fresh.
StateLoad load_state(const std::string& dir, Analyzer& analyzer, ReportMemory& memory,
                     const StateOptions& options = {});

}  // namespace sg::hunt
