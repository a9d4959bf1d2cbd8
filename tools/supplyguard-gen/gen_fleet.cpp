// supplyguard-gen fleet: a fleet of two server models where model A carries a planted implant
// on many hosts (an extra device on the BMC's I2C bus, and the BMC beacons to one shared C2),
// model B is clean. Writes the inventory (the CMDB export fleet ingest reads), one root tree per
// host for `supplyguard snapshot --root`, one traffic capture for hunt, and the ground truth.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "gen.hpp"
#include "supplyguard/gen/host_tree.hpp"
#include "supplyguard/gen/traffic.hpp"

namespace sg::gen {
namespace {

struct FleetOpts {
  std::uint64_t seed = 1;
  int hosts = 60;
  double hours = 0.25;
  // Of model A hosts. Below one half on purpose: `verify --consensus` takes each model's
  // majority as its golden state, so an implant on most boards would look like the design.
  double implant_share = 0.4;
  bool trees = true;
  std::string out;
};

struct FleetHost {
  int index = 0;
  std::string name, model, batch;
  bool implanted = false;
};

// Model A is the first half of the hosts, model B the rest; two batches per model. The
// implanted subset of model A is drawn from the seed (at least 3 hosts, so K=3 correlates).
std::vector<FleetHost> plan(const FleetOpts& o) {
  std::vector<FleetHost> hosts;
  const int half = o.hosts / 2;
  std::vector<int> a_indices;
  for (int i = 0; i < o.hosts; ++i) {
    FleetHost h;
    h.index = i;
    const bool a = i < half;
    const int k = a ? i : i - half, of = a ? half : o.hosts - half;
    char name[32];
    std::snprintf(name, sizeof name, "%s-%03d", a ? "srv-a" : "srv-b", k + 1);
    h.name = name;
    h.model = a ? "A" : "B";
    h.batch = std::string(a ? "A" : "B") + (k < of / 2 ? "-2025-03" : "-2025-09");
    if (a) a_indices.push_back(i);
    hosts.push_back(std::move(h));
  }
  std::mt19937_64 rng(o.seed ^ 0x5eedf1ee7ULL);
  std::shuffle(a_indices.begin(), a_indices.end(), rng);
  const std::size_t n = std::min(a_indices.size(),
                                 std::max<std::size_t>(3, std::size_t(o.implant_share * double(a_indices.size()) + 0.5)));
  for (std::size_t i = 0; i < n; ++i) hosts[std::size_t(a_indices[i])].implanted = true;
  return hosts;
}

void write_inventory(const std::vector<FleetHost>& hosts, const std::filesystem::path& path) {
  std::ofstream f(path);
  f << "host,model,batch,addresses\r\n";  // CRLF, like a spreadsheet export
  for (const auto& h : hosts)
    f << h.name << "," << h.model << "," << h.batch << ",\"" << hunt::host_address(h.index) << "; "
      << hunt::bmc_address(h.index) << "\"\r\n";
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

int run(const FleetOpts& o) {
  if (o.hosts < 6) throw std::runtime_error("--hosts must be at least 6 (two models, three implanted)");
  std::filesystem::create_directories(o.out);
  const auto dir = std::filesystem::path(o.out);
  const auto hosts = plan(o);
  write_inventory(hosts, dir / "inventory.csv");

  hunt::ScenarioConfig cfg;
  cfg.seed = o.seed;
  cfg.hosts = o.hosts;
  cfg.hours = o.hours;
  cfg.plants = false;  // only the fleet implant: model B must come out clean
  cfg.bmcs = true;
  for (const auto& h : hosts)
    if (h.implanted) cfg.implant_bmcs.push_back(h.index);
  if (o.trees) {
    for (const auto& h : hosts) {
      attest::HostTreeConfig tc;
      tc.seed = o.seed * 100003 + std::uint64_t(h.index);
      tc.hostname = h.name;
      tc.model = h.model;
      tc.addresses = {hunt::host_address(h.index)};  // the OS's own address; the BMC's is in the inventory
      if (h.implanted) tc.plants = {attest::Plant::extra_i2c};
      attest::write_host_tree(tc, dir / "hosts" / h.name);
    }
  }
  const auto cap = dir / "traffic.pcap";
  std::FILE* f = std::fopen(cap.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + cap.string());
  hunt::ScenarioTruth truth;
  try {
    truth = hunt::write_scenario(cfg, f);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + cap.string());

  nlohmann::json t;
  t["seed"] = o.seed;
  t["capture"] = "traffic.pcap";
  t["trees"] = o.trees ? "hosts/<host>" : "";
  t["inventory"] = "inventory.csv";
  t["mgmt_net"] = truth.mgmt_net;
  t["c2"] = cfg.implant_c2;
  t["implanted_model"] = "A";
  t["implanted"] = nlohmann::json::array();
  t["hosts"] = nlohmann::json::array();
  for (const auto& h : hosts) {
    if (h.implanted) t["implanted"].push_back(h.name);
    t["hosts"].push_back({{"host", h.name}, {"model", h.model}, {"batch", h.batch}, {"implanted", h.implanted},
                          {"address", hunt::host_address(h.index)}, {"bmc", hunt::bmc_address(h.index)}});
  }
  std::ofstream tf(dir / "truth.json");
  tf << t.dump(2) << "\n";
  if (!tf) throw std::runtime_error("cannot write truth.json");
  std::cerr << "supplyguard-gen fleet: " << o.out << ": " << hosts.size() << " hosts (models A, B), "
            << cfg.implant_bmcs.size() << " implanted on model A" << (o.trees ? ", host trees" : "") << "; capture " << truth.packets << " packets\n";
  return 0;
}

}  // namespace

void add_fleet(CLI::App& app, Action& action) {
  auto o = std::make_shared<FleetOpts>();
  auto* sub = app.add_subcommand("fleet", "Generate a fleet: inventory, traffic capture, ground truth (two models, "
                                          "model A implanted)");
  sub->add_option("--seed", o->seed, "Random seed (same seed, same files)");
  sub->add_option("--hosts", o->hosts, "Hosts in the fleet (half model A, half model B)")->check(CLI::Range(6, 4000));
  sub->add_option("--hours", o->hours, "Capture span in hours")->check(CLI::Range(0.05, 48.0));
  sub->add_option("--implant-share", o->implant_share, "Share of model A hosts carrying the implant (>= 3 hosts)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("!--no-trees", o->trees, "Skip the per-host root trees (hunt-only scenarios, faster)");
  sub->add_option("-o,--output", o->out, "Directory to write (inventory.csv, hosts/<host>/, traffic.pcap, truth.json)")
      ->required();
  sub->footer(
      "Example:\n"
      "  supplyguard-gen fleet --seed 7 --hosts 60 -o fleet/\n"
      "  supplyguard hunt -r fleet/traffic.pcap --mgmt-net 10.99.0.0/16 > fleet/hunt.jsonl\n"
      "  for h in fleet/hosts/*; do supplyguard snapshot --root $h -o fleet/snap-$(basename $h).json; done\n"
      "  supplyguard verify --consensus fleet/snap-*.json > fleet/attest.jsonl\n"
      "  supplyguard fleet ingest fleet/hunt.jsonl fleet/attest.jsonl fleet/snap-*.json --inventory fleet/inventory.csv");
  sub->callback([&action, o] { action = [o] { return run(*o); }; });
}

}  // namespace sg::gen
