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
  FindingLines(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}
  // Appends up to `max` findings to `out`; false once the text is exhausted and nothing was
  // added. Throws core::InputError naming the source and line.
  bool next(std::vector<core::Finding>& out, std::size_t max);

 private:
  std::string_view text_;
  std::string source_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 0;
};

}  // namespace sg::fleet
