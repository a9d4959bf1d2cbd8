// supplyguard-gen: writes deterministic test scenarios with ground truth.
#include <iostream>

#include "gen.hpp"

int main(int argc, char** argv) {
  CLI::App app{"supplyguard-gen: deterministic scenarios (captures, host trees, board images) with ground truth",
               "supplyguard-gen"};
  app.require_subcommand(1);
  sg::gen::Action action;
  sg::gen::add_traffic(app, action);
  sg::gen::add_host(app, action);
  sg::gen::add_board(app, action);
  sg::gen::add_fleet(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (!action) return 2;
  try {
    return action();
  } catch (const std::exception& e) {
    std::cerr << "supplyguard-gen: " << e.what() << "\n";
    return 2;
  }
}
