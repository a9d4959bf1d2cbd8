#include "command.hpp"

namespace sg::cli {

void add_attest(CLI::App& app, Action& action) {
  auto* snap = app.add_subcommand("snapshot", "Collect a host's hardware and firmware evidence");
  snap->footer("Example:\n  supplyguard snapshot --root / -o host.json");
  snap->callback([&action] { action = not_built("snapshot", 4); });
  auto* base = app.add_subcommand("baseline", "Create and sign golden baselines per server model");
  base->footer("Example:\n  supplyguard baseline create host1.json host2.json -o golden.json --key golden.key");
  base->callback([&action] { action = not_built("baseline", 4); });
  auto* verify = app.add_subcommand("verify", "Diff snapshots against a signed golden baseline");
  verify->footer("Example:\n  supplyguard verify host.json --baseline golden.json --pubkey golden.pub");
  verify->callback([&action] { action = not_built("verify", 4); });
}

}  // namespace sg::cli
