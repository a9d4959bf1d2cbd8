// ingest(): replay the spool, then store the inventory and each file, one transaction per file;
// spool what cannot reach the database. Findings files are parsed on a second thread in chunks
// by worker threads while the store inserts earlier chunks: parsing and serializing cost more
// than inserting, so a large ingest is bound by the workers, not by the database.
#include <algorithm>
#include <condition_variable>
#include <cstring>
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
constexpr std::size_t kQueueDepth = 4;   // chunks parsed ahead per worker (bounds memory)

void add(IngestStats& total, const IngestStats& s) {
  total.files += s.files;
  total.findings_added += s.findings_added;
  total.findings_already_present += s.findings_already_present;
  total.snapshots += s.snapshots;
  total.inventory_hosts += s.inventory_hosts;
}

// Parser workers -> ordered slots -> Store::store_findings. The text is cut into chunks of
// lines up front (a memchr scan); workers parse and serialize chunks in any order, the store
// takes them in file order. A parse error is rethrown when the store reaches its chunk, so the
// store rolls the whole file back.
IngestStats store_pipelined(Store& store, std::string_view text, const std::string& source) {
  struct Chunk {
    std::size_t begin = 0, end = 0;
    std::uint64_t first_line = 0;  // line number before the chunk's first line
    bool ready = false;
    std::vector<Store::Prepared> findings;
    std::exception_ptr error;
  };
  std::vector<Chunk> chunks;
  {
    std::size_t pos = 0, lines = 0;
    std::uint64_t line = 0;
    Chunk c;
    while (pos < text.size()) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      pos = nl ? std::size_t(static_cast<const char*>(nl) - text.data()) + 1 : text.size();
      ++line;
      if (++lines == kChunk) {
        c.end = pos;
        chunks.push_back(std::move(c));
        c = Chunk{};
        c.begin = pos;
        c.first_line = line;
        lines = 0;
      }
    }
    c.end = text.size();
    if (c.end > c.begin) chunks.push_back(std::move(c));
  }

  std::mutex m;
  std::condition_variable cv;
  std::size_t next_chunk = 0, consumed = 0;
  bool cancel = false;
  auto work = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lk(m);
        // Stay at most kQueueDepth chunks per worker ahead of the store: bounded memory.
        cv.wait(lk, [&] { return cancel || next_chunk >= chunks.size() || next_chunk < consumed + kQueueDepth * 2; });
        if (cancel || next_chunk >= chunks.size()) return;
        i = next_chunk++;
      }
      Chunk& c = chunks[i];
      std::vector<Store::Prepared> out;
      std::exception_ptr error;
      try {
        FindingLines lines(text.substr(c.begin, c.end - c.begin), source, c.first_line);
        std::vector<core::Finding> parsed;
        parsed.reserve(kChunk);
        while (lines.next(parsed, kChunk)) {
        }
        out.reserve(parsed.size());
        for (auto& f : parsed) out.push_back(Store::prepare(std::move(f)));
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lk(m);
      c.findings = std::move(out);
      c.error = error;
      c.ready = true;
      cv.notify_all();
    }
  };
  const unsigned n_workers = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < n_workers; ++w) workers.emplace_back(work);
  auto next = [&](std::vector<Store::Prepared>& out) {
    std::unique_lock lk(m);
    if (consumed >= chunks.size()) return false;
    Chunk& c = chunks[consumed];
    cv.wait(lk, [&] { return c.ready; });
    if (c.error) std::rethrow_exception(c.error);
    out = std::move(c.findings);
    c.findings = {};
    ++consumed;
    cv.notify_all();
    return true;
  };
  auto stop = [&] {
    {
      std::lock_guard lk(m);
      cancel = true;
    }
    cv.notify_all();
    for (auto& t : workers) t.join();
  };
  try {
    IngestStats st = store.store_findings(source, next);
    stop();
    return st;
  } catch (...) {
    stop();
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

namespace {
// Findings spooled while the database was down go in first, before anything new.
void replay_spool(const std::string& spool, Store& store, IngestStats& total) {
  spool_replay(spool, [&](const std::vector<IngestBatch>& spooled) {
    for (const auto& b : spooled) {
      const IngestStats s = store.store(b);
      total.replayed += b.findings.size();
      total.findings_added += s.findings_added;
      total.findings_already_present += s.findings_already_present;
    }
  });
}
}  // namespace

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
    replay_spool(spool, *store, total);
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

IngestStats ingest_batch(const std::string& url, const IngestBatch& batch, const IngestOptions& options) {
  const std::string spool = options.spool.empty() ? default_spool_path() : options.spool;
  IngestStats total;
  auto to_spool = [&](const std::string& why) {
    spool_append(spool, {batch});
    total.spooled += batch.findings.size();
    total.warning = why + "; spooled " + std::to_string(batch.findings.size()) + " findings to " + spool +
                    "; the next write that reaches the database replays them";
  };
  std::unique_ptr<Store> store;
  try {
    store = Store::open(url, options.view);
  } catch (const Unreachable& e) {
    to_spool(e.what());
    return total;
  }
  try {
    replay_spool(spool, *store, total);
    if (!batch.findings.empty()) {
      const IngestStats s = store->store(batch);
      total.files += 1;
      total.findings_added += s.findings_added;
      total.findings_already_present += s.findings_already_present;
    }
  } catch (const Unreachable& e) {
    to_spool(e.what());  // the batch was rolled back with the connection (a replayed spool stays spooled)
  }
  return total;
}

}  // namespace sg::fleet
