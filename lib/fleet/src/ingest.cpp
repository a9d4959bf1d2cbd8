// ingest(): parse everything first, then store, one transaction per file; spool what cannot
// reach the database.
#include <cstdlib>

#include "spool.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

void add(IngestStats& total, const IngestStats& s) {
  total.files += s.files;
  total.findings_added += s.findings_added;
  total.findings_already_present += s.findings_already_present;
  total.snapshots += s.snapshots;
  total.inventory_hosts += s.inventory_hosts;
}

std::size_t records(const std::vector<IngestBatch>& batches) {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.findings.size();
  return n;
}

}  // namespace

std::string default_spool_path() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/supplyguard/spool.jsonl";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/supplyguard/spool.jsonl";
}

IngestStats ingest(const std::string& url, const std::vector<std::string>& files, const IngestOptions& options) {
  std::vector<IngestBatch> batches;
  if (!options.inventory.empty()) {
    IngestBatch inv;
    inv.source = options.inventory;
    inv.inventory_hosts = read_inventory(options.inventory);
    batches.push_back(std::move(inv));
  }
  for (const auto& f : files) batches.push_back(read_input(f));
  const std::string spool = options.spool.empty() ? default_spool_path() : options.spool;

  IngestStats total;
  auto spool_rest = [&](std::size_t from, const std::string& why) {
    std::vector<IngestBatch> rest(batches.begin() + std::ptrdiff_t(from), batches.end());
    spool_append(spool, rest);
    total.spooled += records(rest);
    for (const auto& b : rest) total.snapshots += b.snapshots;
    total.warning = why + "; spooled " + std::to_string(records(rest)) + " findings from " +
                    std::to_string(rest.size()) + " input(s) to " + spool +
                    "; the next ingest that reaches the database replays them";
  };

  std::unique_ptr<Store> store;
  try {
    store = Store::open(url, options.view);
  } catch (const Unreachable& e) {
    spool_rest(0, e.what());
    return total;
  }
  std::size_t next = 0;
  try {
    spool_replay(spool, [&](const std::vector<IngestBatch>& spooled) {
      for (const auto& b : spooled) {
        const IngestStats s = store->store(b);
        total.replayed += b.findings.size();
        total.findings_added += s.findings_added;
        total.findings_already_present += s.findings_already_present;
      }
    });
    for (; next < batches.size(); ++next) {
      IngestStats s = store->store(batches[next]);
      if (!batches[next].inventory_hosts.empty() && batches[next].findings.empty()) s.files = 0;  // the inventory
      add(total, s);
    }
  } catch (const Unreachable& e) {
    // The batch in flight was rolled back with the connection; it and the rest go to the spool.
    spool_rest(next, e.what());
  }
  return total;
}

}  // namespace sg::fleet
