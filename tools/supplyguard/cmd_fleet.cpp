#include "command.hpp"

namespace sg::cli {

void add_fleet(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("fleet", "Store findings, one verdict per host, correlate across models");
  sub->footer("Example:\n  supplyguard fleet ingest findings.jsonl --db sqlite:supplyguard.db");
  sub->callback([&action] { action = not_built("fleet", 6); });
  auto* serve = app.add_subcommand("serve", "Serve the fleet dashboard and JSON API on loopback");
  serve->footer("Example:\n  supplyguard serve --db sqlite:supplyguard.db --listen 127.0.0.1:8080 --token T");
  serve->callback([&action] { action = not_built("serve", 6); });
}

}  // namespace sg::cli
