#pragma once
// Findings over time as an inline SVG bar chart, stacked by severity. No script, no external
// font or image: it renders in the report opened from disk and under the dashboard's CSP.
#include <string>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet::web {

struct TimelineBucketing {
  core::Micros start = 0;  // aligned start of the first bucket
  core::Micros width = 0;  // bucket width
  std::size_t count = 0;   // number of buckets (0: nothing dated)
};

// Chooses hour, 6 h, day, week, 30 d or 365 d buckets (the finest giving at most `max_buckets`)
// for the span [lo, hi]; wider spans get equal buckets of span / max_buckets.
TimelineBucketing choose_buckets(core::Micros lo, core::Micros hi, std::size_t max_buckets = 120);

// The <svg> element (or a short paragraph when no finding carries a time). A finding is placed
// by first_seen, else last_seen; findings with neither are counted in a note under the chart.
std::string render_timeline_svg(const std::vector<StoredFinding>& findings);
// The same from counts per hour (Store::overview()); `undated` findings are noted under it.
std::string render_timeline_svg(const std::vector<TimeCount>& counts, std::size_t undated);

}  // namespace sg::fleet::web
