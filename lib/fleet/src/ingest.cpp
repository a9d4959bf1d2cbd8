// ingest(): replay the spool, then store the inventory and each file, one transaction per file;
// spool what cannot reach the database. Findings files are parsed on a second thread in chunks
// while the store inserts the previous chunk: parsing and inserting cost about the same, so
// this nearly halves a large ingest.
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "input.hpp"
#include "input_util.hpp"
#include "spool.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

constexpr std::size_t kChunk = 2048;     // findings per chunk
constexpr std::size_t kQueueDepth = 4;   // chunks parsed ahead (bounds memory)

void add(IngestStats& total, const IngestStats& s) {
  total.files += s.files;
  total.findings_added += s.findings_added;
  total.findings_already_present += s.findings_already_present;
  total.snapshots += s.snapshots;
  total.inventory_hosts += s.inventory_hosts;
}

// Parser thread -> bounded queue -> Store::store_findings. A parse error is rethrown from the
// store's `next`, after the chunks before it, so the store rolls the whole file back.
IngestStats store_pipelined(Store& store, std::string_view text, const std::string& source) {
  FindingLines lines(text, source);
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::vector<core::Finding>> queue;
  bool done = false, cancel = false;
  std::exception_ptr error;
  std::thread parser([&] {
    try {
      for (;;) {
        std::vector<core::Finding> chunk;
        chunk.reserve(kChunk);
        if (!lines.next(chunk, kChunk)) break;
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return queue.size() < kQueueDepth || cancel; });
        if (cancel) return;
        queue.push_back(std::move(chunk));
        cv.notify_all();
      }
    } catch (...) {
      std::lock_guard lk(m);
      error = std::current_exception();
    }
    std::lock_guard lk(m);
    done = true;
    cv.notify_all();
  });
  auto next = [&](std::vector<core::Finding>& out) {
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return !queue.empty() || done; });
    if (!queue.empty()) {
      out = std::move(queue.front());
      queue.pop_front();
      cv.notify_all();
      return true;
    }
    if (error) std::rethrow_exception(error);
    return false;
  };
  try {
    IngestStats st = store.store_findings(source, next);
    parser.join();
    return st;
  } catch (...) {
    {
      std::lock_guard lk(m);
      cancel = true;
    }
    cv.notify_all();
    parser.join();
    throw;
  }
}

struct Input {
  std::string path;
  std::string text;
  bool snapshot = false;
};

}  // namespace

std::string default_spool_path() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/supplyguard/spool.jsonl";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/supplyguard/spool.jsonl";
}

IngestStats ingest(const std::string& url, const std::vector<std::string>& files, const IngestOptions& options) {
  IngestBatch inventory;
  if (!options.inventory.empty()) {
    inventory.source = options.inventory;
    inventory.inventory_hosts = read_inventory(options.inventory);  // a bad inventory stops before anything
  }
  const std::string spool = options.spool.empty() ? default_spool_path() : options.spool;

  IngestStats total;
  // Unreachable: parse what is left (so bad input still fails loudly) and append it to the spool.
  auto spool_rest = [&](bool with_inventory, std::size_t from, const std::string& why) {
    std::vector<IngestBatch> rest;
    if (with_inventory && !inventory.inventory_hosts.empty()) rest.push_back(inventory);
    for (std::size_t i = from; i < files.size(); ++i) rest.push_back(read_input(files[i]));
    spool_append(spool, rest);
    std::size_t n = 0;
    for (const auto& b : rest) {
      n += b.findings.size();
      total.snapshots += b.snapshots;
    }
    total.spooled += n;
    total.warning = why + "; spooled " + std::to_string(n) + " findings from " + std::to_string(rest.size()) +
                    " input(s) to " + spool + "; the next ingest that reaches the database replays them";
  };

  std::unique_ptr<Store> store;
  try {
    store = Store::open(url, options.view);
  } catch (const Unreachable& e) {
    spool_rest(true, 0, e.what());
    return total;
  }
  bool inventory_done = false;
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
    if (!inventory.inventory_hosts.empty()) {
      IngestStats s = store->store(inventory);
      s.files = 0;  // counted as hosts, not as an input file
      add(total, s);
    }
    inventory_done = true;
    for (; next < files.size(); ++next) {
      const std::string text = read_file(files[next]);
      if (looks_like_snapshot(text))
        add(total, store->store(parse_input(text, files[next])));
      else
        add(total, store_pipelined(*store, text, files[next]));
    }
  } catch (const Unreachable& e) {
    // The file in flight was rolled back with the connection; it and the rest go to the spool.
    spool_rest(!inventory_done, next, e.what());
  }
  return total;
}

}  // namespace sg::fleet
