#include <iostream>

#include "gen.hpp"

namespace sg::gen {

void add_board(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("board", "Generate a inspect scenario (not built yet, issue 5)");
  sub->callback([&action] {
    action = [] {
      std::cerr << "supplyguard-gen board: not built yet (issue 5)\n";
      return 2;
    };
  });
}

}  // namespace sg::gen
