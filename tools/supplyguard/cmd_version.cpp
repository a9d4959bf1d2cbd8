#include <iostream>

#include "command.hpp"

namespace sg::cli {

void add_version(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("version", "Print the supplyguard version");
  sub->footer("Example:\n  supplyguard version");
  sub->callback([&action] {
    action = [](Output&) {
      std::cout << "supplyguard " << SG_VERSION << "\n";
      return 0;
    };
  });
}

}  // namespace sg::cli
