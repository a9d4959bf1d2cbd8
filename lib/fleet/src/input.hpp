#pragma once
// Streaming access to a findings file, so a million-line file is parsed in chunks while the
// previous chunk is being stored, instead of held whole in memory.
#include <string>
#include <string_view>
#include <vector>

#include "supplyguard/core/finding.hpp"

namespace sg::fleet {

// True when `text` is (or starts like) an attest snapshot rather than JSON lines of findings.
bool looks_like_snapshot(std::string_view text);

class FindingLines {
 public:
  // `first_line`: line number before the text's first line (for chunks cut from a larger file).
  FindingLines(std::string_view text, std::string source, std::uint64_t first_line = 0)
      : text_(text), source_(std::move(source)), line_(first_line) {}
  // Appends up to `max` findings to `out`; false once the text is exhausted and nothing was
  // added. Throws core::InputError naming the source and line.
  bool next(std::vector<core::Finding>& out, std::size_t max);

 private:
  std::string_view text_;
  std::string source_;
  std::uint64_t line_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace sg::fleet
