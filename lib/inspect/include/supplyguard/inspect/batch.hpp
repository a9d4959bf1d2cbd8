#pragma once
// Batch inspection: many boards in one process (a production batch against one golden image, or
// a list of golden/board pairs). Pairs are decoded and inspected on all cores; results come back
// in input order, one board at a time, so findings stream while later boards are still working.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supplyguard/core/error.hpp"
#include "supplyguard/core/finding.hpp"
#include "supplyguard/inspect/image_io.hpp"
#include "supplyguard/inspect/inspect.hpp"

namespace sg::inspect {

struct PairLine {
  std::string golden, board, host;  // host empty: the board file name without extension
  std::uint64_t line = 0;           // 1-based line in the pairs file (0: from the command line)
};

struct PairList {
  std::vector<PairLine> pairs;
  std::vector<core::InputError> errors;  // malformed lines, each naming file, line and byte offset
};

// A --pairs file: one pair per line, GOLDEN<TAB>BOARD[<TAB>HOST]; blank lines and lines starting
// with '#' are skipped; CRLF accepted. A malformed line (one field, an empty path, more than three
// fields, a NUL byte, over 4096 bytes) is reported in `errors` and skipped: the rest still runs.
// `source` names the file in errors. Relative paths are taken as written (relative to the
// current directory, like any other path argument).
PairList parse_pairs(std::string_view text, const std::string& source);
// Reads and parses a pairs file; throws InputError when it cannot be read or is over 64 MiB.
PairList load_pairs(const std::string& path);

struct BatchOptions {
  Options inspect;
  ImageLimits limits;
  std::string pairs_source;  // names the pairs file in per-line errors ("" = command line)
  unsigned threads = 0;      // 0: all cores
};

struct PairOutcome {
  const PairLine* pair = nullptr;
  std::vector<core::Finding> findings;  // when the pair could be inspected
  std::optional<core::InputError> error;  // when it could not: names the line and the file
};

// Runs every pair; `emit` is called on the calling thread, in input order, once per pair.
// Memory: at most ~2 pairs per worker are decoded or waiting at any time; a golden image shared
// by consecutive pairs is decoded once.
void run_batch(const std::vector<PairLine>& pairs, const BatchOptions& opt,
               const std::function<void(const PairOutcome&)>& emit);

}  // namespace sg::inspect
