#pragma once
// `hunt --db URL`: findings also go straight into the fleet store. The wiring between the two
// planes lives here, in the CLI, so lib/hunt never depends on lib/fleet.
#include <string>
#include <vector>

#include "supplyguard/core/finding.hpp"

namespace sg::cli {

class HuntDb {
 public:
  HuntDb(std::string url, std::string spool) : url_(std::move(url)), spool_(std::move(spool)) {}
  // Stores one report's findings (the spool replayed first); when the database is unreachable
  // they are spooled and a warning goes to stderr. Returns a short note for the report line.
  std::string store(const std::vector<core::Finding>& findings, const std::string& source);

 private:
  std::string url_, spool_;
};

}  // namespace sg::cli
