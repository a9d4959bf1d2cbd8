// Batch inspection (see batch.hpp): a pairs-file parser and an ordered worker pool.
#include "supplyguard/inspect/batch.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace sg::inspect {
namespace {

using core::InputError;

constexpr std::size_t kMaxLine = 4096;
constexpr std::uint64_t kMaxPairsFile = 64ull << 20;

InputError line_error(const std::string& source, std::uint64_t line, std::uint64_t offset, const std::string& what) {
  return InputError(InputError::Where{source, offset, line}, what);
}

}  // namespace

PairList parse_pairs(std::string_view text, const std::string& source) {
  PairList out;
  std::uint64_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    pos = end + 1;
    ++line_no;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kMaxLine) {
      out.errors.push_back(line_error(source, line_no, start, fmt::format("line of {} bytes, over the {}-byte limit", line.size(), kMaxLine)));
      continue;
    }
    if (const std::size_t nul = line.find('\0'); nul != std::string_view::npos) {
      out.errors.push_back(line_error(source, line_no, start + nul, "NUL byte: not a text pairs file"));
      continue;
    }
    std::vector<std::string_view> fields;
    for (std::size_t f = 0;;) {
      const std::size_t tab = line.find('\t', f);
      fields.push_back(line.substr(f, tab == std::string_view::npos ? std::string_view::npos : tab - f));
      if (tab == std::string_view::npos) break;
      f = tab + 1;
    }
    if (fields.size() < 2 || fields.size() > 3) {
      out.errors.push_back(line_error(source, line_no, start,
                                      fmt::format("{} tab-separated field{}: expected GOLDEN<TAB>BOARD[<TAB>HOST]",
                                                  fields.size(), fields.size() == 1 ? "" : "s")));
      continue;
    }
    if (fields[0].empty() || fields[1].empty()) {
      out.errors.push_back(line_error(source, line_no, start, fields[0].empty() ? "empty golden path" : "empty board path"));
      continue;
    }
    out.pairs.push_back(PairLine{std::string(fields[0]), std::string(fields[1]),
                                 fields.size() == 3 ? std::string(fields[2]) : std::string(), line_no});
  }
  return out;
}

PairList load_pairs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError::in(path, "cannot open file");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > kMaxPairsFile)
    throw InputError::in(path, fmt::format("pairs file of {} bytes, over the {}-byte limit", size, kMaxPairsFile));
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) throw InputError::at_offset(path, in.gcount(), "read error");
  return parse_pairs(text, path);
}

namespace {

// Decoded golden images shared by the pairs in flight; the most recent one is kept even when
// no pair holds it, so a production batch against one golden decodes it once.
class GoldenCache {
 public:
  explicit GoldenCache(const ImageLimits& lim) : lim_(lim) {}
  std::shared_ptr<const cv::Mat> get(const std::string& path) {
    std::shared_ptr<Slot> slot;
    {
      std::lock_guard lock(mu_);
      auto& weak = slots_[path];
      slot = weak.lock();
      if (!slot) {
        slot = std::make_shared<Slot>();
        weak = slot;
      }
      last_ = slot;
      for (auto it = slots_.begin(); it != slots_.end();) it = it->second.expired() ? slots_.erase(it) : std::next(it);
    }
    std::call_once(slot->once, [&] {
      try {
        slot->image = std::make_shared<const cv::Mat>(load_image(path, lim_));
      } catch (const InputError& e) {
        slot->error = e;
      }
    });
    if (slot->error) throw *slot->error;
    return slot->image;
  }

 private:
  struct Slot {
    std::once_flag once;
    std::shared_ptr<const cv::Mat> image;
    std::optional<InputError> error;
  };
  ImageLimits lim_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Slot>> slots_;
  std::shared_ptr<Slot> last_;
};

}  // namespace

void run_batch(const std::vector<PairLine>& pairs, const BatchOptions& opt,
               const std::function<void(const PairOutcome&)>& emit) {
  const unsigned workers = std::max(1u, opt.threads ? opt.threads : std::thread::hardware_concurrency());
  const std::size_t window = 2 * workers;  // pairs decoded or done but not yet emitted
  GoldenCache goldens(opt.limits);
  std::vector<std::optional<PairOutcome>> done(pairs.size());
  std::mutex mu;
  std::condition_variable cv_done, cv_room;
  std::size_t next = 0, emitted = 0;

  auto work = [&](const PairLine& p) {
    PairOutcome o;
    o.pair = &p;
    // In a pairs file the line is named first, then the image's own message (file, byte offset).
    auto located = [&](const std::string& what) {
      if (opt.pairs_source.empty() || p.line == 0) return InputError::in(p.board, what);
      return InputError::at_line(opt.pairs_source, p.line, what);
    };
    try {
      const auto golden = goldens.get(p.golden);
      const cv::Mat board = load_image(p.board, opt.limits);
      Options io = opt.inspect;
      io.golden_name = p.golden;
      io.board_name = p.board;
      const std::string host = p.host.empty() ? std::filesystem::path(p.board).stem().string() : p.host;
      o.findings = to_findings(inspect(*golden, board, {}, io), host);
    } catch (const InputError& e) {
      o.error = opt.pairs_source.empty() ? e : located(e.what());
    } catch (const cv::Exception& e) {
      o.error = located(fmt::format("image processing failed: {}", e.what()));
    }
    return o;
  };
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mu);
        cv_room.wait(lock, [&] { return next >= pairs.size() || next < emitted + window; });
        if (next >= pairs.size()) return;
        i = next++;
      }
      PairOutcome o = work(pairs[i]);
      {
        std::lock_guard lock(mu);
        done[i] = std::move(o);
      }
      cv_done.notify_one();
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned w = 0; w < workers; ++w) pool.emplace_back(worker);
  try {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      PairOutcome o;
      {
        std::unique_lock lock(mu);
        cv_done.wait(lock, [&] { return done[i].has_value(); });
        o = std::move(*done[i]);
        done[i].reset();
      }
      emit(o);
      {
        std::lock_guard lock(mu);
        emitted = i + 1;
      }
      cv_room.notify_all();
    }
  } catch (...) {  // the writer failed: let the workers finish their pair and stop
    {
      std::lock_guard lock(mu);
      next = pairs.size();
    }
    cv_room.notify_all();
    throw;
  }
}

}  // namespace sg::inspect
