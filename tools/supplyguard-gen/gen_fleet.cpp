#include <iostream>

#include "gen.hpp"

namespace sg::gen {

void add_fleet(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("fleet", "Generate a fleet scenario (not built yet, issue 6)");
  sub->callback([&action] {
    action = [] {
      std::cerr << "supplyguard-gen fleet: not built yet (issue 6)\n";
      return 2;
    };
  });
}

}  // namespace sg::gen
