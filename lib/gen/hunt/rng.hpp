#pragma once
// The generators' random numbers: SplitMix64 and formulas of our own (not <random>
// distributions, whose output differs between standard libraries), so a seed means the same
// bytes everywhere.
#include <cmath>
#include <cstdint>
#include <string>

namespace sg::hunt {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  double expo(double mean) { return -mean * std::log(1.0 - uniform()); }
  bool chance(double p) { return uniform() < p; }
  std::uint16_t eph_port() { return std::uint16_t(32768 + below(28000)); }
};

// n random base32 characters: the labels DNS tunnels encode their payload in.
inline std::string base32(Rng& rng, std::size_t n) {
  static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(alpha[rng.below(32)]);
  return s;
}

}  // namespace sg::hunt
