#include "command.hpp"

namespace sg::cli {

void add_fleet(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("fleet", "Store findings, one verdict per host, correlate across models");
  sub->footer("Example:\n  supplyguard fleet ingest findings.jsonl --db sqlite:supplyguard.db");
  sub->callback([&action] { action = not_built("fleet", 6); });
}

}  // namespace sg::cli
