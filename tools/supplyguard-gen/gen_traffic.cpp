#include <iostream>

#include "gen.hpp"

namespace sg::gen {

void add_traffic(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("traffic", "Generate a hunt scenario (not built yet, issue 3)");
  sub->callback([&action] {
    action = [] {
      std::cerr << "supplyguard-gen traffic: not built yet (issue 3)\n";
      return 2;
    };
  });
}

}  // namespace sg::gen
