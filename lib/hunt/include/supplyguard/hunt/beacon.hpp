#pragma once
// Beacon scoring over one (source, destination) series of callbacks.
//
// score_beacon: our scorer. It finds the period as the interval with the most support in a
//   ±30 % window (a mode, not a mean, so missed callbacks and stray connections do not drag it),
//   then explains every interval as k periods (k = 1 normal, k >= 2 missed callbacks) within a
//   jitter band that widens with k. Timing score = explained fraction, lowered by spread and by a
//   high miss rate; size score = share of callbacks within ±25 % of the median size.
// score_rita_baseline: the RITA-style scorer (Bowley skew + median absolute deviation of intervals
//   and sizes, connection count over the observed span, small payloads) for comparison: its
//   absolute MAD tolerance (tens of seconds) is what jitter on long periods defeats.
#include <cstdint>
#include <vector>

#include "supplyguard/core/time.hpp"

namespace sg::hunt {

struct Callback {
  core::Micros ts = 0;
  std::uint64_t bytes = 0;  // orig + resp payload of the callback's connection(s)
};

struct BeaconScore {
  double score = 0.0;        // [0,1]
  double timing = 0.0, size = 0.0;
  std::size_t callbacks = 0;
  double period_s = 0.0;     // estimated period
  double median_interval_s = 0.0;
  double jitter = 0.0;       // median |interval - k*period| / (k*period)
  double explained = 0.0;    // share of intervals that are k periods within the jitter band
  double missed = 0.0;       // estimated share of missed callbacks
  double median_bytes = 0.0, size_mad = 0.0;
};

struct BeaconParams {
  std::size_t min_callbacks = 8;
  core::Micros merge_within = 2'000'000;  // connections this close together are one callback
};

// `calls` in any order; returns score 0 with fewer than min_callbacks callbacks.
BeaconScore score_beacon(std::vector<Callback> calls, const BeaconParams& params = {});

struct RitaScore {
  double score = 0.0;
  double ts_skew = 0.0, ts_mad_s = 0.0, ds_skew = 0.0, ds_mad = 0.0;
};
// The RITA-style baseline (same callback merging). RITA reports beacons at score >= 0.7 or so.
RitaScore score_rita_baseline(std::vector<Callback> calls, const BeaconParams& params = {});

// Sorts and merges connections closer than merge_within into one callback (bytes summed).
std::vector<Callback> merge_callbacks(std::vector<Callback> calls, core::Micros merge_within);

}  // namespace sg::hunt
