#include <iostream>

#include "gen.hpp"

namespace sg::gen {

void add_host(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("host", "Generate a attest scenario (not built yet, issue 4)");
  sub->callback([&action] {
    action = [] {
      std::cerr << "supplyguard-gen host: not built yet (issue 4)\n";
      return 2;
    };
  });
}

}  // namespace sg::gen
