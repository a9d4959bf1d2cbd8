#include "supplyguard/hunt/beacon.hpp"

#include <algorithm>
#include <cmath>

namespace sg::hunt {
namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(mid))) / 2.0;
  return m;
}

// Linear-interpolated quantile of a sorted vector.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double pos = q * double(sorted.size() - 1);
  const std::size_t i = std::size_t(pos);
  const double frac = pos - double(i);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
}

double mad_of(const std::vector<double>& v, double med) {
  std::vector<double> dev;
  dev.reserve(v.size());
  for (double x : v) dev.push_back(std::fabs(x - med));
  return median_of(std::move(dev));
}

std::vector<double> intervals_s(const std::vector<Callback>& calls) {
  std::vector<double> d;
  d.reserve(calls.size());
  for (std::size_t i = 1; i < calls.size(); ++i) d.push_back(double(calls[i].ts - calls[i - 1].ts) / 1e6);
  return d;
}

}  // namespace

std::vector<Callback> merge_callbacks(std::vector<Callback> calls, core::Micros merge_within) {
  std::sort(calls.begin(), calls.end(), [](const Callback& a, const Callback& b) { return a.ts < b.ts; });
  std::vector<Callback> out;
  out.reserve(calls.size());
  for (const auto& c : calls) {
    if (!out.empty() && c.ts - out.back().ts <= merge_within) {
      out.back().bytes += c.bytes;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

BeaconScore score_beacon(std::vector<Callback> raw, const BeaconParams& params) {
  BeaconScore r;
  const auto calls = merge_callbacks(std::move(raw), params.merge_within);
  r.callbacks = calls.size();
  if (calls.size() < std::max<std::size_t>(params.min_callbacks, 3)) return r;

  const std::vector<double> d = intervals_s(calls);
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  r.median_interval_s = quantile(sorted, 0.5);

  // Period: the candidate interval with the most intervals within ±30 % of it (a mode). Several
  // candidates usually tie (a plateau as wide as the jitter); its middle is the estimate, since
  // taking the first would bias the period low by up to the jitter.
  // Windows are anchored on the data: each interval as the window's low edge, centre or high
  // edge, so the best window is among the candidates even when no interval sits at its centre.
  std::vector<double> cands;
  cands.reserve(sorted.size() * 3);
  for (double x : sorted)
    if (x > 0.0) {
      cands.push_back(x / 0.7);
      cands.push_back(x);
      cands.push_back(x / 1.3);
    }
  std::vector<std::ptrdiff_t> support(cands.size());
  std::ptrdiff_t best_support = 0;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    const double c = cands[i];
    const auto lo = std::lower_bound(sorted.begin(), sorted.end(), c * 0.7 * (1 - 1e-9));
    const auto hi = std::upper_bound(sorted.begin(), sorted.end(), c * 1.3 * (1 + 1e-9));
    support[i] = hi - lo;
    best_support = std::max(best_support, support[i]);
  }
  if (best_support <= 0) return r;
  std::vector<double> plateau;
  for (std::size_t i = 0; i < cands.size(); ++i)
    if (support[i] == best_support) plateau.push_back(cands[i]);
  const double best_c = median_of(plateau);
  std::vector<double> core;
  for (double x : sorted)
    if (x >= best_c * 0.7 && x <= best_c * 1.3) core.push_back(x);
  double period = median_of(core);

  // Explain each interval as k periods; the jitter band widens with sqrt(k) because k jittered
  // sleeps add up. Refine the period once from the explained intervals.
  std::size_t explained = 0, slots = 0, missed_slots = 0;
  std::vector<double> rel_err;
  for (int pass = 0; pass < 3; ++pass) {
    explained = slots = missed_slots = 0;
    rel_err.clear();
    std::vector<double> per_slot;
    for (double x : d) {
      const double k = std::max(1.0, std::round(x / period));
      if (k > 6) continue;
      if (std::fabs(x - k * period) > 0.35 * period * std::sqrt(k)) continue;
      ++explained;
      slots += std::size_t(k);
      missed_slots += std::size_t(k) - 1;
      rel_err.push_back(std::fabs(x - k * period) / (k * period));
      per_slot.push_back(x / k);
    }
    if (pass < 2 && !per_slot.empty()) period = median_of(per_slot);
  }
  r.period_s = period;
  r.explained = d.empty() ? 0.0 : double(explained) / double(d.size());
  r.missed = slots ? double(missed_slots) / double(slots) : 0.0;
  r.jitter = median_of(rel_err);
  // Jitter up to ±30 % is what implants are configured with: it costs at most a quarter.
  const double jitter_factor = 1.0 - 0.25 * std::min(1.0, r.jitter / 0.3);
  const double miss_factor = r.missed <= 0.3 ? 1.0 : std::max(0.0, 1.0 - (r.missed - 0.3) / 0.4);
  r.timing = r.explained * jitter_factor * miss_factor;

  // Size regularity: share of callbacks within ±25 % (and 32 bytes) of the median size.
  std::vector<double> sizes;
  for (const auto& c : calls) sizes.push_back(double(c.bytes));
  r.median_bytes = median_of(sizes);
  r.size_mad = mad_of(sizes, r.median_bytes);
  std::size_t near = 0;
  for (double s : sizes)
    if (std::fabs(s - r.median_bytes) <= std::max(32.0, 0.25 * r.median_bytes)) ++near;
  r.size = double(near) / double(sizes.size());

  const double n = double(calls.size()), min = double(params.min_callbacks);
  const double confidence = n >= 20 ? 1.0 : 0.8 + 0.2 * std::max(0.0, (n - min) / std::max(1.0, 20 - min));
  r.score = std::clamp((0.75 * r.timing + 0.25 * r.size) * confidence, 0.0, 1.0);
  return r;
}

RitaScore score_rita_baseline(std::vector<Callback> raw, const BeaconParams& params) {
  RitaScore r;
  const auto calls = merge_callbacks(std::move(raw), params.merge_within);
  if (calls.size() < std::max<std::size_t>(params.min_callbacks, 3)) return r;
  auto bowley = [](const std::vector<double>& sorted) {
    const double q1 = quantile(sorted, 0.25), q2 = quantile(sorted, 0.5), q3 = quantile(sorted, 0.75);
    const double num = q1 + q3 - 2 * q2, den = q3 - q1;
    if (den == 0 || num == 0 || q2 == q1 || q2 == q3) return 0.0;
    return num / den;
  };
  std::vector<double> d = intervals_s(calls);
  std::sort(d.begin(), d.end());
  const double ts_mid = quantile(d, 0.5);
  r.ts_skew = bowley(d);
  r.ts_mad_s = mad_of(d, ts_mid);
  const double ts_skew_score = 1.0 - std::fabs(r.ts_skew);
  const double ts_mad_score = std::max(0.0, 1.0 - r.ts_mad_s / 30.0);  // 30 s absolute cut-off
  const double span = double(calls.back().ts - calls.front().ts) / 1e6;
  const double ts_count_score = (ts_mid > 0 && span > 0) ? std::min(1.0, double(calls.size()) / (span / ts_mid)) : 0.0;
  const double ts_score = (ts_skew_score + ts_mad_score + ts_count_score) / 3.0;

  std::vector<double> s;
  for (const auto& c : calls) s.push_back(double(c.bytes));
  std::sort(s.begin(), s.end());
  const double ds_mid = quantile(s, 0.5);
  r.ds_skew = bowley(s);
  r.ds_mad = mad_of(s, ds_mid);
  // Mode of sizes for the smallness term.
  double mode = s.front();
  std::size_t best = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i;
    while (j < s.size() && s[j] == s[i]) ++j;
    if (j - i > best) { best = j - i; mode = s[i]; }
    i = j;
  }
  const double ds_score = ((1.0 - std::fabs(r.ds_skew)) + std::max(0.0, 1.0 - r.ds_mad / 32.0) +
                           std::max(0.0, 1.0 - mode / 65535.0)) / 3.0;
  r.score = (ts_score + ds_score) / 2.0;
  return r;
}

}  // namespace sg::hunt
