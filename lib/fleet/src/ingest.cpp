// ingest(): replay the spool, then store the inventory and each file, one transaction per file;
// spool what cannot reach the database. Findings files are read in blocks, cut into chunks of
// lines and parsed by worker threads while the store inserts earlier chunks: parsing and
// serializing cost more than inserting, and memory stays bounded whatever the file's size.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "input.hpp"
#include "input_util.hpp"
#include "spool.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

constexpr std::size_t kChunk = 2048;     // findings per chunk
constexpr std::size_t kQueueDepth = 4;   // chunks parsed ahead per worker (bounds memory)
constexpr std::size_t kBlock = 1u << 20;  // read this much at a time
constexpr std::size_t kMaxLine = 16u << 20;  // a longer line is refused, not buffered without end

void add(IngestStats& total, const IngestStats& s) {
  total.files += s.files;
  total.findings_added += s.findings_added;
  total.findings_already_present += s.findings_already_present;
  total.snapshots += s.snapshots;
  total.inventory_hosts += s.inventory_hosts;
}

// A findings file read in blocks of kBlock and cut into chunks of up to kChunk whole lines, so
// a file of any size is ingested in bounded memory (it used to be read whole: 436 MB for 10^6).
class ChunkReader {
 public:
  ChunkReader(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw core::InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  }
  ~ChunkReader() { ::close(fd_); }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // The start of the file (at most one block), without consuming it.
  std::string_view head() {
    if (buf_.empty() && !eof_) read_more();
    return std::string_view(buf_).substr(0, kBlock);
  }

  // The next chunk's text (whole lines; the last may lack its newline) and the number of the
  // line before it; false at the end of the file. Throws core::InputError naming the file (and
  // the line, for a line over kMaxLine).
  bool next(std::string& text, std::uint64_t& first_line) {
    std::size_t lines = 0, scan = pos_;
    for (;;) {
      while (lines < kChunk) {
        const void* nl = std::memchr(buf_.data() + scan, '\n', buf_.size() - scan);
        if (!nl) break;
        const std::size_t end = std::size_t(static_cast<const char*>(nl) - buf_.data()) + 1;
        if (end - scan > kMaxLine) too_long(lines);
        scan = end;
        ++lines;
      }
      if (lines == kChunk || eof_) break;
      if (buf_.size() - scan > kMaxLine) too_long(lines);
      buf_.erase(0, pos_);  // keep only what is not handed out yet
      scan -= pos_;
      pos_ = 0;
      read_more();
    }
    if (lines < kChunk && scan < buf_.size()) {  // the last line, without a newline
      if (buf_.size() - scan > kMaxLine) too_long(lines);
      scan = buf_.size();
      ++lines;
    }
    if (scan == pos_) return false;
    text.assign(buf_, pos_, scan - pos_);
    first_line = line_;
    line_ += lines;
    pos_ = scan;
    return true;
  }

 private:
  [[noreturn]] void too_long(std::size_t lines_before) {
    throw core::InputError::at_line(path_, line_ + lines_before + 1,
                                    "line longer than " + std::to_string(kMaxLine >> 20) + " MB");
  }
  void read_more() {
    const std::size_t used = buf_.size();
    buf_.resize(used + kBlock);
    ssize_t n;
    do n = ::read(fd_, buf_.data() + used, kBlock);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      const int e = errno;
      buf_.resize(used);
      throw core::InputError::in(path_, std::string("cannot read: ") + std::strerror(e));
    }
    buf_.resize(used + std::size_t(n));
    if (n == 0) eof_ = true;
  }

  std::string path_;
  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 0;
  bool eof_ = false;
};

// Reader -> parser workers -> ordered slots -> Store::store_findings. A worker takes the next
// chunk from the reader (under the lock: reading is cheap, parsing is not), parses and
// serializes it; the store takes chunks in file order. A read or parse error is rethrown when
// the store reaches its chunk, so the store rolls the whole file back.
IngestStats store_pipelined(Store& store, ChunkReader& reader, const std::string& source) {
  struct Chunk {
    bool ready = false;
    std::vector<Store::Prepared> findings;
    std::exception_ptr error;
  };
  std::map<std::size_t, Chunk> slots;  // by chunk number, while read and not yet stored
  // Chunks the store is done with, freed by a worker: ~15 allocations per finding, which the
  // store's thread (the one that limits ingest) would otherwise free itself.
  std::vector<std::vector<Store::Prepared>> done;
  std::mutex m;
  std::condition_variable cv;
  std::size_t next_chunk = 0, consumed = 0;
  bool cancel = false, read_all = false;
  auto work = [&] {
    std::string text;
    std::vector<std::vector<Store::Prepared>> freeing;
    for (;;) {
      std::size_t i;
      std::uint64_t first_line = 0;
      std::exception_ptr error;
      freeing.clear();  // outside the lock
      {
        std::unique_lock lk(m);
        freeing.swap(done);
        // Stay at most kQueueDepth chunks per worker ahead of the store: bounded memory.
        cv.wait(lk, [&] { return cancel || read_all || next_chunk < consumed + kQueueDepth * 2; });
        if (cancel || read_all) return;
        try {
          if (!reader.next(text, first_line)) {
            read_all = true;
            cv.notify_all();
            return;
          }
        } catch (...) {
          error = std::current_exception();
          read_all = true;
        }
        i = next_chunk++;
        slots[i];
        if (error) {
          slots[i].error = error;
          slots[i].ready = true;
          cv.notify_all();
          return;
        }
      }
      std::vector<Store::Prepared> out;
      try {
        FindingLines lines(text, source, first_line);
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
      Chunk& c = slots[i];
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
    cv.wait(lk, [&] {
      auto it = slots.find(consumed);
      return (it != slots.end() && it->second.ready) || (read_all && consumed >= next_chunk);
    });
    auto it = slots.find(consumed);
    if (it == slots.end()) return false;  // everything read was stored
    if (it->second.error) std::rethrow_exception(it->second.error);
    if (!out.empty()) done.push_back(std::move(out));
    out = std::move(it->second.findings);
    slots.erase(it);
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
      ChunkReader reader(files[next]);
      if (looks_like_snapshot(reader.head()))  // one JSON object, read whole
        add(total, store->store(parse_input(read_file(files[next]), files[next])));
      else
        add(total, store_pipelined(*store, reader, files[next]));
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
