// supplyguard-gen host: CLI for the attest host-tree fixture (logic in lib/attest/fixture).
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "gen.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/gen/host_tree.hpp"

namespace sg::gen {

void add_host(CLI::App& app, Action& action) {
  struct Opts {
    attest::HostTreeConfig cfg;
    std::vector<std::string> plants;
    std::string out, truth, tpm;
    bool ima = false;
  };
  auto o = std::make_shared<Opts>();
  std::string plant_names;
  for (auto p : attest::all_plants()) plant_names += (plant_names.empty() ? "" : ", ") + std::string(attest::to_string(p));
  auto* sub = app.add_subcommand("host", "Generate a server root tree (sys/, proc/, lib/) for attest, with planted changes");
  sub->add_option("--seed", o->cfg.seed, "Unit seed: serial numbers, MACs, UUID (the design is the model's)");
  sub->add_option("--model", o->cfg.model, "Server model: A (Supermicro X11DPU, E810) or B (Dell R650)")
      ->check(CLI::IsMember({"A", "B"}));
  sub->add_option("--hostname", o->cfg.hostname, "Host name");
  sub->add_option("--address", o->cfg.addresses, "The host's own IPv4/IPv6 address (repeatable)");
  sub->add_option("--plant", o->plants, "Planted change (repeatable): " + plant_names);
  sub->add_option("--kernel", o->cfg.kernel_release, "Kernel release (lib/modules/<release>)");
  sub->add_option("-o,--output", o->out, "Directory to create the tree in")->required();
  sub->add_option("--truth", o->truth, "Write the expected findings (ground truth) as JSON here");
  sub->add_flag("--ima", o->ima, "Also write an IMA runtime measurement list (modules and firmware as loaded)");
  sub->add_option("--tpm", o->tpm, "Boot this software TPM with the tree: for swtpm:host=...,port=N, TPM_Init and "
                                   "TPM2_Startup from the log's StartupLocality (3 on model A) over its control channel "
                                   "(port N+1), then extend it with the tree's event log and IMA list");
  sub->footer(
      "Example:\n  supplyguard-gen host --seed 3 --model A --hostname web-03 --address 10.0.1.13 --plant extra_i2c -o web-03\n"
      "  supplyguard snapshot --root web-03 -o web-03.json");
  sub->callback([&action, o] {
    action = [o] {
      for (const auto& name : o->plants) {
        auto p = attest::parse_plant(name);
        if (!p) throw std::runtime_error("unknown --plant \"" + name + "\"");
        o->cfg.plants.push_back(*p);
      }
      if (std::filesystem::exists(o->out) && !std::filesystem::is_empty(o->out))
        throw std::runtime_error(o->out + " exists and is not empty");
      const auto truth = attest::write_host_tree(o->cfg, o->out);
      if (o->ima) attest::write_ima_list(o->out);
      if (!o->tpm.empty()) {
        const auto n = attest::boot_tpm_from_tree(o->tpm, o->out);
        std::cerr << "supplyguard-gen host: booted " << o->tpm << " (TPM_Init, Startup at locality "
                  << int(attest::fixture_startup_locality(o->cfg.model)) << ") and extended it with " << n << " measurements\n";
      }
      if (!o->truth.empty()) {
        nlohmann::ordered_json j;
        j["hostname"] = o->cfg.hostname;
        j["model"] = truth.model_key;
        j["expected"] = nlohmann::ordered_json::array();
        for (const auto& e : truth.expected)
          j["expected"].push_back({{"plant", attest::to_string(e.plant)}, {"type", e.type}, {"subject", e.subject}});
        std::ofstream t(o->truth);
        t << j.dump(2) << "\n";
        if (!t) throw std::runtime_error("cannot write " + o->truth);
      }
      std::cerr << "supplyguard-gen host: " << o->out << ": model " << o->cfg.model << " (" << truth.model_key << "), "
                << o->cfg.plants.size() << " planted changes\n";
      return 0;
    };
  });
}

}  // namespace sg::gen
