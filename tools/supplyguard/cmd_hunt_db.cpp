// HuntDb: hunt's findings into the fleet store through fleet::ingest_batch (same spool as
// `fleet ingest`, so nothing is lost while PostgreSQL is down).
#include <cstdio>
#include <exception>

#include "hunt_db.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::cli {

std::string HuntDb::store(const std::vector<core::Finding>& findings, const std::string& source) {
  if (findings.empty() && !spool_may_wait_) return "db: nothing new";
  fleet::IngestBatch batch;
  batch.source = source;
  batch.findings = findings;
  fleet::IngestOptions opt;
  opt.spool = spool_;
  fleet::IngestStats st;
  try {
    st = fleet::ingest_batch(url_, batch, opt);
  } catch (const std::exception& e) {
    // Neither the database nor the spool took them (a full disk, a store of a newer schema):
    // the sensor keeps running -- the findings are in its output -- and says so.
    std::fprintf(stderr, "hunt: error: --db: %s; %zu findings of this report are in the output only\n", e.what(),
                 findings.size());
    spool_may_wait_ = true;
    return "db: FAILED";
  }
  spool_may_wait_ = st.spooled > 0;
  if (!st.warning.empty()) std::fprintf(stderr, "hunt: warning: --db: %s\n", st.warning.c_str());
  std::string note = "db: " + std::to_string(st.findings_added) + " stored";
  if (st.replayed) note += ", " + std::to_string(st.replayed) + " replayed from the spool";
  if (st.spooled) note += ", " + std::to_string(st.spooled) + " spooled";
  return note;
}

}  // namespace sg::cli
