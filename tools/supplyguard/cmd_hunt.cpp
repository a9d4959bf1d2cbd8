#include "command.hpp"

namespace sg::cli {

void add_hunt(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("hunt", "Find implant traffic (beacons, BMC egress, exfil, DNS tunnels)");
  sub->footer("Example:\n  supplyguard hunt -r capture.pcap --mgmt-net 10.99.0.0/16 --format table");
  sub->callback([&action] { action = not_built("hunt", 3); });
}

}  // namespace sg::cli
