#include "command.hpp"

namespace sg::cli {

void add_inspect(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("inspect", "Compare a board image with its golden board");
  sub->footer("Example:\n  supplyguard inspect --golden golden.png --board board.png --annotate out.png");
  sub->callback([&action] { action = not_built("inspect", 5); });
}

}  // namespace sg::cli
