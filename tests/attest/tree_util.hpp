#pragma once
// Temporary host trees from the fixture generator, for tests.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "supplyguard/gen/host_tree.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/sg-attest-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

inline attest::HostTreeConfig host_config(const std::string& model, std::uint64_t seed,
                                          std::vector<attest::Plant> plants = {}) {
  attest::HostTreeConfig c;
  c.model = model;
  c.seed = seed;
  c.hostname = "host-" + model + std::to_string(seed);
  c.addresses = {"10.0." + std::to_string(seed % 200) + ".11", "2001:db8::" + std::to_string(seed % 9000 + 1)};
  c.plants = std::move(plants);
  return c;
}

// Writes the tree under dir/<hostname> and snapshots it with a pinned timestamp.
inline attest::Snapshot snapshot_of(const TempDir& dir, const attest::HostTreeConfig& c,
                                    attest::HostTreeTruth* truth = nullptr) {
  const auto root = dir.path / c.hostname;
  auto t = attest::write_host_tree(c, root);
  if (truth) *truth = t;
  attest::CollectOptions o;
  o.root = root;
  o.collected_at = "2026-11-23T12:00:00.000000Z";
  return attest::collect_snapshot(o);
}

}  // namespace sg::test
