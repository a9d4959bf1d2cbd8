// bench_attest_fleet DIR N [PLANTED_PER_MILLE]: writes N snapshot files of hosts of models A
// and B (alternating) into DIR/snaps, plus signed baselines DIR/golden-A.json, DIR/golden-B.json
// and the key DIR/golden.key(.pub). Each snapshot is a real collection of a generated tree,
// re-labelled per host (hostname, addresses, serials) so writing 10 000 of them takes seconds;
// every PLANTED_PER_MILLE-th host carries one planted change.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "supplyguard/attest/attest.hpp"
#include "supplyguard/gen/host_tree.hpp"

namespace fs = std::filesystem;
using namespace sg::attest;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_attest_fleet DIR N [PLANTED_PER_MILLE]\n";
    return 2;
  }
  const fs::path dir = argv[1];
  const long n = std::atol(argv[2]);
  const long per_mille = argc > 3 ? std::atol(argv[3]) : 10;
  fs::create_directories(dir / "snaps");
  const auto key = generate_keypair();
  write_keypair(key, dir / "golden.key");

  // One collected snapshot per (model, plant or none).
  std::map<std::string, std::vector<Snapshot>> variants;  // model -> [clean, plant1, ...]
  for (const std::string model : {"A", "B"}) {
    std::vector<std::vector<Plant>> sets = {{}};
    for (auto p : all_plants()) sets.push_back({p});
    for (std::size_t i = 0; i < sets.size(); ++i) {
      HostTreeConfig c;
      c.model = model;
      c.seed = i + 1;
      c.hostname = "tmpl";
      c.addresses = {"10.0.0.1"};
      c.plants = sets[i];
      const fs::path root = dir / "trees" / (model + std::to_string(i));
      write_host_tree(c, root);
      CollectOptions o;
      o.root = root;
      o.collected_at = "2026-11-23T12:00:00.000000Z";
      variants[model].push_back(collect_snapshot(o));
    }
    BaselineOptions bo;
    bo.created_at = "2026-11-23T12:00:00.000000Z";
    auto b = create_baseline({variants[model].front()}, bo);
    sign_baseline(b, key);
    std::ofstream(dir / ("golden-" + model + ".json")) << to_json(b).dump(2) << "\n";
  }
  fs::remove_all(dir / "trees");
  long planted = 0;
  for (long i = 0; i < n; ++i) {
    const std::string model = i % 2 ? "B" : "A";
    const auto& vs = variants[model];
    // Host k of its model is planted when k % step == 3, cycling through the plants.
    const long k = i / 2, step = per_mille > 0 ? 1000 / per_mille : 0;
    const bool plant = step > 0 && k % step == 3;
    Snapshot s = vs[plant ? 1 + std::size_t(k / step) % (vs.size() - 1) : 0];
    planted += plant;
    char name[32];
    std::snprintf(name, sizeof name, "srv-%05ld", i);
    s.host.hostname = name;
    s.host.addresses = {"10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                        std::to_string(i % 256)};
    for (auto& c : s.components)
      for (auto& [k, v] : c.unit_attrs) v = std::string(name) + "-" + k;
    std::ofstream(dir / "snaps" / (std::string(name) + ".json")) << to_json(s).dump(2) << "\n";
  }
  std::fprintf(stderr, "bench_attest_fleet: %ld snapshots (%ld with a planted change) in %s\n", n, planted,
               (dir / "snaps").c_str());
  return 0;
}
