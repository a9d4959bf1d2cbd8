#pragma once
// supplyguard-gen: deterministic scenario generator (captures, host trees, board images) for
// tests, demos and benchmarks. Each plane registers its generator (gen_<plane>.cpp).
#include <functional>

#include <CLI/CLI.hpp>

namespace sg::gen {

using Action = std::function<int()>;

void add_traffic(CLI::App& app, Action& action);  // hunt
void add_host(CLI::App& app, Action& action);     // attest
void add_board(CLI::App& app, Action& action);    // inspect
void add_fleet(CLI::App& app, Action& action);    // fleet (inventory + many hosts' evidence)

}  // namespace sg::gen
