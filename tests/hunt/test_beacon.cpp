// Beacon scoring: robust to ±30 % jitter and missed callbacks, where the RITA-style baseline
// (Bowley skew + MAD with its absolute 30 s / 32 byte cut-offs) misses; and not fooled by
// random (Poisson) connection times.
#include <gtest/gtest.h>

#include <cmath>

#include "supplyguard/hunt/beacon.hpp"

using namespace sg::hunt;

namespace {

struct Lcg {  // deterministic and independent of <random>'s distributions
  std::uint64_t s;
  double u() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return double(s >> 11) * 0x1.0p-53;
  }
};

std::vector<Callback> beacon(std::uint64_t seed, double period_s, double jitter, double miss, double hours,
                             double size_lo, double size_hi) {
  Lcg r{seed};
  std::vector<Callback> calls;
  for (double t = r.u() * period_s; t < hours * 3600; t += period_s * (1 + jitter * (2 * r.u() - 1))) {
    if (r.u() < miss) continue;
    calls.push_back({sg::core::Micros(t * 1e6), std::uint64_t(size_lo + (size_hi - size_lo) * r.u())});
  }
  return calls;
}

std::vector<Callback> poisson(std::uint64_t seed, double mean_s, double hours) {
  Lcg r{seed};
  std::vector<Callback> calls;
  for (double t = 0; t < hours * 3600; t += -mean_s * std::log(1 - r.u()) + 3)
    calls.push_back({sg::core::Micros(t * 1e6), std::uint64_t(500 + 50000 * r.u())});
  return calls;
}

}  // namespace

TEST(HuntBeacon, BaselineFindsAPlainBeacon) {
  // Sanity: the baseline is not broken; a clock-exact beacon with fixed sizes scores high.
  const auto calls = beacon(1, 300, 0.0, 0.0, 6, 400, 400);
  EXPECT_GE(score_rita_baseline(calls).score, 0.7);
  const auto ours = score_beacon(calls);
  EXPECT_GE(ours.score, 0.95);
  EXPECT_NEAR(ours.period_s, 300, 1);
}

TEST(HuntBeacon, JitteredBeaconWithMissedCallbacksOursFindsBaselineMisses) {
  int ours_found = 0, rita_found = 0;
  const int runs = 20;
  for (int seed = 1; seed <= runs; ++seed) {
    // ±30 % jitter per sleep, 15 % missed callbacks, request sizes varying by ~±60 bytes.
    const auto calls = beacon(std::uint64_t(seed), 300, 0.30, 0.15, 6, 320, 440);
    const auto ours = score_beacon(calls);
    const auto rita = score_rita_baseline(calls);
    if (ours.score >= 0.65) ++ours_found;  // medium or above
    if (rita.score >= 0.7) ++rita_found;   // the baseline's usual reporting threshold
    EXPECT_NEAR(ours.period_s, 300, 45) << "seed " << seed;
    EXPECT_GT(ours.missed, 0.03) << "seed " << seed;
  }
  EXPECT_EQ(ours_found, runs);
  EXPECT_LE(rita_found, runs / 10);
}

TEST(HuntBeacon, RandomConnectionTimesAreNotBeacons) {
  for (int seed = 1; seed <= 20; ++seed) {
    const auto s = score_beacon(poisson(std::uint64_t(seed), 300, 6));
    EXPECT_LT(s.score, 0.5) << "seed " << seed << " timing " << s.timing << " size " << s.size;
  }
}

TEST(HuntBeacon, TooFewCallbacksScoreZero) {
  const auto calls = beacon(3, 300, 0.0, 0.0, 0.5, 400, 400);  // 6 callbacks
  EXPECT_EQ(score_beacon(calls).score, 0.0);
}

TEST(HuntBeacon, BurstsWithinTwoSecondsAreOneCallback) {
  auto calls = beacon(4, 60, 0.1, 0.0, 1, 300, 320);
  const std::size_t n = calls.size();
  for (std::size_t i = 0; i < n; ++i) calls.push_back({calls[i].ts + 500'000, 100});  // a second connection each time
  const auto s = score_beacon(calls);
  EXPECT_EQ(s.callbacks, n);
  EXPECT_GE(s.score, 0.8);
}
