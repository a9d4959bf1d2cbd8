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
  // A report with nothing new does not touch the database unless a spool may be waiting (at the
  // first report, and after an outage): a sensor reporting every second does not connect every
  // second, and an unreachable server's connect timeout is paid only while there is something
  // to deliver.
  std::string store(const std::vector<core::Finding>& findings, const std::string& source);

 private:
  std::string url_, spool_;
  bool spool_may_wait_ = true;
};

}  // namespace sg::cli
