#include "command.hpp"

namespace sg::cli {

void add_serve(CLI::App& app, Action& action) {
  auto* serve = app.add_subcommand("serve", "Serve the fleet dashboard and JSON API on loopback");
  serve->footer("Example:\n  supplyguard serve --db sqlite:supplyguard.db --listen 127.0.0.1:8080 --token T");
  serve->callback([&action] { action = not_built("serve", 6); });
}

}  // namespace sg::cli
