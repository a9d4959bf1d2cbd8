// HuntDb: hunt's findings into the fleet store through fleet::ingest_batch (same spool as
// `fleet ingest`, so nothing is lost while PostgreSQL is down).
#include <cstdio>

#include "hunt_db.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::cli {

std::string HuntDb::store(const std::vector<core::Finding>& findings, const std::string& source) {
  fleet::IngestBatch batch;
  batch.source = source;
  batch.findings = findings;
  fleet::IngestOptions opt;
  opt.spool = spool_;
  const fleet::IngestStats st = fleet::ingest_batch(url_, batch, opt);
  if (!st.warning.empty()) std::fprintf(stderr, "hunt: warning: --db: %s\n", st.warning.c_str());
  std::string note = "db: " + std::to_string(st.findings_added) + " stored";
  if (st.replayed) note += ", " + std::to_string(st.replayed) + " replayed from the spool";
  if (st.spooled) note += ", " + std::to_string(st.spooled) + " spooled";
  return note;
}

}  // namespace sg::cli
