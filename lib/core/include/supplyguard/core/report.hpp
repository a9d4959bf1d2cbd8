#pragma once
// Writers for findings: JSON lines (streamed, one per finding) and an aligned human table
// (buffered, since column widths depend on every row).
#include <iosfwd>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "supplyguard/core/finding.hpp"

namespace sg::core {

enum class Format { jsonl, table };
std::optional<Format> parse_format(std::string_view text);

class FindingWriter {
 public:
  virtual ~FindingWriter() = default;
  virtual void write(const Finding& f) = 0;
  virtual void finish() {}
};

std::unique_ptr<FindingWriter> make_writer(Format format, std::ostream& out);

// Renders findings as a table (header + one row each), most severe first.
void write_table(const std::vector<Finding>& findings, std::ostream& out);

// Tracks the worst severity seen, for `--fail-on`.
class FailGate {
 public:
  explicit FailGate(std::optional<Severity> threshold) : threshold_(threshold) {}
  void observe(const Finding& f) {
    if (!worst_ || f.severity > *worst_) worst_ = f.severity;
  }
  bool triggered() const { return threshold_ && worst_ && *worst_ >= *threshold_; }
  std::optional<Severity> worst() const { return worst_; }

 private:
  std::optional<Severity> threshold_;
  std::optional<Severity> worst_;
};

// Exit codes shared by every subcommand: a pipeline gates on these.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;     // usage error or bad input (message on stderr)
inline constexpr int kExitFailOn = 3;    // a finding reached --fail-on

}  // namespace sg::core
